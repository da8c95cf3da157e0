"""The customer profile (画像): tags derived from the data, for agents and campaigns.

| group     | from                                                                     | tags                       |
|-----------|--------------------------------------------------------------------------|----------------------------|
| household | the size the customer declared (``customer_household``)                  | single, couple, family, large |
| usage     | telemetry counters (run hours, cycles, heated volume …) per year of age, | heavy, normal, light       |
|           | against the category's typical year (``TYPICAL_PER_YEAR``); the most used |                            |
|           | appliance decides                                                        |                            |
| climate   | the province of the customer's first address (China's building climate  | severe_cold, cold,         |
|           | zones, GB 50176)                                                         | hot_summer_cold_winter, hot_summer_warm_winter, mild |
| value     | what the customer paid (payments less refunds) and contracts bought      | high, medium, basic        |
| care      | declared: an elderly person or an infant at home                         | elderly, infant            |
| lifecycle | an appliance's age against its category's service life (``SERVICE_LIFE``,| end_of_life                |
|           | the industry's safe-use years): within a year of it, or past it          |                            |

No tag is guessed: a group without data gives no tag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from anxin.appliance.models import Appliance
from anxin.auth import tenant_clock
from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode
from anxin.catalog.models import Category, ProductModel
from anxin.contract.models import ServiceContract
from anxin.customer.models import Address, Customer
from anxin.pricing.payment_models import Payment
from anxin.proactive import consent
from anxin.telemetry.models import TelemetryHourly, TelemetryReading
from anxin.work_order.models import WorkOrder

C = CategoryCode
# The counter of each category that says how much it is used, and a typical year of it.
USAGE_COUNTER: dict[str, tuple[str, float]] = {
    C.AIR_CONDITIONER: ("run_hours", 1000.0),
    C.REFRIGERATOR: ("run_hours", 4000.0),
    C.WASHING_MACHINE: ("cycles", 200.0),
    C.WATER_HEATER: ("heated_volume_l", 60_000.0),
    C.DISHWASHER: ("cycles", 250.0),
    C.TELEVISION: ("power_on_hours", 1500.0),
    C.WATER_PURIFIER: ("filtered_volume_l", 1500.0),
    C.MICROWAVE: ("run_hours", 100.0),
}
# Service life in years (the industry's safe-use years of household appliances).
SERVICE_LIFE: dict[str, int] = {
    C.AIR_CONDITIONER: 10,
    C.REFRIGERATOR: 12,
    C.WASHING_MACHINE: 8,
    C.WATER_HEATER: 8,
    C.RANGE_HOOD: 10,
    C.GAS_STOVE: 8,
    C.DISHWASHER: 10,
    C.TELEVISION: 10,
    C.WATER_PURIFIER: 8,
    C.MICROWAVE: 10,
}
CLIMATE_ZONES: dict[str, tuple[str, ...]] = {
    "severe_cold": ("黑龙江", "吉林", "内蒙古", "青海"),
    "cold": ("北京", "天津", "河北", "山西", "山东", "河南", "陕西", "宁夏", "甘肃", "辽宁", "新疆", "西藏"),
    "hot_summer_cold_winter": ("上海", "江苏", "浙江", "安徽", "江西", "湖北", "湖南", "重庆", "四川"),
    "hot_summer_warm_winter": ("广东", "广西", "海南", "福建", "台湾", "香港", "澳门"),
    "mild": ("云南", "贵州"),
}
HIGH_VALUE_FEN, MEDIUM_VALUE_FEN = 200_000, 50_000
HEAVY, LIGHT = 1.5, 0.5

# tag code -> (zh, en)
TAG_NAMES: dict[str, tuple[str, str]] = {
    "household:single": ("独居", "Lives alone"),
    "household:couple": ("两口之家", "Two people"),
    "household:family": ("三口之家", "Three people"),
    "household:large": ("多口之家", "Large household"),
    "usage:heavy": ("高频使用", "Heavy use"),
    "usage:normal": ("正常使用", "Normal use"),
    "usage:light": ("低频使用", "Light use"),
    "climate:severe_cold": ("严寒地区", "Severe-cold zone"),
    "climate:cold": ("寒冷地区", "Cold zone"),
    "climate:hot_summer_cold_winter": ("夏热冬冷地区", "Hot summer, cold winter"),
    "climate:hot_summer_warm_winter": ("夏热冬暖地区", "Hot summer, warm winter"),
    "climate:mild": ("温和地区", "Mild zone"),
    "value:high": ("高价值客户", "High-value customer"),
    "value:medium": ("中价值客户", "Medium-value customer"),
    "value:basic": ("普通客户", "Basic customer"),
    "care:elderly": ("家有老人", "Elderly at home"),
    "care:infant": ("家有婴幼儿", "Infant at home"),
    "lifecycle:end_of_life": ("家电临近报废年限", "Appliance near end of life"),
}


@dataclass
class Tag:
    code: str
    detail_zh: str = ""
    detail_en: str = ""

    def label(self, lang: str) -> str:
        zh, en = TAG_NAMES[self.code]
        return en if lang == "en" else zh

    def detail(self, lang: str) -> str:
        return self.detail_en if lang == "en" else self.detail_zh


@dataclass
class Profile:
    customer_id: int
    tags: list[Tag] = field(default_factory=list)
    consent: bool = False
    household_size: int | None = None

    def codes(self) -> set[str]:
        return {tag.code for tag in self.tags}


def _years(since: date, today: date) -> float:
    return max((today - since).days / 365.25, 0.0)


def counters(db: Session, *, appliance_ids: list[int], metric: str) -> dict[int, float]:
    """The highest value of counter ``metric`` each appliance has reported: from the hourly roll-ups,
    and from the raw readings for an appliance not rolled up yet."""
    if not appliance_ids:
        return {}
    found = {
        appliance_id: float(value)
        for appliance_id, value in db.execute(
            select(TelemetryHourly.appliance_id, func.max(TelemetryHourly.max_value))
            .where(TelemetryHourly.appliance_id.in_(appliance_ids), TelemetryHourly.metric == metric)
            .group_by(TelemetryHourly.appliance_id)
        )
    }
    for appliance_id in appliance_ids:
        if appliance_id in found:
            continue
        for metrics in db.scalars(
            select(TelemetryReading.metrics)
            .where(TelemetryReading.appliance_id == appliance_id)
            .order_by(TelemetryReading.ts.desc())
            .limit(50)
        ):
            value = (metrics or {}).get(metric)
            if isinstance(value, int | float):
                found[appliance_id] = float(value)
                break
    return found


def climate_zone(province: str | None) -> str | None:
    for zone, provinces in CLIMATE_ZONES.items():
        if province and province.startswith(provinces):
            return zone
    return None


def spend_fen(db: Session, *, customer_id: int) -> int:
    paid = db.scalar(
        select(func.coalesce(func.sum(Payment.amount_fen - Payment.refunded_fen), 0))
        .join(WorkOrder, WorkOrder.id == Payment.work_order_id)
        .where(
            WorkOrder.customer_id == customer_id,
            Payment.status.in_(("paid", "partially_refunded", "refunded")),
        )
    )
    contracts = db.scalar(
        select(
            func.coalesce(
                func.sum(ServiceContract.price_fen - func.coalesce(ServiceContract.refund_fen, 0)), 0
            )
        ).where(ServiceContract.customer_id == customer_id)
    )
    return int(paid or 0) + int(contracts or 0)


def appliances_of(db: Session, *, customer_id: int) -> list[tuple[Appliance, str]]:
    return [
        (appliance, str(code))
        for appliance, code in db.execute(
            select(Appliance, Category.code)
            .join(ProductModel, ProductModel.id == Appliance.product_model_id)
            .join(Category, Category.id == ProductModel.category_id)
            .where(Appliance.customer_id == customer_id)
            .order_by(Appliance.id)
        )
    ]


def _category(code: str, lang: str) -> str:
    names = CATEGORY_NAMES.get(code)  # type: ignore[call-overload]
    return (names[1] if lang == "en" else names[0]) if names else code


def profile(db: Session, *, customer: Customer) -> Profile:
    """The customer's tags, computed from the data now."""
    today = tenant_clock.today(db, customer.tenant_id)
    found = Profile(customer_id=customer.id, consent=consent.has_consent(db, customer_id=customer.id))
    household = consent.household_of(db, customer_id=customer.id)
    if household is not None and household.size:
        found.household_size = household.size
        size = household.size
        code = "single" if size == 1 else "couple" if size == 2 else "family" if size == 3 else "large"
        found.tags.append(Tag(f"household:{code}", f"{size}人", f"{size} people"))

    owned = appliances_of(db, customer_id=customer.id)
    ratios: list[tuple[float, str]] = []
    for metric in sorted({USAGE_COUNTER[c][0] for _, c in owned if c in USAGE_COUNTER}):
        ids = [a.id for a, c in owned if USAGE_COUNTER.get(c, ("",))[0] == metric]
        values = counters(db, appliance_ids=ids, metric=metric)
        for appliance, code in owned:
            if appliance.id in values:
                years = max(_years(appliance.install_date or appliance.purchase_date, today), 0.25)
                ratios.append((values[appliance.id] / years / USAGE_COUNTER[code][1], code))
    if ratios:
        ratio, code = max(ratios)
        level = "heavy" if ratio >= HEAVY else "light" if ratio <= LIGHT else "normal"
        found.tags.append(
            Tag(
                f"usage:{level}",
                f"{_category(code, 'zh')}为同类平均的{ratio:.1f}倍",
                f"{_category(code, 'en')} at {ratio:.1f}× the typical use",
            )
        )

    address = db.scalar(
        select(Address).where(Address.customer_id == customer.id).order_by(Address.id).limit(1)
    )
    zone = climate_zone(address.province if address else None)
    if zone is not None:
        found.tags.append(Tag(f"climate:{zone}", address.city, address.city))

    spent = spend_fen(db, customer_id=customer.id)
    tier = "high" if spent >= HIGH_VALUE_FEN else "medium" if spent >= MEDIUM_VALUE_FEN else "basic"
    found.tags.append(Tag(f"value:{tier}", f"累计消费{spent // 100}元", f"CNY {spent // 100} spent"))

    if customer.elderly_household:
        found.tags.append(Tag("care:elderly"))
    if customer.infant_household:
        found.tags.append(Tag("care:infant"))

    old = []
    for appliance, code in owned:
        life = SERVICE_LIFE.get(code)
        if life is not None and _years(appliance.purchase_date, today) >= life - 1:
            old.append((appliance, code, life))
    if old:
        found.tags.append(
            Tag(
                "lifecycle:end_of_life",
                "、".join(
                    f"{_category(c, 'zh')}已用{int(_years(a.purchase_date, today))}年（建议{life}年）"
                    for a, c, life in old
                ),
                ", ".join(
                    f"{_category(c, 'en')} {int(_years(a.purchase_date, today))} years old (life {life})"
                    for a, c, life in old
                ),
            )
        )
    return found
