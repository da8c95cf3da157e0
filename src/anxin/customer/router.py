from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import service, visibility
from anxin.customer.api import CurrentCustomer
from anxin.customer.models import Customer
from anxin.customer.schemas import AddressCreate, AddressRead, CustomerCreate, CustomerRead
from anxin.customer.visibility import Viewer
from anxin.dependencies import CurrentUser, DbSession, LoopDb, allowed
from anxin.masking import mask_phone
from anxin.pagination import PageNumber, PageRead, PageSize
from anxin.routing import json_response

router = APIRouter(prefix="/api/v1/customers", tags=["customers"])
Staff = Annotated[User, Depends(allowed(Action.CUSTOMERS_READ))]
FrontDesk = Annotated[User, Depends(allowed(Action.CUSTOMERS_REGISTER))]
LoopStaff = Annotated[User, Depends(allowed(Action.CUSTOMERS_READ, on_loop=True))]


@router.get("", response_model=PageRead[CustomerRead])
async def search_customers(
    db: LoopDb, user: LoopStaff, q: str | None = None, page: PageNumber = 1, page_size: PageSize = 20
):
    """Search by phone (the whole number or its last digits) or by name."""
    # on the event loop (dependencies.RequestDb): an agent's phone lookup is half of every intake
    return await db.run(search_page, user.tenant_id, q, page, page_size, user)


def search_page(
    db: DbSession, tenant_id: int, q: str | None, page: int, page_size: int, viewer: Viewer | None = None
) -> Response:
    """The search's answer, serialised, each phone as ``viewer`` may see it (masked without a viewer)."""
    result = service.search(db, tenant_id=tenant_id, q=q, page=page, page_size=page_size)
    return json_response(
        PageRead[CustomerRead](
            items=[customer_read(c, viewer) for c in result.items],
            total=result.total,
            page=page,
            page_size=page_size,
        )
    )


@router.post(
    "",
    response_model=CustomerRead,
    status_code=201,
    responses={200: {"description": "a customer with this phone already existed"}},
)
def create_customer(body: CustomerCreate, response: Response, db: DbSession, user: FrontDesk):
    """One customer per phone: a known phone returns the existing customer (with the new address added)."""
    address = body.address.model_dump() if body.address else None
    customer, created = service.create_or_get(
        db,
        tenant_id=user.tenant_id,
        name=body.name,
        phone=body.phone,
        elderly_household=body.elderly_household,
        infant_household=body.infant_household,
        address=address,
        actor=user,
    )
    if not created:
        response.status_code = 200
    return customer_read(customer, user)  # inside the request's session: addresses load here


@router.get("/{customer_id}", response_model=CustomerRead)
def get_customer(customer: CurrentCustomer, user: CurrentUser):
    """The customer, their phone whole or masked by ``customer/visibility.py``'s rule."""
    return customer_read(customer, user)


@router.post("/{customer_id}/addresses", response_model=AddressRead, status_code=201)
def add_address(body: AddressCreate, customer: CurrentCustomer, db: DbSession, user: CurrentUser):
    return service.add_address(db, customer=customer, actor=user, **body.model_dump())


def customer_read(customer: Customer, viewer: Viewer | None) -> CustomerRead:
    """``customer`` as the API shows it to ``viewer``: the phone whole only where the rule says so."""
    read = CustomerRead.model_validate(customer)
    if viewer is None or not visibility.sees_phone(viewer, customer_id=customer.id):
        read.phone = mask_phone(customer.phone)
    return read
