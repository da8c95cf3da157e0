"""The habit the product is measured against: give each order to the nearest free qualified technician.

A dispatcher without the product works like this. An order is ready to go out when its clocks start (as
soon as possible) or half an hour before its booked window opens. It goes at once to the nearest qualified
technician (by the travel model's road distance) who is free right now: on shift, idle, with nothing on
their list. If nobody is free it waits; when a technician becomes free they get the nearest waiting order
they are qualified for. One order per technician at a time; no look-ahead, no priorities, no re-planning.
"Qualified" is the same set of hard rules the product uses (coverage, skill and level, brand, certificate),
so the two policies differ only in how they choose.
"""

from __future__ import annotations

from typing import Any

from anxin.simulation.engine import Simulation, Technician, Visit

LEAD_SECONDS = 30 * 60


class NearestPolicy:
    """The nearest-free-technician habit (see the module's docstring)."""

    name = "nearest"

    def __init__(self) -> None:
        self.waiting: list[Visit] = []
        self.sim: Simulation | None = None
        self.assignments = 0

    def attach(self, sim: Simulation) -> None:
        self.sim = sim

    def release_time(self, visit: Visit) -> int:
        if visit.window is not None:
            return visit.window[0] - LEAD_SECONDS
        return visit.earliest

    def _metres(self, tech: Technician, visit: Visit) -> int:
        assert self.sim is not None
        return self.sim.travel.leg(tech.position, visit.order.point, self.sim.dt(self.sim.now)).metres

    def on_release(self, visit: Visit) -> None:
        assert self.sim is not None
        free = [t for t in self.sim.present if visit.can_do(t.id) and self.sim.is_free(t)]
        if not free:
            self.waiting.append(visit)
            return
        best = min(free, key=lambda t: (self._metres(t, visit), t.id))
        self._give(visit, best)

    def on_rejected(self, visit: Visit) -> None:
        self.on_release(visit)

    def next_for(self, tech: Technician) -> Visit | None:
        assert self.sim is not None
        if tech.queue:
            return tech.queue[0]
        if not self.sim.is_free(tech):
            return None
        choices = [v for v in self.waiting if v.can_do(tech.id)]
        if not choices:
            return None
        best = min(choices, key=lambda v: (self._metres(tech, v), v.key))
        self.waiting.remove(best)
        self._give(best, tech)
        return best

    def _give(self, visit: Visit, tech: Technician) -> None:
        assert self.sim is not None
        self.assignments += 1
        self.sim.offer(visit, tech)

    def on_tick(self) -> None:
        return None

    def summary(self) -> dict[str, Any]:
        return {"assignments": self.assignments, "waiting_at_end": len(self.waiting)}
