"""The technician's position follows their moves (registered in ``anxin.wiring``): a departure, arrival or
completion recorded by the order's technician with the phone's coordinates is also where they are now,
whichever way it came (the app's pages, its offline queue, the API). The customer's arrival time and map,
and matching, read that position."""

from __future__ import annotations

from sqlalchemy.orm import Session

from anxin import clock
from anxin.technician import service
from anxin.work_order.events import Recorded

FOLLOWED_ON = ("depart", "arrive", "complete")


def follow_position(db: Session, happened: Recorded) -> None:
    event, order = happened.event, happened.order
    technician_id = happened.actor.technician_id
    if (
        event.lat is None
        or event.lng is None
        or technician_id is None
        or technician_id != order.technician_id
    ):
        return
    technician = service.get(db, tenant_id=order.tenant_id, id=technician_id)
    now = clock.now()
    service.record_location(db, technician=technician, lat=event.lat, lng=event.lng, at=now, now=now)
