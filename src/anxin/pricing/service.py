"""Reading the price book: its versions and their states, the book in force on a day, and the lookup a
quote makes: an item's price for a tenant on a day, with the brand's own price where it has one.

Which version is in force on a day: the published one with the latest effective date on or before it (the
higher number when two share a date). Publishing never dates a version before one already published
(``editing.publish``), so versions come into force in the order of their numbers."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.exceptions import NotFound
from anxin.pricing.codes import KIND_ORDER, Area, VersionState
from anxin.pricing.exceptions import ItemNotInForce
from anxin.pricing.models import DRAFT, PUBLISHED, PriceBookVersion, PriceItem, PriceOverride

_CATEGORY_ORDER = {code.value: index for index, code in enumerate(CategoryCode)}
_SERVICE_ORDER = {code.value: index for index, code in enumerate(ServiceType)}
_KIND_ORDER = {kind.value: index for index, kind in enumerate(KIND_ORDER)}
_AREA_ORDER = {area.value: index for index, area in enumerate(Area)}


@dataclass(frozen=True)
class Price:
    """An item of the book as one brand pays for it: ``price_fen`` is the brand's own price when the item
    has one for ``brand_id`` (then ``brand_id`` is set), else the item's standard price
    (``standard_price_fen``)."""

    id: int
    code: str
    kind: str
    name: str
    unit: str
    price_fen: int
    standard_price_fen: int
    brand_id: int | None
    category: str | None
    service_type: str | None
    area: str | None
    fault: str | None
    note: str | None
    part_code: str | None
    version_id: int
    version_number: int
    brand_prices: tuple[tuple[int, int], ...]  # every brand's own price of the item: (brand_id, price_fen)


@dataclass(frozen=True)
class Book:
    """The version in force on ``day`` (None when no version is) and its prices, in the book's order."""

    day: date
    version: PriceBookVersion | None
    prices: list[Price]


@dataclass(frozen=True)
class VersionSummary:
    """A version as the admins' list shows it, with its state on ``today``."""

    id: int
    number: int
    status: str
    state: VersionState
    effective_from: date | None
    superseded_from: date | None
    note: str | None
    based_on_id: int | None
    created_at: datetime
    published_at: datetime | None
    item_count: int


# -- versions -------------------------------------------------------------------------------------------


def state_of(version: PriceBookVersion, *, superseded_from: date | None, today: date) -> VersionState:
    """A version's state on ``today``: draft; or scheduled, in force or superseded by its dates
    (``superseded_from``: the effective date of the next published version). A version whose successor
    takes effect on its own date is never in force: superseded."""
    if version.status == DRAFT or version.effective_from is None:
        return VersionState.DRAFT
    if superseded_from is not None and superseded_from <= max(today, version.effective_from):
        return VersionState.SUPERSEDED
    if version.effective_from > today:
        return VersionState.SCHEDULED
    return VersionState.IN_FORCE


def _successors(published: Sequence[PriceBookVersion]) -> dict[int, date | None]:
    """For each published version, the effective date of the next one (None for the last)."""
    ordered = sorted(published, key=lambda v: v.number)
    return {
        version.id: ordered[index + 1].effective_from if index + 1 < len(ordered) else None
        for index, version in enumerate(ordered)
    }


def versions(db: Session, *, tenant_id: int, today: date) -> list[VersionSummary]:
    """Every version of the tenant's book, the newest first, with its state on ``today``."""
    rows = db.execute(
        select(PriceBookVersion, func.count(PriceItem.id))
        .outerjoin(PriceItem, PriceItem.version_id == PriceBookVersion.id)
        .where(PriceBookVersion.tenant_id == tenant_id)
        .group_by(PriceBookVersion.id)
        .order_by(PriceBookVersion.number.desc())
    ).all()
    successors = _successors([version for version, _ in rows if version.status == PUBLISHED])
    return [_summary(version, count, successors.get(version.id), today) for version, count in rows]


def _summary(
    version: PriceBookVersion, count: int, superseded_from: date | None, today: date
) -> VersionSummary:
    return VersionSummary(
        id=version.id,
        number=version.number,
        status=version.status,
        state=state_of(version, superseded_from=superseded_from, today=today),
        effective_from=version.effective_from,
        superseded_from=superseded_from,
        note=version.note,
        based_on_id=version.based_on_id,
        created_at=version.created_at,
        published_at=version.published_at,
        item_count=count,
    )


def get_version(db: Session, *, tenant_id: int, id: int) -> PriceBookVersion:
    """A version of the tenant's book with its items and their brand prices (404 for another tenant's)."""
    version = db.scalar(
        select(PriceBookVersion)
        .where(PriceBookVersion.id == id, PriceBookVersion.tenant_id == tenant_id)
        .options(selectinload(PriceBookVersion.items).selectinload(PriceItem.overrides))
        .execution_options(populate_existing=True)  # the items as stored, whatever the session held
    )
    if version is None:
        raise NotFound("price book version", "价目表版本")
    return version


def items_of(db: Session, *, version_id: int) -> list[PriceItem]:
    """A version's items with their brand prices, as stored."""
    return list(
        db.scalars(
            select(PriceItem)
            .where(PriceItem.version_id == version_id)
            .order_by(PriceItem.id)
            .options(selectinload(PriceItem.overrides))
            .execution_options(populate_existing=True)
        )
    )


def summary_of(db: Session, *, version: PriceBookVersion, today: date) -> VersionSummary:
    """``version``'s line of the list (its state needs its successor's date)."""
    successor = None
    if version.status == PUBLISHED:
        successor = db.scalar(
            select(PriceBookVersion.effective_from)
            .where(
                PriceBookVersion.tenant_id == version.tenant_id,
                PriceBookVersion.status == PUBLISHED,
                PriceBookVersion.number > version.number,
            )
            .order_by(PriceBookVersion.number)
            .limit(1)
        )
    return _summary(version, len(version.items), successor, today)


def draft_of(db: Session, *, tenant_id: int) -> PriceBookVersion | None:
    """The tenant's draft, if it has one."""
    return db.scalar(
        select(PriceBookVersion).where(
            PriceBookVersion.tenant_id == tenant_id, PriceBookVersion.status == DRAFT
        )
    )


def latest_published(db: Session, *, tenant_id: int) -> PriceBookVersion | None:
    """The published version with the highest number (in force or scheduled)."""
    return db.scalar(
        select(PriceBookVersion)
        .where(PriceBookVersion.tenant_id == tenant_id, PriceBookVersion.status == PUBLISHED)
        .order_by(PriceBookVersion.number.desc())
        .limit(1)
    )


def version_in_force(db: Session, *, tenant_id: int, on: date) -> PriceBookVersion | None:
    """The version of the tenant's book in force on ``on``: None before the first one takes effect."""
    return db.scalar(
        select(PriceBookVersion)
        .where(
            PriceBookVersion.tenant_id == tenant_id,
            PriceBookVersion.status == PUBLISHED,
            PriceBookVersion.effective_from <= on,
        )
        .order_by(PriceBookVersion.effective_from.desc(), PriceBookVersion.number.desc())
        .limit(1)
    )


# -- the book in force and the lookup ------------------------------------------------------------------


def sort_key(item: PriceItem | Price) -> tuple:
    """The book's order: visit fees, labour, parts, materials; within a kind by category, service type
    and area in their vocabularies' order (general items first), then as entered."""
    category = item.category_code if isinstance(item, PriceItem) else item.category
    return (
        _KIND_ORDER.get(item.kind, 99),
        -1 if category is None else _CATEGORY_ORDER.get(category, 98),
        -1 if item.service_type is None else _SERVICE_ORDER.get(item.service_type, 98),
        -1 if item.area is None else _AREA_ORDER.get(item.area, 98),
        item.id,
    )


def _price(item: PriceItem, version: PriceBookVersion, brand_id: int | None) -> Price:
    override = next((o for o in item.overrides if brand_id is not None and o.brand_id == brand_id), None)
    return Price(
        id=item.id,
        code=item.code,
        kind=item.kind,
        name=item.name,
        unit=item.unit,
        price_fen=override.price_fen if override is not None else item.price_fen,
        standard_price_fen=item.price_fen,
        brand_id=override.brand_id if override is not None else None,
        category=item.category_code,
        service_type=item.service_type,
        area=item.area,
        fault=item.fault,
        note=item.note,
        part_code=item.part_code,
        version_id=version.id,
        version_number=version.number,
        brand_prices=tuple(
            (o.brand_id, o.price_fen) for o in sorted(item.overrides, key=lambda o: o.brand_id)
        ),
    )


def book_in_force(
    db: Session,
    *,
    tenant_id: int,
    on: date,
    category: str | None = None,
    service_type: str | None = None,
    brand_id: int | None = None,
) -> Book:
    """The book in force on ``on``: its items for ``category`` and ``service_type`` (an item for every
    category or every service type is included), priced for ``brand_id`` when given. What anyone of the
    tenant may read: published prices only."""
    version = version_in_force(db, tenant_id=tenant_id, on=on)
    if version is None:
        return Book(day=on, version=None, prices=[])
    query = (
        select(PriceItem)
        .where(PriceItem.version_id == version.id, PriceItem.tenant_id == tenant_id)
        .options(selectinload(PriceItem.overrides))
        .execution_options(populate_existing=True)
    )
    if category is not None:
        query = query.where((PriceItem.category_code == category) | PriceItem.category_code.is_(None))
    if service_type is not None:
        query = query.where((PriceItem.service_type == service_type) | PriceItem.service_type.is_(None))
    items = sorted(db.scalars(query).all(), key=sort_key)
    return Book(day=on, version=version, prices=[_price(item, version, brand_id) for item in items])


def prices_of(
    db: Session, *, tenant_id: int, item_ids: Iterable[int], on: date, brand_id: int | None = None
) -> dict[int, Price]:
    """The price of each item on ``on`` for ``brand_id`` (the brand's own price where the item has one),
    as a quote prices its lines. Every item must be of the tenant (``NotFound`` otherwise, as for an id
    that does not exist) and of the version in force on ``on`` (``ItemNotInForce``: the book changed
    since the caller read it, or no version is in force yet)."""
    wanted = set(item_ids)
    if not wanted:
        return {}
    items = db.scalars(
        select(PriceItem)
        .where(PriceItem.id.in_(wanted), PriceItem.tenant_id == tenant_id)
        .options(selectinload(PriceItem.overrides))
        .execution_options(populate_existing=True)
    ).all()
    if len(items) != len(wanted):
        raise NotFound("price item", "收费项目")
    version = version_in_force(db, tenant_id=tenant_id, on=on)
    stale = sorted(
        (item for item in items if version is None or item.version_id != version.id), key=lambda i: i.id
    )
    if stale:
        raise ItemNotInForce(code=stale[0].code, day=on.isoformat())
    return {item.id: _price(item, version, brand_id) for item in items}


def price_of(db: Session, *, tenant_id: int, item_id: int, on: date, brand_id: int | None = None) -> Price:
    """One item's price on ``on`` for ``brand_id``: ``prices_of`` for one."""
    return prices_of(db, tenant_id=tenant_id, item_ids=[item_id], on=on, brand_id=brand_id)[item_id]


def overrides_by_brand(item: PriceItem) -> dict[int, int]:
    """``{brand_id: price_fen}`` of an item's brand prices."""
    return {override.brand_id: override.price_fen for override in item.overrides}


def brand_ids_used(db: Session, *, version_id: int) -> set[int]:
    """The brands a version's items have prices for."""
    return set(
        db.scalars(
            select(PriceOverride.brand_id)
            .join(PriceItem, PriceItem.id == PriceOverride.item_id)
            .where(PriceItem.version_id == version_id)
        )
    )
