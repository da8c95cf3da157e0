"""The fixed vocabularies of the price book: the kinds of item, their units, the two visit areas and the
states of a version, each with the words a person reads in Chinese and English. The pages extend their
catalog with them (``words``) and no page shows a code itself."""

from __future__ import annotations

from enum import StrEnum

MAX_PRICE_FEN = 10_000_000  # 100,000 yuan: no single line of an appliance's service costs more


class PriceKind(StrEnum):
    VISIT = "visit"  # 上门费 / 检测费: paid once a visit
    LABOUR = "labour"  # 工时费 by category, service type and fault
    PART = "part"  # a spare part at its list price
    MATERIAL = "material"  # what a job uses up: copper pipe by the metre, refrigerant by the kilogram


KIND_ORDER = list(PriceKind)
KIND_NAMES: dict[str, tuple[str, str]] = {
    PriceKind.VISIT: ("上门费", "Visit fee"),
    PriceKind.LABOUR: ("工时费", "Labour"),
    PriceKind.PART: ("配件", "Parts"),
    PriceKind.MATERIAL: ("辅材", "Materials"),
}


class Unit(StrEnum):
    TIME = "time"  # 次: once a visit or job
    PIECE = "piece"
    UNIT = "unit"  # one appliance
    SET = "set"
    METRE = "metre"
    KG = "kg"
    HOUR = "hour"


UNIT_NAMES: dict[str, tuple[str, str]] = {
    Unit.TIME: ("次", "job"),
    Unit.PIECE: ("个", "piece"),
    Unit.UNIT: ("台", "unit"),
    Unit.SET: ("套", "set"),
    Unit.METRE: ("米", "metre"),
    Unit.KG: ("千克", "kg"),
    Unit.HOUR: ("小时", "hour"),
}


class Area(StrEnum):
    """Where the customer lives, as an address says (``address.area_type``): the visit fee differs."""

    URBAN = "urban"
    SUBURBAN = "suburban"


AREA_NAMES: dict[str, tuple[str, str]] = {Area.URBAN: ("市区", "Urban"), Area.SUBURBAN: ("郊区", "Suburban")}


class VersionState(StrEnum):
    """A version as of a day: a ``draft`` is being edited; a published version is ``scheduled`` before its
    effective date, ``in_force`` from it, and ``superseded`` once a later version is in force."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    IN_FORCE = "in_force"
    SUPERSEDED = "superseded"


STATE_NAMES: dict[str, tuple[str, str]] = {
    VersionState.DRAFT: ("草稿", "Draft"),
    VersionState.SCHEDULED: ("待生效", "Scheduled"),
    VersionState.IN_FORCE: ("生效中", "In force"),
    VersionState.SUPERSEDED: ("已被取代", "Superseded"),
}


def words(lang: str = "zh") -> dict[str, str]:
    """Every code above as the pages' catalog keys (``pk_visit``, ``unit_metre``, ``area_urban``,
    ``pbs_in_force``)."""
    index = 1 if lang == "en" else 0
    out: dict[str, str] = {}
    for prefix, names in (
        ("pk_", KIND_NAMES),
        ("unit_", UNIT_NAMES),
        ("area_", AREA_NAMES),
        ("pbs_", STATE_NAMES),
    ):
        out |= {prefix + str(code): pair[index] for code, pair in names.items()}
    return out


def catalog() -> dict[str, tuple[str, str]]:
    """The same as ``(zh, en)`` pairs, for ``web.i18n.extend``."""
    zh_words, en_words = words("zh"), words("en")
    return {key: (zh_words[key], en_words[key]) for key in zh_words}
