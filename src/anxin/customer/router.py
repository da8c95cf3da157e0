from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer import service
from anxin.customer.api import CurrentCustomer
from anxin.customer.schemas import AddressCreate, AddressRead, CustomerCreate, CustomerRead
from anxin.dependencies import DbSession, LoopDb, allowed
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
    return await db.run(search_page, user.tenant_id, q, page, page_size)


def search_page(db: DbSession, tenant_id: int, q: str | None, page: int, page_size: int) -> Response:
    """The search's answer, serialised."""
    result = service.search(db, tenant_id=tenant_id, q=q, page=page, page_size=page_size)
    return json_response(
        PageRead[CustomerRead](
            items=[CustomerRead.model_validate(c) for c in result.items],
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
    )
    if not created:
        response.status_code = 200
    return CustomerRead.model_validate(customer)  # inside the request's session: addresses load here


@router.get("/{customer_id}", response_model=CustomerRead)
def get_customer(customer: CurrentCustomer):
    return CustomerRead.model_validate(customer)


@router.post("/{customer_id}/addresses", response_model=AddressRead, status_code=201)
def add_address(body: AddressCreate, customer: CurrentCustomer, db: DbSession):
    return service.add_address(db, customer=customer, **body.model_dump())
