"""The lookups other code builds on (the quote will): the book in force on a day, and an item's price for
a tenant on a day with the brand's own price. Versions here are published in the past, as the demo city
does, by giving ``editing.publish`` the day it was published."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from anxin.auth.models import User
from anxin.catalog.models import Brand
from anxin.database import make_sessionmaker
from anxin.exceptions import NotFound
from anxin.pricing import editing, service
from anxin.pricing.codes import VersionState
from anxin.pricing.exceptions import DraftExists, EffectiveDateOutOfRange, ItemNotInForce, VersionPublished
from anxin.pricing.models import PriceBookVersion

JAN1, FEB1, MAR1 = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)


def item(code: str, fen: int, **more) -> editing.ItemFields:
    return editing.ItemFields(
        code=code, kind=more.pop("kind", "labour"), name=code, unit="time", price_fen=fen, **more
    )


def version(
    db,
    world,
    effective: date | None,
    items: dict[str, int],
    brand_prices: dict[str, dict[int, int]] | None = None,
):
    """A version of ``world``'s book: the latest copied, ``items`` set to their prices, published from
    ``effective`` (a draft when None)."""
    admin = db.get(User, world.users["admin"].id)
    draft = editing.draft(db, tenant_id=world.tenant.id, actor=admin)
    have = {i.code: i for i in draft.items}
    for code, fen in items.items():
        fields = item(code, fen, brand_prices=(brand_prices or {}).get(code, {}))
        if code in have:
            editing.change_item(db, version=draft, item_id=have[code].id, fields=fields, actor=admin)
        else:
            editing.add_item(db, version=draft, fields=fields, actor=admin)
    if effective is not None:
        editing.publish(db, version=draft, effective_from=effective, today=effective, actor=admin)
    db.flush()
    return draft


def ids(db, version_row) -> dict[str, int]:
    db.refresh(version_row)
    return {i.code: i.id for i in version_row.items}


def test_the_book_in_force_on_a_day(db, world):
    first = version(db, world.demo, JAN1, {"GAS": 8000, "CLEAN": 8000})
    second = version(db, world.demo, MAR1, {"GAS": 10000})
    tenant = world.demo.tenant.id
    assert service.version_in_force(db, tenant_id=tenant, on=JAN1 - timedelta(days=1)) is None
    assert service.version_in_force(db, tenant_id=tenant, on=JAN1).id == first.id
    assert service.version_in_force(db, tenant_id=tenant, on=MAR1 - timedelta(days=1)).id == first.id
    assert service.version_in_force(db, tenant_id=tenant, on=MAR1).id == second.id
    book = service.book_in_force(db, tenant_id=tenant, on=FEB1)
    assert [(p.code, p.price_fen) for p in book.prices] == [("GAS", 8000), ("CLEAN", 8000)]
    assert [(p.code, p.price_fen) for p in service.book_in_force(db, tenant_id=tenant, on=MAR1).prices] == [
        ("GAS", 10000),
        ("CLEAN", 8000),
    ]
    # acme has no book: nothing of demo's shows through
    assert service.book_in_force(db, tenant_id=world.acme.tenant.id, on=MAR1).version is None


def test_an_items_price_on_a_day_with_the_brands_own_price(db, world):
    haier = db.scalar(select(Brand.id).where(Brand.tenant_id == world.demo.tenant.id))
    first = version(db, world.demo, JAN1, {"PART": 12000, "GAS": 8000}, {"PART": {haier: 15000}})
    items = ids(db, first)
    tenant = world.demo.tenant.id
    standard = service.price_of(db, tenant_id=tenant, item_id=items["PART"], on=FEB1)
    assert (standard.price_fen, standard.standard_price_fen, standard.brand_id) == (12000, 12000, None)
    branded = service.price_of(db, tenant_id=tenant, item_id=items["PART"], on=FEB1, brand_id=haier)
    assert (branded.price_fen, branded.standard_price_fen, branded.brand_id) == (15000, 12000, haier)
    assert (branded.version_number, branded.code, branded.kind) == (1, "PART", "labour")
    # an item without the brand's own price keeps its price for that brand
    assert (
        service.price_of(db, tenant_id=tenant, item_id=items["GAS"], on=FEB1, brand_id=haier).price_fen
        == 8000
    )
    # several at once, as a quote with several lines asks
    both = service.prices_of(
        db, tenant_id=tenant, item_ids=[items["PART"], items["GAS"]], on=FEB1, brand_id=haier
    )
    assert {p.code: p.price_fen for p in both.values()} == {"PART": 15000, "GAS": 8000}
    assert service.prices_of(db, tenant_id=tenant, item_ids=[], on=FEB1) == {}


def test_an_item_of_another_version_than_the_one_in_force_is_refused(db, world):
    first = version(db, world.demo, JAN1, {"GAS": 8000})
    old = ids(db, first)["GAS"]
    second = version(db, world.demo, MAR1, {"GAS": 10000})
    new = ids(db, second)["GAS"]
    tenant = world.demo.tenant.id
    assert service.price_of(db, tenant_id=tenant, item_id=old, on=FEB1).price_fen == 8000
    with pytest.raises(ItemNotInForce) as stale:  # superseded on the day asked
        service.price_of(db, tenant_id=tenant, item_id=old, on=MAR1)
    assert stale.value.params == {"code": "GAS", "day": "2026-03-01"}
    with pytest.raises(ItemNotInForce):  # not yet in force
        service.price_of(db, tenant_id=tenant, item_id=new, on=FEB1)
    with pytest.raises(ItemNotInForce):  # before any version
        service.price_of(db, tenant_id=tenant, item_id=old, on=JAN1 - timedelta(days=1))
    draft = version(db, world.demo, None, {"GAS": 1})
    with pytest.raises(ItemNotInForce):  # a draft's item is never priced
        service.price_of(db, tenant_id=tenant, item_id=ids(db, draft)["GAS"], on=MAR1)


def test_another_tenants_item_is_not_found(db, world):
    acme = version(db, world.acme, JAN1, {"GAS": 8000})
    version(db, world.demo, JAN1, {"GAS": 9000})
    with pytest.raises(NotFound):
        service.price_of(db, tenant_id=world.demo.tenant.id, item_id=ids(db, acme)["GAS"], on=FEB1)
    with pytest.raises(NotFound):
        service.price_of(db, tenant_id=world.demo.tenant.id, item_id=987_654_321, on=FEB1)


def test_the_state_of_each_version_on_a_day(db, world):
    version(db, world.demo, JAN1, {"A": 1})
    version(db, world.demo, MAR1, {"A": 2})
    version(db, world.demo, None, {"A": 3})

    def states(day: date) -> dict[int, VersionState]:
        return {v.number: v.state for v in service.versions(db, tenant_id=world.demo.tenant.id, today=day)}

    assert states(JAN1 - timedelta(days=1)) == {3: "draft", 2: "scheduled", 1: "scheduled"}
    assert states(FEB1) == {3: "draft", 2: "scheduled", 1: "in_force"}
    assert states(MAR1) == {3: "draft", 2: "in_force", 1: "superseded"}
    rows = service.versions(db, tenant_id=world.demo.tenant.id, today=MAR1)
    assert [(v.number, v.item_count, v.superseded_from) for v in rows] == [
        (3, 1, None),
        (2, 1, None),
        (1, 1, MAR1),
    ]


def test_publishing_never_reaches_back_before_today_or_the_latest_version(db, world):
    version(db, world.demo, MAR1, {"A": 1})
    draft = version(db, world.demo, None, {"A": 2})
    admin = db.get(User, world.demo.users["admin"].id)
    for day, today in ((FEB1, FEB1), (MAR1 - timedelta(days=1), JAN1), (MAR1, MAR1 + timedelta(days=1))):
        with pytest.raises(EffectiveDateOutOfRange):
            editing.publish(db, version=draft, effective_from=day, today=today, actor=admin)
    with pytest.raises(EffectiveDateOutOfRange):
        editing.publish(db, version=draft, effective_from=JAN1 + timedelta(days=367), today=JAN1, actor=admin)
    editing.publish(db, version=draft, effective_from=MAR1, today=FEB1, actor=admin)  # the same day: allowed
    assert draft.status == "published"


def test_two_admins_at_once_one_publishes_the_other_is_refused(engine, world, sessionmaker_):
    """The draft's row is locked by whoever changes it: an edit that waited for a publish sees the version
    published and is refused, rather than changing a published version."""
    writes = make_sessionmaker(engine, writes=True)  # as a request that may write (BEGIN IMMEDIATE on SQLite)
    tenant = world.demo.tenant.id
    with writes() as db:
        draft = version(db, world.demo, None, {"A": 1})
        db.commit()
        draft_id = draft.id
    publisher, editor = writes(), writes()
    admin = publisher.get(User, world.demo.users["admin"].id)
    locked = editing.locked_draft(publisher, tenant_id=tenant, version_id=draft_id)
    editing.publish(publisher, version=locked, effective_from=FEB1, today=FEB1, actor=admin)
    outcome: list[BaseException | str] = []

    def edit() -> None:
        try:
            other = editing.locked_draft(editor, tenant_id=tenant, version_id=draft_id)
            editing.add_item(editor, version=other, fields=item("B", 1), actor=None)
            editor.commit()
            outcome.append("edited")
        except BaseException as exc:  # noqa: BLE001 (the thread hands it over)
            editor.rollback()
            outcome.append(exc)

    thread = threading.Thread(target=edit)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()  # waiting for the publisher's lock
    publisher.commit()
    thread.join(timeout=30)
    publisher.close()
    editor.close()
    assert len(outcome) == 1 and isinstance(outcome[0], VersionPublished), outcome
    with sessionmaker_() as db:
        row = db.get(PriceBookVersion, draft_id)
        assert row.status == "published" and [i.code for i in row.items] == ["A"]


def test_two_drafts_started_at_once_make_one(engine, world, sessionmaker_):
    writes = make_sessionmaker(engine, writes=True)
    tenant = world.demo.tenant.id
    first, second = writes(), writes()
    editing.draft(first, tenant_id=tenant, actor=None)
    outcome: list[BaseException | str] = []

    def start() -> None:
        try:
            editing.draft(second, tenant_id=tenant, actor=None)
            second.commit()
            outcome.append("drafted")
        except BaseException as exc:  # noqa: BLE001
            second.rollback()
            outcome.append(exc)

    thread = threading.Thread(target=start)
    thread.start()
    thread.join(timeout=1.0)
    assert thread.is_alive()
    first.commit()
    thread.join(timeout=30)
    first.close()
    second.close()
    assert len(outcome) == 1 and isinstance(outcome[0], DraftExists), outcome
    with sessionmaker_() as db:
        assert db.scalars(select(PriceBookVersion.number)).all() == [1]
