"""The privacy API: a customer's personal data as one document (the customer, or an admin on their
request), the customer's request to be erased, and the erasure itself (admins). All three are written to
the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.customer.api import current_customer
from anxin.dependencies import DbSession, RecordingDb, SettingsDep, allowed
from anxin.fields import Id
from anxin.privacy import erasure, export
from anxin.privacy.schemas import (
    EraseBody,
    ErasedRead,
    ErasureRequestBody,
    ErasureRequestRead,
    PersonalDataRead,
)

router = APIRouter(prefix="/api/v1/customers", tags=["privacy"])
Exporter = Annotated[User, Depends(allowed(Action.PERSONAL_DATA_EXPORT))]
Asker = Annotated[User, Depends(allowed(Action.PERSONAL_DATA_REQUEST_ERASURE))]
Eraser = Annotated[User, Depends(allowed(Action.PERSONAL_DATA_ERASE))]


@router.get("/{customer_id}/personal-data", response_model=PersonalDataRead)
def export_personal_data(
    customer_id: Id,
    db: RecordingDb,
    user: Exporter,
    reason: Annotated[str | None, Query(max_length=300, description="an admin says on whose request")] = None,
):
    """Everything held about the customer, as one JSON document: the customer for themselves, an admin
    on the customer's request. The export is written to the audit log (hence a writing transaction)."""
    customer = current_customer(customer_id, db, user)
    return export.document(db, customer=customer, actor=user, reason=reason)


@router.post("/{customer_id}/erasure-request", response_model=ErasureRequestRead, status_code=202)
def request_erasure(customer_id: Id, db: DbSession, user: Asker, body: ErasureRequestBody | None = None):
    """The customer asks to be erased: a task for the admins, who erase within 15 days (asking again
    returns the same request); 409 ``already_erased`` once done."""
    customer = current_customer(customer_id, db, user)
    task = erasure.request(db, customer=customer, actor=user, reason=body.reason if body else None)
    return ErasureRequestRead(
        customer_id=customer.id, status=task.status, requested_at=task.created_at, due_at=task.due_at
    )


@router.post("/{customer_id}/erase", response_model=ErasedRead)
def erase_customer(customer_id: Id, body: EraseBody, db: DbSession, user: Eraser, settings: SettingsDep):
    """Anonymise the customer for good, keeping their orders' facts (``privacy/erasure.py``). 409
    ``still_in_service`` while an order or complaint is open, naming them. Idempotent: the second time it
    changes nothing and answers with the first erasure's time (``already``)."""
    customer = erasure.locked_customer(db, tenant_id=user.tenant_id, customer_id=customer_id)
    done = erasure.erase(
        db, customer=customer, actor=user, reason=body.reason, upload_dir=settings.upload_dir
    )
    return ErasedRead(**vars(done))
