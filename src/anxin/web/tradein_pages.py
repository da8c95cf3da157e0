"""Trade-in (以旧换新) on the pages.

- The order's trade-in card (``/pages/orders/{id}/trade-in``), a fragment the technician's order page,
  the console's order panel and the customer's order page load with htmx: on a recycling order the old
  appliance's valuation (the technician's form to record its condition on site, the customer's button to
  accept it, the form to apply it to an installation order of the same customer); on an installation order
  the credit applied to it, or the customer's accepted valuations that could be.
- The admin's valuation table (``/console/trade-in``): one category's grid of age bands × condition grades
  in yuan, its floor and its campaign subsidy.

Every form calls the same function as the JSON API (``anxin.tradein``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock, money
from anxin.auth import permissions, tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.auth.roles import Role
from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import MAX_ID
from anxin.tradein import codes, records, valuation
from anxin.tradein.codes import MAX_AGE_YEARS, AgeBand, Condition
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service
from anxin.work_order.states import DONE

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Reader = Annotated[User, Depends(page_user(Action.TRADE_IN_READ))]
Admin = Annotated[User, Depends(page_user(Action.TRADE_IN_MANAGE))]
Assessor = Annotated[User, Depends(page_user(Action.TRADE_IN_ASSESS))]
Accepter = Annotated[User, Depends(page_user(Action.TRADE_IN_ACCEPT))]
Linker = Annotated[User, Depends(page_user(Action.TRADE_IN_LINK))]
FormText = Annotated[str | None, Form()]

i18n.extend(
    codes.catalog()
    | {f"ti_cat_{code.value}": names for code, names in CATEGORY_NAMES.items()}
    | {
        "ti_title": ("以旧换新", "Trade-in"),
        "ti_not_valued": (
            "师傅上门后登记旧机成色，系统按估价标准自动估价。",
            "The technician records the old appliance's condition on site; it is valued from the table.",
        ),
        "ti_record": ("登记旧机成色", "Record the condition"),
        "ti_rerecord": ("重新登记", "Record again"),
        "ti_condition": ("成色", "Condition"),
        "ti_age": ("使用年限（年）", "Age (years)"),
        "ti_age_label": ("使用年限", "Age"),
        "ti_age_hint": ("自购买（或安装）起的整年数", "Whole years since purchase (or installation)"),
        "ti_note": ("备注", "Note"),
        "ti_value": ("回收估价", "Valuation"),
        "ti_base": ("标准估价", "Table value"),
        "ti_floor": ("保底价", "Floor"),
        "ti_floor_applied": ("低于保底价，按保底价计", "Below the floor: the floor applies"),
        "ti_subsidy": ("补贴", "Subsidy"),
        "ti_total": ("抵扣额", "Credit"),
        "ti_years": ("{n} 年", "{n} years"),
        "ti_accept": ("确认估价", "Accept the valuation"),
        "ti_accept_hint": (
            "确认后估价不再变更，可在 90 天内抵扣同一账户的新机安装费用。",
            "Once accepted the valuation is fixed; use it within 90 days on an installation order of yours.",
        ),
        "ti_expires": ("抵扣有效期至", "Credit valid until"),
        "ti_applied_to": ("已抵扣安装工单", "Applied to installation order"),
        "ti_from": ("旧机回收工单", "From recycling order"),
        "ti_credit_here": ("本单以旧换新抵扣", "Trade-in credit on this order"),
        "ti_link": ("抵扣到安装工单", "Apply to an installation order"),
        "ti_link_this": ("用于本单", "Apply to this order"),
        "ti_no_installation": ("暂无可抵扣的安装工单", "No open installation order to apply it to"),
        "ti_usable": ("可用于本单的以旧换新额度", "Trade-in credits you can apply here"),
        "ti_unlink": ("撤销抵扣", "Take the credit off"),
        "ti_unlink_reason": ("撤销原因", "Why"),
        "ti_released_note": (
            "安装工单取消时，抵扣额自动退回，可在有效期内再次使用。",
            "If the installation order is cancelled the credit comes back, usable again until it expires.",
        ),
        # the admin's table
        "ti_table": ("以旧换新估价标准", "Trade-in valuation table"),
        "ti_table_intro": (
            "估价 = max（标准估价，保底价）+ 补贴。年限越长、成色越差，估价不应更高。已完成的估价不受修改影响。",
            "Valuation = max(table value, floor) + subsidy. An older band or a worse grade is never worth more. Valuations already made keep their amounts.",
        ),
        "ti_category": ("品类", "Category"),
        "ti_band": ("使用年限", "Age"),
        "ti_subsidy_label": ("补贴说明", "Subsidy label"),
        "ti_subsidy_label_hint": (
            "如：海尔以旧换新补贴（无补贴时金额填 0）",
            "e.g. a brand's campaign (amount 0 for none)",
        ),
        "ti_save": ("保存", "Save"),
        "ti_saved": ("已保存", "Saved"),
        "ti_unvalued": ("未设置", "Not valued"),
        "ti_yuan": ("元", "yuan"),
        "ti_grades": ("成色说明", "Condition grades"),
        "ti_booked_installation": (
            "以旧换新预约的新机安装工单：{number}。确认估价后，抵扣额自动用于该工单。",
            "Booked with installation order {number}: once the valuation is accepted the credit goes there.",
        ),
        "ti_booked_recycling": (
            "以旧换新预约的旧机回收工单：{number}。师傅上门估价、您确认后，抵扣额自动用于本单。",
            "Booked with recycling order {number}: once its valuation is accepted the credit comes here.",
        ),
    }
)


def _back(user: User, order_id: int) -> str:
    """Where a trade-in form returns: the caller's own page of the order."""
    if user.role == Role.TECHNICIAN:
        return f"/tech/orders/{order_id}#trade-in"
    if user.role == Role.CUSTOMER:
        return f"/portal/orders/{order_id}#trade-in"
    return f"/console?order={order_id}#trade-in"


def _order_href(user: User, order_id: int) -> str | None:
    """A link to another order the caller may open, by role (a technician's other orders may not be theirs)."""
    if user.role == Role.CUSTOMER:
        return f"/portal/orders/{order_id}"
    if permissions.may(user, Action.DISPATCH_CONSOLE):
        return f"/console?order={order_id}"
    return None


def _whole(value: str | None, field: str, low: int, high: int) -> int:
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(field, f"须为 {low} 到 {high} 的整数", f"a whole number from {low} to {high}")
    return int(text)


def _fen(value: str | None, field: str) -> int:
    try:
        return money.parse_yuan(value or "", most=50_000)
    except ValueError:
        raise InvalidInput(
            field, "金额应为 0 至 50,000 元，最多两位小数", "0 to 50,000 yuan, at most two decimals"
        ) from None


# --- the order's card ------------------------------------------------------------------------------------


@router.get("/pages/orders/{order_id}/trade-in", response_class=HTMLResponse)
def card(request: Request, order_id: int, db: DbSession, user: Reader) -> Response:
    """The order's trade-in card (an htmx fragment; empty for an order trade-in has nothing to say about)."""
    order = service.get_for(db, user=user, id=order_id)
    found = records.for_order(db, order=order)
    context: dict = {"o": order, "found": found, "now": clock.now()}
    if found.side == "recycling":
        may_assess = (
            permissions.may(user, Action.TRADE_IN_ASSESS)
            and order.technician_id == user.technician_id
            and order.status in records.ASSESSABLE
            and (found.trade_in is None or found.trade_in.status == "valued")
        )
        context["may_assess"] = may_assess
        if may_assess and found.trade_in is None:
            context["age_guess"] = records.age_of(
                db, order=order, today=tenant_clock.today(db, user.tenant_id)
            )
        context["may_accept"] = (
            permissions.may(user, Action.TRADE_IN_ACCEPT) and found.state == codes.TradeInState.VALUED
        )
        may_link = permissions.may(user, Action.TRADE_IN_LINK)
        context["installations"] = (
            records.open_installations(db, recycling=order)
            if may_link and found.state == codes.TradeInState.ACCEPTED
            else []
        )
        context["may_link"] = may_link and found.state == codes.TradeInState.ACCEPTED
    elif found.side == "installation":
        may_link = permissions.may(user, Action.TRADE_IN_LINK)
        context["usable"] = (
            records.usable_for(db, installation=order)
            if may_link and found.link is None and order.status not in DONE and order.status != "cancelled"
            else []
        )
        if found.link is None and not context["usable"] and found.paired is None:
            return HTMLResponse("")
    else:
        return HTMLResponse("")
    context["may_unlink"] = (
        permissions.may(user, Action.TRADE_IN_LINK)
        and found.link is not None
        and found.installation is not None
        and found.installation.status not in DONE
    )
    context["href"] = lambda order_id: _order_href(user, order_id)
    context["conditions"] = list(Condition)
    context["yuan"] = money.yuan
    return render(request, "tradein/_card.html", **context)


@router.post("/pages/orders/{order_id}/trade-in/assess")
def assess(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Assessor,
    condition: FormText = None,
    age_years: FormText = None,
    note: FormText = None,
) -> Response:
    """The technician records the old appliance's condition, as ``PUT /api/v1/work-orders/{id}/trade-in``."""
    order = service.get_for(db, user=user, id=order_id)
    if condition not in {c.value for c in Condition}:
        raise InvalidInput("condition", "请选择成色", "choose a condition")
    age = _whole(age_years, "age_years", 0, MAX_AGE_YEARS) if (age_years or "").strip() else None
    records.assess(db, order=order, actor=user, condition=condition, age_years=age, note=note)
    return see_other(_back(user, order.id))


@router.post("/pages/orders/{order_id}/trade-in/accept")
def accept(request: Request, order_id: int, db: DbSession, user: Accepter) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    records.accept(db, order=order, actor=user)
    return see_other(_back(user, order.id))


@router.post("/pages/orders/{order_id}/trade-in/link")
def link(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Linker,
    installation_order_id: FormText = None,
    recycling_order_id: FormText = None,
) -> Response:
    """From the recycling order (naming the installation order) or from the installation order (naming the
    recycling order): the same link."""
    order = service.get_for(db, user=user, id=order_id)
    if (recycling_order_id or "").strip():
        other = service.get_for(
            db, user=user, id=_whole(recycling_order_id, "recycling_order_id", 1, MAX_ID), lock=True
        )
        recycling, installation = other, order
    else:
        other = service.get_for(
            db, user=user, id=_whole(installation_order_id, "installation_order_id", 1, MAX_ID), lock=True
        )
        recycling, installation = order, other
    records.link(db, recycling=recycling, installation=installation, actor=user)
    return see_other(_back(user, order.id))


@router.post("/pages/orders/{order_id}/trade-in/unlink")
def unlink(request: Request, order_id: int, db: DbSession, user: Linker, reason: FormText = None) -> Response:
    order = service.get_for(db, user=user, id=order_id)
    records.unlink(db, order=order, actor=user, reason=reason)
    return see_other(_back(user, order.id))


# --- the admin's valuation table -------------------------------------------------------------------------


@router.get("/console/trade-in", response_class=HTMLResponse)
def table_page(request: Request, db: DbSession, user: Admin, category: str = "", saved: int = 0) -> Response:
    tables = valuation.tables(db, tenant_id=user.tenant_id)
    chosen = (
        category
        if category in {c.value for c in CategoryCode}
        else (tables[0].category if tables else CategoryCode.AIR_CONDITIONER.value)
    )
    (table,) = valuation.tables(db, tenant_id=user.tenant_id, category=chosen)
    return render(
        request,
        "tradein/table.html",
        tables=tables,
        table=table,
        chosen=chosen,
        categories=list(CategoryCode),
        bands=list(AgeBand),
        conditions=list(Condition),
        saved=bool(saved),
        yuan=lambda fen: money.yuan(fen, symbol=False),
    )


@router.post("/console/trade-in")
async def save_table(request: Request, db: DbSession, user: Admin) -> Response:
    """Save one category's grid (every cell in yuan), floor and subsidy, as ``PUT /api/v1/trade-in/rates``."""
    form = await request.form()
    category = str(form.get("category") or "")
    cells = [
        (band.value, condition.value, _fen(str(form.get(f"v_{band.value}_{condition.value}") or ""), "rates"))
        for band in AgeBand
        for condition in Condition
    ]
    valuation.set_category(
        db,
        tenant_id=user.tenant_id,
        category=category,
        cells=cells,
        floor_fen=_fen(str(form.get("floor") or ""), "floor"),
        subsidy_fen=_fen(str(form.get("subsidy") or ""), "subsidy"),
        subsidy_label=str(form.get("subsidy_label") or ""),
        actor=user,
    )
    return see_other(f"/console/trade-in?category={category}&saved=1")
