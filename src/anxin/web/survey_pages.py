"""Follow-up pages: the customer's mobile survey behind the signed link (``/s/{token}``, no sign-in), the
portal's "rate this visit" link, and the staff task queue (``/console/tasks``) where a follow-up call
opens the same survey form for the agent to record the phone answers. The same actions as the API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import NotFound
from anxin.feedback import tasks
from anxin.feedback.exceptions import SurveyAnswered, SurveyExpired
from anxin.feedback.followup import surveys as followup
from anxin.feedback.models import Survey
from anxin.web import i18n
from anxin.web.session import CsrfChecked, page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service as work_order_service

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
TaskDesk = Annotated[User, Depends(page_user(Action.TASKS_WORK))]
PhoneDesk = Annotated[User, Depends(page_user(Action.SURVEYS_BY_PHONE))]
Score = Annotated[int, Form(ge=1, le=5)]

i18n.extend(
    {
        "fb_rate_title": ("服务评价", "Rate the visit"),
        "fb_rate_intro": ("请为本次服务打分（1–5 星）", "Please rate this visit (1 to 5 stars)"),
        "fb_attitude": ("服务态度", "Attitude"),
        "fb_skill": ("技术与质量", "Skill and quality"),
        "fb_punctuality": ("准时上门", "Punctuality"),
        "fb_promises": ("承诺兑现", "Promises kept"),
        "fb_overall": ("总体满意度", "Overall"),
        "fb_nps": ("您有多大可能向亲友推荐我们？（0–10）", "How likely are you to recommend us? (0 to 10)"),
        "fb_comment": ("意见与建议", "Comment"),
        "fb_fixed": ("故障是否已解决", "Was the fault fixed?"),
        "fb_yes": ("是", "Yes"),
        "fb_no": ("否", "No"),
        "fb_submit": ("提交评价", "Send"),
        "fb_thanks": ("感谢您的评价！", "Thank you for your rating!"),
        "fb_thanks_low": (
            "很抱歉本次服务没有让您满意，客服将在 24 小时内与您联系。",
            "We are sorry the visit fell short; an agent will call you within 24 hours.",
        ),
        "fb_answered": ("该回访已提交，感谢您的评价。", "This survey has already been answered. Thank you."),
        "fb_expired": (
            "回访链接已过期。如需反馈请联系客服。",
            "This survey link has expired. Please call us.",
        ),
        "fb_order": ("工单", "Order"),
        "fb_served_by": ("服务工程师", "Technician"),
        "fb_rate_visit": ("评价本次服务", "Rate this visit"),
        "fb_no_survey": ("该工单暂无待评价的回访", "This order has no survey waiting"),
        "fb_tasks": ("服务任务", "Tasks"),
        "fb_complaints": ("投诉", "Complaints"),
        "fb_task": ("任务", "Task"),
        "fb_kind": ("类型", "Kind"),
        "fb_due": ("期限", "Due"),
        "fb_assignee": ("处理人", "Taken by"),
        "fb_take": ("领取", "Take"),
        "fb_done": ("完成", "Done"),
        "fb_outcome": ("处理结果", "Outcome"),
        "fb_record_call": ("记录电话回访", "Record the call"),
        "fb_no_tasks": ("没有待办任务", "No open tasks"),
        "fb_mine": ("我的", "mine"),
        "fb_kind_follow_up_call": ("电话回访", "Follow-up call"),
        "fb_kind_callback": ("低分回电", "Callback"),
        "fb_kind_training": ("培训", "Training"),
        "fb_kind_complaint_reminder": ("投诉超时提醒", "Complaint reminder"),
        "fb_tags": ("哪些方面让您满意？（可多选）", "What went well? (pick any)"),
        "fb_tags_improve": ("哪些方面需要改进？（可多选）", "What should be better? (pick any)"),
        "fb_more": ("分项评价（选填）", "Rate each aspect (optional)"),
        "fb_back_order": ("查看工单", "Back to the order"),
        "fb_back_home": ("返回首页", "Home"),
        "fb_star_1": ("非常不满意", "Very poor"),
        "fb_star_2": ("不满意", "Poor"),
        "fb_star_3": ("一般", "OK"),
        "fb_star_4": ("满意", "Good"),
        "fb_star_5": ("非常满意", "Excellent"),
    }
)

# The quick tags of the customer's rating; the answer keeps their Chinese words in its comment. Four or
# five stars offer what went well, three or fewer what should be better (the form swaps them as the
# stars are picked; the server keeps only the set that matches the stars).
RATING_TAGS = [
    ("on_time", "准时", "On time"),
    ("skilled", "专业", "Skilled"),
    ("tidy", "干净整洁", "Clean and tidy"),
    ("friendly", "态度好", "Friendly"),
    ("explained", "讲解清楚", "Explained clearly"),
    ("fair_price", "收费透明", "Fair price"),
]
IMPROVE_TAGS = [
    ("late", "迟到", "Late"),
    ("not_fixed", "没修好", "Not fixed"),
    ("unskilled", "技术不熟练", "Not skilled enough"),
    ("messy", "没有清理现场", "Left a mess"),
    ("unfriendly", "态度不好", "Unfriendly"),
    ("unexplained", "没讲清楚", "Did not explain"),
    ("unclear_price", "收费不透明", "Unclear charges"),
]
PRAISE_FROM = 4  # stars from which the rating's tags are what went well


def _answers(form: dict) -> followup.Answers:
    resolved = form.get("resolved")
    return followup.Answers(
        attitude=form["attitude"],
        skill=form["skill"],
        punctuality=form["punctuality"],
        promises=form["promises"],
        overall=form["overall"],
        nps=form["nps"],
        comment=(form.get("comment") or "").strip() or None,
        resolved=None if resolved in (None, "") else resolved == "yes",
    )


def survey_form(
    attitude: Score,
    skill: Score,
    punctuality: Score,
    promises: Score,
    overall: Score,
    nps: Annotated[int, Form(ge=0, le=10)],
    comment: Annotated[str, Form(max_length=1000)] = "",
    resolved: Annotated[str, Form(pattern="^(yes|no)?$")] = "",
) -> dict:
    return dict(locals())


SurveyForm = Annotated[dict, Depends(survey_form)]
MaybeScore = Annotated[int | None, Form(ge=1, le=5)]


def rating_form(
    overall: Score,
    attitude: MaybeScore = None,
    skill: MaybeScore = None,
    punctuality: MaybeScore = None,
    promises: MaybeScore = None,
    nps: Annotated[int | None, Form(ge=0, le=10)] = None,
    comment: Annotated[str, Form(max_length=1000)] = "",
    resolved: Annotated[str, Form(pattern="^(yes|no)?$")] = "",
) -> dict:
    """The customer's rating: the overall stars; an aspect left unrated takes the overall score (the
    scorecards and the low-score rule read all four), the recommendation may stay unanswered."""
    form = dict(locals())
    for name in followup.DIMENSIONS:
        if form[name] is None:
            form[name] = overall
    return form


RatingForm = Annotated[dict, Depends(rating_form)]


def _with_tags(form: dict, chosen: list[str]) -> dict:
    """The comment with the quick tags picked in front, in their Chinese words: "【准时、专业】…", or
    "【需改进：迟到、没修好】…" under four stars; a tag of the other set (picked before the stars changed)
    is dropped."""
    praise = form["overall"] >= PRAISE_FROM
    words = [zh for code, zh, _en in (RATING_TAGS if praise else IMPROVE_TAGS) if code in chosen]
    comment = (form.get("comment") or "").strip()
    if words:
        label = "、".join(words) if praise else f"需改进：{'、'.join(words)}"
        comment = f"【{label}】{comment}"[:1000]
    return {**form, "comment": comment}


def _closed_page(request: Request, key: str, status_code: int, order_id: int | None = None) -> Response:
    return render(
        request, "feedback/survey_done.html", status_code=status_code, message_key=key, order_id=order_id
    )


@router.get("/s/{token}", response_class=HTMLResponse)
def survey_page(request: Request, token: str, db: DbSession) -> Response:
    """The customer's survey: four star rows, overall, NPS 0 to 10, a comment."""
    try:
        survey = followup.survey_from_token(db, token)
    except SurveyAnswered:
        return _closed_page(request, "fb_answered", 409)
    except SurveyExpired:
        return _closed_page(request, "fb_expired", 410)
    lang = i18n.language(request)
    about = followup.public_view(db, survey=survey, lang=lang)
    tags = [(code, en if lang == "en" else zh) for code, zh, en in RATING_TAGS]
    improve = [(code, en if lang == "en" else zh) for code, zh, en in IMPROVE_TAGS]
    return render(
        request,
        "feedback/survey.html",
        about=about,
        action=f"/s/{token}",
        phone=False,
        rating_tags=tags,
        improve_tags=improve,
    )


@router.post("/s/{token}", response_class=HTMLResponse)
async def survey_answer(
    request: Request, token: str, db: DbSession, _: CsrfChecked, form: RatingForm
) -> Response:
    """One overall star and the quick tags; the aspects, the recommendation and "fixed?" optional."""
    form = _with_tags(form, (await request.form()).getlist("tag"))
    try:
        survey = followup.survey_from_token(db, token)
        followup.answer(db, survey=survey, answers=_answers(form), actor=None, via="link")
    except SurveyAnswered:
        return _closed_page(request, "fb_answered", 409)
    except SurveyExpired:
        return _closed_page(request, "fb_expired", 410)
    low = min(form[name] for name in (*followup.DIMENSIONS, "overall")) <= 2
    return _closed_page(request, "fb_thanks_low" if low else "fb_thanks", 200, order_id=survey.work_order_id)


@router.get("/portal/orders/{order_id}/rate")
def portal_rate(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    """The portal's "rate this visit" link: to the survey page while the survey waits."""
    order = work_order_service.get_for(db, user=user, id=order_id)
    survey = followup.for_order(db, order=order)
    if survey is None or survey.status != "pending":
        raise NotFound("survey", "待评价的回访")
    return see_other(followup.link(survey))


# -- the staff task queue --------------------------------------------------------------------------------


@router.get("/console/tasks", response_class=HTMLResponse)
def task_list(request: Request, db: DbSession, user: TaskDesk, kind: str = "") -> Response:
    found = tasks.list_for(db, user=user, kind=kind or None, status="open")
    return render(request, "feedback/tasks.html", tasks=found, kind=kind, kinds=tasks.KINDS)


@router.post("/console/tasks/{task_id}/take")
def task_take(request: Request, task_id: int, db: DbSession, user: TaskDesk) -> Response:
    tasks.take(db, task=tasks.get_for(db, user=user, id=task_id, lock=True), actor=user)
    return see_other("/console/tasks")


@router.post("/console/tasks/{task_id}/done")
def task_done(
    request: Request,
    task_id: int,
    db: DbSession,
    user: TaskDesk,
    outcome: Annotated[str, Form(min_length=1, max_length=1000)],
) -> Response:
    tasks.done(db, task=tasks.get_for(db, user=user, id=task_id, lock=True), actor=user, outcome=outcome)
    return see_other("/console/tasks")


def _task_survey(db: DbSession, user: User, task_id: int) -> Survey:
    task = tasks.get_for(db, user=user, id=task_id)
    return followup.get(db, tenant_id=user.tenant_id, id=task.survey_id)


@router.get("/console/tasks/{task_id}/survey", response_class=HTMLResponse)
def phone_form(request: Request, task_id: int, db: DbSession, user: PhoneDesk) -> Response:
    """The follow-up call: the same form as the customer's, filled in by the agent on the phone."""
    survey = _task_survey(db, user, task_id)
    about = followup.public_view(db, survey=survey, lang=i18n.language(request))
    return render(
        request, "feedback/phone.html", about=about, action=f"/console/tasks/{task_id}/survey", phone=True
    )


@router.post("/console/tasks/{task_id}/survey")
def phone_record(
    request: Request, task_id: int, db: DbSession, user: PhoneDesk, form: SurveyForm
) -> Response:
    survey = _task_survey(db, user, task_id)
    followup.answer(db, survey=survey, answers=_answers(form), actor=user, via="phone")
    return see_other("/console/tasks")
