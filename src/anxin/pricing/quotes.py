"""The technician's quote, priced from the public price book: the lines the technician picked (an item of
the book in force today and a quantity, or a line typed by hand, kind ``other``, flagged for review),
priced for the appliance's brand, each split into what is covered and what the customer pays
(``coverage``), then put to the customer through ``work_order.actions.quote``, which moves the order by
the state table and records the event. A rework inside the last repair's own warranty is free and its
cost charged back to the first repair's technician and outlet (``rework_chargeback``).

``work_order`` knows nothing of prices: it stores what it is given. This module sits above it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.appliance import service as appliance_service
from anxin.appliance.warranty import BillingCategory
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.catalog import service as catalog_service
from anxin.contract import claims as contract_claims
from anxin.parts.models import Part
from anxin.pricing import coverage, policy, service
from anxin.pricing.codes import AREA_NAMES, MAX_PRICE_FEN
from anxin.pricing.exceptions import ItemNotApplicable, LineTooLarge
from anxin.pricing.models import PriceBookVersion, ReworkChargeback
from anxin.work_order import actions
from anxin.work_order.models import Quote, WorkOrder
from anxin.work_order.states import DONE

OTHER = "other"


@dataclass(frozen=True)
class Setting:
    """What prices an order's lines: the tenant's today (the book in force then), the appliance's brand
    (its own prices) and the coverage terms."""

    today: date
    brand_id: int
    terms: coverage.Terms
    earlier: WorkOrder | None  # the repair this order reworks inside its warranty


@dataclass(frozen=True)
class Priced:
    """Lines ready for ``work_order.actions.quote`` and what they were priced from."""

    lines: list[dict]
    version: PriceBookVersion | None
    reason: tuple[str | None, str | None]
    earlier: WorkOrder | None


def setting_for(db: Session, *, order: WorkOrder) -> Setting:
    """The order's pricing setting: the appliance's warranty on the order's date (as intake judged it),
    and the earlier repair whose own warranty a rework falls in."""
    appliance = appliance_service.get(db, tenant_id=order.tenant_id, id=order.appliance_id)
    model = catalog_service.get_product_model(db, tenant_id=order.tenant_id, id=appliance.product_model_id)
    on = clock.as_utc(order.created_at).date()  # intake's own day for the warranty status
    warranty = appliance_service.warranty(db, appliance=appliance, on=on, model=model)
    earlier, rework = _earlier_repair(db, order=order)
    terms = coverage.Terms(
        billing_category=order.billing_category,
        warranty=warranty,
        rework=rework,
        contract=_contract(db, order=order),
    )
    return Setting(
        today=tenant_clock.today(db, order.tenant_id), brand_id=model.brand_id, terms=terms, earlier=earlier
    )


def _contract(db: Session, *, order: WorkOrder) -> coverage.Contract | None:
    """The contract an order billed to one (category B) claims against, named in the lines' reason."""
    if order.billing_category != BillingCategory.CONTRACT:
        return None
    contract = contract_claims.contract_for(db, order)
    if contract is None:
        return None
    return coverage.Contract(kind=contract.kind, number=contract.number, ends_on=contract.end_date)


def _earlier_repair(db: Session, *, order: WorkOrder) -> tuple[WorkOrder | None, coverage.Rework | None]:
    """The order this rework is linked to, when the order was reported inside that repair's warranty
    (the tenant's ``repair_warranty_days`` from its completion)."""
    if not order.is_rework or order.rework_of_id is None:
        return None, None
    earlier = db.get(WorkOrder, order.rework_of_id)
    if earlier is None or earlier.tenant_id != order.tenant_id or earlier.completed_at is None:
        return None, None
    if earlier.status not in DONE:
        return None, None
    days = policy.repair_warranty_days(db, tenant_id=order.tenant_id)
    ends = clock.as_utc(earlier.completed_at) + timedelta(days=days)
    if days <= 0 or clock.as_utc(order.created_at) > ends:
        return None, None
    until = ends.astimezone(tenant_clock.zone(db, order.tenant_id)).date()
    return earlier, coverage.Rework(number=earlier.number, until=until, days=days)


def _key_parts(db: Session, *, tenant_id: int, part_codes: set[str]) -> dict[str, str]:
    """``{part_code: key part}`` of the part catalog's parts that are a warranty's key part."""
    if not part_codes:
        return {}
    rows = db.execute(
        select(Part.code, Part.key_part).where(
            Part.tenant_id == tenant_id, Part.code.in_(part_codes), Part.key_part.is_not(None)
        )
    ).all()
    return {code: key for code, key in rows}


def _applies(price: service.Price, order: WorkOrder, field: str) -> None:
    """Refuse an item that is not for this order: another category's, or the other area's visit fee."""
    if price.category is not None and price.category != order.category_code:
        raise ItemNotApplicable(
            code=price.code, field=field, what="品类不符", what_en="another category's item"
        )
    if price.area is not None and price.area != order.area_type:
        zh, en = AREA_NAMES.get(price.area, (price.area, price.area))
        raise ItemNotApplicable(
            code=price.code, field=field, what=f"{zh}上门费", what_en=f"the {en.lower()} visit fee"
        )


def price_lines(
    db: Session, *, order: WorkOrder, lines: list[dict], setting: Setting | None = None
) -> Priced:
    """Price ``lines`` as the API takes them (``{"price_item_id", "quantity"}``, or ``{"kind": "other",
    "description", "amount_fen", "quantity"}``) for ``order`` on the tenant's today. An item not of the
    tenant is 404, not of the book in force today 409 ``price_item_not_in_force``, not for this order 422
    ``price_item_not_applicable``; a line of more than 100,000 yuan is refused."""
    setting = setting or setting_for(db, order=order)
    wanted = [line["price_item_id"] for line in lines if line.get("price_item_id") is not None]
    prices = service.prices_of(
        db, tenant_id=order.tenant_id, item_ids=wanted, on=setting.today, brand_id=setting.brand_id
    )
    key_parts = _key_parts(
        db,
        tenant_id=order.tenant_id,
        part_codes={p.part_code for p in prices.values() if p.kind == "part" and p.part_code},
    )
    priced: list[dict] = []
    covers: list[tuple[coverage.Cover | None, int]] = []
    for index, line in enumerate(lines):
        quantity = int(line.get("quantity") or 1)
        item_id = line.get("price_item_id")
        if item_id is not None:
            price = prices[item_id]
            _applies(price, order, f"lines.{index}.price_item_id")
            row = {
                "kind": price.kind,
                "price_item_id": price.id,
                "code": price.code,
                "description": price.name,
                "unit": price.unit,
                "unit_price_fen": price.price_fen,
                "needs_review": False,
            }
            key_part = key_parts.get(price.part_code) if price.part_code else None
        else:
            row = {
                "kind": OTHER,
                "price_item_id": None,
                "code": None,
                "description": str(line["description"]).strip()[:200],
                "unit": None,
                "unit_price_fen": int(line["amount_fen"]),
                "needs_review": True,
            }
            key_part = None
        amount = row["unit_price_fen"] * quantity
        if amount > MAX_PRICE_FEN:
            raise LineTooLarge(field=f"lines.{index}.quantity")
        found = coverage.cover(
            kind=row["kind"], name=row["description"], key_part=key_part, terms=setting.terms
        )
        covered = amount if found is not None else 0
        row |= {
            "quantity": quantity,
            "amount_fen": amount,
            "covered_fen": covered,
            "payable_fen": amount - covered,
            "coverage": found.kind if found else None,
            "coverage_reason": found.zh[:200] if found else None,
            "coverage_reason_en": found.en[:300] if found else None,
        }
        priced.append(row)
        covers.append((found, amount))
    version = next(iter(prices.values())).version_id if prices else None
    return Priced(
        lines=priced,
        version=db.get(PriceBookVersion, version) if version is not None else None,
        reason=coverage.summary(covers),
        earlier=setting.earlier,
    )


def quote(db: Session, *, order: WorkOrder, actor: User, ctx: actions.Context, lines: list[dict]) -> Quote:
    """The technician's quote: price ``lines`` and put them to the customer (``work_order.actions.quote``:
    the state table's ``quote`` move and its event). A rework inside the last repair's warranty records
    what it costs against the first repair's technician and outlet."""
    actions.check_allowed(order, "quote", actor)  # refuse a move that is not allowed before pricing
    priced = price_lines(db, order=order, lines=lines)
    new = actions.quote(
        db,
        order=order,
        actor=actor,
        ctx=ctx,
        lines=priced.lines,
        version_id=priced.version.id if priced.version else None,
        reason=priced.reason,
    )
    if priced.earlier is not None:
        db.add(
            ReworkChargeback(
                tenant_id=order.tenant_id,
                quote_id=new.id,
                work_order_id=order.id,
                original_order_id=priced.earlier.id,
                technician_id=priced.earlier.technician_id,
                outlet_id=priced.earlier.outlet_id,
                amount_fen=new.covered_fen,
                created_at=clock.now(),
            )
        )
        db.flush()
    return new


def chargebacks_of(db: Session, *, order: WorkOrder) -> list[ReworkChargeback]:
    """The charge-backs recorded against ``order`` as the first repair, the latest first."""
    return list(
        db.scalars(
            select(ReworkChargeback)
            .where(ReworkChargeback.original_order_id == order.id)
            .order_by(ReworkChargeback.id.desc())
        )
    )


# -- the technician's menu ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MenuItem:
    """An item the technician may pick for the order, with what it would cost the customer."""

    price: service.Price
    cover: coverage.Cover | None


@dataclass(frozen=True)
class Menu:
    version: PriceBookVersion | None
    items: list[MenuItem]
    other_cover: coverage.Cover | None  # what covers a line typed by hand


def menu(db: Session, *, order: WorkOrder) -> Menu:
    """The book in force today for the order's category and service type (the visit fee of its area),
    priced for its brand, each item with the cover it would get on this order."""
    setting = setting_for(db, order=order)
    book = service.book_in_force(
        db,
        tenant_id=order.tenant_id,
        on=setting.today,
        category=order.category_code,
        service_type=order.service_type,
        brand_id=setting.brand_id,
    )
    prices = [p for p in book.prices if p.area is None or p.area == order.area_type]
    key_parts = _key_parts(
        db,
        tenant_id=order.tenant_id,
        part_codes={p.part_code for p in prices if p.kind == "part" and p.part_code},
    )
    items = [
        MenuItem(
            price=p,
            cover=coverage.cover(
                kind=p.kind,
                name=p.name,
                key_part=key_parts.get(p.part_code) if p.part_code else None,
                terms=setting.terms,
            ),
        )
        for p in prices
    ]
    other = coverage.cover(kind=OTHER, name="", key_part=None, terms=setting.terms)
    return Menu(version=book.version, items=items, other_cover=other)
