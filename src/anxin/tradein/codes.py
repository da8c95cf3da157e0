"""The fixed vocabularies of trade-in (以旧换新): the age bands and condition grades a valuation table is
laid out by, the states of a trade-in, and how long an accepted valuation's credit may be used. Each code
has the words a person reads in Chinese and English; the pages extend their catalog with them (``catalog``)
and no page shows a code itself."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

# An accepted valuation's credit may be put against an installation order for this long after the customer
# accepted it (``TradeIn.expires_at``). A credit already applied stays applied; one released after that day
# (its installation order cancelled) has expired and cannot be used again.
CREDIT_VALID = timedelta(days=90)
MAX_VALUE_FEN = 5_000_000  # 50,000 yuan: no old appliance is bought back for more
MAX_SUBSIDY_FEN = 1_000_000  # 10,000 yuan of campaign subsidy on one appliance
MAX_AGE_YEARS = 60


class AgeBand(StrEnum):
    """Whole years since the old appliance was bought (or installed, when that is known)."""

    Y0_2 = "0_2"
    Y3_5 = "3_5"
    Y6_8 = "6_8"
    Y9_PLUS = "9_plus"


# (first year, last year) of each band; the last band has no end
BAND_YEARS: dict[AgeBand, tuple[int, int | None]] = {
    AgeBand.Y0_2: (0, 2),
    AgeBand.Y3_5: (3, 5),
    AgeBand.Y6_8: (6, 8),
    AgeBand.Y9_PLUS: (9, None),
}
BAND_NAMES: dict[str, tuple[str, str]] = {
    AgeBand.Y0_2: ("2 年及以内", "Up to 2 years"),
    AgeBand.Y3_5: ("3–5 年", "3–5 years"),
    AgeBand.Y6_8: ("6–8 年", "6–8 years"),
    AgeBand.Y9_PLUS: ("9 年及以上", "9 years or more"),
}


def band_of(age_years: int) -> AgeBand:
    """The band of an appliance ``age_years`` old (0 for one bought this year)."""
    if age_years < 0:
        raise ValueError("an age is never negative")
    for band, (first, last) in BAND_YEARS.items():
        if first <= age_years and (last is None or age_years <= last):
            return band
    raise AssertionError("the bands cover every age")  # pragma: no cover


class Condition(StrEnum):
    """The old appliance's condition as the technician finds it on site, best first."""

    INTACT = "intact"
    FAIR = "fair"
    POOR = "poor"
    DEAD = "dead"


CONDITION_NAMES: dict[str, tuple[str, str]] = {
    Condition.INTACT: ("完好", "Intact"),
    Condition.FAIR: ("一般", "Fair"),
    Condition.POOR: ("较差", "Poor"),
    Condition.DEAD: ("无法开机", "Does not power on"),
}
CONDITION_HINTS: dict[str, tuple[str, str]] = {
    Condition.INTACT: (
        "能正常开机运行，各项功能正常，外观无明显破损，配件齐全",
        "Powers on and every function works; no visible damage; nothing missing",
    ),
    Condition.FAIR: (
        "能开机运行，有划痕、污渍或小毛病（如噪音偏大），主要功能正常",
        "Powers on and the main functions work; scratches, stains or small faults (e.g. noisy)",
    ),
    Condition.POOR: (
        "能开机但主要功能故障（如不制冷、不脱水），或外壳严重破损、部件缺失",
        "Powers on but a main function fails (e.g. does not cool or spin), or badly damaged, parts missing",
    ),
    Condition.DEAD: (
        "无法通电开机，按整机拆解回收",
        "Does not power on at all; taken for dismantling",
    ),
}


class TradeInState(StrEnum):
    """A trade-in as a person reads it (``records.state_of``): valued by the technician, accepted by the
    customer, its credit applied to an installation order, expired unused, or void (its recycling order
    was cancelled)."""

    VALUED = "valued"
    ACCEPTED = "accepted"
    APPLIED = "applied"
    EXPIRED = "expired"
    VOID = "void"


STATE_NAMES: dict[str, tuple[str, str]] = {
    TradeInState.VALUED: ("待用户确认", "Awaiting the customer"),
    TradeInState.ACCEPTED: ("已确认，可抵扣", "Accepted, credit available"),
    TradeInState.APPLIED: ("已抵扣", "Credit applied"),
    TradeInState.EXPIRED: ("已过期", "Expired"),
    TradeInState.VOID: ("已作废", "Void"),
}


def words(lang: str = "zh") -> dict[str, str]:
    """Every code above as the pages' catalog keys (``tib_0_2``, ``tic_intact``, ``tih_intact``,
    ``tis_applied``)."""
    index = 1 if lang == "en" else 0
    out: dict[str, str] = {}
    for prefix, names in (
        ("tib_", BAND_NAMES),
        ("tic_", CONDITION_NAMES),
        ("tih_", CONDITION_HINTS),
        ("tis_", STATE_NAMES),
    ):
        out |= {prefix + str(code): pair[index] for code, pair in names.items()}
    return out


def catalog() -> dict[str, tuple[str, str]]:
    """The same as ``(zh, en)`` pairs, for ``web.i18n.extend``."""
    zh_words, en_words = words("zh"), words("en")
    return {key: (zh_words[key], en_words[key]) for key in zh_words}
