"""Errors of trade-in, in the one error shape (``main.py`` maps every ``AnxinError``)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class NoRate(AnxinError):
    """The tenant's valuation table has no value for the category asked about."""

    status_code = 422
    code = "trade_in_no_rate"
    message_zh = "该品类（{category}）暂无回收估价标准"
    message_en = "There is no trade-in valuation for this category ({category})"

    def details(self) -> dict[str, Any]:
        return {"field": "category"}


class WrongServiceType(AnxinError):
    status_code = 422
    code = "trade_in_wrong_service_type"
    message_zh = "以旧换新需要{expected}工单，该工单是{actual}工单"
    message_en = "Trade-in needs an order of type {expected_en} here; this one is {actual_en}"

    def details(self) -> dict[str, Any]:
        return {"field": self.params["field"]}


class OtherCustomer(AnxinError):
    status_code = 422
    code = "trade_in_other_customer"
    message_zh = "旧机回收工单与新机安装工单不是同一位用户的，不能抵扣"
    message_en = "The recycling order and the installation order belong to different customers"

    def details(self) -> dict[str, Any]:
        return {"field": "installation_order_id"}


class AlreadyLinked(AnxinError):
    status_code = 422
    code = "trade_in_already_linked"
    message_zh = "{what}"
    message_en = "{what_en}"

    def details(self) -> dict[str, Any]:
        return {"field": "installation_order_id"}


class Expired(AnxinError):
    status_code = 422
    code = "trade_in_expired"
    message_zh = "以旧换新抵扣额已于 {day} 过期"
    message_en = "The trade-in credit expired on {day}"


class NotValued(AnxinError):
    """The order has no trade-in yet (the technician has not recorded the old appliance's condition)."""

    status_code = 409
    code = "trade_in_not_valued"
    message_zh = "该工单尚无旧机估价，请先由师傅上门登记旧机成色"
    message_en = "This order has no trade-in valuation yet; the technician records the condition on site"


class NotAccepted(AnxinError):
    status_code = 409
    code = "trade_in_not_accepted"
    message_zh = "用户尚未确认旧机估价，不能抵扣"
    message_en = "The customer has not accepted the valuation yet"

    def details(self) -> dict[str, Any]:
        return {"current": "valued"}


class AlreadyAccepted(AnxinError):
    status_code = 409
    code = "trade_in_accepted"
    message_zh = "用户已确认估价（{value}），不能重新估价"
    message_en = "The customer has accepted the valuation ({value}); it cannot be changed"

    def details(self) -> dict[str, Any]:
        return {"current": "accepted"}


class Void(AnxinError):
    status_code = 409
    code = "trade_in_void"
    message_zh = "旧机回收工单已取消，该估价已作废"
    message_en = "The recycling order was cancelled; this valuation is void"

    def details(self) -> dict[str, Any]:
        return {"current": "void"}


class NotNow(AnxinError):
    """A move of trade-in refused by the state of an order it concerns."""

    status_code = 409
    code = "trade_in_not_now"
    message_zh = "{which}当前的状态不能{what}"
    message_en = "The {which_en} is {current_code}: it cannot {what_en}"

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current_code"])}


class NotLinked(AnxinError):
    status_code = 409
    code = "trade_in_not_linked"
    message_zh = "该工单没有已抵扣的以旧换新额度"
    message_en = "No trade-in credit is applied on this order"


class RatesOutOfOrder(AnxinError):
    """A table where an older band or a worse grade is worth more than a newer or better one."""

    status_code = 422
    code = "trade_in_rates_out_of_order"
    message_zh = "{band}·{condition} 的估价高于更新或成色更好的一档，请检查"
    message_en = "{band_en} / {condition_en} is valued above a newer band or a better grade"

    def details(self) -> dict[str, Any]:
        return {"field": "rates"}


class BookingClash(AnxinError):
    """A trade-in booked as one needs two new orders; an open order of the same appliance and service
    (reported earlier) or an order already booked is refused, and nothing is created."""

    status_code = 409
    code = "trade_in_booking_exists"
    message_zh = "该家电已有未完成的{what}工单 {number}，请在该工单上办理"
    message_en = "This appliance already has an open {what_en} order, {number}; use it instead"
