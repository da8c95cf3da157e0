"""Word lists for the demo city: names, places, brands, products, faults. Written for the demo; every
person they produce is a random combination, not a real one. Coordinates are rough district centres."""

from __future__ import annotations

from dataclasses import dataclass, field

# Common surnames, most frequent first, with rough weights.
SURNAMES: list[tuple[str, int]] = [
    ("王", 70), ("李", 70), ("张", 66), ("刘", 52), ("陈", 48), ("杨", 32), ("黄", 24), ("赵", 22),
    ("吴", 21), ("周", 20), ("徐", 17), ("孙", 16), ("马", 13), ("朱", 13), ("胡", 12), ("郭", 11),
    ("何", 10), ("林", 10), ("高", 10), ("罗", 9), ("郑", 9), ("梁", 8), ("谢", 7), ("宋", 7),
    ("唐", 7), ("许", 7), ("韩", 6), ("冯", 6), ("邓", 6), ("曹", 6), ("彭", 5), ("曾", 5),
    ("肖", 5), ("田", 5), ("董", 5), ("潘", 4), ("袁", 4), ("蔡", 4), ("蒋", 4), ("余", 4),
    ("于", 4), ("杜", 4), ("叶", 4), ("程", 4), ("魏", 3), ("苏", 3), ("吕", 3), ("丁", 3),
    ("任", 3), ("沈", 3), ("姚", 3), ("卢", 3), ("钟", 3), ("姜", 3), ("崔", 2), ("谭", 2),
    ("陆", 2), ("范", 2), ("汪", 2), ("金", 2), ("石", 2), ("廖", 2), ("贾", 2), ("方", 2),
    ("邵", 2), ("钱", 2), ("应", 1), ("楼", 1), ("俞", 1), ("诸葛", 1), ("欧阳", 1),
]  # fmt: skip

# Characters for given names; a given name is one or two of them.
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉鹏宇浩晨欣怡雨"
    "婷佳慧琳颖雪梅晓峰海波亮林东春燕丹凯飞俊阳睿哲轩涵萱嘉子若思诗雅博瑞宁远安康乐鑫"
    "振兴德福祥荣坤成益昊天泽然晴悦彤可昕蕾薇琪珊菲"
)

# customer01's phone in every demo tenant, printed by ``anxin demo``: sign in to the portal with it.
DEMO_CUSTOMER_PHONE = "13800138000"

# Mobile prefixes of the three carriers (and their sub-brands), for plausible numbers.
MOBILE_PREFIXES = [str(n) for n in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, 166,
                                     170, 173, 175, 176, 177, 178, *range(180, 190), 191, 195, 198, 199)]  # fmt: skip


@dataclass(frozen=True)
class District:
    name: str
    lat: float
    lng: float
    area_type: str  # urban | suburban
    weight: int  # share of the city's customers
    roads: tuple[str, ...]

    @property
    def spread(self) -> float:
        """How far (degrees) homes lie from the centre: suburbs sprawl."""
        return 0.05 if self.area_type == "suburban" else 0.03


@dataclass(frozen=True)
class City:
    province: str
    name: str
    districts: tuple[District, ...]
    # outlets: (code, name, kind, district name)
    outlets: tuple[tuple[str, str, str, str], ...]
    # which outlet serves a district that has none of its own
    served_by: dict[str, str] = field(default_factory=dict)


def _d(name, lat, lng, area, weight, roads) -> District:
    return District(name, lat, lng, area, weight, tuple(roads.split()))


HANGZHOU = City(
    province="浙江省",
    name="杭州市",
    districts=(
        _d("西湖区", 30.274, 120.125, "urban", 16, "文三路 文二路 古墩路 天目山路 教工路 学院路 紫金港路"),
        _d("上城区", 30.255, 120.180, "urban", 16, "解放路 庆春路 望江路 秋涛路 凤起东路 新塘路 钱江路"),
        _d("拱墅区", 30.325, 120.150, "urban", 15, "莫干山路 湖墅南路 大关路 上塘路 丽水路 登云路 湖州街"),
        _d("滨江区", 30.208, 120.205, "urban", 11, "江南大道 滨盛路 江虹路 长河路 火炬大道 聚才路 网商路"),
        _d("萧山区", 30.168, 120.268, "suburban", 13, "市心路 金城路 人民路 山阴路 通惠路 建设一路 晨晖路"),
        _d("余杭区", 30.285, 120.010, "suburban", 12, "文一西路 五常大道 良睦路 荆长大道 仓前街 龙潭路"),
        _d("临平区", 30.420, 120.300, "suburban", 8, "迎宾路 藕花洲大街 世纪大道 南苑街 星光街 邱山大街"),
        _d("钱塘区", 30.305, 120.360, "suburban", 7, "下沙路 学林街 文泽路 海达南路 福城路 月雅路"),
        _d("富阳区", 30.050, 119.960, "suburban", 2, "富春街 金桥路 江滨西大道 桂花路"),
    ),
    outlets=(
        ("HZ-XH", "杭州西湖服务网点", "own", "西湖区"),
        ("HZ-SC", "杭州上城服务网点", "own", "上城区"),
        ("HZ-GS", "杭州拱墅服务网点", "third_party", "拱墅区"),
        ("HZ-BJ", "杭州滨江服务网点", "own", "滨江区"),
        ("HZ-XS", "萧山安居家电服务部", "third_party", "萧山区"),
        ("HZ-YH", "余杭服务网点", "own", "余杭区"),
        ("HZ-LP", "临平惠民家电维修站", "third_party", "临平区"),
        ("HZ-QT", "钱塘服务网点", "own", "钱塘区"),
    ),
    served_by={"富阳区": "余杭区"},
)

NINGBO = City(
    province="浙江省",
    name="宁波市",
    districts=(
        _d("海曙区", 29.870, 121.550, "urban", 5, "中山西路 药行街 解放南路 柳汀街"),
        _d("鄞州区", 29.817, 121.560, "urban", 4, "天童南路 四明中路 钱湖北路 首南中路"),
        _d("北仑区", 29.900, 121.845, "suburban", 2, "新大路 明州路 长江路"),
    ),
    outlets=(("NB-HS", "宁波海曙维修中心", "own", "海曙区"),),
    served_by={"鄞州区": "海曙区", "北仑区": "海曙区"},
)

ESTATE_HEADS = (
    "金色翠苑锦绣华庭绿洲阳光春江湖畔云栖和睦嘉园桂语秋水星河紫荆兰亭知音景园"  # two characters each
)
ESTATE_TAILS = ("花园", "小区", "家园", "新村", "公寓", "苑", "府", "名邸", "雅苑", "里")

# Brands: (code, 中文, English, categories it makes)
BRANDS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("haier", "海尔", "Haier", ("refrigerator", "washing_machine", "air_conditioner", "water_heater",
                                "dishwasher", "water_purifier", "television")),
    ("midea", "美的", "Midea", ("air_conditioner", "refrigerator", "washing_machine", "water_heater",
                                "microwave", "dishwasher", "water_purifier", "range_hood", "gas_stove")),
    ("gree", "格力", "Gree", ("air_conditioner", "water_heater", "water_purifier")),
    ("hisense", "海信", "Hisense", ("television", "air_conditioner", "refrigerator")),
    ("siemens", "西门子", "Siemens", ("refrigerator", "washing_machine", "dishwasher", "range_hood", "gas_stove")),
    ("fotile", "方太", "Fotile", ("range_hood", "gas_stove", "dishwasher", "water_heater", "water_purifier")),
    ("robam", "老板", "Robam", ("range_hood", "gas_stove", "dishwasher")),
    ("xiaomi", "小米", "Xiaomi", ("television", "air_conditioner", "washing_machine", "refrigerator",
                                  "water_purifier")),
    ("galanz", "格兰仕", "Galanz", ("microwave",)),
]  # fmt: skip


@dataclass(frozen=True)
class Product:
    """How a category is sold and how it breaks."""

    weight: int  # share of registered appliances
    model_prefix: str
    names: tuple[str, ...]
    warranty_months: int
    key_parts: dict[str, int]  # key part -> months
    install: float  # share of units that were installed by a technician
    faults: tuple[str, ...]
    parts: tuple[tuple[str, int, str | None], ...]  # (part, price in fen, key part it is, if any)
    services: tuple[tuple[str, int], ...]  # extra services and their weights besides repair


PRODUCTS: dict[str, Product] = {
    "air_conditioner": Product(
        22, "KFR-", ("变频挂机 1.5匹", "变频柜机 3匹", "新一级能效挂机 1匹"), 36, {"compressor": 120}, 1.0,
        ("空调不制冷，出风是热的", "室外机不转，显示E1故障码", "室内机漏水", "开机有异响，噪音很大",
         "遥控无反应，无法开机", "制热效果差"),
        (("压缩机", 120000, "compressor"), ("电容", 4500, None), ("冷媒（加氟）", 15000, None),
         ("室外风机", 26000, None), ("主板", 38000, None)),
        (("cleaning", 3), ("maintenance", 2), ("relocation", 1), ("inspection", 1)),
    ),
    "refrigerator": Product(
        16, "BCD-", ("对开门冰箱 470升", "十字四门冰箱 510升", "三门冰箱 260升"), 36, {"compressor": 120}, 0.0,
        ("冰箱不制冷，冷藏室温度高", "冷冻室结霜严重", "压缩机频繁启动，声音大", "冰箱门关不严，漏冷",
         "显示屏报F2故障"),
        (("压缩机", 95000, "compressor"), ("温控器", 12000, None), ("门封条", 8000, None),
         ("化霜加热丝", 9000, None), ("主控板", 32000, None)),
        (("inspection", 1),),
    ),
    "washing_machine": Product(
        15, "XQG", ("滚筒洗衣机 10公斤", "波轮洗衣机 8公斤", "洗烘一体机 10公斤"), 36, {"motor": 120}, 0.1,
        ("洗衣机不排水", "脱水时剧烈晃动", "滚筒不转，电机有嗡嗡声", "门锁打不开", "进水很慢，报E4"),
        (("电机", 68000, "motor"), ("排水泵", 9500, None), ("门锁", 8500, None), ("减震器", 12000, None),
         ("进水阀", 6000, None)),
        (("cleaning", 2), ("maintenance", 1)),
    ),
    "water_heater": Product(
        10, "JSQ", ("燃气热水器 16升", "电热水器 60升", "零冷水燃气热水器 13升"), 36, {"tank": 96}, 1.0,
        ("热水器点不着火", "出水忽冷忽热", "热水器漏水", "显示E5，无法加热"),
        (("内胆", 85000, "tank"), ("点火针", 5000, None), ("水流传感器", 9000, None), ("加热管", 16000, None)),
        (("maintenance", 2), ("cleaning", 1)),
    ),
    "range_hood": Product(
        7, "CXW-", ("侧吸式油烟机", "顶吸式油烟机", "集成烟灶"), 36, {"motor": 120}, 1.0,
        ("油烟机吸力变小", "油烟机噪音大", "按键失灵", "漏油"),
        (("电机", 42000, "motor"), ("涡轮", 12000, None), ("控制面板", 18000, None), ("止回阀", 4000, None)),
        (("cleaning", 4),),
    ),
    "gas_stove": Product(
        6, "JZT-", ("嵌入式双眼灶", "台嵌两用燃气灶"), 36, {}, 1.0,
        ("燃气灶打不着火", "火焰发黄、火力小", "闻到燃气味", "熄火保护失灵，松手就灭"),
        (("热电偶", 6000, None), ("点火器", 7000, None), ("阀体", 18000, None), ("炉头", 15000, None)),
        (("inspection", 2),),
    ),
    "dishwasher": Product(
        4, "WQP", ("嵌入式洗碗机 13套", "台式洗碗机 6套"), 24, {}, 1.0,
        ("洗碗机洗不干净", "洗碗机不进水", "底部漏水报警"),
        (("洗涤泵", 32000, None), ("进水阀", 7000, None), ("加热模块", 21000, None)),
        (("maintenance", 1),),
    ),
    "television": Product(
        12, "TV", ("65英寸 4K 智能电视", "75英寸 MiniLED 电视", "55英寸 智能电视"), 12, {"panel": 36}, 0.4,
        ("电视开机黑屏，有声音", "屏幕出现竖线", "无法开机，指示灯闪烁", "WiFi连不上"),
        (("屏幕面板", 160000, "panel"), ("电源板", 28000, None), ("背光灯条", 22000, None),
         ("主板", 36000, None)),
        (("inspection", 1), ("relocation", 1)),
    ),
    "water_purifier": Product(
        5, "MRO", ("反渗透净水器 800G", "厨下净水器 600G"), 12, {}, 1.0,
        ("净水器出水很少", "净水器一直响，不停机", "滤芯寿命提示", "接头漏水"),
        (("RO滤芯", 39000, None), ("前置滤芯", 9000, None), ("增压泵", 26000, None)),
        (("maintenance", 5),),
    ),
    "microwave": Product(
        3, "M", ("变频微波炉 23升", "微蒸烤一体机"), 12, {"magnetron": 36}, 0.0,
        ("微波炉不加热", "转盘不转", "打火冒火花"),
        (("磁控管", 18000, "magnetron"), ("转盘电机", 5000, None), ("高压电容", 6000, None)),
        (),
    ),
}  # fmt: skip

# Warranty deviations some brands advertise (whole-unit months).
BRAND_WARRANTY = {("gree", "air_conditioner"): 72, ("midea", "air_conditioner"): 72,
                  ("fotile", "range_hood"): 60, ("robam", "range_hood"): 60}  # fmt: skip

# Services besides repair: (what the quote calls the work, price range in fen)
SERVICE_PRICES = {"cleaning": ("深度清洗", 8000, 16000), "maintenance": ("保养", 6000, 12000),
                  "relocation": ("拆装移机", 20000, 35000), "inspection": ("安全检测", 4000, 6000)}  # fmt: skip
SERVICE_NOTES = {
    "cleaning": "预约{name}深度清洗",
    "maintenance": "{name}定期保养，更换滤芯/检查",
    "relocation": "搬家，{name}需要移机",
    "inspection": "{name}安全检测",
}

CANCEL_REASONS = ["客户已自行解决", "客户不需要上门了", "重复报修", "客户改约到下个月", "联系不上客户"]
DECLINE_CANCEL_REASONS = ["客户嫌价格高，不修了", "客户决定换新机"]
REJECT_REASONS = ["距离太远，今天赶不到", "时间冲突，已有预约", "该型号不熟悉"]
REMOTE_NOTES = ["电话指导断电重启后恢复正常", "指导客户清洗滤网，已恢复", "远程指导重置设置，问题解决"]
WORKSHOPS = ["杭州城北维修中心", "杭州城南维修中心"]
