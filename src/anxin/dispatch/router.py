"""The dispatch API's route that spans matching, slots and planning: running the sweep now."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.dependencies import DbSession, allowed
from anxin.dispatch import sweeper
from anxin.dispatch.matching.schemas import SweepRead

router = APIRouter(prefix="/api/v1", tags=["dispatch"])
Centre = Annotated[User, Depends(allowed(Action.DISPATCH_CENTRE))]


@router.post("/dispatch/sweep", response_model=SweepRead)
def run_sweep(db: DbSession, user: Centre):
    """Run the dispatch sweep now for the caller's tenant: missed acknowledgements, expired pools, booked
    slots that can no longer be kept, today's plans that no longer fit the day."""
    return SweepRead(**vars(sweeper.one_pass(db, tenant_id=user.tenant_id)))
