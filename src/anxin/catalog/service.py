from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin.audit import trail
from anxin.catalog.codes import CATEGORY_NAMES
from anxin.catalog.models import Brand, Category, ProductModel
from anxin.exceptions import InvalidInput, NotFound


def ensure_categories(db: Session, *, tenant_id: int) -> list[Category]:
    """Every tenant has the ten standard categories; create whichever are missing."""
    existing = {c.code: c for c in db.scalars(select(Category).where(Category.tenant_id == tenant_id))}
    for code, (zh, en) in CATEGORY_NAMES.items():
        if code.value not in existing:
            existing[code.value] = Category(tenant_id=tenant_id, code=code.value, name_zh=zh, name_en=en)
            db.add(existing[code.value])
    db.flush()
    return list(existing.values())


def get_categories(db: Session, *, tenant_id: int) -> Sequence[Category]:
    return db.scalars(select(Category).where(Category.tenant_id == tenant_id).order_by(Category.id)).all()


def get_category_by_code(db: Session, *, tenant_id: int, code: str) -> Category:
    category = db.scalar(select(Category).where(Category.tenant_id == tenant_id, Category.code == code))
    if category is None:
        raise InvalidInput("category_code", f"未知的品类 {code}", f"unknown category {code}")
    return category


def get_brands(db: Session, *, tenant_id: int) -> Sequence[Brand]:
    return db.scalars(select(Brand).where(Brand.tenant_id == tenant_id).order_by(Brand.id)).all()


def get_brand(db: Session, *, tenant_id: int, id: int) -> Brand:
    brand = db.get(Brand, id)
    if brand is None or brand.tenant_id != tenant_id:
        raise NotFound("brand", "品牌")
    return brand


def get_product_models(
    db: Session, *, tenant_id: int, brand_id: int | None = None, category_id: int | None = None
) -> Sequence[ProductModel]:
    query = select(ProductModel).where(ProductModel.tenant_id == tenant_id)
    if brand_id is not None:
        query = query.where(ProductModel.brand_id == brand_id)
    if category_id is not None:
        query = query.where(ProductModel.category_id == category_id)
    return db.scalars(query.order_by(ProductModel.id)).all()


def get_product_model(db: Session, *, tenant_id: int, id: int) -> ProductModel:
    model = db.get(ProductModel, id)
    if model is None or model.tenant_id != tenant_id:
        raise NotFound("product model", "产品型号")
    return model


def get_model_and_category(db: Session, *, tenant_id: int, id: int) -> tuple[ProductModel, Category]:
    row = db.execute(
        select(ProductModel, Category)
        .join(Category, Category.id == ProductModel.category_id)
        .where(ProductModel.id == id, ProductModel.tenant_id == tenant_id)
    ).first()
    if row is None:
        raise NotFound("product model", "产品型号")
    return row[0], row[1]


def create_brand(
    db: Session,
    *,
    tenant_id: int,
    code: str,
    name_zh: str,
    name_en: str,
    actor: trail.Actor | None = None,
) -> Brand:
    """A new brand, written to the audit log (``actor`` None: the platform's own seeding)."""
    if db.scalar(select(Brand.id).where(Brand.tenant_id == tenant_id, Brand.code == code)) is not None:
        raise InvalidInput("code", "品牌代码已存在", "brand code already exists")
    brand = Brand(tenant_id=tenant_id, code=code, name_zh=name_zh, name_en=name_en)
    db.add(brand)
    db.flush()
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="catalog.brand.create",
        object_type="brand",
        object_id=brand.id,
        changes=trail.changes(None, trail.snapshot(brand, ("code", "name_zh", "name_en"))),
    )
    return brand


def create_product_model(
    db: Session,
    *,
    tenant_id: int,
    brand_id: int,
    category_code: str,
    model_code: str,
    name: str,
    warranty_months: int,
    key_part_months: dict[str, int],
    actor: trail.Actor | None = None,
) -> ProductModel:
    """A new product model with its warranty terms, written to the audit log."""
    get_brand(db, tenant_id=tenant_id, id=brand_id)
    category = get_category_by_code(db, tenant_id=tenant_id, code=category_code)
    for part, months in key_part_months.items():
        if months < warranty_months:
            raise InvalidInput(
                "key_part_months",
                f"关键部件 {part} 的保修期不能短于整机",
                f"key part {part} shorter than unit",
            )
    model = ProductModel(
        tenant_id=tenant_id,
        brand_id=brand_id,
        category_id=category.id,
        model_code=model_code,
        name=name,
        warranty_months=warranty_months,
        key_part_months=key_part_months,
    )
    db.add(model)
    db.flush()
    fields = ("brand_id", "category_id", "model_code", "name", "warranty_months", "key_part_months")
    trail.record(
        db,
        tenant_id=tenant_id,
        actor=actor,
        action="catalog.model.create",
        object_type="product_model",
        object_id=model.id,
        changes=trail.changes(None, trail.snapshot(model, fields)),
    )
    return model
