"""Complaint pages: the customer's complaint form on an order (``/portal/orders/{id}/complaint``) and
their complaint with confirm/reopen; the desk's list with overdue marks and the detail with its history
and one button per allowed move (``/console/complaints``). The same actions as the API."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.auth import permissions, tenant_clock
from anxin.auth import service as auth_service
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.feedback.complaints import desk as complaints
from anxin.feedback.complaints import stats as complaint_stats
from anxin.feedback.complaints.states import CATEGORIES, RESPONSIBILITIES, actions_from
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service as work_order_service

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Desk = Annotated[User, Depends(page_user(Action.COMPLAINTS_DESK))]

i18n.extend(
    {
        "fb_complain": ("投诉", "Complain"),
        "fb_complaint": ("投诉", "Complaint"),
        "fb_complaint_sent": ("投诉已受理，编号", "Complaint registered, number"),
        "fb_category": ("投诉类别", "Category"),
        "fb_severity": ("严重程度", "Severity"),
        "fb_description": ("投诉内容", "What happened"),
        "fb_send_complaint": ("提交投诉", "Send the complaint"),
        "fb_overdue": ("已超时", "Overdue"),
        "fb_owner_due": ("指定负责人期限", "Owner due"),
        "fb_resolve_due": ("办结期限", "Resolve by"),
        "fb_round": ("轮次", "Round"),
        "fb_history": ("处理记录", "History"),
        "fb_resolution": ("处理结果", "Resolution"),
        "fb_responsibility": ("责任方", "Responsibility"),
        "fb_compensation": ("先行赔付（元）", "Compensation paid first (yuan)"),
        "fb_owner": ("负责人", "Owner"),
        "fb_note": ("备注", "Note"),
        "fb_no_complaints": ("暂无投诉", "No complaints"),
        "fb_escalated": ("已升级", "Escalated"),
        "fb_general": ("一般", "General"),
        "fb_stats": ("月度投诉统计", "Complaints of the month"),
        "fb_stats_total": ("登记", "Registered"),
        "fb_stats_closed": ("已关闭", "Closed"),
        "fb_stats_hours": ("平均关闭用时（小时）", "Mean hours to close"),
        "fb_stats_on_time": ("按期办结", "Resolved on time"),
        "fb_by_category": ("按类别", "By category"),
        "fb_by_responsibility": ("按责任方（已关闭）", "By responsibility (closed)"),
        "fb_resp_technician": ("工程师", "Technician"),
        "fb_resp_outlet": ("网点", "Outlet"),
        "fb_resp_product": ("产品", "Product"),
        "fb_resp_parts": ("配件", "Parts"),
        "fb_resp_logistics": ("物流", "Logistics"),
        "fb_resp_customer": ("客户", "Customer"),
        "fb_resp_none": ("无责", "None"),
        "fb_channel_app": ("App", "App"),
        "fb_channel_wechat": ("微信", "WeChat"),
        "fb_channel_hotline": ("热线", "Hotline"),
        "fb_channel_partner": ("合作方", "Partner"),
        "fb_channel_platform": ("电商平台", "Platform"),
        "fb_channel_survey": ("回访低分", "Low follow-up score"),
        "fb_channel_web": ("网页", "Web"),
        "fb_major": ("重大", "Major"),
        "fb_attitude": ("服务态度", "Attitude"),
        "fb_quality": ("维修质量", "Quality"),
        "fb_price": ("收费", "Price"),
        "fb_timeliness": ("时效", "Timeliness"),
        "fb_parts": ("配件", "Parts"),
        "fb_product": ("产品", "Product"),
        "fb_other": ("其他", "Other"),
        "fb_outlet": ("网点", "Outlet"),
        "fb_logistics": ("物流", "Logistics"),
        "fb_none": ("无责", "None"),
        "fb_draft": ("草稿", "Draft"),
        "fb_registered": ("已登记", "Registered"),
        "fb_investigating": ("调查中", "Investigating"),
        "fb_resolved": ("已处理", "Resolved"),
        "fb_customer_confirmed": ("客户已确认", "Customer confirmed"),
        "fb_discarded": ("已作废", "Discarded"),
        "fb_register": ("登记", "Register"),
        "fb_discard": ("作废", "Discard"),
        "fb_investigate": ("开始调查", "Investigate"),
        "fb_resolve": ("处理完毕", "Resolve"),
        "fb_confirm": ("确认满意", "Confirm"),
        "fb_reopen": ("不满意，重新处理", "Not accepted: reopen"),
        "fb_approve-compensation": ("批准赔付", "Approve compensation"),
        "fb_remind": ("超时提醒", "Reminder"),
        "fb_assigned": ("已指定负责人", "Owner named"),
        "fb_closed": ("已关闭", "Closed"),
        "fb_create": ("提交投诉", "Filed"),
        "fb_assign": ("指定负责人", "Name the owner"),
        "fb_close": ("结案", "Close"),
        "fb_escalate": ("升级处理", "Escalated"),
        "fb_technician": ("工程师", "Technician"),
        "fb_customer": ("客户", "Customer"),
    }
)


# -- the customer ----------------------------------------------------------------------------------------


@router.get("/portal/orders/{order_id}/complaint", response_class=HTMLResponse)
def complaint_form(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    order = work_order_service.get_for(db, user=user, id=order_id)
    return render(request, "feedback/complaint_form.html", order=order, categories=CATEGORIES)


@router.post("/portal/orders/{order_id}/complaint")
def complaint_send(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Customer,
    category: Annotated[str, Form(max_length=20)],
    description: Annotated[str, Form(min_length=1, max_length=2000)],
) -> Response:
    complaint = complaints.create(
        db, actor=user, channel="web", category=category, description=description, work_order_id=order_id
    )
    return see_other(f"/portal/complaints/{complaint.id}?new=1")


@router.get("/portal/complaints/{complaint_id}", response_class=HTMLResponse)
def my_complaint(
    request: Request, complaint_id: int, db: DbSession, user: Customer, new: int = 0
) -> Response:
    complaint = complaints.get_for(db, user=user, id=complaint_id)
    return render(
        request,
        "feedback/my_complaint.html",
        complaint=complaint,
        new=bool(new),
        actions=actions_from(complaint.status, user.role),
    )


@router.post("/portal/complaints/{complaint_id}/{action}")
def my_complaint_act(
    request: Request,
    complaint_id: int,
    action: str,
    db: DbSession,
    user: Customer,
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    complaint = complaints.get_for(db, user=user, id=complaint_id, lock=True)
    complaints.perform(db, complaint=complaint, action=action, actor=user, note=note or None)
    return see_other(f"/portal/complaints/{complaint.id}")


# -- the desk --------------------------------------------------------------------------------------------


@router.get("/console/complaints", response_class=HTMLResponse)
def desk_list(
    request: Request, db: DbSession, user: Desk, status: str = "", overdue: int = 0, month: str = ""
) -> Response:
    """The desk's complaints (overdue marked) and the month's statistics by category and responsibility."""
    now = clock.now()
    found = complaints.list_for(
        db, user=user, now=now, status=status or None, overdue=True if overdue else None
    )
    late = {c.id for c in found if complaints.is_overdue(c, now)}
    zone = tenant_clock.zone(db, user.tenant_id)
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        month = now.astimezone(zone).strftime("%Y-%m")
    stats = None  # the month's figures are for those the permission table lets read them, as in the API
    if permissions.may(user, Action.COMPLAINTS_STATS):
        stats = complaint_stats.month(db, tenant_id=user.tenant_id, month=month)
    return render(
        request,
        "feedback/complaints.html",
        complaints=found,
        late=late,
        status=status,
        overdue=overdue,
        stats=stats,
    )


@router.get("/console/complaints/{complaint_id}", response_class=HTMLResponse)
def desk_detail(request: Request, complaint_id: int, db: DbSession, user: Desk) -> Response:
    complaint = complaints.get_for(db, user=user, id=complaint_id)
    owners = auth_service.active_staff(
        db, tenant_id=user.tenant_id, roles=[Role.QUALITY.value, Role.ADMIN.value]
    )
    return render(
        request,
        "feedback/complaint.html",
        complaint=complaint,
        events=complaints.events(db, complaint=complaint),
        actions=actions_from(complaint.status, user.role),
        overdue=complaints.is_overdue(complaint, clock.now()),
        owners=owners,
        responsibilities=RESPONSIBILITIES,
    )


def _fen(yuan: str) -> int | None:
    if not yuan.strip():
        return None
    try:
        return round(float(yuan) * 100)
    except ValueError as exc:
        raise InvalidInput("compensation_fen", "请输入金额", "enter an amount") from exc


@router.post("/console/complaints/{complaint_id}/{action}")
def desk_act(
    request: Request,
    complaint_id: int,
    action: str,
    db: DbSession,
    user: Desk,
    note: Annotated[str, Form(max_length=1000)] = "",
    owner_id: Annotated[int | None, Form()] = None,
    resolution: Annotated[str, Form(max_length=2000)] = "",
    responsibility: Annotated[str, Form(max_length=20)] = "",
    compensation_yuan: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    complaint = complaints.get_for(db, user=user, id=complaint_id, lock=True)
    complaints.perform(
        db,
        complaint=complaint,
        action=action,
        actor=user,
        note=note or None,
        owner_id=owner_id,
        resolution=resolution or None,
        responsibility=responsibility or None,
        compensation_fen=_fen(compensation_yuan),
    )
    return see_other(f"/console/complaints/{complaint.id}")
