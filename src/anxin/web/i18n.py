"""The pages' words in Simplified Chinese (default) and English. ``?lang=en`` switches and is remembered in
a cookie; ``t(key)`` in templates looks a word up."""

from __future__ import annotations

from fastapi import Request

from anxin.notify.templates import ACTION_NAMES, STATUS_NAMES

LANG_COOKIE = "anxin_lang"

STATUS = dict(STATUS_NAMES)  # one set of status words for the pages and the messages

ACTIONS = dict(ACTION_NAMES)  # one set of action words for the pages and the API's refusals

WORDS = {
    "app": ("安心服务", "Anxin Service"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "username": ("账号（用户名@租户）", "Username (name@tenant)"),
    "password": ("密码", "Password"),
    "bad_login": ("账号或密码错误", "Wrong username or password"),
    "console": ("调度台", "Dispatch console"),
    "tech": ("工程师", "Technician"),
    "portal": ("我的服务", "My service"),
    "queue": ("待处理工单", "Open orders"),
    "area": ("区域", "Area"),
    "category": ("品类", "Category"),
    "state": ("状态", "State"),
    "all": ("全部", "All"),
    "filter": ("筛选", "Filter"),
    "number": ("工单号", "Order"),
    "sla": ("时效", "SLA"),
    "due": ("剩余", "Due in"),
    "on_track": ("正常", "On track"),
    "at_risk": ("临期", "At risk"),
    "breached": ("超时", "Breached"),
    "technician": ("工程师", "Technician"),
    "customer": ("客户", "Customer"),
    "address": ("地址", "Address"),
    "fault": ("故障描述", "Fault"),
    "candidates": ("推荐工程师", "Candidates"),
    "score": ("得分", "Score"),
    "eta": ("预计到达", "ETA"),
    "reasons": ("理由", "Reasons"),
    "refused": ("不符合条件", "Not eligible"),
    "attempts": ("派单记录", "Dispatch attempts"),
    "no_candidates": ("暂无符合条件的工程师", "No eligible technician"),
    "select_order": ("请从左侧选择工单", "Select an order on the left"),
    "reason": ("原因", "Reason"),
    "note": ("备注", "Note"),
    "events": ("进度", "Timeline"),
    "today": ("今日工单", "Today's orders"),
    "window": ("预约时段", "Window"),
    "navigate": ("导航", "Navigate"),
    "phone": ("手机号", "Phone"),
    "appliance": ("家电", "Appliance"),
    "warranty": ("保修", "Warranty"),
    "in_warranty": ("在保", "In warranty"),
    "key_parts_only": ("仅核心部件在保", "Key parts only"),
    "out_of_warranty": ("过保", "Out of warranty"),
    "photos": ("照片", "Photos"),
    "quote_lines": ("报价明细", "Quote lines"),
    "visit_fee": ("上门费", "Visit fee"),
    "labour": ("人工费", "Labour"),
    "parts": ("配件", "Parts"),
    "part_name": ("配件名称", "Part name"),
    "amount_yuan": ("金额（元）", "Amount (yuan)"),
    "total": ("合计", "Total"),
    "signature": ("客户签名", "Customer signature"),
    "clear": ("清除", "Clear"),
    "work_done": ("维修内容", "Work done"),
    "service_history": ("服务记录", "Service history"),
    "no_orders": ("暂无工单", "No orders"),
    "code": ("验证码", "Code"),
    "send_code": ("获取验证码", "Send code"),
    "code_sent": ("验证码已发送，5 分钟内有效", "Code sent, valid for 5 minutes"),
    "my_appliances": ("我的家电", "My appliances"),
    "my_orders": ("我的工单", "My orders"),
    "report_fault": ("我要报修", "Report a fault"),
    "symptoms": ("故障现象", "Symptoms"),
    "describe": ("补充描述", "Describe"),
    "photo": ("照片（可选）", "Photo (optional)"),
    "preferred_window": ("期望上门时间", "Preferred time"),
    "submit": ("提交", "Submit"),
    "reported": ("报修成功，工单号", "Reported, order number"),
    "dev_mailbox": ("开发邮箱（演示）", "Dev mailbox (demo)"),
    "back": ("返回", "Back"),
    "error": ("出错了", "Something went wrong"),
    "forbidden": ("无权访问此页面", "This page is not for your role"),
    "csrf": ("页面已过期，请刷新后重试", "The page expired; reload and try again"),
    "masked_phone": ("联系电话", "Phone"),
    "serial": ("序列号", "Serial"),
    "purchased": ("购买日期", "Purchased"),
    "history": ("服务记录", "Service history"),
    "approve": ("同意报价", "Approve"),
    "decline": ("拒绝报价", "Decline"),
    "cancel_order": ("取消工单", "Cancel order"),
    "assigned_tech": ("服务师傅", "Your technician"),
    "rating": ("评分", "Rating"),
    "language": ("English", "中文"),
    "window_am_tomorrow": ("明天上午 9–12 点", "Tomorrow 9–12"),
    "window_pm_tomorrow": ("明天下午 14–18 点", "Tomorrow 14–18"),
    "window_pm_today": ("今天下午 14–18 点", "Today 14–18"),
    "window_any": ("尽快", "As soon as possible"),
    "accept_first": ("先受理，再派工", "Accept first, then assign"),
    "reassign": ("改派", "Reassign"),
    "locate": ("已记录位置", "Location recorded"),
    "route_order": ("路线顺序", "Route order"),
    "otp_locked": ("验证码错误次数过多，请 10 分钟后再试", "Too many wrong codes; try again in 10 minutes"),
    "otp_too_soon": ("请求过于频繁，请稍后再试", "Too many requests; wait a moment"),
    "otp_wrong": ("验证码错误或已过期", "Wrong or expired code"),
    "tenant": ("服务商", "Provider"),
    "dev_off": ("开发邮箱未开启", "The dev mailbox is off"),
    "quote_to_decide": ("请确认维修报价", "Please decide on the quote"),
    "refresh_live": ("页面自动更新", "Updates live"),
    "q_proposed": ("待确认", "Awaiting decision"),
    "q_approved": ("已同意", "Approved"),
    "q_declined": ("已拒绝", "Declined"),
    "q_superseded": ("已作废", "Superseded"),
    "register_appliance": ("登记家电", "Register an appliance"),
    "model": ("型号", "Model"),
    "channel": ("购买渠道", "Bought from"),
    "ch_brand_store": ("品牌门店", "Brand store"),
    "ch_jd": ("京东", "JD.com"),
    "ch_suning": ("苏宁", "Suning"),
    "ch_tmall": ("天猫", "Tmall"),
    "ch_pinduoduo": ("拼多多", "Pinduoduo"),
    "ch_gome": ("国美", "Gome"),
    "ch_offline_dealer": ("线下经销商", "Local dealer"),
    "ch_other": ("其他", "Other"),
    "reschedule": ("改约时间", "Reschedule"),
    "service_report": ("服务报告", "Service report"),
    "print": ("打印", "Print"),
    "map": ("地图", "Map"),
    "day_report": ("今日日报", "Daily report"),
    "orders_done": ("完工单数", "Orders done"),
    "time_on_site": ("在场时长", "Time on site"),
    "travel": ("路途时长", "Travel"),
    "revenue": ("收入", "Revenue"),
    "minutes": ("分钟", "min"),
    "override": ("破例派工", "Assign anyway"),
    "none_yet": ("尚未安排", "Not yet"),
}

# The customer's timeline (``_timeline.html`` with ``CustomerEventRead``): one plain sentence per event,
# written to the customer, instead of the staff's verb and the status beside it.
CUSTOMER_EVENTS = {
    "ev_create": ("您提交了报修", "You reported the fault"),
    "ev_accept": ("客服已受理您的报修", "We accepted your report"),
    "ev_assign": ("已为您安排服务师傅", "A technician was arranged for you"),
    "ev_reassign": ("已为您更换服务师傅", "Your technician was changed"),
    "ev_reject": ("原安排的师傅无法前来，正在为您重新安排", "Your technician cannot come; finding another"),
    "ev_unassign": ("原安排的师傅无法前来，正在为您重新安排", "Your technician cannot come; finding another"),
    "ev_acknowledge": ("师傅已接单", "The technician confirmed the visit"),
    "ev_appoint": ("上门时间已约定", "The visit time was agreed"),
    "ev_depart": ("师傅已出发", "The technician set off"),
    "ev_arrive": ("师傅已到达", "The technician arrived"),
    "ev_quote": ("师傅给出了维修报价", "The technician sent a quote"),
    "ev_approve-quote": ("您同意了报价", "You approved the quote"),
    "ev_decline-quote": ("您拒绝了报价", "You declined the quote"),
    "ev_start": ("开始维修", "The repair started"),
    "ev_wait-parts": ("等待配件到货", "Waiting for parts"),
    "ev_resume": ("配件已到，继续维修", "Parts arrived; the repair continues"),
    "ev_complete": ("维修完成", "The repair was completed"),
    "ev_follow-up": ("已收到您对本次服务的反馈", "We have your feedback on the service"),
    "ev_close": ("服务结束", "Service finished"),
    "ev_resolve-remote": ("已远程为您解决", "Solved remotely"),
    "ev_carry-in": ("家电已送修", "The appliance was carried in"),
    "ev_cancel": ("工单已取消", "The order was cancelled"),
    "ev_other": ("工单有更新", "The order was updated"),
}

SYMPTOMS = [
    ("no_cooling", "不制冷", "Not cooling"),
    ("noise", "噪音大", "Noisy"),
    ("leak", "漏水", "Leaking"),
    ("no_power", "不通电", "No power"),
    ("error_code", "显示故障代码", "Shows an error code"),
    ("smell", "有异味", "Bad smell"),
]


def language(request: Request) -> str:
    """``en`` or ``zh``: ``?lang=`` first, then the cookie; Chinese by default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE) or "zh"
    return "en" if asked == "en" else "zh"


# Each page module may bring its own words (``extend``); a key defined twice is a mistake.
TABLES: list[dict[str, tuple[str, str]]] = [WORDS, STATUS, ACTIONS, CUSTOMER_EVENTS]


def extend(words: dict[str, tuple[str, str]]) -> None:
    """Add a page module's own words, as ``{key: (zh, en)}``."""
    clash = [key for key in words for table in TABLES if key in table and table[key] != words[key]]
    if clash:
        raise ValueError(f"words defined twice: {clash}")
    TABLES.append(words)


def translate(lang: str, key: str) -> str:
    for table in TABLES:
        if key in table:
            zh, en = table[key]
            return en if lang == "en" else zh
    return key
