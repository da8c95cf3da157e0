"""What each category of appliance reports: the metric catalog, as code.

Every metric has a name (the key a device sends), its unit, the range a healthy or failing unit can
plausibly report (a value outside it is a broken sensor or a forged reading, refused with
``out_of_range``), and its names in Chinese and English. Counters (run hours, cycles, heated volume) only
grow; the rules read them as counters. The ingest path refuses a metric its category does not list
(``unknown_metric``): what is stored is only what the catalog can explain."""

from __future__ import annotations

from dataclasses import dataclass

from anxin.catalog.codes import CategoryCode as C


@dataclass(frozen=True, slots=True)
class Metric:
    name: str
    unit: str
    low: float
    high: float
    name_zh: str
    name_en: str
    counter: bool = False  # grows over the unit's life (hours, cycles, litres)

    def label(self, language: str) -> str:
        return self.name_en if language == "en" else self.name_zh


def _m(name: str, unit: str, low: float, high: float, zh: str, en: str, *, counter: bool = False) -> Metric:
    return Metric(name, unit, low, high, zh, en, counter)


_COMPRESSOR_RUN = _m("run_hours", "h", 0, 200_000, "累计运行时长", "Run hours", counter=True)
_POWER = _m("power_w", "W", 0, 12_000, "功率", "Power")

CATALOG: dict[C, tuple[Metric, ...]] = {
    C.AIR_CONDITIONER: (
        _m("indoor_temp_c", "°C", -30, 60, "室内温度", "Indoor temperature"),
        _m("outdoor_temp_c", "°C", -45, 65, "室外温度", "Outdoor temperature"),
        _m("coil_temp_c", "°C", -40, 90, "蒸发器盘管温度", "Evaporator coil temperature"),
        _m("high_pressure_mpa", "MPa", 0, 5, "高压压力", "High-side pressure"),
        _m("low_pressure_mpa", "MPa", 0, 2.5, "低压压力", "Low-side pressure"),
        _m("compressor_current_a", "A", 0, 40, "压缩机电流", "Compressor current"),
        _COMPRESSOR_RUN,
        _POWER,
    ),
    C.REFRIGERATOR: (
        _m("fridge_temp_c", "°C", -10, 30, "冷藏室温度", "Fresh-food compartment temperature"),
        _m("freezer_temp_c", "°C", -40, 20, "冷冻室温度", "Freezer temperature"),
        _m("variable_temp_c", "°C", -30, 20, "变温室温度", "Variable compartment temperature"),
        _m("ambient_temp_c", "°C", -20, 55, "环境温度", "Ambient temperature"),
        _m("defrost_heater_current_a", "A", 0, 10, "化霜加热器电流", "Defrost heater current"),
        _m("compressor_current_a", "A", 0, 10, "压缩机电流", "Compressor current"),
        _m("door_openings", "次", 0, 10_000_000, "累计开门次数", "Door openings", counter=True),
        _COMPRESSOR_RUN,
    ),
    C.WASHING_MACHINE: (
        _m("vibration_g", "g", 0, 20, "振动加速度", "Vibration"),
        _m("motor_current_a", "A", 0, 15, "电机电流", "Motor current"),
        _m("drain_seconds", "s", 0, 3_600, "排水时间", "Drain time"),
        _m("fill_seconds", "s", 0, 3_600, "进水时间", "Fill time"),
        _m("water_temp_c", "°C", 0, 100, "水温", "Water temperature"),
        _m("cycles", "次", 0, 1_000_000, "累计洗涤次数", "Wash cycles", counter=True),
    ),
    C.WATER_HEATER: (
        _m("outlet_temp_c", "°C", 0, 100, "出水温度", "Outlet temperature"),
        _m("tank_temp_c", "°C", 0, 100, "内胆温度", "Tank temperature"),
        _m("element_current_a", "A", 0, 40, "加热管电流", "Heating element current"),
        _m("heated_volume_l", "L", 0, 100_000_000, "累计加热水量", "Heated volume", counter=True),
        _m("leakage_current_ma", "mA", 0, 100, "漏电电流", "Leakage current"),
    ),
    C.RANGE_HOOD: (
        _m("fan_current_a", "A", 0, 10, "风机电流", "Fan current"),
        _m("fan_rpm", "rpm", 0, 3_000, "风机转速", "Fan speed"),
        _m("airflow_m3_min", "m³/min", 0, 40, "排风量", "Airflow"),
        _COMPRESSOR_RUN,
    ),
    C.GAS_STOVE: (
        _m("flame_out_count", "次", 0, 1_000_000, "累计熄火保护次数", "Flame-outs", counter=True),
        _m("ignition_failures", "次", 0, 1_000_000, "累计点火失败次数", "Ignition failures", counter=True),
        _m("thermocouple_mv", "mV", 0, 50, "热电偶电压", "Thermocouple voltage"),
        _m("gas_leak_ppm", "ppm", 0, 10_000, "燃气浓度", "Gas concentration"),
    ),
    C.DISHWASHER: (
        _m("water_temp_c", "°C", 0, 100, "水温", "Water temperature"),
        _m("pump_current_a", "A", 0, 10, "循环泵电流", "Wash pump current"),
        _m("heater_current_a", "A", 0, 15, "加热器电流", "Heater current"),
        _m("drain_seconds", "s", 0, 3_600, "排水时间", "Drain time"),
        _m("cycles", "次", 0, 1_000_000, "累计洗涤次数", "Wash cycles", counter=True),
    ),
    C.TELEVISION: (
        _m("panel_temp_c", "°C", -10, 90, "面板温度", "Panel temperature"),
        _m("power_on_hours", "h", 0, 200_000, "累计开机时长", "Power-on hours", counter=True),
        _m("backlight_current_ma", "mA", 0, 5_000, "背光电流", "Backlight current"),
        _POWER,
    ),
    C.WATER_PURIFIER: (
        _m("tds_in_ppm", "ppm", 0, 3_000, "进水TDS", "Inlet TDS"),
        _m("tds_out_ppm", "ppm", 0, 3_000, "出水TDS", "Outlet TDS"),
        _m("filtered_volume_l", "L", 0, 100_000_000, "累计净水量", "Filtered volume", counter=True),
        _m("pump_pressure_mpa", "MPa", 0, 2, "增压泵压力", "Pump pressure"),
    ),
    C.MICROWAVE: (
        _m("magnetron_temp_c", "°C", -10, 250, "磁控管温度", "Magnetron temperature"),
        _m("magnetron_current_a", "A", 0, 20, "磁控管电流", "Magnetron current"),
        _m("door_openings", "次", 0, 10_000_000, "累计开门次数", "Door openings", counter=True),
        _m("run_hours", "h", 0, 200_000, "累计运行时长", "Run hours", counter=True),
    ),
}

# name -> (low, high) per category: what the ingest loop looks up for every value
BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    str(category): {metric.name: (metric.low, metric.high) for metric in metrics}
    for category, metrics in CATALOG.items()
}


def metrics_of(category: str) -> tuple[Metric, ...]:
    """The metrics of ``category`` (a ``CategoryCode`` value); none for a category the catalog lacks."""
    try:
        return CATALOG[C(category)]
    except ValueError:
        return ()
