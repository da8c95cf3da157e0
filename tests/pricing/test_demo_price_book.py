"""The demo city's price book: every category priced, realistic Chinese items the API's own rules accept,
two versions for the demo tenant (the second in force), Gree's own prices, and one version for acme."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from anxin import clock
from anxin.auth.models import Tenant
from anxin.catalog.codes import CategoryCode
from anxin.catalog.models import Brand
from anxin.demo import price_book
from anxin.parts.models import Part
from anxin.pricing import service
from anxin.pricing.schemas import PriceItemWrite
from tests.dates import local_today
from tests.demo_city import ANCHOR

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_demo_book_prices_every_category_in_chinese(db, world):
    # Given the demo book loaded for a tenant with Gree among its brands
    tenant = world.demo.tenant.id
    gree = Brand(tenant_id=tenant, code="gree", name_zh="格力", name_en="Gree")
    db.add(gree)
    db.flush()
    today = local_today()
    price_book.load(db, tenant_id=tenant, today=today)
    # Then version 2 is in force, version 1 superseded from version 2's day
    states = {
        v.number: (v.state, v.effective_from) for v in service.versions(db, tenant_id=tenant, today=today)
    }
    assert states == {
        2: ("in_force", today - timedelta(days=90)),
        1: ("superseded", today - timedelta(days=455)),
    }
    book = service.book_in_force(db, tenant_id=tenant, on=today)
    by_code = {p.code: p for p in book.prices}
    assert (by_code["VISIT-URBAN"].price_fen, by_code["VISIT-SUBURBAN"].price_fen) == (5000, 8000)
    # every category has labour and the repair of a common fault; air conditioners every service they get
    for category in CategoryCode:
        labour = [p for p in book.prices if p.kind == "labour" and p.category == category]
        assert any(p.service_type == "repair" and p.fault for p in labour), category
    ac = {p.service_type for p in book.prices if p.kind == "labour" and p.category == "air_conditioner"}
    assert {"repair", "cleaning", "installation", "relocation", "maintenance"} <= ac
    assert by_code["AC-GAS"].fault == "不制冷" and by_code["AC-GAS"].price_fen == 10000  # raised in version 2
    assert (by_code["MAT-PIPE-SMALL"].unit, by_code["MAT-R32"].unit) == ("metre", "kg")
    assert {p.kind for p in book.prices} == {"visit", "labour", "part", "material"}
    # Chinese names, and every item one the API itself would accept
    for p in book.prices:
        assert CJK.search(p.name), p.name
        PriceItemWrite.model_validate(
            {
                "code": p.code,
                "kind": p.kind,
                "name": p.name,
                "unit": p.unit,
                "price_fen": p.price_fen,
                "category": p.category,
                "service_type": p.service_type,
                "area": p.area,
                "fault": p.fault,
                "note": p.note,
            }
        )
    # Gree's own prices for its air conditioners, from version 2 only
    compressor = by_code["PART-AC-01"]
    assert compressor.name == "压缩机" and compressor.price_fen == 120000
    gree_price = service.price_of(db, tenant_id=tenant, item_id=compressor.id, on=today, brand_id=gree.id)
    assert gree_price.price_fen == 138000 and gree_price.brand_id == gree.id
    first = service.book_in_force(db, tenant_id=tenant, on=today - timedelta(days=100))
    assert first.version.number == 1 and not any(p.brand_prices for p in first.prices)


def test_the_demo_city_loads_its_price_books(engine, demo_city, sessionmaker_):
    demo_city.restore(engine)
    with clock.travel(ANCHOR), sessionmaker_() as db:
        today = ANCHOR.date()
        for slug, numbers in (("demo", 2), ("acme", 1)):
            tenant = db.scalar(select(Tenant.id).where(Tenant.slug == slug))
            book = service.book_in_force(db, tenant_id=tenant, on=today)
            assert book.version.number == numbers and len(book.prices) > 100, slug
        demo = db.scalar(select(Tenant.id).where(Tenant.slug == "demo"))
        gree = db.scalar(select(Brand.id).where(Brand.tenant_id == demo, Brand.code == "gree"))
        priced = service.book_in_force(
            db, tenant_id=demo, on=today, category="air_conditioner", brand_id=gree
        )
        assert sum(1 for p in priced.prices if p.brand_id == gree) == len(price_book.BRAND_PRICES)
        # each part of the book names its part in the part catalog, at the same list price
        catalog = dict(db.execute(select(Part.code, Part.list_price_fen).where(Part.tenant_id == demo)).all())
        parts = [p for p in service.book_in_force(db, tenant_id=demo, on=today).prices if p.kind == "part"]
        assert len(parts) > 30
        assert {p.part_code: p.price_fen for p in parts}.items() <= catalog.items()
