"""The quote on the pages. The technician picks items of the price book on the phone (the book in force
today for the order's category and service type, the visit fee of its area), with quantity steppers, a
search by name and a running total of amount, covered and payable (``static/quote.js``); without
JavaScript the same form works with typed quantities. A line typed by hand (kind ``other``) is flagged for
review. The customer reads the itemised quote (``_quote.html``): each line's amount, what warranty or a
contract covers and why, and what they pay. The same ``pricing.quotes`` as the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from anxin import money
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import MAX_ID
from anxin.pricing import codes, quotes
from anxin.pricing.schemas import MAX_LINES, MAX_QUANTITY
from anxin.web import i18n, orders
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, see_other
from anxin.work_order import service
from anxin.work_order.models import WorkOrder

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Tech = Annotated[User, Depends(page_user(Action.TECHNICIAN_APP))]

i18n.extend(
    codes.catalog()
    | {
        "q_pick": ("从价目表选择收费项目", "Pick from the price book"),
        "q_book": ("价目表第 {number} 版", "Price book, version {number}"),
        "q_no_book": (
            "价目表尚未公布，只能手填项目（需审核）",
            "No price book yet: lines typed by hand only",
        ),
        "q_search": ("搜索项目名称", "Search by name"),
        "q_none_found": ("没有符合的项目", "Nothing matches"),
        "q_less": ("减少", "Less"),
        "q_more": ("增加", "More"),
        "q_qty_of": ("{name} 数量", "Quantity of {name}"),
        "q_other": ("其他项目（手填，需审核）", "Other (typed by hand, to be reviewed)"),
        "q_other_desc": ("项目说明", "What it is"),
        "q_other_price": ("单价（元）", "Price of one (yuan)"),
        "q_quantity": ("数量", "Qty"),
        "q_amount": ("金额", "Amount"),
        "q_covered": ("保修/合同承担", "Covered"),
        "q_payable": ("您需支付", "You pay"),
        "q_payable_tech": ("客户支付", "Customer pays"),
        "q_total": ("合计", "Total"),
        "q_submit": ("提交报价", "Send the quote"),
        "q_review": ("待审核", "To review"),
        "q_free": ("免费", "Free"),
        "q_version": ("第 {number} 版报价", "Quote version {number}"),
        "q_each": ("单价", "each"),
        "q_covered_by": ("承担", "covered"),
    }
)


@dataclass(frozen=True)
class MenuLine:
    """An item as the technician's form shows it: its words in the page's language, its price and, when
    it would be covered on this order, why."""

    id: int
    kind: str
    name: str
    unit: str
    price_fen: int
    note: str | None
    covered: bool
    reason: str | None


@dataclass(frozen=True)
class MenuView:
    version: int | None
    lines: list[MenuLine]
    other_covered: bool
    other_reason: str | None


def menu_view(db: DbSession, *, order: WorkOrder, lang: str) -> MenuView:
    """What the technician's quote form offers for ``order`` (``pricing.quotes.menu``)."""
    found = quotes.menu(db, order=order)

    def reason(cover) -> str | None:  # noqa: ANN001 - a coverage.Cover or None
        return None if cover is None else cover.en if lang == "en" else cover.zh

    lines = [
        MenuLine(
            id=item.price.id,
            kind=item.price.kind,
            name=item.price.name,
            unit=i18n.translate(lang, f"unit_{item.price.unit}"),
            price_fen=item.price.price_fen,
            note=item.price.note,
            covered=item.cover is not None,
            reason=reason(item.cover),
        )
        for item in found.items
    ]
    return MenuView(
        version=found.version.number if found.version else None,
        lines=lines,
        other_covered=found.other_cover is not None,
        other_reason=reason(found.other_cover),
    )


def _quantity(text: object, field: str, *, blank: int) -> int:
    """A quantity as typed: whole units, 0 to 999 (blank is ``blank``)."""
    typed = str(text or "").strip()
    if not typed:
        return blank
    if not (typed.isascii() and typed.isdigit()) or int(typed) > MAX_QUANTITY:
        raise InvalidInput(field, "数量应为 0 至 999 的整数", "a quantity is a whole number from 0 to 999")
    return int(typed)


def lines_from(form) -> list[dict]:  # noqa: ANN001 - a submitted form
    """The quote's lines from the form: ``qty_<item id>`` for each item of the book (0 or blank: not
    picked), and the line typed by hand (``other_desc``, ``other_amount`` in yuan, ``other_qty``)."""
    lines = []
    for key in form:
        if not key.startswith("qty_"):
            continue
        number = key[4:]
        if not (number.isascii() and number.isdigit()) or not 1 <= int(number) <= MAX_ID:
            raise InvalidInput(key, "收费项目有误", "not an item of the price book")
        quantity = _quantity(form.get(key), key, blank=0)
        if quantity:
            lines.append({"price_item_id": int(number), "quantity": quantity})
    description = str(form.get("other_desc") or "").strip()[:200]
    amount_text = str(form.get("other_amount") or "").strip()
    if description or amount_text:
        if not description:
            raise InvalidInput("other_desc", "请填写手填项目的说明", "describe the line typed by hand")
        if not amount_text:
            raise InvalidInput("other_amount", "请填写手填项目的单价", "give the line's price")
        try:
            amount = money.parse_yuan(amount_text)
        except money.AmountOutOfRange:
            raise InvalidInput("other_amount", "金额超出范围", "amount out of range") from None
        except ValueError:
            raise InvalidInput("other_amount", "金额格式有误", "not an amount") from None
        quantity = _quantity(form.get("other_qty"), "other_qty", blank=1) or 1
        lines.append(
            {"kind": "other", "description": description, "amount_fen": amount, "quantity": quantity}
        )
    if not lines:
        raise InvalidInput("lines", "报价至少需要一项", "a quote needs at least one line")
    if len(lines) > MAX_LINES:
        raise InvalidInput("lines", "报价最多 50 项", "a quote has at most 50 lines")
    return lines


@router.post("/tech/orders/{order_id}/quote")
async def quote(request: Request, order_id: int, db: DbSession, user: Tech) -> Response:
    """The technician's quote from the form: the items picked with their quantities, and a line typed by
    hand; priced and put to the customer as the API does."""
    from anxin.web import tech_keep  # the technician's page renders this page's menu

    form = await request.form()
    order = service.get_for(db, user=user, id=order_id)
    try:
        lines = lines_from(form)
    except InvalidInput as exc:  # the form comes back as typed, the error beside its field
        values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
        kept = tech_keep.Kept(form="quote", values=values)
        tech_keep.problem(kept, exc, i18n.language(request))
        return tech_keep.render_order(request, db, user, order, kept=kept)
    quotes.quote(db, order=order, actor=user, ctx=orders.context_from(dict(form)), lines=lines)
    return see_other(f"/tech/orders/{order.id}")
