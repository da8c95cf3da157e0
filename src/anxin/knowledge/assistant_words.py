"""What the service assistant says, in Chinese and English (``WORDS``: ``{key: (zh, en)}``), the buttons it
offers, which language a message is written in, and the keywords of the questions it answers from the
order data (``intent``): where the technician is, what it costs, the warranty.

A conversation has no language column: each answer follows the language asked for (``?lang=en``,
``Accept-Language``, the page's language), else the language the message is written in, else the language of
the customer's last message that was clearly one or the other, else Chinese."""

from __future__ import annotations

import re

ZH, EN = "zh", "en"

WORDS: dict[str, tuple[str, str]] = {
    "which": (
        "您有几台家电，请问是哪一台出了问题？",
        "You have several appliances: which one has the problem?",
    ),
    "which_again": ("请点选下面的一台家电。", "Please pick one of the appliances below."),
    "no_appliance": (
        "您名下还没有登记家电，已为您转接人工客服，请稍候。",
        "No appliance is registered in your name yet; I am passing you to an agent, please wait.",
    ),
    "ask_code": (
        "屏幕上显示的故障代码是什么？（例如 E1）看不到的话点“看不到代码”。",
        "What code does the display show (e.g. E1)? If you cannot see one, tap “No code shown”.",
    ),
    "looks_like": ("看起来是：{category} · {fault}。", "This looks like: {category} · {fault}. "),
    "code_means": ("代码 {code}：{meaning}。", "Code {code} means (in Chinese): {meaning}. "),
    "try_these": (
        "先试试这些：\n{steps}\n试过以后，问题解决了吗？",
        "Try these first:\n{steps}\nDid that solve the problem?",
    ),
    "zh_only": (
        "",
        "(The knowledge base has these steps in Chinese only; they are shown as written.)\n",
    ),
    "ask_solved": (
        "请告诉我：按上面的步骤试过以后，问题解决了吗？",
        "Please tell me: after trying the steps above, is the problem solved?",
    ),
    "resolved": (
        "太好了！已为您记录为远程解决（工单 {number}），无需上门。如再出现问题可随时找我。",
        "Great! I have recorded it as solved remotely (order {number}); no visit is needed. Ask me again any time.",
    ),
    "booked": (
        "已为您安排上门维修，工单号 {number}。师傅会尽快联系您，您也可以在“我的工单”里查看进度。",
        "I have booked a repair visit, order {number}. A technician will be in touch; you can follow it under My orders.",
    ),
    "pick_slot": (
        "以下时段有师傅可以按时上门，请选一个：",
        "A technician can keep each of these windows; please pick one:",
    ),
    "slot_booked": (
        "已为您预约 {window} 上门（工单 {number}），届时师傅会准时到达。",
        "Your visit is booked for {window} (order {number}); the technician will come in that window.",
    ),
    "slot_full": (
        "抱歉，{window} 已约满，没有师傅能在这个时段上门。请选择其他时段：",
        "Sorry, {window} is full: no technician can come then. Please pick another window:",
    ),
    "slot_none": (
        "未来几天暂无可预约的时段，客服会尽快联系您约定上门时间。",
        "No window is open in the next days; an agent will call you to agree a time.",
    ),
    "slot_again": (
        "请点选下面的一个时段，或点“稍后再约”。",
        "Please pick one of the windows below, or tap “Later”.",
    ),
    "slot_later": (
        "好的，师傅会与您联系约定上门时间；您也可以在“我的工单”里选择时段。",
        "All right: the technician will call you to agree a time, or pick a window under My orders.",
    ),
    "duplicate": (
        "这台家电已有一张进行中的工单 {number}，师傅会按这张工单为您处理。",
        "This appliance already has an open order, {number}; the technician will handle it on that order.",
    ),
    "unsure": (
        "我还不能确定是什么问题，已为您转接人工客服，请稍候。",
        "I cannot tell what the problem is yet; I am passing you to an agent, please wait.",
    ),
    "handoff": ("已为您转接人工客服，请稍候。", "I am passing you to an agent, please wait."),
    "waiting": ("人工客服马上就来，请稍候。", "An agent will be with you shortly, please wait."),
    "taken": (
        "您好，我是客服{name}，接下来由我为您服务。",
        "Hello, I am {name} from customer service; I will help you from here.",
    ),
    "resolved_note": (
        "智能客服远程解决：客户按以下步骤自行处理后恢复：{steps}",
        "智能客服远程解决：客户按以下步骤自行处理后恢复：{steps}",
    ),
    "go_on": (
        "还有其他问题吗？请描述家电的故障。",
        "Anything else? Describe what is wrong with the appliance.",
    ),
    # answers from the order data
    "no_order": (
        "您目前没有进行中的工单。",
        "You have no open order at the moment.",
    ),
    "order_status": (
        "您的工单 {number}（{appliance}）：{status}。",
        "Your order {number} ({appliance}): {status}. ",
    ),
    "order_tech": ("负责的师傅：{technician}。", "Your technician: {technician}. "),
    "order_no_tech": ("正在为您安排师傅。", "A technician is being arranged. "),
    "order_window": ("预约上门时段：{window}。", "Booked window: {window}. "),
    "order_no_window": (
        "上门时间还未约定，师傅会先与您联系。",
        "The visit time is not set yet; the technician will call you first. ",
    ),
    "order_eta_live": (
        "师傅正在路上，预计 {eta} 左右到达。",
        "The technician is on the way and should arrive around {eta}. ",
    ),
    "order_eta_plan": (
        "按今天的路线，预计 {eta} 左右到达。",
        "By today's route, the technician should arrive around {eta}. ",
    ),
    "order_arrived": ("师傅已于 {eta} 到达。", "The technician arrived at {eta}. "),
    "price_quote": (
        "师傅的报价（工单 {number}）：合计 {total}，其中保修/合同承担 {covered}，您需支付 {payable}。",
        "The technician's quote (order {number}): {total} in all, {covered} covered by warranty or contract, {payable} for you to pay. ",
    ),
    "price_head": ("参考收费标准（{category}）：", "From the price list ({category}): "),
    "price_visit": ("上门检测费 {price}", "visit and inspection fee {price}"),
    "price_labour": ("维修工时：{items}", "labour: {items}"),
    "price_parts": ("可能用到的配件：{items}", "parts that may be needed: {items}"),
    "price_in_warranty": (
        "您的{appliance}在保修期内，保修范围内的维修一般不收费。",
        "Your {appliance} is under warranty: a repair the warranty covers is usually free. ",
    ),
    "price_final": (
        "实际费用以师傅上门报价为准。",
        "The final price is the technician's quote on site (以师傅上门报价为准).",
    ),
    "price_none": (
        "暂未查到收费标准，实际费用以师傅上门报价为准。",
        "No price list is published yet; the final price is the technician's quote on site (以师傅上门报价为准).",
    ),
    "price_names_zh": ("", " (item names are the price list's, in Chinese)"),
    "warranty_in": (
        "{appliance}：在保修期内，整机保修至 {end}。",
        "{appliance}: under warranty until {end}. ",
    ),
    "warranty_parts": (
        "{appliance}：整机已过保（{end} 到期），核心部件（{parts}）仍在保修期内。",
        "{appliance}: the unit's warranty ended on {end}; its key parts ({parts}) are still covered. ",
    ),
    "warranty_out": (
        "{appliance}：已过保修期（{end} 到期）。",
        "{appliance}: out of warranty (it ended on {end}). ",
    ),
    "warranty_none": (
        "您名下还没有登记家电，无法查询保修。",
        "No appliance is registered in your name, so there is no warranty to look up.",
    ),
    "warranty_rule": (
        "保修期从安装日（没有安装日时从购买日）算起。",
        "The warranty runs from the installation date (the purchase date when there is none). ",
    ),
}

# what a person reads for a key part named in the catalog's warranty terms
KEY_PARTS: dict[str, tuple[str, str]] = {
    "compressor": ("压缩机", "compressor"),
    "motor": ("电机", "motor"),
    "inverter_motor": ("变频电机", "inverter motor"),
    "heating_element": ("加热管", "heating element"),
    "inner_tank": ("内胆", "inner tank"),
    "magnetron": ("磁控管", "magnetron"),
    "panel": ("屏幕面板", "panel"),
    "burner": ("燃烧器", "burner"),
}

BUTTONS: dict[str, tuple[str, str]] = {
    "solved": ("解决了", "Solved"),
    "unsolved": ("没解决", "Not solved"),
    "person": ("转人工", "Talk to a person"),
    "no_code": ("看不到代码", "No code shown"),
    "later": ("稍后再约", "Later"),
}

HANDOFF_WORDS = ("转人工", "人工客服", "找人工", "human agent", "talk to a person", "real person")
SOLVED_WORDS = ("解决了", "好了", "可以了", "正常了", "solved", "fixed", "works now", "it works")
UNSOLVED_WORDS = (
    "没解决",
    "未解决",
    "没有解决",
    "还是不行",
    "不行",
    "没用",
    "not solved",
    "still",
    "didn't work",
    "did not work",
    "not fixed",
)
NO_CODE_WORDS = ("看不到代码", "没有代码", "no code")
LATER_WORDS = ("稍后再约", "以后再说", "不用预约", "later", "not now")

# The questions answered from the order data: keywords, checked on the message in lower case.
INTENTS: dict[str, tuple[str, ...]] = {
    "where": (
        "师傅到哪",
        "到哪了",
        "到哪里了",
        "什么时候到",
        "几点到",
        "什么时候来",
        "几点来",
        "多久到",
        "还要多久",
        "怎么还没来",
        "进度",
        "where is my technician",
        "where is the technician",
        "when will the technician",
        "when will he",
        "when will she",
        "when is the technician",
        "arrive",
        "on the way",
        "eta",
        "my order status",
    ),
    "price": (
        "多少钱",
        "收费",
        "费用",
        "价格",
        "价钱",
        "上门费",
        "贵不贵",
        "要钱",
        "how much",
        "cost",
        "price",
        "charge",
        "fee",
    ),
    "warranty": ("保修", "在保", "过保", "三包", "质保", "warranty", "guarantee"),
}


def _words(text: str) -> list[str]:
    return text.split()


_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z']+")
# English words a customer's message is likely to hold (none of them is also a pinyin syllable)
_ENGLISH = frozenset(
    _words(
        """
    the is are was not no it its my our this that we you they what where when how why which who
    please help hello hi does do did doesn't don't isn't won't can't cannot will would fridge
    refrigerator freezer washer washing machine dryer heater water air conditioner ac aircon tv
    oven microwave dishwasher hood stove vacuum cleaner purifier working work works broken cooling
    cold warm hot heating leak leaking leaks noise noisy loud smell smells error code display shows
    showing start starts power spin drain filter ice frost technician order visit cost price much
    warranty fee solved fixed later person agent book still and or but with after before on off at
    in of to for from again yes ok okay thanks thank time today tomorrow
"""
    )
)


def say(key: str, lang: str, **values: object) -> str:
    zh, en = WORDS[key]
    return (en if lang == EN else zh).format(**values)


def button(key: str, lang: str) -> dict[str, str]:
    zh, en = BUTTONS[key]
    words = en if lang == EN else zh
    return {"label": words, "text": words}


def text_language(text: str) -> str | None:
    """``zh`` for a message with Chinese characters, ``en`` for one with English words, None when it says
    nothing either way (an error code, a number, pinyin)."""
    if _CJK.search(text):
        return ZH
    lowered = text.lower()
    if lowered.strip() in {b[1].lower() for b in BUTTONS.values()}:
        return EN
    if any(word in _ENGLISH for word in _WORD.findall(lowered)):
        return EN
    return None


def has_any(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in words)


def intent(text: str) -> str | None:
    """The question about the order data the message asks (``where``, ``price``, ``warranty``), if any;
    the first that matches in that order. Short English keywords match whole words only."""
    lowered = text.lower()
    words = set(_WORD.findall(lowered))
    for name, keys in INTENTS.items():
        for key in keys:
            if key.isascii() and " " not in key:
                if key in words:
                    return name
            elif key in lowered:
                return name
    return None
