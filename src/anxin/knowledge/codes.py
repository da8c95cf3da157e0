"""The fault taxonomy: what can be wrong with an appliance (a fault), or what a customer asks for without a
fault (a service request), with Chinese and English names. Categories are the catalog's
(``catalog.codes.CategoryCode``); which faults a category has is the knowledge base's (its entries)."""

from enum import StrEnum

from anxin.catalog.codes import CATEGORY_NAMES, CategoryCode, ServiceType


class FaultCode(StrEnum):
    NO_POWER = "no_power"
    NOT_COOLING = "not_cooling"
    NOT_HEATING = "not_heating"
    WATER_LEAK = "water_leak"
    ABNORMAL_NOISE = "abnormal_noise"
    ERROR_CODE = "error_code"
    ODOR = "odor"
    DRAINAGE = "drainage"
    SPIN_FAILURE = "spin_failure"
    IGNITION_FAILURE = "ignition_failure"
    WEAK_SUCTION = "weak_suction"
    DISPLAY_FAULT = "display_fault"
    REMOTE_CONTROL = "remote_control"
    FROST_ICE = "frost_ice"
    FILTER_REPLACEMENT = "filter_replacement"
    # service requests: no fault, a job asked for
    INSTALLATION = "installation"
    RELOCATION = "relocation"
    CLEANING = "cleaning"


FAULT_NAMES: dict[FaultCode, tuple[str, str]] = {
    FaultCode.NO_POWER: ("不通电/无法开机", "No power / won't start"),
    FaultCode.NOT_COOLING: ("不制冷", "Not cooling"),
    FaultCode.NOT_HEATING: ("不加热/不制热", "Not heating"),
    FaultCode.WATER_LEAK: ("漏水", "Water leak"),
    FaultCode.ABNORMAL_NOISE: ("异响/噪音大", "Abnormal noise"),
    FaultCode.ERROR_CODE: ("显示故障代码", "Error code shown"),
    FaultCode.ODOR: ("异味", "Odour"),
    FaultCode.DRAINAGE: ("排水故障", "Drainage problem"),
    FaultCode.SPIN_FAILURE: ("不转/不脱水", "Won't spin"),
    FaultCode.IGNITION_FAILURE: ("打不着火", "Ignition failure"),
    FaultCode.WEAK_SUCTION: ("吸力弱", "Weak suction"),
    FaultCode.DISPLAY_FAULT: ("显示/画面故障", "Display fault"),
    FaultCode.REMOTE_CONTROL: ("遥控/按键失灵", "Remote or keys not working"),
    FaultCode.FROST_ICE: ("结霜结冰", "Frost or ice"),
    FaultCode.FILTER_REPLACEMENT: ("更换滤芯/滤网", "Filter replacement"),
    FaultCode.INSTALLATION: ("安装", "Installation"),
    FaultCode.RELOCATION: ("移机", "Relocation"),
    FaultCode.CLEANING: ("清洗", "Cleaning"),
}

# A service request is its own service type; every fault is a repair.
SERVICE_REQUESTS: dict[FaultCode, ServiceType] = {
    FaultCode.INSTALLATION: ServiceType.INSTALLATION,
    FaultCode.RELOCATION: ServiceType.RELOCATION,
    FaultCode.CLEANING: ServiceType.CLEANING,
}


# Words customers call each category by (besides the catalog's names): what triage learns categories from.
CATEGORY_WORDS: dict[CategoryCode, tuple[str, ...]] = {
    CategoryCode.AIR_CONDITIONER: (
        "空调",
        "挂机",
        "柜机",
        "内机",
        "外机",
        "冷气",
        "aircon",
        "air conditioner",
        "ac",
    ),
    CategoryCode.REFRIGERATOR: ("冰箱", "冷藏", "冷冻", "冰柜", "fridge", "refrigerator", "freezer"),
    CategoryCode.WASHING_MACHINE: ("洗衣机", "滚筒", "波轮", "脱水", "甩干", "washing machine", "washer"),
    CategoryCode.WATER_HEATER: ("热水器", "燃热", "电热水器", "洗澡水", "water heater", "boiler"),
    CategoryCode.RANGE_HOOD: (
        "油烟机",
        "抽油烟机",
        "烟机",
        "吸油烟机",
        "range hood",
        "cooker hood",
        "extractor",
    ),
    CategoryCode.GAS_STOVE: ("燃气灶", "煤气灶", "灶具", "灶台", "炉灶", "gas stove", "hob", "burner"),
    CategoryCode.DISHWASHER: ("洗碗机", "碗", "dishwasher", "dishes"),
    CategoryCode.TELEVISION: ("电视", "电视机", "屏幕", "tv", "television"),
    CategoryCode.WATER_PURIFIER: ("净水器", "净水机", "滤芯", "纯水机", "water purifier", "water filter"),
    CategoryCode.MICROWAVE: ("微波炉", "转盘", "microwave"),
}


def service_type_for(fault: str) -> str:
    """The service type an order for ``fault`` is: the request's own, a repair for a fault."""
    try:
        return SERVICE_REQUESTS.get(FaultCode(fault), ServiceType.REPAIR).value
    except ValueError:
        return ServiceType.REPAIR.value


def catalog() -> dict[str, tuple[str, str]]:
    """The page words for faults (``fault_<code>``) and categories (``kcat_<code>``)."""
    return {f"fault_{code.value}": names for code, names in FAULT_NAMES.items()} | {
        f"kcat_{code.value}": names for code, names in CATEGORY_NAMES.items()
    }


__all__ = [
    "CATEGORY_NAMES",
    "FAULT_NAMES",
    "SERVICE_REQUESTS",
    "CategoryCode",
    "FaultCode",
    "service_type_for",
]
