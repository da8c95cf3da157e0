"""Errors of parts and stock, mapped to HTTP once in ``main.py`` (the one error shape)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class InsufficientStock(AnxinError):
    status_code = 409
    code = "insufficient_stock"
    message_zh = "库存不足：{part} 需要 {quantity}，可用 {available}"
    message_en = "Not enough stock: {part} needs {quantity}, {available} available"

    def details(self) -> dict[str, Any]:
        return {"quantity": self.params["quantity"], "available": self.params["available"]}


class IncompatiblePart(AnxinError):
    status_code = 422
    code = "incompatible_part"
    message_zh = "配件 {part} 不适用于该工单的家电型号"
    message_en = "Part {part} does not fit the model of this order's appliance"

    def details(self) -> dict[str, Any]:
        return {"field": "part_id"}


class PartsNotNow(AnxinError):
    status_code = 409
    code = "parts_not_now"
    message_zh = "工单当前状态（{current}）不能{what}"
    message_en = "An order that is {current_code} cannot {what_en}"

    def details(self) -> dict[str, Any]:
        return {"current": str(self.params["current_code"])}


class ExceedsReserved(AnxinError):
    status_code = 409
    code = "exceeds_reserved"
    message_zh = "使用数量 {quantity} 超过预留未用的 {left}"
    message_en = "Fitting {quantity} is more than the {left} reserved and not yet fitted"


class LineClosed(AnxinError):
    status_code = 409
    code = "part_line_closed"
    message_zh = "该配件记录已{status_zh}，不能再操作"
    message_en = "This part line is {status} already"


class PartNotArrived(AnxinError):
    status_code = 409
    code = "part_not_arrived"
    message_zh = "配件尚在调拨途中，到货后才能使用"
    message_en = "The part is still on its way; fit it once it has arrived"


class TransferState(AnxinError):
    status_code = 409
    code = "illegal_transition"
    message_zh = "调拨单当前状态为 {current_zh}，不能{action_zh}"
    message_en = "Cannot {action} a transfer that is {current}"

    def details(self) -> dict[str, Any]:
        return {"current": self.params["current"], "action": self.params["action"]}


class ReturnState(AnxinError):
    status_code = 409
    code = "illegal_transition"
    message_zh = "旧件当前状态为 {current_zh}，不能{action_zh}"
    message_en = "Cannot {action} an old part that is {current}"

    def details(self) -> dict[str, Any]:
        return {"current": self.params["current"], "action": self.params["action"]}


class NotYourWarehouse(AnxinError):
    status_code = 403
    code = "not_your_warehouse"
    message_zh = "只能操作本网点或本人车载库的库存"
    message_en = "You may act only on your outlet's or your own van's stock"


class CodeTaken(AnxinError):
    status_code = 409
    code = "code_taken"
    message_zh = "编码 {code} 已被使用"
    message_en = "The code {code} is already in use"

    def details(self) -> dict[str, Any]:
        return {"field": "code"}


class StockBusy(AnxinError):
    """A stock row stayed locked by another transaction for longer than ``stock.LOCK_WAIT``."""

    status_code = 409
    code = "busy"
    message_zh = "库存正被其他请求占用，请稍后重试"
    message_en = "The stock is busy with other requests; try again shortly"
