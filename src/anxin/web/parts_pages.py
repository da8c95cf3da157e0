"""Parts on the pages: an order's parts and their trail on the technician's order page and the console's
order panel (``panel``, included by both), the technician's forms to reserve and fit a part, and the stock
page where an outlet manager (or the centre) sees stock, alerts, transfers and old parts on their way back.
Every form calls the same action as the JSON API (``anxin.parts``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin.auth import permissions
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.parts import catalog, reservations, returns, trail, transfers, warehouses
from anxin.parts.vocabulary import catalog as words
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other
from anxin.work_order import service
from anxin.work_order.models import WorkOrder

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Fitter = Annotated[User, Depends(page_user(Action.PARTS_USE))]
StockReader = Annotated[User, Depends(page_user(Action.PARTS_STOCK_READ))]

i18n.extend(words())
i18n.extend(
    {
        "pp_title": ("配件", "Parts"),
        "pp_none": ("暂无配件", "No parts"),
        "pp_part": ("配件", "Part"),
        "pp_qty": ("数量", "Qty"),
        "pp_used": ("已用", "Fitted"),
        "pp_from": ("来源", "From"),
        "pp_status": ("状态", "Status"),
        "pp_price": ("单价", "Unit price"),
        "pp_genuine": ("原厂", "Genuine"),
        "pp_transfer": ("调拨单", "Transfer"),
        "pp_expected": ("预计到货", "Expected"),
        "pp_waiting": ("等待调拨到货", "Waiting for the transfer"),
        "pp_serial": ("序列号", "Serial no."),
        "pp_lot": ("批次号", "Lot no."),
        "pp_removed": ("旧件序列号", "Old part's serial no."),
        "pp_reserve": ("预留配件", "Reserve a part"),
        "pp_fit": ("登记使用", "Record as fitted"),
        "pp_old_parts": ("旧件返厂", "Old parts to the factory"),
        "pp_courier": ("快递", "Courier"),
        "pp_postage": ("邮费", "Postage"),
        "pp_trail": ("库存流水", "Stock movements"),
        "pp_warehouse": ("仓库", "Warehouse"),
        "pp_level": ("级别", "Level"),
        "pp_condition": ("品质", "Condition"),
        "pp_on_hand": ("在库", "On hand"),
        "pp_reserved": ("已预留", "Reserved"),
        "pp_available": ("可用", "Available"),
        "pp_reorder": ("补货点", "Reorder point"),
        "pp_alert": ("需补货", "Reorder"),
        "pp_alerts_only": ("只看需补货", "Alerts only"),
        "pp_stock_title": ("库存与调拨", "Stock and transfers"),
        "pp_transfers": ("调拨", "Transfers"),
        "pp_to": ("调入", "To"),
        "pp_order": ("工单", "Order"),
        "pp_fitted_at": ("使用时间", "Fitted"),
        "pp_no_serial": ("完工时领用，未登记序列号", "Taken at completion, no serial recorded"),
    }
)


def panel(db: DbSession, *, user: User, order: WorkOrder, forms: bool = True) -> dict[str, Any] | None:
    """What the order's pages show of its parts, for those who may read them (None for the others): the
    trail, and with ``forms`` (the technician's page), for those who may use parts on an order that takes
    them, the parts that fit it."""
    if not permissions.may(user, Action.PARTS_ORDER_READ):
        return None
    found = trail.of(db, order=order)
    result: dict[str, Any] = {"trail": found, "fits": [], "can_fit": False}
    if forms and permissions.may(user, Action.PARTS_USE) and order.status in reservations.RESERVABLE:
        models = reservations.models_of(db, order)
        fits = [
            part
            for model in models[:1]
            for part in catalog.list_parts(
                db, tenant_id=order.tenant_id, page=1, page_size=200, product_model_id=model
            ).items
        ]
        result["fits"] = fits
        result["can_fit"] = order.status in reservations.FITTABLE
    return result


def _whole(value: str | None, field: str, low: int = 1, high: int = 1000) -> int:
    text = (value or "").strip()
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        raise InvalidInput(field, f"须为 {low} 到 {high} 的整数", f"a whole number from {low} to {high}")
    return int(text)


def _text(value: str | None, field: str, most: int = 60) -> str | None:
    text = (value or "").strip()
    if len(text) > most:
        raise InvalidInput(field, f"最多 {most} 个字符", f"at most {most} characters")
    return text or None


@router.post("/tech/orders/{order_id}/parts")
def reserve(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Fitter,
    part_id: Annotated[str | None, Form()] = None,
    quantity: Annotated[str | None, Form()] = None,
) -> Response:
    """Reserve a part for the order (van, outlet, region), as ``POST /api/v1/work-orders/{id}/parts``."""
    order = service.get_for(db, user=user, id=order_id)
    try:
        chosen, count = _whole(part_id, "part_id", high=2**62), _whole(quantity or "1", "quantity")
    except InvalidInput as exc:  # the form comes back as typed, the error beside its field
        return _refused(request, db, user, order, exc, {"part_id": part_id or "", "quantity": quantity or ""})
    reservations.reserve(db, order=order, actor=user, part_id=chosen, quantity=count)
    return see_other(f"/tech/orders/{order.id}#parts")


def _refused(
    request: Request, db: DbSession, user: User, order: WorkOrder, exc: InvalidInput, values: dict
) -> Response:
    """The technician's order page again, the parts form filled in as typed and its error shown."""
    from anxin.web import tech_keep  # the technician's page includes this page's panel

    kept = tech_keep.Kept(form="parts", values=values)
    tech_keep.problem(kept, exc, i18n.language(request))
    return tech_keep.render_order(request, db, user, order, kept=kept)


@router.post("/tech/orders/{order_id}/parts/fit")
def fit(
    request: Request,
    order_id: int,
    db: DbSession,
    user: Fitter,
    line_id: Annotated[str | None, Form()] = None,
    serial: Annotated[str | None, Form()] = None,
    lot: Annotated[str | None, Form()] = None,
    removed_serial: Annotated[str | None, Form()] = None,
) -> Response:
    """Record one unit of a reserved part as fitted, with its serial (or lot) number and the old part's."""
    order = service.get_for(db, user=user, id=order_id)
    line = reservations.get_line(db, order=order, id=_whole(line_id, "line_id", high=2**62), lock=True)
    try:
        serial_number, removed = _text(serial, "serial"), _text(removed_serial, "removed_serial")
        lot_number = _text(lot, "lot")
    except InvalidInput as exc:
        values = {"line_id": str(line.id), "serial": serial or "", "removed_serial": removed_serial or ""}
        return _refused(request, db, user, order, exc, values)
    reservations.fit(
        db,
        order=order,
        line=line,
        actor=user,
        quantity=1,
        serial_numbers=[serial_number] if serial_number else [],
        lot_number=lot_number,
        removed_serial_numbers=[removed] if removed else [],
    )
    return see_other(f"/tech/orders/{order.id}#parts")


@router.get("/console/stock", response_class=HTMLResponse)
def stock_page(
    request: Request,
    db: DbSession,
    user: StockReader,
    warehouse: int | None = None,
    alerts: bool = False,
) -> Response:
    """The stock of the warehouses the caller sees (an outlet manager: the outlet's store and its vans),
    the alerts, the transfers in and out and the old parts not yet at the factory."""
    seen = warehouses.list_for(db, user=user)
    chosen = warehouse if warehouse in {w.id for w in seen} else None
    rows = warehouses.stock_rows(
        db, user=user, page=1, page_size=200, warehouse_id=chosen, below_reorder_point=alerts
    )
    moving = transfers.list_for(db, user=user, page=1, page_size=100, warehouse_id=chosen)
    olds = [
        old
        for status in ("held", "in_transit")
        for old in returns.list_for(db, user=user, page=1, page_size=100, status=status).items
    ]
    names = {w.id: w for w in seen} | warehouses.names(
        db, ids=[t.from_warehouse_id for t in moving.items] + [t.to_warehouse_id for t in moving.items]
    )
    part_names = catalog.by_ids(
        db,
        tenant_id=user.tenant_id,
        ids=[t.part_id for t in moving.items] + [old.part_id for old in olds],
    )
    return render(
        request,
        "parts/stock.html",
        warehouses=seen,
        chosen=chosen,
        alerts=alerts,
        rows=rows,
        transfers=moving.items,
        olds=olds,
        names=names,
        part_names=part_names,
    )
