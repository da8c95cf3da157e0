"""Settlement on the pages (``anxin.settlement``, the same functions as the API, audited alike).

- ``/console/closure``: the admin's closure review queue (approve, or reject with a reason); the outlet
  manager's finished orders to submit, and their submissions pending and rejected (to fix and submit again).
- ``/console/settlements``: the monthly statements (the admin's of every outlet, with a form to generate a
  month; the outlet manager's own), each with its lines, the technicians' pay, its history and workbook;
  the manager confirms or disputes, the admin resolves a dispute.
- ``/console/settlement-rules``: the tenant's fee rules and its repair warranty (pricing's policy)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth import permissions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog.codes import CATEGORY_NAMES, SERVICE_TYPE_NAMES, CategoryCode, ServiceType
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import Id
from anxin.money import AmountOutOfRange, parse_yuan
from anxin.pricing import policy as pricing_policy
from anxin.settlement import fees, review, rules, statements
from anxin.settlement.router import workbook_response
from anxin.settlement.vocabulary import catalog
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

ReviewReader = Annotated[User, Depends(page_user(Action.CLOSURE_READ))]
Submitter = Annotated[User, Depends(page_user(Action.CLOSURE_SUBMIT))]
Reviewer = Annotated[User, Depends(page_user(Action.CLOSURE_REVIEW))]
Reader = Annotated[User, Depends(page_user(Action.SETTLEMENT_READ))]
Answerer = Annotated[User, Depends(page_user(Action.SETTLEMENT_ANSWER))]
Admin = Annotated[User, Depends(page_user(Action.SETTLEMENT_MANAGE))]
PriceAdmin = Annotated[User, Depends(page_user(Action.PRICE_BOOK_MANAGE))]
Text = Annotated[str, Form(max_length=300)]

i18n.extend(
    catalog()
    | {
        "st_nav_closure": ("封单审核", "Closure review"),
        "st_nav_statements": ("结算单", "Statements"),
        "st_nav_rules": ("结算规则", "Fee rules"),
        "st_queue": ("待审核封单", "Closures awaiting review"),
        "st_to_submit": ("待提交封单的完工工单", "Finished orders to submit"),
        "st_to_submit_hint": (
            "完工、已回访或已关闭的工单，凭服务报告、照片和客户签字提交品牌方审核；审核通过后计入月度结算。",
            "Finished orders go to the brand for review with their service report, photos and the customer's "
            "signature; approved ones are settled in their month's statement.",
        ),
        "st_order": ("工单", "Order"),
        "st_completed": ("完工时间", "Completed"),
        "st_submit": ("提交审核", "Submit"),
        "st_resubmit": ("整改后重新提交", "Submit again"),
        "st_note": ("备注", "Note"),
        "st_round": ("第 {n} 次提交", "Submission {n}"),
        "st_submitted": ("提交时间", "Submitted"),
        "st_evidence": ("凭证", "Evidence"),
        "st_report_yes": ("服务报告", "Service report"),
        "st_report_no": ("无服务报告", "No service report"),
        "st_photos": ("照片 {n} 张", "{n} photos"),
        "st_signed": ("客户已签字", "Signed by the customer"),
        "st_unsigned": ("无签字", "Not signed"),
        "st_approve": ("审核通过", "Approve"),
        "st_reject": ("驳回", "Reject"),
        "st_reason": ("驳回原因（必填）", "Reason (required)"),
        "st_rejected_because": ("驳回原因：", "Rejected: "),
        "st_last_rejected": ("上次驳回：", "Last rejected: "),
        "st_none": ("暂无", "None"),
        "st_status": ("状态", "Status"),
        "st_all": ("全部", "All"),
        "st_filter": ("筛选", "Filter"),
        "st_statements": ("月度结算单", "Monthly statements"),
        "st_month": ("月份", "Month"),
        "st_outlet": ("网点", "Outlet"),
        "st_orders": ("工单数", "Orders"),
        "st_fees": ("服务费", "Fees"),
        "st_deductions": ("扣款", "Deductions"),
        "st_total": ("应结总额", "Total"),
        "st_generate": ("生成结算单", "Generate statements"),
        "st_generate_hint": (
            "按月为每个网点生成结算单；重新生成会替换待确认的结算单，已确认的结算单不再改变。",
            "One statement per outlet and month; generating again replaces a statement awaiting the outlet, "
            "never a confirmed one.",
        ),
        "st_generated": ("已生成 {n} 份结算单", "{n} statements generated"),
        "st_statement": ("{outlet} {month} 结算单", "{outlet}, statement of {month}"),
        "st_lines": ("结算明细", "Lines"),
        "st_kind": ("类别", "Kind"),
        "st_what": ("说明", "Description"),
        "st_qty": ("数量", "Qty"),
        "st_amount": ("金额", "Amount"),
        "st_technicians": ("工程师薪酬", "Technicians' pay"),
        "st_technician": ("工程师", "Technician"),
        "st_level": ("级别", "Level"),
        "st_commission": ("提成", "Commission"),
        "st_rework": ("返修扣款", "Rework"),
        "st_penalty": ("扣分扣款", "Penalty points"),
        "st_deposit": ("保证金", "Deposit"),
        "st_deposit_held": ("累计保证金", "Deposit held"),
        "st_net": ("实发", "Net pay"),
        "st_history": ("记录", "History"),
        "st_download": ("下载 Excel", "Download Excel"),
        "st_confirm": ("确认无误", "Confirm"),
        "st_dispute": ("提出异议", "Dispute"),
        "st_dispute_reason": ("异议原因（必填）", "Reason (required)"),
        "st_resolve": ("处理异议并重新生成", "Resolve and regenerate"),
        "st_resolution": ("处理意见（必填）", "Resolution (required)"),
        "st_disputed_because": ("异议：", "Disputed: "),
        "st_resolved_with": ("处理意见：", "Resolution: "),
        "st_rules": ("结算规则", "Fee rules"),
        "st_rules_hint": (
            "网点按审核通过的工单结算：服务费按服务类型和品类（最具体的规则优先），郊区加距离补贴，加急单加收；"
            "返修、有责投诉和扣分按规则扣款。工程师按级别提成，并按月扣保证金至上限。",
            "An outlet is paid per approved order: a fee by service type and category (the most specific rule "
            "wins), an allowance for suburban orders, a surcharge for urgent ones; reworks, upheld complaints "
            "and penalty points are deducted. Technicians earn a commission by level; a deposit is withheld "
            "monthly up to its cap.",
        ),
        "st_rule_kind": ("规则", "Rule"),
        "st_applies": ("适用", "Applies to"),
        "st_amount_yuan": ("金额（元）", "Amount (yuan)"),
        "st_rate": ("比例（%）", "Rate (%)"),
        "st_cap_yuan": ("上限（元）", "Cap (yuan)"),
        "st_cap": ("上限", "up to"),
        "st_add_rule": ("添加规则", "Add a rule"),
        "st_remove": ("删除", "Remove"),
        "st_any": ("不限", "Any"),
        "st_saved": ("已保存", "Saved"),
        "st_warranty": ("维修质保期", "Repair warranty"),
        "st_warranty_hint": (
            "维修后质保期内返修免费，费用向原维修网点和工程师追偿（返修扣款）。",
            "A rework inside the repair warranty is free to the customer and charged back to the first "
            "repair's outlet and technician.",
        ),
        "st_days": ("天数", "Days"),
        "st_save": ("保存", "Save"),
        "st_service_type": ("服务类型", "Service type"),
        "st_category": ("品类", "Category"),
        "st_area": ("区域", "Area"),
    }
    | {f"st_svc_{code.value}": names for code, names in SERVICE_TYPE_NAMES.items()}
    | {f"st_cat_{code.value}": names for code, names in CATEGORY_NAMES.items()}
    | {"st_area_urban": ("市区", "Urban"), "st_area_suburban": ("郊区", "Suburban")}
)

REVIEW_TABS = ("pending", "rejected", "approved")
KINDS = fees.KINDS


def _said(value: str | None, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, "请填写原因", "a reason is required")
    return text


# --- closure review --------------------------------------------------------------------------------------------


@router.get("/console/closure", response_class=HTMLResponse)
def closure_page(
    request: Request, db: DbSession, user: ReviewReader, status: str = "", done: str = ""
) -> Response:
    """The admin's queue (pending by default, or rejected, approved); the outlet manager's orders to submit
    and their pending and rejected submissions."""
    manager = permissions.may(user, Action.CLOSURE_SUBMIT)
    chosen = status if status in REVIEW_TABS else ("" if manager else "pending")
    statuses = (chosen,) if chosen else (("pending", "rejected") if manager else ())
    found = review.list_for(db, user=user, page=1, page_size=100, statuses=statuses)
    orders = review.orders_by_id(db, tenant_id=user.tenant_id, ids=[r.work_order_id for r in found.items])
    evidence = {r.id: review.evidence_of(db, order=orders[r.work_order_id]) for r in found.items}
    outlets = statements.outlet_names(db, tenant_id=user.tenant_id)
    return render(
        request,
        "settlement/closure.html",
        reviews=found,
        orders=orders,
        evidence=evidence,
        outlets=outlets,
        chosen=chosen,
        tabs=REVIEW_TABS,
        manager=manager,
        reviewer=permissions.may(user, Action.CLOSURE_REVIEW),
        to_submit=review.unsubmitted(db, user=user) if manager else [],
        notice=i18n.translate(i18n.language(request), "st_saved") if done else None,
    )


@router.post("/console/closure/submit")
def submit_closure(
    db: DbSession, user: Submitter, order_id: Annotated[Id, Form()], note: Text = ""
) -> Response:
    review.submit(db, user=user, order_id=order_id, note=note.strip() or None)
    return see_other("/console/closure?done=1")


@router.post("/console/closure/{review_id}/approve")
def approve_closure(review_id: Id, db: DbSession, user: Reviewer) -> Response:
    review.approve(db, review=review.get_for(db, user=user, id=review_id, lock=True), actor=user)
    return see_other("/console/closure?done=1")


@router.post("/console/closure/{review_id}/reject")
def reject_closure(review_id: Id, db: DbSession, user: Reviewer, reason: Text = "") -> Response:
    found = review.get_for(db, user=user, id=review_id, lock=True)
    review.reject(db, review=found, actor=user, reason=_said(reason, "reason"))
    return see_other("/console/closure?done=1")


# --- statements -----------------------------------------------------------------------------------------------


@router.get("/console/settlements", response_class=HTMLResponse)
def statements_page(
    request: Request, db: DbSession, user: Reader, month: str = "", generated: int = -1
) -> Response:
    chosen = month if month and len(month) == 7 else None
    if chosen is not None:
        statements.bounds(db, user.tenant_id, chosen)
    found = statements.list_for(db, user=user, page=1, page_size=200, month=chosen)
    lang = i18n.language(request)
    notice = i18n.translate(lang, "st_generated").format(n=generated) if generated >= 0 else None
    return render(
        request,
        "settlement/statements.html",
        statements=found,
        outlets=statements.outlet_names(db, tenant_id=user.tenant_id),
        month=chosen or "",
        last_month=statements.last_month(db, user.tenant_id),
        admin=permissions.may(user, Action.SETTLEMENT_MANAGE),
        notice=notice,
    )


@router.post("/console/settlements")
def generate(db: DbSession, user: Admin, month: Annotated[str, Form(max_length=7)] = "") -> Response:
    found = statements.generate(db, tenant_id=user.tenant_id, month=month.strip(), actor=user)
    return see_other(f"/console/settlements?month={month.strip()}&generated={len(found)}")


@router.get("/console/settlements/{statement_id}.xlsx")
def statement_workbook(statement_id: Id, db: DbSession, user: Reader) -> Response:
    return workbook_response(db, statements.get_for(db, user=user, id=statement_id))


@router.get("/console/settlements/{statement_id}", response_class=HTMLResponse)
def statement_page(
    request: Request, statement_id: Id, db: DbSession, user: Reader, done: str = ""
) -> Response:
    found = statements.get_for(db, user=user, id=statement_id)
    outlet = statements.outlet_names(db, tenant_id=user.tenant_id, ids=[found.outlet_id]).get(
        found.outlet_id, ""
    )
    return render(
        request,
        "settlement/statement.html",
        statement=found,
        outlet=outlet,
        events=statements.events_of(db, statement=found),
        answerer=permissions.may(user, Action.SETTLEMENT_ANSWER),
        admin=permissions.may(user, Action.SETTLEMENT_MANAGE),
        notice=i18n.translate(i18n.language(request), "st_saved") if done else None,
    )


@router.post("/console/settlements/{statement_id}/confirm")
def confirm(statement_id: Id, db: DbSession, user: Answerer) -> Response:
    statements.confirm(
        db, statement=statements.get_for(db, user=user, id=statement_id, lock=True), actor=user
    )
    return see_other(f"/console/settlements/{statement_id}?done=1")


@router.post("/console/settlements/{statement_id}/dispute")
def dispute(statement_id: Id, db: DbSession, user: Answerer, reason: Text = "") -> Response:
    found = statements.get_for(db, user=user, id=statement_id, lock=True)
    statements.dispute(db, statement=found, actor=user, reason=_said(reason, "reason"))
    return see_other(f"/console/settlements/{statement_id}?done=1")


@router.post("/console/settlements/{statement_id}/resolve")
def resolve(statement_id: Id, db: DbSession, user: Admin, resolution: Text = "") -> Response:
    found = statements.get_for(db, user=user, id=statement_id, lock=True)
    statements.resolve(db, statement=found, actor=user, resolution=_said(resolution, "resolution"))
    return see_other(f"/console/settlements/{statement_id}?done=1")


# --- fee rules and the repair warranty --------------------------------------------------------------------------


@router.get("/console/settlement-rules", response_class=HTMLResponse)
def rules_page(request: Request, db: DbSession, user: Admin, done: str = "") -> Response:
    return render(
        request,
        "settlement/rules.html",
        rules=rules.list_for(db, tenant_id=user.tenant_id),
        kinds=KINDS,
        service_types=[code.value for code in ServiceType],
        categories=[code.value for code in CategoryCode],
        levels=("junior", "senior", "master"),
        warranty=pricing_policy.get(db, tenant_id=user.tenant_id).repair_warranty_days,
        notice=i18n.translate(i18n.language(request), "st_saved") if done else None,
    )


def _choice(value: str, allowed: list[str] | tuple[str, ...], field: str) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(field, "不是可选的值", "not one of the choices")
    return value


def _fen(value: str, field: str) -> int:
    try:
        return parse_yuan(value, most=100_000)
    except (ValueError, AmountOutOfRange):
        raise InvalidInput(
            field,
            "金额应为 0 到 10 万元，最多两位小数",
            "an amount of 0 to 100,000 yuan, two decimals at most",
        ) from None


def _rate(value: str) -> int:
    try:
        return parse_yuan(
            value, most=100
        )  # a percentage with two decimals is basis points, like yuan are fen
    except (ValueError, AmountOutOfRange):
        raise InvalidInput("rate", "比例应为 0 到 100", "a rate of 0 to 100 (%)") from None


@router.post("/console/settlement-rules")
def add_rule(
    db: DbSession,
    user: Admin,
    kind: Annotated[str, Form(max_length=20)] = "",
    service_type: Annotated[str, Form(max_length=20)] = "",
    category: Annotated[str, Form(max_length=40)] = "",
    area_type: Annotated[str, Form(max_length=10)] = "",
    level: Annotated[str, Form(max_length=10)] = "",
    amount: Annotated[str, Form(max_length=20)] = "",
    rate: Annotated[str, Form(max_length=10)] = "",
    cap: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    chosen = _choice(kind, KINDS, "kind")
    if chosen is None:
        raise InvalidInput("kind", "请选择规则类别", "choose the kind of rule")
    fields = rules.RuleFields(
        kind=chosen,
        service_type=_choice(service_type, [c.value for c in ServiceType], "service_type"),
        category_code=_choice(category, [c.value for c in CategoryCode], "category"),
        area_type=_choice(area_type, ("urban", "suburban"), "area_type"),
        level=_choice(level, ("junior", "senior", "master"), "level"),
        amount_fen=_fen(amount, "amount"),
        rate_bp=_rate(rate),
        cap_fen=_fen(cap, "cap") if cap.strip() else None,
        note=note,
    )
    rules.create(db, tenant_id=user.tenant_id, fields=fields, actor=user)
    return see_other("/console/settlement-rules?done=1")


@router.post("/console/settlement-rules/{rule_id}/remove")
def remove_rule(rule_id: Id, db: DbSession, user: Admin) -> Response:
    rules.remove(db, rule=rules.get(db, tenant_id=user.tenant_id, id=rule_id), actor=user)
    return see_other("/console/settlement-rules?done=1")


@router.post("/console/settlement-rules/warranty")
def set_warranty(db: DbSession, user: PriceAdmin, days: Annotated[str, Form(max_length=5)] = "") -> Response:
    text = days.strip()
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= 730:
        raise InvalidInput("days", "质保天数应为 0 到 730 的整数", "a whole number of days from 0 to 730")
    pricing_policy.set_terms(db, tenant_id=user.tenant_id, repair_warranty_days=int(text), actor=user)
    return see_other("/console/settlement-rules?done=1")
