"""The fixed vocabularies of the catalog: appliance categories and service types."""

from enum import StrEnum


class CategoryCode(StrEnum):
    AIR_CONDITIONER = "air_conditioner"
    REFRIGERATOR = "refrigerator"
    WASHING_MACHINE = "washing_machine"
    WATER_HEATER = "water_heater"
    RANGE_HOOD = "range_hood"
    GAS_STOVE = "gas_stove"
    DISHWASHER = "dishwasher"
    TELEVISION = "television"
    WATER_PURIFIER = "water_purifier"
    MICROWAVE = "microwave"


CATEGORY_NAMES: dict[CategoryCode, tuple[str, str]] = {
    CategoryCode.AIR_CONDITIONER: ("空调", "Air conditioner"),
    CategoryCode.REFRIGERATOR: ("冰箱", "Refrigerator"),
    CategoryCode.WASHING_MACHINE: ("洗衣机", "Washing machine"),
    CategoryCode.WATER_HEATER: ("热水器", "Water heater"),
    CategoryCode.RANGE_HOOD: ("油烟机", "Range hood"),
    CategoryCode.GAS_STOVE: ("燃气灶", "Gas stove"),
    CategoryCode.DISHWASHER: ("洗碗机", "Dishwasher"),
    CategoryCode.TELEVISION: ("电视", "Television"),
    CategoryCode.WATER_PURIFIER: ("净水器", "Water purifier"),
    CategoryCode.MICROWAVE: ("微波炉", "Microwave"),
}


class ServiceType(StrEnum):
    INSTALLATION = "installation"
    REPAIR = "repair"
    MAINTENANCE = "maintenance"
    CLEANING = "cleaning"
    RELOCATION = "relocation"
    INSPECTION = "inspection"
    RECYCLING = "recycling"


SERVICE_TYPE_NAMES: dict[ServiceType, tuple[str, str]] = {
    ServiceType.INSTALLATION: ("安装", "Installation"),
    ServiceType.REPAIR: ("维修", "Repair"),
    ServiceType.MAINTENANCE: ("保养", "Maintenance"),
    ServiceType.CLEANING: ("清洗", "Cleaning"),
    ServiceType.RELOCATION: ("移机", "Relocation"),
    ServiceType.INSPECTION: ("检测", "Inspection"),
    ServiceType.RECYCLING: ("回收", "Recycling"),
}
