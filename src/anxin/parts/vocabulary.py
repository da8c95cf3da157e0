"""The words a person reads for the codes of parts and stock, in Chinese and English: the pages extend
their catalog with them (``web/parts_pages.py``) and the errors name states by them."""

from __future__ import annotations

LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "central": ("中心库", "Central"),
    "regional": ("区域库", "Regional"),
    "outlet": ("网点库", "Outlet"),
    "van": ("车载库", "Van"),
}
CONDITION_NAMES: dict[str, tuple[str, str]] = {"good": ("良品", "Good"), "defective": ("坏件", "Defective")}
LINE_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "reserved": ("已预留", "Reserved"),
    "awaiting_transfer": ("调拨中", "On its way"),
    "consumed": ("已使用", "Fitted"),
    "released": ("已释放", "Released"),
}
TRANSFER_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "requested": ("已申请", "Requested"),
    "shipped": ("已发货", "Shipped"),
    "received": ("已到货", "Received"),
    "cancelled": ("已取消", "Cancelled"),
}
RETURN_STATUS_NAMES: dict[str, tuple[str, str]] = {
    "held": ("待返厂", "Held"),
    "in_transit": ("返厂途中", "In transit"),
    "at_factory": ("已到厂", "At the factory"),
}
POSTAGE_NAMES: dict[str, tuple[str, str]] = {
    "brand": ("品牌方承担（到付）", "Brand pays (freight collect)"),
    "outlet": ("网点承担", "Outlet pays"),
    "technician": ("工程师承担", "Technician pays"),
}
MOVEMENT_NAMES: dict[str, tuple[str, str]] = {
    "receive": ("入库", "Received into stock"),
    "reserve": ("预留", "Reserved"),
    "release": ("释放预留", "Reservation released"),
    "consume": ("领用出库", "Fitted"),
    "transfer_out": ("调拨出库", "Shipped out"),
    "transfer_in": ("调拨入库", "Received from transfer"),
    "return_in": ("旧件入库", "Old part held"),
    "return_out": ("旧件返厂", "Old part sent back"),
}


def zh(names: dict[str, tuple[str, str]], code: str) -> str:
    return names.get(code, (code, code))[0]


def words(lang: str = "zh") -> dict[str, str]:
    """Every code above as the pages' catalog keys (``lvl_van``, ``pline_reserved`` ...)."""
    index = 1 if lang == "en" else 0
    out: dict[str, str] = {}
    for prefix, names in (
        ("lvl_", LEVEL_NAMES),
        ("cond_", CONDITION_NAMES),
        ("pline_", LINE_STATUS_NAMES),
        ("ptr_", TRANSFER_STATUS_NAMES),
        ("pret_", RETURN_STATUS_NAMES),
        ("postage_", POSTAGE_NAMES),
        ("pmove_", MOVEMENT_NAMES),
    ):
        out |= {prefix + code: pair[index] for code, pair in names.items()}
    return out


def catalog() -> dict[str, tuple[str, str]]:
    """The same as ``(zh, en)`` pairs, for ``web.i18n.extend``."""
    zh_words, en_words = words("zh"), words("en")
    return {key: (zh_words[key], en_words[key]) for key in zh_words}
