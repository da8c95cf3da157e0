from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    DISPATCHER = "dispatcher"
    TECHNICIAN = "technician"
    OUTLET_MANAGER = "outlet_manager"
    QUALITY = "quality"
    ADMIN = "admin"


STAFF = frozenset({Role.AGENT, Role.DISPATCHER, Role.OUTLET_MANAGER, Role.QUALITY, Role.ADMIN})
EVERYONE = frozenset(Role)
