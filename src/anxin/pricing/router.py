"""The price book's API: the book in force, read by anyone of the tenant (customers included), and the
admins' versions: draft, edit, publish, discard; the technician's quote priced from the book
(``POST /api/v1/work-orders/{id}/quote``, tagged with the orders' routes) and the tenant's repair
warranty (``/api/v1/pricing-policy``)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Response

from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CategoryCode, ServiceType
from anxin.dependencies import CurrentUser, DbSession, allowed
from anxin.fields import Id
from anxin.pricing import editing, policy, quotes, service
from anxin.pricing.schemas import (
    DraftCreate,
    PriceBookRead,
    PriceItemAdminRead,
    PriceItemWrite,
    PricingPolicyBody,
    PricingPolicyRead,
    PublishBody,
    QuoteBody,
    VersionDetail,
    VersionRead,
)
from anxin.routing import operation_id
from anxin.work_order.api import CurrentWorkOrder, context
from anxin.work_order.schemas import QuoteRead

router = APIRouter(prefix="/api/v1/price-book", tags=["price book"])
quote_router = APIRouter(
    prefix="/api/v1/work-orders", tags=["work orders"], generate_unique_id_function=operation_id
)
policy_router = APIRouter(prefix="/api/v1/pricing-policy", tags=["price book"])
Reader = Annotated[User, Depends(allowed(Action.PRICE_BOOK_READ))]
Admin = Annotated[User, Depends(allowed(Action.PRICE_BOOK_MANAGE))]


@router.get("", response_model=PriceBookRead)
def in_force(
    db: DbSession,
    user: Reader,
    category: CategoryCode | None = None,
    service_type: ServiceType | None = None,
    brand_id: Id | None = None,
):
    """The book in force today (the tenant's date): visit fees, labour, parts and materials for the
    ``category`` and ``service_type`` asked (items for every category or service type included), priced
    for ``brand_id`` when given (that brand's own prices where it has them)."""
    if brand_id is not None:
        catalog_service.get_brand(db, tenant_id=user.tenant_id, id=brand_id)  # 404 for another tenant's
    book = service.book_in_force(
        db,
        tenant_id=user.tenant_id,
        on=tenant_clock.today(db, user.tenant_id),
        category=category.value if category else None,
        service_type=service_type.value if service_type else None,
        brand_id=brand_id,
    )
    return PriceBookRead(
        version=book.version.number if book.version else None,
        effective_from=book.version.effective_from if book.version else None,
        items=book.prices,
    )


@router.get("/versions", response_model=list[VersionRead])
def list_versions(db: DbSession, user: Admin):
    """Every version, the newest first, with its state today."""
    return service.versions(db, tenant_id=user.tenant_id, today=tenant_clock.today(db, user.tenant_id))


@router.post("/versions", response_model=VersionDetail, status_code=201)
def draft_version(db: DbSession, user: Admin, body: DraftCreate | None = None):
    """A new draft, copied from the latest published version (409 ``price_book_draft_exists`` while a
    draft is open)."""
    version = editing.draft(db, tenant_id=user.tenant_id, actor=user, note=body.note if body else None)
    return _detail(db, user, version.id)


@router.get("/versions/{version_id}", response_model=VersionDetail)
def get_version(version_id: Id, db: DbSession, user: Admin):
    return _detail(db, user, version_id)


@router.post("/versions/{version_id}/items", response_model=PriceItemAdminRead, status_code=201)
def add_item(version_id: Id, body: PriceItemWrite, db: DbSession, user: Admin):
    """Add an item to a draft (409 ``price_book_published`` for a published version)."""
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    return editing.add_item(db, version=version, fields=_fields(body), actor=user)


@router.put("/versions/{version_id}/items/{price_item_id}", response_model=PriceItemAdminRead)
def change_item(version_id: Id, price_item_id: Id, body: PriceItemWrite, db: DbSession, user: Admin):
    """Replace a draft's item, its brand prices too."""
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    return editing.change_item(db, version=version, item_id=price_item_id, fields=_fields(body), actor=user)


@router.post("/versions/{version_id}/publish", response_model=VersionDetail)
def publish(version_id: Id, body: PublishBody, db: DbSession, user: Admin):
    """Publish a draft from ``effective_from``; from then on it is never edited, only superseded."""
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    today = tenant_clock.today(db, user.tenant_id)
    editing.publish(db, version=version, effective_from=body.effective_from, today=today, actor=user)
    return _detail(db, user, version.id)


@router.delete("/versions/{version_id}/items/{price_item_id}", status_code=204)
def remove_item(version_id: Id, price_item_id: Id, db: DbSession, user: Admin) -> Response:
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    editing.remove_item(db, version=version, item_id=price_item_id, actor=user)
    return Response(status_code=204)


@router.delete("/versions/{version_id}", status_code=204)
def discard(version_id: Id, db: DbSession, user: Admin) -> Response:
    """Throw a draft away (a published version is kept for good: 409)."""
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    editing.discard(db, version=version, actor=user)
    return Response(status_code=204)


def _detail(db: DbSession, user: User, version_id: int) -> VersionDetail:
    version = service.get_version(db, tenant_id=user.tenant_id, id=version_id)
    summary = service.summary_of(db, version=version, today=tenant_clock.today(db, user.tenant_id))
    items = sorted(version.items, key=service.sort_key)
    return VersionDetail(**asdict(summary), items=[PriceItemAdminRead.model_validate(item) for item in items])


def _fields(body: PriceItemWrite) -> editing.ItemFields:
    brand_prices: dict[int, int] = {}
    for price in body.brand_prices:
        brand_prices[price.brand_id] = price.price_fen
    return editing.ItemFields(
        code=body.code,
        kind=body.kind,
        name=body.name,
        unit=body.unit,
        price_fen=body.price_fen,
        category_code=body.category,
        service_type=body.service_type,
        area=body.area,
        fault=body.fault,
        note=body.note,
        part_code=body.part_code,
        brand_prices=brand_prices,
    )


@quote_router.post("/{order_id}/quote", response_model=QuoteRead)
def quote(body: QuoteBody, order: CurrentWorkOrder, db: DbSession, user: CurrentUser):
    """The assigned technician's quote: items of the price book in force today with quantities
    (``{"price_item_id", "quantity"}``), or lines typed by hand (``{"kind": "other", "description",
    "amount_fen"}``, flagged for review). Each line comes back priced for the appliance's brand and split
    into ``covered_fen`` and ``payable_fen`` with the reason; an earlier open quote is superseded and kept.
    404 for an item not of the tenant, 409 ``price_item_not_in_force`` for one not in today's book, 422
    ``price_item_not_applicable`` for another category's item or the other area's visit fee."""
    lines = [line.model_dump() for line in body.lines]
    return quotes.quote(db, order=order, actor=user, ctx=context(body), lines=lines)


@policy_router.get("", response_model=PricingPolicyRead)
def get_pricing_policy(db: DbSession, user: Reader):
    """The tenant's repair warranty: how many days a repair's work and parts stay covered (90 by default);
    a rework inside it is free to the customer."""
    return policy.get(db, tenant_id=user.tenant_id)


@policy_router.put("", response_model=PricingPolicyRead)
def put_pricing_policy(body: PricingPolicyBody, db: DbSession, user: Admin):
    return policy.set_terms(
        db, tenant_id=user.tenant_id, repair_warranty_days=body.repair_warranty_days, actor=user
    )
