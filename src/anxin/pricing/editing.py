"""Changing the price book, as the admins do (the API and the console call the same functions): draft a
new version from the latest published one, edit the draft's items, publish it with an effective date, or
discard it. A published version is never edited: every change here checks that its version is a draft,
holding that version's row locked, so a publish cannot slip between the check and the write.

Every change is written to the audit log in the caller's transaction (``audit.trail``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from anxin import clock
from anxin.audit import trail
from anxin.auth.models import Tenant
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.exceptions import InvalidInput, NotFound
from anxin.pricing import service
from anxin.pricing.codes import MAX_PRICE_FEN, Area, PriceKind, Unit
from anxin.pricing.exceptions import (
    AreaOnlyForVisits,
    DraftExists,
    EffectiveDateOutOfRange,
    EmptyVersion,
    ItemCodeTaken,
    VersionPublished,
)
from anxin.pricing.models import DRAFT, PUBLISHED, PriceBookVersion, PriceItem, PriceOverride

MAX_BRAND_PRICES = 50
AHEAD = timedelta(days=366)  # how far ahead a version may be published
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
ITEM_FIELDS = (
    "code",
    "kind",
    "name",
    "unit",
    "price_fen",
    "category_code",
    "service_type",
    "area",
    "fault",
    "note",
    "part_code",
)
LENGTHS = {"name": 120, "fault": 60, "note": 200}


@dataclass(frozen=True)
class ItemFields:
    """An item as a form or a request gives it; ``brand_prices`` is ``{brand_id: price_fen}``."""

    code: str
    kind: str
    name: str
    unit: str
    price_fen: int
    category_code: str | None = None
    service_type: str | None = None
    area: str | None = None
    fault: str | None = None
    note: str | None = None
    part_code: str | None = None
    brand_prices: dict[int, int] = field(default_factory=dict)


# -- versions -------------------------------------------------------------------------------------------


def draft(
    db: Session, *, tenant_id: int, actor: trail.Actor | None, note: str | None = None
) -> PriceBookVersion:
    """A new draft: a copy of the latest published version (items and brand prices), or an empty book
    when none is published. Refused while the tenant has a draft (``DraftExists``): one draft at a time,
    so two admins never publish rival versions. ``actor`` None: the platform's own seeding."""
    # the tenant's row, locked: two drafts started at once take their numbers one after the other
    db.execute(select(Tenant.id).where(Tenant.id == tenant_id).with_for_update())
    existing = service.draft_of(db, tenant_id=tenant_id)
    if existing is not None:
        raise DraftExists(number=existing.number)
    number = (
        db.scalar(select(func.max(PriceBookVersion.number)).where(PriceBookVersion.tenant_id == tenant_id))
        or 0
    ) + 1
    base = service.latest_published(db, tenant_id=tenant_id)
    version = PriceBookVersion(
        tenant_id=tenant_id,
        number=number,
        status=DRAFT,
        note=_text("note", note, 200),
        based_on_id=base.id if base is not None else None,
        created_by_id=actor.id if actor is not None else None,
        created_at=clock.now(),
    )
    db.add(version)
    db.flush()
    if base is not None:
        for item in service.items_of(db, version_id=base.id):
            copy = PriceItem(
                tenant_id=tenant_id,
                version_id=version.id,
                **{name: getattr(item, name) for name in ITEM_FIELDS},
            )
            copy.overrides = [
                PriceOverride(tenant_id=tenant_id, brand_id=o.brand_id, price_fen=o.price_fen)
                for o in item.overrides
            ]
            db.add(copy)
        db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="price_book.draft",
        object_type="price_book_version",
        object_id=version.id,
        changes=trail.changes(
            None, {"number": number, "based_on": base.number if base is not None else None}
        ),
    )
    return version


def locked_draft(db: Session, *, tenant_id: int, version_id: int) -> PriceBookVersion:
    """The tenant's version ``version_id`` with its row locked, when it is a draft: 404 for another
    tenant's, ``VersionPublished`` once published."""
    version = db.scalar(
        select(PriceBookVersion)
        .where(PriceBookVersion.id == version_id, PriceBookVersion.tenant_id == tenant_id)
        .with_for_update()
        # what the lock's holder before us committed (its status above all), not what the session held
        .execution_options(populate_existing=True)
    )
    if version is None:
        raise NotFound("price book version", "价目表版本")
    if version.status != DRAFT:
        raise VersionPublished(number=version.number)
    return version


def publish(
    db: Session, *, version: PriceBookVersion, effective_from: date, today: date, actor: trail.Actor | None
) -> PriceBookVersion:
    """Publish a draft (``locked_draft``) from ``effective_from``: from then on it is frozen. The date is
    not before ``today`` (the tenant's) nor before the latest published version's date, so no price ever
    changes for a day already begun or already covered, and at most a year ahead."""
    count = db.scalar(select(func.count(PriceItem.id)).where(PriceItem.version_id == version.id)) or 0
    if count == 0:
        raise EmptyVersion()
    latest = service.latest_published(db, tenant_id=version.tenant_id)
    earliest = max(today, latest.effective_from) if latest is not None and latest.effective_from else today
    if not earliest <= effective_from <= today + AHEAD:
        raise EffectiveDateOutOfRange(earliest=earliest.isoformat(), latest=(today + AHEAD).isoformat())
    version.status = PUBLISHED
    version.effective_from = effective_from
    version.published_at = clock.now()
    version.published_by_id = actor.id if actor is not None else None
    db.flush()
    trail.record(
        db,
        tenant_id=version.tenant_id,
        actor=actor,
        action="price_book.publish",
        object_type="price_book_version",
        object_id=version.id,
        changes=trail.changes(
            {"status": DRAFT, "effective_from": None}, {"status": PUBLISHED, "effective_from": effective_from}
        ),
        note=f"第 {version.number} 版，{count} 项",
    )
    return version


def discard(db: Session, *, version: PriceBookVersion, actor: trail.Actor) -> None:
    """Throw a draft (``locked_draft``) away with its items; published versions are kept for good."""
    trail.record(
        db,
        tenant_id=version.tenant_id,
        actor=actor,
        action="price_book.discard",
        object_type="price_book_version",
        object_id=version.id,
        changes=trail.changes({"number": version.number}, None),
    )
    db.delete(version)  # its items and their brand prices with it (the relationships' cascade)
    db.flush()


# -- items of a draft -----------------------------------------------------------------------------------


def add_item(
    db: Session, *, version: PriceBookVersion, fields: ItemFields, actor: trail.Actor | None
) -> PriceItem:
    """Add an item to a draft (``locked_draft``). Its code is unique within the version."""
    values = _checked(db, tenant_id=version.tenant_id, fields=fields)
    _code_free(db, version=version, code=values["code"], other_than=None)
    item = PriceItem(tenant_id=version.tenant_id, version_id=version.id, **values)
    item.overrides = _overrides(version.tenant_id, fields.brand_prices)
    db.add(item)
    db.flush()
    _record(db, item=item, action="price_book.item.add", before=None, after=_snapshot(item), actor=actor)
    return item


def change_item(
    db: Session, *, version: PriceBookVersion, item_id: int, fields: ItemFields, actor: trail.Actor
) -> PriceItem:
    """Replace a draft's item with ``fields`` (its brand prices too)."""
    item = _item(db, version=version, item_id=item_id)
    values = _checked(db, tenant_id=version.tenant_id, fields=fields)
    _code_free(db, version=version, code=values["code"], other_than=item.id)
    before = _snapshot(item)
    for name, value in values.items():
        setattr(item, name, value)
    current = service.overrides_by_brand(item)
    if current != fields.brand_prices:
        item.overrides.clear()
        db.flush()  # the old rows go before the new ones take their (item, brand) keys
        item.overrides.extend(_overrides(version.tenant_id, fields.brand_prices))
    db.flush()
    _record(db, item=item, action="price_book.item.change", before=before, after=_snapshot(item), actor=actor)
    return item


def remove_item(db: Session, *, version: PriceBookVersion, item_id: int, actor: trail.Actor) -> None:
    """Take an item out of a draft."""
    item = _item(db, version=version, item_id=item_id)
    _record(db, item=item, action="price_book.item.remove", before=_snapshot(item), after=None, actor=actor)
    db.delete(item)
    db.flush()


def _item(db: Session, *, version: PriceBookVersion, item_id: int) -> PriceItem:
    item = db.scalar(
        select(PriceItem)
        .where(
            PriceItem.id == item_id,
            PriceItem.version_id == version.id,
            PriceItem.tenant_id == version.tenant_id,
        )
        .options(selectinload(PriceItem.overrides))
    )
    if item is None:
        raise NotFound("price item", "收费项目")
    return item


def _code_free(db: Session, *, version: PriceBookVersion, code: str, other_than: int | None) -> None:
    query = select(PriceItem.id).where(PriceItem.version_id == version.id, PriceItem.code == code)
    if other_than is not None:
        query = query.where(PriceItem.id != other_than)
    if db.scalar(query) is not None:
        raise ItemCodeTaken(code=code)


def _overrides(tenant_id: int, brand_prices: dict[int, int]) -> list[PriceOverride]:
    return [
        PriceOverride(tenant_id=tenant_id, brand_id=brand_id, price_fen=price)
        for brand_id, price in sorted(brand_prices.items())
    ]


def _text(name: str, value: str | None, most: int) -> str | None:
    """Free text trimmed; empty is None; longer than ``most`` characters is refused."""
    value = (value or "").strip()
    if len(value) > most:
        raise InvalidInput(name, f"不能超过 {most} 个字", f"at most {most} characters")
    return value or None


def _choice(name: str, value: str | None, allowed: type, *, required: bool = False) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise InvalidInput(name, "必须填写", "required")
        return None
    if value not in {member.value for member in allowed}:
        raise InvalidInput(name, f"未知的取值 {value[:40]}", f"unknown value {value[:40]}")
    return value


def _checked(db: Session, *, tenant_id: int, fields: ItemFields) -> dict:
    """The item's columns, trimmed and checked against the vocabularies and the rules (the API's schema
    says the same; a page's form is checked here)."""
    code = (fields.code or "").strip()
    if CODE.fullmatch(code) is None:
        raise InvalidInput(
            "code", "编码为 1-40 位字母、数字、点、下划线或短横线", "1-40 letters, digits, '.', '_' or '-'"
        )
    part_code = (fields.part_code or "").strip() or None
    if part_code is not None and CODE.fullmatch(part_code) is None:
        raise InvalidInput(
            "part_code",
            "配件编码为 1-40 位字母、数字、点、下划线或短横线",
            "1-40 letters, digits, '.', '_' or '-'",
        )
    name = _text("name", fields.name, LENGTHS["name"])
    if name is None:
        raise InvalidInput("name", "必须填写名称", "a name is required")
    kind = _choice("kind", fields.kind, PriceKind, required=True)
    area = _choice("area", fields.area, Area)
    if area is not None and kind != PriceKind.VISIT:
        raise AreaOnlyForVisits()
    for brand_id, price in [(None, fields.price_fen), *fields.brand_prices.items()]:
        if not 0 <= price <= MAX_PRICE_FEN:
            where = "price_fen" if brand_id is None else "brand_prices"
            raise InvalidInput(where, "金额应在 0 至 100,000 元之间", "the amount must be 0 to 100,000 yuan")
    if len(fields.brand_prices) > MAX_BRAND_PRICES:
        raise InvalidInput(
            "brand_prices", f"最多 {MAX_BRAND_PRICES} 个品牌价", f"at most {MAX_BRAND_PRICES} brands"
        )
    for brand_id in fields.brand_prices:
        catalog_service.get_brand(db, tenant_id=tenant_id, id=brand_id)  # 404 for another tenant's
    return {
        "code": code,
        "kind": kind,
        "name": name,
        "unit": _choice("unit", fields.unit, Unit, required=True),
        "price_fen": fields.price_fen,
        "category_code": _choice("category", fields.category_code, CategoryCode),
        "service_type": _choice("service_type", fields.service_type, ServiceType),
        "area": area,
        "fault": _text("fault", fields.fault, LENGTHS["fault"]),
        "note": _text("note", fields.note, LENGTHS["note"]),
        "part_code": part_code,
    }


def _snapshot(item: PriceItem) -> dict:
    values = trail.snapshot(item, ITEM_FIELDS)
    values["brand_prices"] = {
        str(brand): price for brand, price in sorted(service.overrides_by_brand(item).items())
    }
    return values


def _record(
    db: Session, *, item: PriceItem, action: str, before: dict | None, after: dict | None, actor: trail.Actor
) -> None:
    trail.record(
        db,
        tenant_id=item.tenant_id,
        actor=actor,
        action=action,
        object_type="price_item",
        object_id=item.id,
        changes=trail.changes(before, after),
        note=f"{item.code}",
    )
