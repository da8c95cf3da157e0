"""Penalties and appeals (申诉) as pages: the technician's own (``/tech/penalties``, phone: the points, each
penalty with its reason, the suspension and its lifting, an appeal form per penalty) and quality's desk
(``/console/appeals``, desktop: open appeals to uphold or overturn with a note, the decided ones below).
The same calls as the API (``feedback/scorecards/appeals_router.py``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import AnxinError
from anxin.feedback.scorecards import appeals
from anxin.feedback.scorecards import penalties as penalty_list
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Tech = Annotated[User, Depends(page_user(Action.PENALTIES_APPEAL))]
Quality = Annotated[User, Depends(page_user(Action.PENALTY_APPEALS_DECIDE))]

i18n.extend(
    {
        "pa_nav": ("扣分与申诉", "Penalties"),
        "pa_title": ("我的扣分与申诉", "My penalties and appeals"),
        "pa_points": ("近 90 天扣分", "Points, last 90 days"),
        "pa_points_unit": ("分", "pts"),
        "pa_suspended": ("已暂停自动派单", "Automatic dispatch paused"),
        "pa_suspended_since": ("起", "since"),
        "pa_suspended_hint": (
            "暂停期间调度仍可手动派单。对扣分有异议可申诉，质检撤销扣分后会恢复派单。",
            "A dispatcher may still assign you by hand. Appeal a penalty you disagree with; if quality "
            "withdraws it, dispatch resumes.",
        ),
        "pa_suspended_hint_rating": (
            "暂停期间调度仍可手动派单。质检复核后会恢复自动派单。",
            "A dispatcher may still assign you by hand. Quality reviews the ratings and restores dispatch.",
        ),
        "pa_active": ("正常接单中", "Receiving orders"),
        "pa_reinstated": ("已恢复自动派单", "Automatic dispatch restored"),
        "pa_reason": ("原因", "Reason"),
        "pa_history": ("停派与恢复记录", "Suspensions and reinstatements"),
        "pa_ev_suspended": ("暂停自动派单", "Dispatch paused"),
        "pa_ev_reinstated": ("恢复自动派单", "Dispatch restored"),
        "pa_ev_warning": ("扣分预警", "Points warning"),
        "pa_list": ("扣分明细", "Penalties"),
        "pa_none": ("近 90 天没有扣分，继续保持！", "No penalties in the last 90 days. Keep it up!"),
        "pa_order": ("工单", "Order"),
        "pa_appeal": ("申诉", "Appeal"),
        "pa_appeal_reason": ("申诉理由", "Why the penalty is wrong"),
        "pa_appeal_hint": (
            "例如：定位漂移，实际已到客户家，可请客户或调度核实",
            "e.g. the GPS drifted; I was at the customer's door, the customer can confirm",
        ),
        "pa_send": ("提交申诉", "Send the appeal"),
        "pa_window": ("可在扣分后 {days} 天内申诉", "You may appeal within {days} days"),
        "pa_window_closed": ("已过申诉期", "Appeal window closed"),
        "pa_filed": ("申诉已提交，质检处理后会通知您", "Appeal sent; quality will let you know"),
        "pa_st_open": ("申诉处理中", "Appeal pending"),
        "pa_st_upheld": ("申诉未通过", "Appeal rejected"),
        "pa_st_overturned": ("已撤销扣分", "Penalty withdrawn"),
        "pa_your_reason": ("我的理由", "My reason"),
        "pa_quality_note": ("质检意见", "Quality's note"),
        "pa_lifted": ("已因此恢复派单", "Dispatch restored by this"),
        "pa_desk": ("扣分申诉", "Penalty appeals"),
        "pa_open": ("待处理申诉", "Open appeals"),
        "pa_no_open": ("没有待处理的申诉", "No open appeals"),
        "pa_decided": ("已处理", "Decided"),
        "pa_technician": ("工程师", "Technician"),
        "pa_penalty": ("扣分事由", "Penalty"),
        "pa_filed_at": ("申诉时间", "Filed"),
        "pa_decision": ("处理", "Decision"),
        "pa_uphold": ("维持扣分", "Uphold the penalty"),
        "pa_overturn": ("撤销扣分", "Withdraw the penalty"),
        "pa_note": ("处理意见", "Note"),
        "pa_decide": ("提交处理", "Decide"),
        "pa_done": ("已处理，已通知工程师", "Decided; the technician is told"),
        "pa_suspended_now": ("当前停派", "Suspended now"),
        "imprecise_position": ("位置精度不足", "Imprecise position"),
        "imprecise_not_penalised": ("未自动扣分", "not penalised automatically"),
        "accuracy": ("定位精度", "accuracy"),
    }
)


def _tech_page(
    request: Request, db, user: User, *, status_code: int = 200, errors=None, typed=None, notice=None
) -> Response:
    found = appeals.standing(db, user=user, now=clock.now())
    lang = i18n.language(request)
    reason = None
    if found.technician.suspended_at is not None:
        zh, en = penalty_list.suspension_words(found.technician.suspension_reason)
        reason = en if lang == "en" else zh
    return render(
        request,
        "tech/penalties.html",
        status_code=status_code,
        standing=found,
        suspension_reason=reason,
        window=i18n.translate(lang, "pa_window").format(days=penalty_list.APPEAL_DAYS),
        errors=errors or {},
        typed=typed or {},
        notice=notice,
    )


@router.get("/tech/penalties", response_class=HTMLResponse)
def my_penalties(request: Request, db: DbSession, user: Tech, filed: str = "") -> Response:
    notice = i18n.translate(i18n.language(request), "pa_filed") if filed else None
    return _tech_page(request, db, user, notice=notice)


@router.post("/tech/penalties/{penalty_id}/appeal")
def appeal(
    request: Request, penalty_id: str, db: DbSession, user: Tech, reason: Annotated[str, Form()] = ""
) -> Response:
    """The same appeal as ``POST /api/v1/technicians/me/penalties/{id}/appeal``; a refusal comes back on the
    page beside its penalty, the reason typed kept."""
    try:
        appeals.file(db, user=user, key=penalty_id, reason=reason, now=clock.now())
    except AnxinError as exc:
        if exc.status_code == 404:
            raise
        message = exc.message(i18n.language(request))
        return _tech_page(
            request,
            db,
            user,
            status_code=exc.status_code,
            errors={penalty_id: message},
            typed={penalty_id: reason[:1000]},
        )
    return see_other(f"/tech/penalties?filed=1#p-{penalty_id}")


@router.get("/console/appeals", response_class=HTMLResponse)
def desk(request: Request, db: DbSession, user: Quality, done: str = "") -> Response:
    listed = appeals.listed(db, user=user)
    ids = sorted({a.technician_id for a in listed})
    technicians = appeals.technicians(db, tenant_id=user.tenant_id, ids=ids)
    orders = sorted({a.work_order_id for a in listed if a.work_order_id is not None})
    numbers = appeals.order_numbers(db, tenant_id=user.tenant_id, ids=orders)
    return render(
        request,
        "feedback/appeals.html",
        opened=[a for a in listed if a.status == "open"],
        decided=[a for a in listed if a.status != "open"][:50],
        technicians=technicians,
        numbers=numbers,
        notice=i18n.translate(i18n.language(request), "pa_done") if done else None,
    )


@router.post("/console/appeals/{appeal_id}/decide")
def decide(
    appeal_id: int,
    db: DbSession,
    user: Quality,
    decision: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """The same decision as ``POST /api/v1/penalty-appeals/{id}/decide``."""
    appeals.decide(db, user=user, appeal_id=appeal_id, decision=decision, note=note, now=clock.now())
    return see_other("/console/appeals?done=1")
