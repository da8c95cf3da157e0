"""What the portal's forms offer, from the tenant's own data: the catalog as category → brand → model (the
cascading picker of the report and register forms, or a typed model code), the symptoms of each category
from the knowledge base's faults (no "不制冷" for a water heater), days named as people say them
(今天/明天/后天 and the weekday), and a reported photo's place on the order page."""

from __future__ import annotations

from datetime import date

from anxin.catalog import service as catalog_service
from anxin.exceptions import InvalidInput
from anxin.knowledge import service as knowledge_service
from anxin.knowledge.codes import FAULT_NAMES, SERVICE_REQUESTS, FaultCode
from anxin.web import i18n

i18n.extend(
    {
        "pf_category": ("品类", "Category"),
        "pf_brand": ("品牌", "Brand"),
        "pf_model": ("型号", "Model"),
        "pf_pick": ("请选择", "Choose"),
        "pf_or_code": ("或直接输入型号（见机身铭牌）", "or type the model code (on the rating plate)"),
        "pf_code_unknown": ("没有找到这个型号，请从上面选择", "No such model: please choose above"),
        "pf_other_appliance": ("其他家电（选择品类、品牌、型号）", "Another appliance (pick its model)"),
        "pf_which": ("报修哪台家电", "Which appliance"),
        "pf_purchased": ("购买日期（大约即可）", "Purchase date (roughly)"),
        "pf_serial": ("机身条码（选填）", "Serial number (optional)"),
        "pf_chips_hint": (
            "点选故障现象，会自动写入下方描述",
            "Tap what you see: it goes into the description",
        ),
        "pf_need_model": ("请选择家电型号", "Please choose the appliance's model"),
        "pf_need_date": ("请填写购买日期", "Please give the purchase date"),
        "pf_your_photos": ("您上传的照片", "Your photos"),
        "pf_am": ("上午 9–12 点", "9:00–12:00"),
        "pf_pm": ("下午 14–18 点", "14:00–18:00"),
        "day_0": ("今天", "Today"),
        "day_1": ("明天", "Tomorrow"),
        "day_2": ("后天", "The day after tomorrow"),
        "wd_0": ("周一", "Mon"),
        "wd_1": ("周二", "Tue"),
        "wd_2": ("周三", "Wed"),
        "wd_3": ("周四", "Thu"),
        "wd_4": ("周五", "Fri"),
        "wd_5": ("周六", "Sat"),
        "wd_6": ("周日", "Sun"),
    }
)

# Faults every appliance can show, for a category the knowledge base has no entry for.
COMMON_FAULTS = (
    FaultCode.NO_POWER,
    FaultCode.ABNORMAL_NOISE,
    FaultCode.WATER_LEAK,
    FaultCode.ERROR_CODE,
    FaultCode.ODOR,
)


def _name(row, lang: str) -> str:
    return row.name_en if lang == "en" else row.name_zh


def catalog(db, *, tenant_id: int, lang: str) -> dict:
    """The tenant's catalog for the cascading picker: categories, brands, and each model with its
    category's code and its brand's id (only categories and brands that have models)."""
    categories = {c.id: c for c in catalog_service.get_categories(db, tenant_id=tenant_id)}
    brands = {b.id: b for b in catalog_service.get_brands(db, tenant_id=tenant_id)}
    models = catalog_service.get_product_models(db, tenant_id=tenant_id)
    used_categories = {m.category_id for m in models}
    used_brands = {m.brand_id for m in models}
    return {
        "categories": [
            {"code": c.code, "name": _name(c, lang)} for c in categories.values() if c.id in used_categories
        ],
        "brands": [{"id": b.id, "name": _name(b, lang)} for b in brands.values() if b.id in used_brands],
        "models": [
            {
                "id": m.id,
                "code": m.model_code,
                "name": m.name,
                "category": categories[m.category_id].code,
                "brand": m.brand_id,
            }
            for m in models
            if m.category_id in categories
        ],
    }


def model_id(db, *, tenant_id: int, product_model_id: int | None, model_code: str) -> int:
    """The model chosen in the picker, or the one whose code was typed (any case, spaces ignored)."""
    if product_model_id:
        return catalog_service.get_product_model(db, tenant_id=tenant_id, id=product_model_id).id
    typed = model_code.replace(" ", "").upper()
    if typed:
        for model in catalog_service.get_product_models(db, tenant_id=tenant_id):
            if model.model_code.replace(" ", "").upper() == typed:
                return model.id
        raise InvalidInput("model_code", "没有找到这个型号，请从列表中选择", "no such model: pick one")
    raise InvalidInput("product_model_id", "请选择家电型号", "choose the appliance's model")


def symptoms(db, *, tenant_id: int, lang: str) -> dict[str, list[tuple[str, str]]]:
    """Each category's faults as (fault code, words), from the tenant's knowledge base, or the shipped
    one for a category the tenant has no entry for (service requests such as installation are not
    symptoms); ``""`` holds the common ones for any other category."""
    own = [(e.category, e.fault) for e in knowledge_service.all_entries(db, tenant_id=tenant_id)]
    have = {category for category, _fault in own}
    shipped = [
        (e["category"], e["fault"]) for e in knowledge_service.seed_entries() if e["category"] not in have
    ]
    found: dict[str, list[tuple[str, str]]] = {}
    for category, code in [*own, *shipped]:
        try:
            fault = FaultCode(code)
        except ValueError:
            continue
        if fault in SERVICE_REQUESTS:
            continue
        pair = (fault.value, FAULT_NAMES[fault][1 if lang == "en" else 0])
        if pair not in found.setdefault(category, []):
            found[category].append(pair)
    found[""] = [(f.value, FAULT_NAMES[f][1 if lang == "en" else 0]) for f in COMMON_FAULTS]
    return found


def symptom_words(codes: list[str]) -> list[str]:
    """The Chinese words of the symptoms picked (the record keeps Chinese): a fault code of the knowledge
    base, or one of the older form's codes (``i18n.SYMPTOMS``)."""
    older = {code: zh for code, zh, _en in i18n.SYMPTOMS}
    words = []
    for code in codes:
        try:
            words.append(FAULT_NAMES[FaultCode(code)][0])
        except ValueError:
            if code in older:
                words.append(older[code])
    return words


def day_words(day: date, today: date, lang: str) -> str:
    """``今天 12-06 周六``: today, tomorrow and the day after by name, every day with its weekday."""
    t = lambda key: i18n.translate(lang, key)  # noqa: E731
    ahead = (day - today).days
    named = t(f"day_{ahead}") + " " if 0 <= ahead <= 2 else ""
    return f"{named}{day:%m-%d} {t(f'wd_{day.weekday()}')}"
