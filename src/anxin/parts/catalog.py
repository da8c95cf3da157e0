"""The part catalog: parts at list price, genuine or not, and which product models each fits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from anxin.catalog.models import ProductModel
from anxin.database import DuplicateKey, duplicate_keys
from anxin.exceptions import NotFound
from anxin.fields import LIKE_ESCAPE, like_escaped
from anxin.pagination import Page, paginate
from anxin.parts.exceptions import CodeTaken
from anxin.parts.models import Part, PartFit


def get(db: Session, *, tenant_id: int, id: int) -> Part:
    part = db.get(Part, id)
    if part is None or part.tenant_id != tenant_id:
        raise NotFound("part", "配件")
    return part


def list_parts(
    db: Session,
    *,
    tenant_id: int,
    page: int,
    page_size: int,
    product_model_id: int | None = None,
    category: str | None = None,
    q: str | None = None,
) -> Page[Part]:
    """The tenant's parts by code; with ``product_model_id`` those that fit the model (its own list and
    the materials any model takes)."""
    query = select(Part).where(Part.tenant_id == tenant_id)
    if product_model_id is not None:
        fitting = select(PartFit.part_id).where(
            PartFit.tenant_id == tenant_id, PartFit.product_model_id == product_model_id
        )
        query = query.where(or_(Part.id.in_(fitting), Part.fits_all.is_(True)))
    if category:
        query = query.where(Part.category_code == category)
    if q:
        pattern = f"%{like_escaped(q)}%"
        query = query.where(
            or_(Part.code.like(pattern, escape=LIKE_ESCAPE), Part.name.like(pattern, escape=LIKE_ESCAPE))
        )
    return paginate(db, query.order_by(Part.code, Part.id), page=page, page_size=page_size)


def by_ids(db: Session, *, tenant_id: int, ids: Iterable[int]) -> dict[int, Part]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    return {p.id: p for p in db.scalars(select(Part).where(Part.tenant_id == tenant_id, Part.id.in_(wanted)))}


def fits(db: Session, *, part_ids: Sequence[int]) -> dict[int, list[int]]:
    """The product models each part fits."""
    out: dict[int, list[int]] = {part_id: [] for part_id in part_ids}
    if not part_ids:
        return out
    rows = db.execute(
        select(PartFit.part_id, PartFit.product_model_id)
        .where(PartFit.part_id.in_(list(part_ids)))
        .order_by(PartFit.product_model_id)
    )
    for part_id, model_id in rows:
        out[part_id].append(model_id)
    return out


def fits_any(db: Session, *, part: Part, product_model_ids: Iterable[int]) -> bool:
    """Whether ``part`` fits one of the models."""
    if part.fits_all:
        return True
    models = list(product_model_ids)
    if not models:
        return False
    found = db.scalar(
        select(PartFit.id).where(PartFit.part_id == part.id, PartFit.product_model_id.in_(models)).limit(1)
    )
    return found is not None


def create(
    db: Session,
    *,
    tenant_id: int,
    code: str,
    name: str,
    list_price_fen: int,
    product_model_ids: Sequence[int] = (),
    category_code: str | None = None,
    unit: str = "个",
    genuine: bool = True,
    key_part: str | None = None,
    return_required: bool = False,
    fits_all: bool = False,
) -> Part:
    """A new part and the models it fits (each a model of the tenant's: 404 otherwise)."""
    models = sorted(set(product_model_ids))
    if models:
        known = set(
            db.scalars(
                select(ProductModel.id).where(
                    ProductModel.tenant_id == tenant_id, ProductModel.id.in_(models)
                )
            )
        )
        if known != set(models):
            raise NotFound("product model", "产品型号")
    taken = db.scalar(select(Part.id).where(Part.tenant_id == tenant_id, Part.code == code))
    if taken is not None:
        raise CodeTaken(code=code)
    part = Part(
        tenant_id=tenant_id,
        code=code,
        name=name,
        category_code=category_code,
        unit=unit,
        list_price_fen=list_price_fen,
        genuine=genuine,
        key_part=key_part,
        return_required=return_required,
        fits_all=fits_all,
    )
    try:
        with duplicate_keys(db):  # the same code written by a request at the same moment
            db.add(part)
            db.flush()
    except DuplicateKey:
        raise CodeTaken(code=code) from None
    db.add_all(PartFit(tenant_id=tenant_id, part_id=part.id, product_model_id=m) for m in models)
    db.flush()
    return part
