"""Refusals of payments, discounts, refunds and invoices; each an ``AnxinError``, which ``main.py`` turns
into the one error shape (code, Chinese and English message)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class NotPayableYet(AnxinError):
    """Payment is taken at the end of the visit: once the customer approved the quote and the work began."""

    status_code = 409
    code = "not_payable_yet"
    message_zh = "工单尚未到付款环节（需客户确认报价并开始维修）"
    message_en = "The order is not ready for payment (the quote must be approved and the work begun)"

    def details(self) -> dict[str, Any]:
        return {"current": self.params.get("current")}


class NothingDue(AnxinError):
    status_code = 409
    code = "nothing_due"
    message_zh = "本单无需付款或已付清"
    message_en = "Nothing is due on this order: it is free or already paid"


class MethodNotForCustomer(AnxinError):
    status_code = 403
    code = "method_not_for_customer"
    message_zh = "现金和银行卡由工程师现场登记，请选择微信支付或支付宝"
    message_en = "Cash and card are recorded by the technician on site; choose WeChat Pay or Alipay"


class PaymentClosed(AnxinError):
    status_code = 409
    code = "payment_closed"
    message_zh = "该笔付款已{state}，不能再操作"
    message_en = "This payment is already {state_en}"

    def details(self) -> dict[str, Any]:
        return {"current": self.params.get("current")}


class NoGateway(AnxinError):
    """No payment gateway is configured (``ANXIN_PAYMENT_GATEWAY``): only cash and card can be taken."""

    status_code = 409
    code = "no_payment_gateway"
    message_zh = "尚未开通微信支付和支付宝，请选择现金或银行卡"
    message_en = "WeChat Pay and Alipay are not set up here; pay by cash or card"


class NoQrCode(AnxinError):
    status_code = 409
    code = "no_payment_code"
    message_zh = "只有待支付的微信或支付宝付款才有收款码"
    message_en = "Only a pending WeChat Pay or Alipay payment has a code to scan"


class BadNotification(AnxinError):
    status_code = 403
    code = "invalid_signature"
    message_zh = "支付通知签名无效"
    message_en = "The payment notification's signature does not verify"


class AmountMismatch(AnxinError):
    status_code = 422
    code = "amount_mismatch"
    message_zh = "支付通知的金额与付款单不符"
    message_en = "The notification's amount differs from the payment's"

    def details(self) -> dict[str, Any]:
        return {"field": "amount_fen"}


class DiscountTooLarge(AnxinError):
    status_code = 422
    code = "discount_exceeds_due"
    message_zh = "优惠金额不能超过应付金额（{due}）"
    message_en = "A discount may not exceed what is due ({due})"

    def details(self) -> dict[str, Any]:
        return {"field": "amount_fen"}


class RefundTooLarge(AnxinError):
    status_code = 422
    code = "refund_exceeds_paid"
    message_zh = "退款金额不能超过该笔付款尚可退的金额（{left}）"
    message_en = "A refund may not exceed what is left of the payment to refund ({left})"

    def details(self) -> dict[str, Any]:
        return {"field": "amount_fen"}


class NotRefundable(AnxinError):
    status_code = 409
    code = "not_refundable"
    message_zh = "只有已收款的付款可以退款"
    message_en = "Only a payment that was received can be refunded"


class SelfApproval(AnxinError):
    status_code = 403
    code = "self_approval"
    message_zh = "不能审批自己提出的申请，请由其他网点经理或管理员审批"
    message_en = "You cannot decide your own request; another outlet manager or an admin must"


class AlreadyDecided(AnxinError):
    status_code = 409
    code = "already_decided"
    message_zh = "该申请已处理"
    message_en = "This request has already been decided"

    def details(self) -> dict[str, Any]:
        return {"current": self.params.get("current")}


class NotPaidYet(AnxinError):
    status_code = 409
    code = "not_paid"
    message_zh = "付清后才能申请发票"
    message_en = "An invoice can be requested once the order is paid"


class InvoiceExists(AnxinError):
    status_code = 409
    code = "invoice_exists"
    message_zh = "本单已申请过发票（{number}）"
    message_en = "An invoice was already requested for this order ({number})"
