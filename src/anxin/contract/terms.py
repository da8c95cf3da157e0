"""The rules of a contract, with no database: what a plan costs for an appliance, when a contract starts
and ends, when a care plan's visits fall due, what a renewal costs, and what a cancellation refunds.

- **Price.** A care plan costs its ``price_fen``. An extended warranty is priced by the band of the
  appliance's purchase price (the invoice amount the seller enters): the first band whose ``up_to_fen``
  is at least the price; without a price the top band applies (nobody pays less for leaving it out).
- **Dates.** An extended warranty takes over where the factory warranty ends: it starts the day the whole
  unit's warranty ends, or on the day of sale when that is past already (a unit out of warranty is covered
  from the sale on). A care plan starts on the day of sale. Both run ``term_months`` and end the day before
  the same date ``term_months`` later (both days included). A renewal starts the day after the contract
  it continues ends.
- **Care visits.** ``visits`` visits spread evenly over the term: visit *k* (1-based) is due ``(k - 1) ×
  term_days ÷ visits`` days after the start (the first on the first day).
- **Renewal offer.** From ``RENEWAL_NOTICE_DAYS`` before the end: the same plan at
  ``renewal_discount_percent`` off (rounded down to the fen), continuing the old contract without a gap.
- **Cancellation refund** (integer fen, rounded down): before the start, everything. Otherwise the unused
  share of the term, ``price × unused_days ÷ term_days``, where unused days are those after the day of
  cancellation. An extended warranty that has paid for a claim refunds nothing (its cover was used). A care
  plan refunds the smaller of the unused share of the term and the unused share of its visits
  (``price × visits_left ÷ visits``): a plan whose visits are all used refunds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from anxin.appliance.warranty import add_months

EXTENDED_WARRANTY, CARE = "extended_warranty", "care"
RENEWAL_NOTICE_DAYS = 30
EW_COVERS = frozenset(
    {"repair", "inspection"}
)  # what the factory's whole-unit warranty pays for, less installation
CARE_SERVICES = ("cleaning", "maintenance")


def band_price(bands: list[dict[str, Any]], purchase_price_fen: int | None) -> int:
    """The price of the band ``purchase_price_fen`` falls in (bands ascending, the last open-ended)."""
    if not bands:
        raise ValueError("a plan priced by band needs bands")
    if purchase_price_fen is not None:
        for band in bands:
            limit = band.get("up_to_fen")
            if limit is None or purchase_price_fen <= limit:
                return int(band["price_fen"])
    return int(bands[-1]["price_fen"])


def price(
    *, kind: str, price_fen: int | None, bands: list[dict[str, Any]], purchase_price_fen: int | None
) -> int:
    if kind == EXTENDED_WARRANTY and bands:
        return band_price(bands, purchase_price_fen)
    return int(price_fen or 0)


@dataclass(frozen=True)
class Term:
    start: date
    end: date  # included

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def term_from(start: date, months: int) -> Term:
    return Term(start, add_months(start, months) - timedelta(days=1))


def first_term(*, kind: str, sold_on: date, factory_unit_ends_on: date, months: int) -> Term:
    """When a newly sold contract runs. ``factory_unit_ends_on`` is the first day the whole unit is no
    longer under the factory's warranty."""
    start = max(sold_on, factory_unit_ends_on) if kind == EXTENDED_WARRANTY else sold_on
    return term_from(start, months)


def renewal_term(*, previous_end: date, months: int) -> Term:
    return term_from(previous_end + timedelta(days=1), months)


def visit_due_dates(term: Term, visits: int) -> list[date]:
    """The day each of ``visits`` care visits falls due, evenly over ``term``."""
    return [term.start + timedelta(days=(k * term.days) // visits) for k in range(max(visits, 0))]


def renewal_opens_on(end: date) -> date:
    return end - timedelta(days=RENEWAL_NOTICE_DAYS)


def renewal_price(price_fen: int, discount_percent: int) -> int:
    return price_fen * (100 - discount_percent) // 100


def refund(*, kind: str, price_fen: int, term: Term, on: date, claims: int, visits: int = 0) -> int:
    """What cancelling on ``on`` gives back (the rule in the module's docstring); ``claims`` the claims
    made (a care plan's visits used)."""
    if on < term.start:
        return price_fen
    unused_days = max((term.end - on).days, 0)
    by_time = price_fen * unused_days // term.days
    if kind == EXTENDED_WARRANTY:
        return 0 if claims > 0 else by_time
    if visits <= 0:
        return by_time
    by_visits = price_fen * max(visits - claims, 0) // visits
    return min(by_time, by_visits)
