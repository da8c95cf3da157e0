"""The demo city's public price book (收费标准), as a Hangzhou service company would publish it: a visit
fee by area, labour for every category by service type and common fault, the parts the demo's appliances
use at their list prices (``names.PRODUCTS``, each naming its part of the demo's part catalog by
``part_code``), materials by the metre and the kilogram, and Gree's own prices for its air conditioners.

Two versions for the demo tenant, to show how the book moves on: version 1 took effect 15 months ago,
version 2 (labour up on a few lines, Gree's prices added) three months ago. The second tenant publishes
version 1 only. Drafted and published through ``pricing.editing`` (written to the audit log as the
platform's own), with the items written in bulk."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from anxin import clock
from anxin.catalog.models import Brand
from anxin.demo import history
from anxin.demo.names import PRODUCTS
from anxin.demo.parts import PREFIX
from anxin.pricing import editing
from anxin.pricing.models import PriceItem, PriceOverride

# (code, service type or None, fault or None, name, yuan, unit, note or None)
Row = tuple[str, str | None, str | None, str, float, str, str | None]

VISIT: list[tuple[str, str, str, float, str]] = [
    # (code, area, name, yuan, note)
    ("VISIT-URBAN", "urban", "上门检测费（市区）", 50, "含故障检测；保修期内免收；确认维修后不再另收检测费"),
    ("VISIT-SUBURBAN", "suburban", "上门检测费（郊区）", 80, "绕城高速以外；保修期内免收"),
]

LABOUR: dict[str, list[Row]] = {
    "air_conditioner": [
        ("AC-GAS", "repair", "不制冷", "补加冷媒（加氟）", 80, "time", "含检漏、保压；冷媒按千克另计"),
        ("AC-LEAK-WELD", "repair", "不制冷", "查漏补漏（焊接）", 150, "time", None),
        ("AC-COMPRESSOR", "repair", "不制冷", "更换压缩机", 300, "time", "含抽真空，冷媒另计"),
        ("AC-CAPACITOR", "repair", "室外机不转", "更换启动电容", 60, "time", None),
        ("AC-FAN", "repair", "室外机不转", "更换室外风机", 120, "time", None),
        ("AC-BOARD", "repair", "无法开机", "更换主板", 80, "time", None),
        ("AC-DRAIN", "repair", "室内机漏水", "疏通排水管", 60, "time", None),
        ("AC-CLEAN-WALL", "cleaning", None, "挂机深度清洗", 80, "unit", "拆洗滤网、蒸发器、接水盘"),
        ("AC-CLEAN-FLOOR", "cleaning", None, "柜机深度清洗", 120, "unit", None),
        ("AC-INSTALL-WALL", "installation", None, "挂机安装", 150, "unit", "含 3 米铜管，超出部分按米另计"),
        ("AC-INSTALL-FLOOR", "installation", None, "柜机安装", 200, "unit", "含 5 米铜管，超出部分按米另计"),
        ("AC-MOVE-WALL", "relocation", None, "挂机移机（拆机+安装）", 200, "unit", "不含加氟、铜管"),
        ("AC-MOVE-FLOOR", "relocation", None, "柜机移机（拆机+安装）", 300, "unit", "不含加氟、铜管"),
        ("AC-SERVICE", "maintenance", None, "空调保养检测", 60, "unit", None),
        ("AC-HEIGHT", None, None, "高空作业费", 100, "time", "外机位于 3 层及以上需安全绳作业时收取"),
        ("AC-DRILL", "installation", None, "墙体打孔", 50, "piece", "普通砖墙；混凝土墙 80 元/个"),
    ],
    "refrigerator": [
        ("RF-COMPRESSOR", "repair", "不制冷", "更换压缩机", 280, "time", "含抽真空、充注冷媒"),
        ("RF-LEAK-WELD", "repair", "不制冷", "冷媒泄漏焊接补漏", 150, "time", None),
        ("RF-THERMOSTAT", "repair", "不制冷", "更换温控器", 80, "time", None),
        ("RF-DEFROST", "repair", "冷冻室结霜", "更换化霜加热丝", 100, "time", None),
        ("RF-GASKET", "repair", "门关不严", "更换门封条", 60, "time", None),
        ("RF-BOARD", "repair", "显示故障码", "更换主控板", 80, "time", None),
        ("RF-INSTALL-BUILTIN", "installation", None, "嵌入式冰箱安装", 100, "unit", "普通冰箱送装免费"),
    ],
    "washing_machine": [
        ("WM-DRAIN", "repair", "不排水", "疏通排水系统", 60, "time", None),
        ("WM-PUMP", "repair", "不排水", "更换排水泵", 80, "time", None),
        ("WM-SHOCK", "repair", "脱水晃动", "更换减震器", 100, "time", None),
        ("WM-MOTOR", "repair", "滚筒不转", "更换电机", 150, "time", None),
        ("WM-LOCK", "repair", "门锁打不开", "更换门锁", 60, "time", None),
        ("WM-VALVE", "repair", "进水慢", "更换进水阀", 60, "time", None),
        ("WM-CLEAN-TOP", "cleaning", None, "波轮洗衣机拆洗", 100, "unit", "拆桶清洗、除垢杀菌"),
        ("WM-CLEAN-DRUM", "cleaning", None, "滚筒洗衣机拆洗", 150, "unit", "拆桶清洗、除垢杀菌"),
        ("WM-INSTALL", "installation", None, "洗衣机安装", 50, "unit", "含进、排水管连接"),
    ],
    "water_heater": [
        ("WH-IGNITER", "repair", "点不着火", "更换点火针", 60, "time", None),
        ("WH-SENSOR", "repair", "水温忽冷忽热", "更换水流传感器", 80, "time", None),
        ("WH-ELEMENT", "repair", "不加热", "更换加热管", 80, "time", None),
        ("WH-TANK", "repair", "漏水", "更换内胆", 200, "time", None),
        ("WH-DESCALE", "cleaning", None, "电热水器清洗除垢", 120, "unit", "含更换镁棒工时，镁棒另计"),
        ("WH-SERVICE", "maintenance", None, "燃气热水器保养", 100, "unit", None),
        ("WH-INSTALL-ELECTRIC", "installation", None, "电热水器安装", 120, "unit", None),
        ("WH-INSTALL-GAS", "installation", None, "燃气热水器安装", 200, "unit", "含 1.5 米烟管，超长另计"),
    ],
    "range_hood": [
        ("RH-MOTOR", "repair", "吸力变小", "更换电机", 120, "time", None),
        ("RH-FAN", "repair", "噪音大", "更换涡轮", 80, "time", None),
        ("RH-PANEL", "repair", "按键失灵", "更换控制面板", 60, "time", None),
        ("RH-CHECK-VALVE", "repair", "漏油", "更换止回阀", 50, "time", None),
        ("RH-CLEAN", "cleaning", None, "油烟机深度清洗", 120, "unit", "拆洗涡轮、油网"),
        ("RH-INSTALL", "installation", None, "油烟机安装", 100, "unit", None),
    ],
    "gas_stove": [
        ("GS-THERMOCOUPLE", "repair", "熄火保护失灵", "更换热电偶", 50, "time", None),
        ("GS-IGNITER", "repair", "打不着火", "更换点火器", 50, "time", None),
        ("GS-VALVE", "repair", "闻到燃气味", "更换阀体", 80, "time", "先检漏，关阀开窗，确认安全后作业"),
        ("GS-BURNER", "repair", "火焰发黄", "更换炉头", 60, "time", None),
        ("GS-CHECK", "inspection", None, "燃气安全检测", 50, "time", None),
        ("GS-INSTALL", "installation", None, "燃气灶安装", 80, "unit", "含气密性检测"),
    ],
    "dishwasher": [
        ("DW-PUMP", "repair", "洗不干净", "更换洗涤泵", 120, "time", None),
        ("DW-VALVE", "repair", "不进水", "更换进水阀", 60, "time", None),
        ("DW-HEATER", "repair", "洗不干净", "更换加热模块", 100, "time", None),
        ("DW-LEAK", "repair", "底部漏水报警", "漏水检修", 80, "time", None),
        ("DW-SERVICE", "maintenance", None, "洗碗机保养", 80, "unit", None),
        ("DW-INSTALL", "installation", None, "嵌入式洗碗机安装", 200, "unit", "含进、排水改造"),
    ],
    "television": [
        ("TV-PANEL", "repair", "黑屏有声音", "更换屏幕面板", 200, "time", None),
        ("TV-POWER", "repair", "无法开机", "更换电源板", 80, "time", None),
        ("TV-BACKLIGHT", "repair", "黑屏有声音", "更换背光灯条", 150, "time", None),
        ("TV-BOARD", "repair", "屏幕出现竖线", "更换主板", 80, "time", None),
        ("TV-MOUNT", "installation", None, "挂墙安装", 100, "unit", "挂架另计"),
        ("TV-MOVE", "relocation", None, "拆装移位", 120, "unit", None),
    ],
    "water_purifier": [
        ("WP-FILTER-RO", "maintenance", "滤芯到期", "更换 RO 滤芯", 40, "time", None),
        ("WP-FILTER-PRE", "maintenance", "滤芯到期", "更换前置滤芯", 30, "time", None),
        ("WP-PUMP", "repair", "出水很少", "更换增压泵", 80, "time", None),
        ("WP-LEAK", "repair", "接头漏水", "接头漏水检修", 50, "time", None),
        ("WP-INSTALL", "installation", None, "净水器安装", 100, "unit", "含打孔、接水"),
    ],
    "microwave": [
        ("MW-MAGNETRON", "repair", "不加热", "更换磁控管", 80, "time", None),
        ("MW-MOTOR", "repair", "转盘不转", "更换转盘电机", 50, "time", None),
        ("MW-CAPACITOR", "repair", "打火", "更换高压电容", 50, "time", None),
    ],
}

MATERIALS: dict[str, list[Row]] = {
    "air_conditioner": [
        ("MAT-PIPE-SMALL", None, None, "铜管 φ6/φ9.52（1.5 匹及以下）", 65, "metre", "含保温棉、包扎带"),
        ("MAT-PIPE-LARGE", None, None, "铜管 φ9.52/φ16（2–3 匹）", 90, "metre", "含保温棉、包扎带"),
        ("MAT-R32", None, None, "冷媒 R32", 60, "kg", "按实际充注量计"),
        ("MAT-R410A", None, None, "冷媒 R410A", 80, "kg", "按实际充注量计"),
        ("MAT-BRACKET", None, None, "空调外机支架（不锈钢）", 120, "set", None),
        ("MAT-DRAIN-HOSE", None, None, "排水管", 5, "metre", None),
        ("MAT-CABLE", None, None, "电源线 4 平方", 12, "metre", None),
    ],
    "washing_machine": [("MAT-INLET-HOSE", None, None, "进水管（1.5 米）", 25, "piece", None)],
    "water_heater": [
        ("MAT-ANODE", None, None, "镁棒", 60, "piece", None),
        ("MAT-FLUE", None, None, "燃气热水器烟管加长", 50, "metre", None),
    ],
    "television": [("MAT-TV-MOUNT", None, None, "电视挂架", 80, "set", "55–75 英寸通用")],
}

# Gree (格力) prices its own air-conditioner parts and the compressor's labour higher: (code, yuan)
BRAND = "gree"
BRAND_PRICES: list[tuple[str, float]] = [
    ("AC-COMPRESSOR", 350),
    ("PART-AC-01", 1380),
    ("PART-AC-02", 55),
    ("PART-AC-04", 300),
    ("PART-AC-05", 450),
]
# Version 2's changes: labour up on these lines (yuan)
RAISED: dict[str, float] = {
    "AC-GAS": 100,
    "AC-CLEAN-WALL": 90,
    "AC-INSTALL-WALL": 160,
    "WM-CLEAN-DRUM": 160,
    "RH-CLEAN": 130,
    "VISIT-SUBURBAN": 80,
}


def _fen(yuan: float) -> int:
    return round(yuan * 100)


def _items(tenant_id: int, version_id: int) -> list[PriceItem]:
    """Version 1's items: visit fees, every category's labour, parts (the demo's, at list price) and
    materials."""
    items = [
        PriceItem(code=code, kind="visit", name=name, unit="time", price_fen=_fen(yuan), area=area, note=note)
        for code, area, name, yuan, note in VISIT
    ]
    for kind, table in (("labour", LABOUR), ("material", MATERIALS)):
        for category, rows in table.items():
            for code, service_type, fault, name, yuan, unit, note in rows:
                items.append(
                    PriceItem(
                        code=code,
                        kind=kind,
                        name=name,
                        unit=unit,
                        price_fen=_fen(yuan),
                        category_code=category,
                        service_type=service_type,
                        fault=fault,
                        note=note,
                    )
                )
    for category, product in PRODUCTS.items():
        for index, (name, fen, key_part) in enumerate(product.parts, start=1):
            if name.startswith("冷媒"):  # refrigerant is a material, priced by the kilogram above
                continue
            part_code = f"{PREFIX[category]}-{index:02d}"  # the demo's part catalog (demo/parts.py)
            items.append(
                PriceItem(
                    code=f"PART-{part_code}",
                    kind="part",
                    name=name,
                    unit="piece",
                    price_fen=fen,
                    category_code=category,
                    note="核心部件，原厂正品" if key_part else "原厂正品",
                    part_code=part_code,
                )
            )
    for item in items:
        item.tenant_id, item.version_id = tenant_id, version_id
    return items


def load(db: Session, *, tenant_id: int, today: date, versions: int = 2) -> None:
    """The tenant's price book: version 1 in force from 15 months before ``today``; with ``versions`` 2,
    version 2 from three months before (the one in force)."""
    gree = db.scalar(select(Brand.id).where(Brand.tenant_id == tenant_id, Brand.code == BRAND))
    first_day = today - timedelta(days=455)
    with clock.travel(history.local_moment(first_day - timedelta(days=7), 10)):
        first = editing.draft(db, tenant_id=tenant_id, actor=None, note="首版收费标准")
        db.add_all(_items(tenant_id, first.id))
        db.flush()
        editing.publish(
            db, version=first, effective_from=first_day, today=first_day - timedelta(days=7), actor=None
        )
    if versions < 2:
        return
    second_day = today - timedelta(days=90)
    with clock.travel(history.local_moment(second_day - timedelta(days=10), 10)):
        second = editing.draft(db, tenant_id=tenant_id, actor=None, note="上调部分工时费；新增格力品牌价")
        copied = {
            item.code: item for item in db.scalars(select(PriceItem).where(PriceItem.version_id == second.id))
        }
        for code, yuan in RAISED.items():
            copied[code].price_fen = _fen(yuan)
        if gree is not None:
            db.add_all(
                PriceOverride(
                    tenant_id=tenant_id, item_id=copied[code].id, brand_id=gree, price_fen=_fen(yuan)
                )
                for code, yuan in BRAND_PRICES
            )
        db.flush()
        editing.publish(
            db, version=second, effective_from=second_day, today=second_day - timedelta(days=10), actor=None
        )
