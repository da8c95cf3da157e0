"""The follow-up API: a completed order's survey for staff, the customer's answer through the signed
link (no sign-in) or an agent's phone record, and the service-task queues."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from anxin.auth import permissions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import visibility
from anxin.dependencies import DbSession, OptionalUser, allowed, language
from anxin.exceptions import Forbidden, NotAuthenticated, NotFound
from anxin.feedback import tasks
from anxin.feedback.complaints import desk as complaints
from anxin.feedback.exceptions import SurveyTokenInvalid
from anxin.feedback.followup import surveys as followup
from anxin.feedback.followup.schemas import (
    SurveyAnswerBody,
    SurveyPublicRead,
    SurveyRead,
    SurveyStaffRead,
    TaskDoneBody,
    TaskRead,
)
from anxin.fields import Id
from anxin.work_order import service as work_order_service

router = APIRouter(tags=["follow-up"])

Staff = Annotated[User, Depends(allowed(Action.SURVEYS_READ))]
TaskDesk = Annotated[User, Depends(allowed(Action.TASKS_WORK))]


def _answers(body: SurveyAnswerBody) -> followup.Answers:
    return followup.Answers(**body.model_dump(exclude={"token", "via"}))


def _staff_read(db, survey, user: User) -> SurveyStaffRead:
    result = SurveyStaffRead.model_validate(survey)
    result.comment = visibility.text_for(user, survey.comment, customer_id=survey.customer_id)
    if survey.status == "pending":
        result.link = followup.link(survey)
    result.complaint_id = complaints.id_for_survey(db, survey_id=survey.id)
    return result


@router.get("/api/v1/work-orders/{order_id}/survey", response_model=SurveyStaffRead)
def get_survey(order_id: Id, db: DbSession, user: Staff) -> SurveyStaffRead:
    """The order's survey and its state (pending, answered, expired)."""
    order = work_order_service.get_for(db, user=user, id=order_id)
    survey = followup.for_order(db, order=order)
    if survey is None:
        raise NotFound("survey", "回访")
    return _staff_read(db, survey, user)


@router.post("/api/v1/work-orders/{order_id}/survey", response_model=SurveyRead)
def answer_survey(
    order_id: Id,
    body: SurveyAnswerBody,
    db: DbSession,
    user: OptionalUser,
) -> SurveyRead:
    """The customer answers with the link's token; an agent (or quality) records a phone follow-up."""
    if body.token:
        survey = followup.survey_from_token(db, body.token)
        if survey.work_order_id != order_id:
            raise SurveyTokenInvalid()
        followup.answer(db, survey=survey, answers=_answers(body), actor=None, via="link")
        return SurveyRead.model_validate(survey)
    if user is None:
        raise NotAuthenticated()
    if not permissions.may(user, Action.SURVEYS_BY_PHONE):
        raise Forbidden()
    order = work_order_service.get_for(db, user=user, id=order_id)
    survey = followup.for_order(db, order=order)
    if survey is None:
        raise NotFound("survey", "回访")
    followup.answer(db, survey=survey, answers=_answers(body), actor=user, via="phone")
    return SurveyRead.model_validate(survey)


@router.get("/api/v1/surveys/{token}", response_model=SurveyPublicRead)
def public_survey(token: str, request: Request, db: DbSession) -> SurveyPublicRead:
    """What the link's holder is asked to rate: order number, appliance, technician (no sign-in)."""
    survey = followup.survey_from_token(db, token, answering=False)
    return SurveyPublicRead(**followup.public_view(db, survey=survey, lang=language(request)))


@router.get("/api/v1/tasks", response_model=list[TaskRead])
def list_tasks(
    db: DbSession,
    user: TaskDesk,
    kind: Annotated[str | None, Query(max_length=20)] = None,
    status: Annotated[str | None, Query(max_length=10)] = "open",
) -> list:
    """Agents see the agents' queue, quality the quality queue, an admin all of the tenant's tasks."""
    return list(tasks.list_for(db, user=user, kind=kind, status=status or None))


@router.post("/api/v1/tasks/{task_id}/take", response_model=TaskRead)
def take_task(task_id: Id, db: DbSession, user: TaskDesk):
    task = tasks.get_for(db, user=user, id=task_id, lock=True)
    return tasks.take(db, task=task, actor=user)


@router.post("/api/v1/tasks/{task_id}/done", response_model=TaskRead)
def finish_task(task_id: Id, body: TaskDoneBody, db: DbSession, user: TaskDesk):
    task = tasks.get_for(db, user=user, id=task_id, lock=True)
    return tasks.done(db, task=task, actor=user, outcome=body.outcome)
