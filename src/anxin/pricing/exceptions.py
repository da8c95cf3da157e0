"""Errors of the price book, mapped to HTTP once in ``main.py`` (the one error shape)."""

from __future__ import annotations

from typing import Any

from anxin.exceptions import AnxinError


class VersionPublished(AnxinError):
    """A published version is never edited: a change goes into a new draft, published with a later date."""

    status_code = 409
    code = "price_book_published"
    message_zh = "第 {number} 版价目表已发布，不能再修改；请新建草稿并发布新版本"
    message_en = "Version {number} of the price book is published and cannot change; draft a new version"

    def details(self) -> dict[str, Any]:
        return {"current": "published"}


class DraftExists(AnxinError):
    status_code = 409
    code = "price_book_draft_exists"
    message_zh = "已有一份草稿（第 {number} 版），请先发布或放弃它"
    message_en = "Version {number} is already a draft; publish or discard it first"

    def details(self) -> dict[str, Any]:
        return {"version": self.params["number"]}


class EffectiveDateOutOfRange(AnxinError):
    """Prices never change for a day that has begun or that a published version already covers, and are
    not set more than a year ahead."""

    status_code = 422
    code = "invalid_effective_date"
    message_zh = "生效日期应在 {earliest} 至 {latest} 之间"
    message_en = "The effective date must be between {earliest} and {latest}"

    def details(self) -> dict[str, Any]:
        return {"field": "effective_from"}


class EmptyVersion(AnxinError):
    status_code = 422
    code = "price_book_empty"
    message_zh = "价目表没有任何收费项目，不能发布"
    message_en = "The price book has no items; there is nothing to publish"


class ItemCodeTaken(AnxinError):
    status_code = 409
    code = "price_item_code_taken"
    message_zh = "本版价目表已有编码为 {code} 的项目"
    message_en = "This version already has an item with the code {code}"

    def details(self) -> dict[str, Any]:
        return {"field": "code"}


class ItemNotInForce(AnxinError):
    """An item of a version that is not the one in force on the day asked about (the book changed since
    the caller read it): read the book again."""

    status_code = 409
    code = "price_item_not_in_force"
    message_zh = "收费项目 {code} 不属于 {day} 执行的价目表，请刷新价目表后重新选择"
    message_en = (
        "Item {code} is not in the price book in force on {day}; reload the price book and pick again"
    )

    def details(self) -> dict[str, Any]:
        return {"field": "price_item_id", "day": self.params["day"]}


class AreaOnlyForVisits(AnxinError):
    status_code = 422
    code = "invalid_input"
    message_zh = "area: 只有上门费区分市区和郊区"
    message_en = "area: only a visit fee differs between urban and suburban"

    def details(self) -> dict[str, Any]:
        return {"field": "area"}


class ItemNotApplicable(AnxinError):
    """An item of the book that is not for this order: another category's labour or part, or the visit fee
    of the other area."""

    status_code = 422
    code = "price_item_not_applicable"
    message_zh = "收费项目 {code} 不适用于本工单（{what}）"
    message_en = "Item {code} does not apply to this order ({what_en})"

    def details(self) -> dict[str, Any]:
        return {"field": self.params["field"]}


class LineTooLarge(AnxinError):
    status_code = 422
    code = "invalid_input"
    message_zh = "{field}: 单行金额不能超过 10 万元"
    message_en = "{field}: one line may not come to more than 100,000 yuan"

    def details(self) -> dict[str, Any]:
        return {"field": self.params["field"]}
