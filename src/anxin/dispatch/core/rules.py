"""What a job asks of the technician who does it, and how long it takes: tables, not scattered ifs.

``requirement_for`` says which skill level, certificates and crew size a category and service type need.
The certificates follow the trades' usual licences in China: refrigerant handling (制冷与空调作业) for opening
an air conditioner's refrigerant circuit, gas appliances (燃气具安装维修) for gas stoves and gas water heaters,
electrician (电工) for fixed wiring, and work at height (高处作业) for outdoor units. The durations are planning
defaults in minutes (the simulator and the route planner use them; a tenant's fee schedule may refine them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

LEVELS = ("junior", "senior", "master")
LEVEL_ZH = {"junior": "初级", "senior": "中级", "master": "高级"}
CERTIFICATES = ("refrigerant", "gas", "electrician", "height")
CERTIFICATE_ZH = {
    "refrigerant": "制冷作业证",
    "gas": "燃气具维修证",
    "electrician": "电工证",
    "height": "高处作业证",
}


def level_rank(level: str) -> int:
    return LEVELS.index(level)


@dataclass(frozen=True)
class Requirement:
    level: str = "junior"
    certificates: frozenset[str] = field(default_factory=frozenset)
    crew_size: int = 1


def _req(level: str = "junior", *certificates: str, crew: int = 1) -> Requirement:
    return Requirement(level, frozenset(certificates), crew)


# (category, service type) -> requirement; "*" matches any service type of the category.
REQUIREMENTS: dict[tuple[str, str], Requirement] = {
    ("air_conditioner", "installation"): _req("senior", "refrigerant", "height"),
    ("air_conditioner", "relocation"): _req("senior", "refrigerant", "height"),
    ("air_conditioner", "repair"): _req("junior", "refrigerant"),
    ("air_conditioner", "recycling"): _req("junior", "refrigerant"),
    ("refrigerator", "repair"): _req("junior", "refrigerant"),
    ("gas_stove", "*"): _req("junior", "gas"),
    ("water_heater", "installation"): _req("senior", "gas", "electrician"),
    ("water_heater", "repair"): _req("junior", "electrician"),
    ("range_hood", "installation"): _req("junior", "electrician"),
    ("dishwasher", "installation"): _req("junior", "electrician"),
}

# Minutes on site by service type, and category adjustments.
SERVICE_MINUTES = {
    "repair": 60,
    "installation": 90,
    "maintenance": 45,
    "cleaning": 60,
    "relocation": 120,
    "inspection": 30,
    "recycling": 20,
}
CATEGORY_MINUTES = {
    ("air_conditioner", "installation"): 120,
    ("air_conditioner", "relocation"): 150,
    ("washing_machine", "cleaning"): 75,
    ("television", "installation"): 45,
    ("microwave", "repair"): 40,
    ("water_purifier", "maintenance"): 30,
}


def requirement_for(category: str, service_type: str, *, crew_size: int = 1) -> Requirement:
    """The level, certificates and crew a job needs; a product model that needs two people (a central air
    conditioner) raises ``crew_size``."""
    base = REQUIREMENTS.get((category, service_type)) or REQUIREMENTS.get((category, "*")) or Requirement()
    if crew_size > base.crew_size:
        return Requirement(base.level, base.certificates, crew_size)
    return base


def service_minutes(category: str, service_type: str) -> int:
    return CATEGORY_MINUTES.get((category, service_type), SERVICE_MINUTES.get(service_type, 60))
