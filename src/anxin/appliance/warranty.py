"""Warranty status of an appliance on a date, and the billing category that follows from it.

The clock starts at installation when there is one (the usual rule of Chinese "三包" policies for
appliances that need installing), otherwise at purchase. A unit covered whole is ``in_warranty``; when only
named key parts (a compressor, a motor) are still covered it is ``key_parts_only``; else out of warranty.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from anxin.catalog.codes import ServiceType


class WarrantyStatus(StrEnum):
    IN_WARRANTY = "in_warranty"
    KEY_PARTS_ONLY = "key_parts_only"
    OUT_OF_WARRANTY = "out_of_warranty"


class BillingCategory(StrEnum):
    PAID = "A"  # the customer pays
    CONTRACT = "B"  # an extended warranty or care plan pays (contracts are a later issue)
    WARRANTY_FREE = "C"  # the brand pays under warranty
    INTERNAL = "D"  # internal work: demo units, stock, the organisation's own appliances


def add_months(start: date, months: int) -> date:
    """``months`` calendar months after ``start`` (the month's last day when it is shorter). A day past
    the calendar's end is its last day (``date.max``): rows registered before dates were checked may hold
    an installation in 9999, and their warranty simply never ends."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    if year > date.max.year:
        return date.max
    if year < date.min.year:
        return date.min
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Warranty:
    status: WarrantyStatus
    starts_on: date
    unit_ends_on: date
    covered_parts: dict[str, date] = field(default_factory=dict)


def warranty_on(
    *,
    on: date,
    purchase_date: date,
    install_date: date | None,
    unit_months: int,
    key_part_months: dict[str, int],
) -> Warranty:
    start = install_date or purchase_date
    unit_end = add_months(start, unit_months)
    parts = {part: add_months(start, months) for part, months in key_part_months.items()}
    if on < unit_end:
        status = WarrantyStatus.IN_WARRANTY
    elif any(on < end for end in parts.values()):
        status = WarrantyStatus.KEY_PARTS_ONLY
    else:
        status = WarrantyStatus.OUT_OF_WARRANTY
    covered = {part: end for part, end in parts.items() if on < end}
    return Warranty(status=status, starts_on=start, unit_ends_on=unit_end, covered_parts=covered)


FREE_UNDER_WARRANTY = frozenset({ServiceType.REPAIR, ServiceType.INSTALLATION, ServiceType.INSPECTION})


def billing_category(
    status: WarrantyStatus, service_type: str, *, under_contract: bool = False, internal: bool = False
) -> BillingCategory:
    """Who pays. Internal work is D; a unit covered whole is C for repair, installation and inspection
    (cleaning, maintenance, relocation and recycling are chargeable services even in warranty); a contract
    covers the rest (B); otherwise the customer pays (A). A key-parts-only unit is A: the covered part itself
    is free, which the quote shows line by line."""
    if internal:
        return BillingCategory.INTERNAL
    if status is WarrantyStatus.IN_WARRANTY and service_type in FREE_UNDER_WARRANTY:
        return BillingCategory.WARRANTY_FREE
    if under_contract:
        return BillingCategory.CONTRACT
    return BillingCategory.PAID
