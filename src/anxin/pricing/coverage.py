"""Who pays for a line of a quote, and why, in words the customer reads: no database here, only the rules.

A line is covered whole or not at all. In order of precedence:

1. A rework inside the last repair's own warranty (``Terms.rework``): everything is free to the customer,
   and what it costs is charged back to whoever did the first repair (``quotes``).
2. Internal work (billing category D): the organisation bears it.
3. The whole unit under warranty for a repair, installation or inspection (billing category C): the
   brand pays everything.
4. An extended-warranty contract (billing category B): the contract covers everything.
5. Otherwise the customer pays (A), except a part the warranty still covers: a key part (the model's
   ``key_part_months``, e.g. the compressor's ten years) on its own warranty, or any part while the whole
   unit is under warranty (a cleaning is chargeable in warranty, a faulty part found on it is not).
   Labour, the visit fee and materials are the customer's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anxin.appliance.warranty import BillingCategory, Warranty, WarrantyStatus


@dataclass(frozen=True)
class Cover:
    """Who covers a line (``kind``: warranty, key_part, contract, internal, repair_warranty) and why, in
    Chinese and English."""

    kind: str
    zh: str
    en: str


@dataclass(frozen=True)
class Rework:
    """The order reworks an earlier repair (``number``) whose own warranty runs until ``until``."""

    number: str
    until: date
    days: int


@dataclass(frozen=True)
class Contract:
    """The contract an order of billing category B claims against: ``kind`` extended_warranty or care."""

    kind: str
    number: str
    ends_on: date


@dataclass(frozen=True)
class Terms:
    """What decides coverage for an order: its billing category, the appliance's warranty on the order's
    date, and the earlier repair whose warranty it falls in, if any."""

    billing_category: str
    warranty: Warranty
    rework: Rework | None = None
    contract: Contract | None = None


def cover(*, kind: str, name: str, key_part: str | None, terms: Terms) -> Cover | None:
    """The cover of a line of ``kind`` (visit, labour, part, material, other) named ``name``; ``key_part``
    is the warranty's key part the line's part is (``compressor``), if any. None: the customer pays."""
    if terms.rework is not None:
        until = terms.rework.until.isoformat()
        return Cover(
            "repair_warranty",
            f"上次维修保修期内返修，免费（{terms.rework.days} 天维修保修，至 {until}）",
            f"Rework within the last repair's {terms.rework.days}-day warranty (until {until}): free",
        )
    category = terms.billing_category
    if category == BillingCategory.INTERNAL:
        return Cover("internal", "内部工单，费用由公司承担", "Internal work: no charge to a customer")
    unit_end = terms.warranty.unit_ends_on.isoformat()
    if category == BillingCategory.WARRANTY_FREE:
        return Cover(
            "warranty",
            f"整机在保修期内（至 {unit_end}），本次免费",
            f"The appliance is under warranty (until {unit_end}): no charge",
        )
    if category == BillingCategory.CONTRACT:
        return _contract_cover(terms.contract)
    if kind != "part":
        return None
    if terms.warranty.status is WarrantyStatus.IN_WARRANTY:
        return Cover(
            "warranty",
            f"整机在保修期内（至 {unit_end}），配件免费",
            f"The appliance is under warranty (until {unit_end}): parts are free",
        )
    part_end = terms.warranty.covered_parts.get(key_part) if key_part else None
    if part_end is not None:
        return Cover(
            "key_part",
            f"{name}在核心部件保修期内（至 {part_end.isoformat()}）",
            f"The {key_part.replace('_', ' ')} is under its key-part warranty (until {part_end.isoformat()})",
        )
    return None


def summary(covers: list[tuple[Cover | None, int]]) -> tuple[str | None, str | None]:
    """The quote's one line from its lines' covers and amounts: what is covered and why, and whether the
    customer pays the rest. None when nothing is covered."""
    reasons: list[Cover] = []
    for found, _ in covers:
        if found is not None and found not in reasons:
            reasons.append(found)
    if not reasons:
        return None, None
    zh = "；".join(found.zh for found in reasons)
    en = "; ".join(found.en for found in reasons)
    if any(found is None and amount > 0 for found, amount in covers):
        zh, en = f"{zh}；其余费用需自付", f"{en}; the rest is yours to pay"
    return zh[:300], en[:400]


def _contract_cover(contract: Contract | None) -> Cover:
    if contract is None:
        return Cover("contract", "延保合同保障", "Covered by the extended-warranty contract")
    end = contract.ends_on.isoformat()
    if contract.kind == "care":
        return Cover(
            "contract",
            f"保养套餐 {contract.number} 内的服务，免费（至 {end}）",
            f"A visit of care plan {contract.number} (until {end}): no charge",
        )
    return Cover(
        "contract",
        f"延保合同 {contract.number} 保障，免费（至 {end}）",
        f"Covered by extended warranty {contract.number} (until {end}): no charge",
    )
