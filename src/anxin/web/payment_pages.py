"""Payment on the pages, over the same ``pricing.payments`` as the API:

- the customer's ``/portal/orders/{id}/pay``: what is due and why, WeChat Pay or Alipay, the code to scan
  (and, with the demo gateway, a button that completes the demo payment as the gateway's signed
  notification would), the paid status and the e-invoice request;
- the technician's ``/tech/orders/{id}/pay``: cash or card recorded on site, or the code shown to the
  customer;
- the staff's ``/console/orders/{id}/payments``: every payment, discounts and refunds asked for, approved
  or rejected by someone other than the requester.

The order pages link here from the quote (``_quote.html``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from anxin import money
from anxin.auth import permissions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import MAX_ID
from anxin.pricing import payments, payments_adjust, payments_invoice
from anxin.pricing.payment_models import DISCOUNT, GATEWAY_METHODS, METHOD_NAMES, PENDING, REFUND
from anxin.pricing.payments_schemas import InvoiceBody
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service
from anxin.work_order.models import WorkOrder

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]
Desk = Annotated[User, Depends(page_user(Action.PAYMENTS_DESK))]
Adjuster = Annotated[User, Depends(page_user(Action.PAYMENTS_ADJUST))]
Approver = Annotated[User, Depends(page_user(Action.PAYMENTS_APPROVE))]

i18n.extend(
    {f"pay_m_{code}": names for code, names in METHOD_NAMES.items()}
    | {
        "pay_title": ("付款", "Payment"),
        "pay_link": ("查看付款", "Payment"),
        "pay_go": ("去付款", "Pay now"),
        "pay_payable": ("报价应付", "Quote payable"),
        "pay_discount": ("优惠", "Discount"),
        "pay_trade_in": ("以旧换新抵扣", "Trade-in credit"),
        "pay_owed": ("应付金额", "Amount due"),
        "pay_paid": ("已付", "Paid"),
        "pay_refunded": ("已退款", "Refunded"),
        "pay_balance": ("待付", "Left to pay"),
        "pay_choose": ("选择支付方式", "Choose how to pay"),
        "pay_scan": ("请使用{method}扫码支付", "Scan with {method} to pay"),
        "pay_show_customer": ("请客户使用{method}扫码支付", "Let the customer scan with {method}"),
        "pay_demo_scan": ("演示：模拟客户已扫码付款", "Demo: the customer scanned and paid"),
        "pay_demo_note": (
            "演示环境不连接真实支付渠道，此按钮模拟支付渠道的签名回调。",
            "The demo reaches no real payment gateway: this button sends the gateway's signed notification.",
        ),
        "pay_cancel": ("取消本次付款", "Cancel this payment"),
        "pay_record": ("现场收款登记", "Record payment on site"),
        "pay_record_as": ("已收{method}", "Received by {method}"),
        "pay_nothing": ("本单无需付款", "Nothing to pay on this order"),
        "pay_not_yet": ("维修开始后即可付款", "Payment opens once the work has begun"),
        "pay_done": ("已付清，感谢您的支持", "Paid in full, thank you"),
        "pay_history": ("付款记录", "Payments"),
        "pay_method": ("方式", "Method"),
        "pay_amount": ("金额", "Amount"),
        "pay_status": ("状态", "Status"),
        "pay_time": ("时间", "Time"),
        "pay_reference": ("付款单号", "Payment no."),
        "pay_st_none": ("无需付款", "Nothing due"),
        "pay_st_unpaid": ("待付款", "Unpaid"),
        "pay_st_pending": ("待扫码支付", "Waiting for the scan"),
        "pay_st_paid": ("已付款", "Paid"),
        "pay_st_failed": ("支付失败", "Failed"),
        "pay_st_cancelled": ("已取消", "Cancelled"),
        "pay_st_partially_refunded": ("部分退款", "Partly refunded"),
        "pay_st_refunded": ("已退款", "Refunded"),
        "pay_invoice": ("电子发票", "E-invoice"),
        "pay_invoice_title": ("发票抬头", "Invoice title"),
        "pay_invoice_title_hint": ("个人或单位名称", "Your name or the company's"),
        "pay_tax_id": ("税号（单位填写）", "Taxpayer id (companies)"),
        "pay_email": ("接收邮箱", "E-mail to send it to"),
        "pay_invoice_request": ("申请电子发票", "Request the e-invoice"),
        "pay_invoice_number": ("发票号码", "Invoice no."),
        "pay_inv_requested": ("开具中", "Being issued"),
        "pay_inv_issued": ("已开具", "Issued"),
        "pay_invoice_sent": ("已发送至 {email}", "Sent to {email}"),
        "pay_adjustments": ("优惠与退款", "Discounts and refunds"),
        "pay_k_discount": ("优惠", "Discount"),
        "pay_k_refund": ("退款", "Refund"),
        "pay_a_requested": ("待审批", "To approve"),
        "pay_a_approved": ("已批准", "Approved"),
        "pay_a_rejected": ("已驳回", "Rejected"),
        "pay_reason": ("原因", "Reason"),
        "pay_ask_discount": ("申请优惠", "Ask for a discount"),
        "pay_ask_refund": ("申请退款", "Ask for a refund"),
        "pay_amount_yuan": ("金额（元）", "Amount (yuan)"),
        "pay_approve": ("批准", "Approve"),
        "pay_reject": ("驳回", "Reject"),
        "pay_own_request": ("本人申请，需他人审批", "Your own request: someone else decides"),
        "pay_which": ("退款的付款", "Payment to refund"),
        "pay_none_yet": ("暂无付款记录", "No payments yet"),
    }
)


def _view(db: DbSession, *, order: WorkOrder, user: User) -> dict[str, Any]:
    """What every payment page shows of ``order``: what is due, the payments (the pending one's code as
    inline SVG), discounts and refunds, the invoice, and what ``user`` may do."""
    owed = payments.due(db, order=order)
    rows = payments.payments_of(db, order=order)
    pending = next((p for p in rows if p.status == PENDING), None)
    adjustments = payments_adjust.adjustments_of(db, order=order)
    return {
        "order": order,
        "due": owed,
        "payments": rows,
        "pending": pending,
        "qr": payments.qr_svg(pending, inline=True) if pending and pending.code_url else None,
        "settled": [p for p in rows if p.status in ("paid", "partially_refunded", "refunded")],
        "adjustments": adjustments,
        "invoice": payments_invoice.of(db, order=order),
        "may_adjust": permissions.may(user, Action.PAYMENTS_ADJUST),
        "may_approve": permissions.may(user, Action.PAYMENTS_APPROVE),
        "gateway_methods": GATEWAY_METHODS,
    }


def _method(text: str, *, allowed: tuple[str, ...]) -> str:
    if text not in allowed:
        raise InvalidInput("method", "请选择支付方式", "choose how to pay")
    return text


def _fen(text: str, field: str) -> int:
    try:
        amount = money.parse_yuan(text.strip())
    except money.AmountOutOfRange:
        raise InvalidInput(field, "金额超出范围", "amount out of range") from None
    except ValueError:
        raise InvalidInput(field, "金额格式有误", "not an amount") from None
    if amount <= 0:
        raise InvalidInput(field, "金额应大于 0", "the amount must be above 0")
    return amount


def _id(text: str, field: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_ID:
        raise InvalidInput(field, "编号有误", "not a valid id")
    return int(text)


# -- the customer ---------------------------------------------------------------------------------------


@router.get("/portal/orders/{order_id}/pay")
def portal_pay(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    return render(request, "payments/portal.html", **_view(db, order=order, user=user))


@router.get("/portal/orders/{order_id}/pay/summary")
def portal_summary(request: Request, order_id: int, db: DbSession, user: Customer) -> Response:
    """The order page's line about payment (a fragment the quote loads): paid or what is left."""
    order = service.get_for(db, user=user, id=order_id)
    due = payments.due(db, order=order)
    invoice = payments_invoice.of(db, order=order)
    return render(request, "payments/_summary.html", order=order, due=due, invoice=invoice)


@router.post("/portal/orders/{order_id}/pay")
def portal_start(
    order_id: int, db: DbSession, user: Customer, method: Annotated[str, Form()] = ""
) -> Response:
    """The customer's choice of WeChat Pay or Alipay: a payment with its code to scan."""
    order = service.get_for(db, user=user, id=order_id)
    payments.start(db, order=order, actor=user, method=_method(method, allowed=GATEWAY_METHODS))
    return see_other(f"/portal/orders/{order.id}/pay")


@router.post("/portal/orders/{order_id}/pay/demo")
def portal_demo_scan(order_id: int, db: DbSession, user: Customer) -> Response:
    """Demo only: the customer "scanned and paid"; the demo gateway's signed notification for the order's
    pending payment, through the same check as the gateway's callback."""
    order = service.get_for(db, user=user, id=order_id)
    pending = next((p for p in payments.payments_of(db, order=order) if p.status == PENDING), None)
    if pending is None:
        raise InvalidInput("payment", "没有待支付的付款", "there is no payment waiting to be scanned")
    payments.demo_scan(db, order=order, payment=pending)
    return see_other(f"/portal/orders/{order.id}/pay")


@router.post("/portal/orders/{order_id}/invoice")
def portal_invoice(
    order_id: int,
    db: DbSession,
    user: Customer,
    title: Annotated[str, Form(max_length=100)] = "",
    tax_id: Annotated[str, Form(max_length=20)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    fields = {"title": title.strip(), "tax_id": tax_id.strip() or None, "email": email.strip()}
    try:
        body = InvoiceBody(**fields)
    except ValueError as exc:
        field = str(getattr(exc, "errors", lambda: [{"loc": ["title"]}])()[0]["loc"][-1])
        raise InvalidInput(field, "请检查发票信息", "check the invoice's details") from None
    payments_invoice.request(
        db, order=order, actor=user, title=body.title, tax_id=body.tax_id, email=body.email
    )
    return see_other(f"/portal/orders/{order.id}/pay")


# -- the technician ---------------------------------------------------------------------------------------


@router.get("/tech/orders/{order_id}/pay")
def tech_pay(request: Request, order_id: int, db: DbSession, user: Tech) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    return render(request, "payments/tech.html", **_view(db, order=order, user=user))


@router.post("/tech/orders/{order_id}/pay")
def tech_start(order_id: int, db: DbSession, user: Tech, method: Annotated[str, Form()] = "") -> Response:
    """Cash or card received on site, or a code for the customer to scan."""
    order = service.get_for(db, user=user, id=order_id)
    payments.start(
        db, order=order, actor=user, method=_method(method, allowed=("wechat", "alipay", "cash", "card"))
    )
    return see_other(f"/tech/orders/{order.id}/pay")


# -- staff ------------------------------------------------------------------------------------------------


@router.get("/console/orders/{order_id}/payments")
def desk(request: Request, order_id: int, db: DbSession, user: Desk) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    return render(request, "payments/desk.html", **_view(db, order=order, user=user))


def _ask(db: DbSession, *, user: User, order_id: int, kind: str, amount: str, reason: str, payment_id: str):
    order = service.get_for(db, user=user, id=order_id)
    if not reason.strip():
        raise InvalidInput("reason", "请填写原因", "give the reason")
    payments_adjust.request(
        db,
        order=order,
        actor=user,
        kind=kind,
        amount_fen=_fen(amount, "amount"),
        reason=reason,
        payment_id=_id(payment_id, "payment_id") if kind == REFUND else None,
    )
    return see_other(f"/console/orders/{order.id}/payments")


Amount = Annotated[str, Form(max_length=20)]
Reason = Annotated[str, Form(max_length=200)]


@router.post("/console/orders/{order_id}/discounts")
def desk_discount(
    order_id: int, db: DbSession, user: Adjuster, amount: Amount = "", reason: Reason = ""
) -> Response:
    """Ask for a discount off what is due (someone else who may approve decides)."""
    return _ask(db, user=user, order_id=order_id, kind=DISCOUNT, amount=amount, reason=reason, payment_id="")


@router.post("/console/orders/{order_id}/refunds")
def desk_refund(
    order_id: int,
    db: DbSession,
    user: Adjuster,
    amount: Amount = "",
    reason: Reason = "",
    payment_id: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """Ask for a refund of a payment received."""
    return _ask(
        db, user=user, order_id=order_id, kind=REFUND, amount=amount, reason=reason, payment_id=payment_id
    )


@router.post("/console/orders/{order_id}/adjustments/{adjustment_id}/{decision}")
def desk_decide(
    order_id: int,
    adjustment_id: int,
    decision: str,
    db: DbSession,
    user: Approver,
    note: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    if decision not in ("approve", "reject"):
        raise InvalidInput("decision", "只能批准或驳回", "approve or reject")
    order = service.get_for(db, user=user, id=order_id)
    adjustment = payments_adjust.get(db, order=order, id=adjustment_id)
    payments_adjust.decide(
        db, order=order, adjustment=adjustment, actor=user, approve=decision == "approve", note=note
    )
    return see_other(f"/console/orders/{order.id}/payments")
