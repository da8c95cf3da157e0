"""Registering an appliance from the customer portal: the API's schema validates the form and the same
appliance service stores it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from anxin.appliance import service as appliance_service
from anxin.appliance.schemas import ApplianceCreate, PurchaseChannel
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.customer import service as customer_service
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput
from anxin.fields import Id
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(prefix="/portal", route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]


def _models(db: DbSession, tenant_id: int, lang: str) -> list[tuple[int, str]]:
    """Every product model as ``brand · category · name (code)``, for one select."""
    brands = {
        b.id: (b.name_en if lang == "en" else b.name_zh)
        for b in catalog_service.get_brands(db, tenant_id=tenant_id)
    }
    categories = {
        c.id: (c.name_en if lang == "en" else c.name_zh)
        for c in catalog_service.get_categories(db, tenant_id=tenant_id)
    }
    return sorted(
        (
            m.id,
            f"{brands.get(m.brand_id, '')} · {categories.get(m.category_id, '')} · {m.name} ({m.model_code})",
        )
        for m in catalog_service.get_product_models(db, tenant_id=tenant_id)
    )


@router.get("/appliances/new", response_class=HTMLResponse)
def new_appliance(request: Request, db: DbSession, user: Customer) -> Response:
    models = _models(db, user.tenant_id, i18n.language(request))
    return render(
        request, "portal/appliance.html", models=models, channels=[c.value for c in PurchaseChannel]
    )


@router.post("/appliances")
def register(
    request: Request,
    db: DbSession,
    user: Customer,
    product_model_id: Annotated[Id, Form()],
    serial_number: Annotated[str, Form(max_length=60)],
    purchase_date: Annotated[str, Form(max_length=10)],
    purchase_channel: Annotated[str, Form(max_length=30)],
) -> Response:
    try:
        body = ApplianceCreate(
            product_model_id=product_model_id,
            serial_number=serial_number.strip(),
            purchase_date=purchase_date,
            purchase_channel=purchase_channel,
        )
    except ValidationError as exc:
        where = exc.errors()[0]["loc"]
        field = str(where[0]) if where else "purchase_date"  # a rule across fields names none
        raise InvalidInput(field, f"填写有误：{field}", f"check the field {field}") from None
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    fields = body.model_dump()
    if fields.get("address_id") is None and customer.addresses:
        fields["address_id"] = customer.addresses[0].id
    appliance_service.create(db, tenant_id=user.tenant_id, customer_id=customer.id, actor=user, **fields)
    return see_other("/portal")
