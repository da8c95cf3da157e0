"""Message texts per event in Chinese and English: ``(title, body)`` Python format strings filled from the
outbox row's context (``context["template"]`` picks another text for the same event, e.g. the
technician's side of an assignment, or the customer's side of a reassignment).

What a person reads is plain words, never a code: a context value that is a code (a category, a service
type, an order status: ``NAMED``) is shown by its name in the recipient's language, whatever the row
holds (webhooks keep the codes). A part of a text in ``[[…]]`` is left out when a value in it is
missing (no "预计到达时间 —" when the arrival is unknown); elsewhere a missing value renders as "—". An
unknown event renders a generic text that names no code, never an error. ``CUSTOMER_EVENTS`` lists the
texts a customer receives (``tests/web/test_customer_words.py`` renders each of them with every value
its context can carry)."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import Any

from anxin.catalog.codes import CATEGORY_NAMES, SERVICE_TYPE_NAMES

# An order's actions and events as a person reads them (the pages' words and the API's refusals take them).
ACTION_NAMES: dict[str, tuple[str, str]] = {
    "accept": ("受理", "Accept"),
    "assign": ("派工", "Assign"),
    "acknowledge": ("接单", "Acknowledge"),
    "reject": ("拒单", "Reject"),
    "unassign": ("收回", "Take back"),
    "depart": ("出发", "Depart"),
    "arrive": ("到达", "Arrive"),
    "quote": ("报价", "Quote"),
    "approve-quote": ("确认报价", "Approve quote"),
    "decline-quote": ("拒绝报价", "Decline quote"),
    "start": ("开始维修", "Start"),
    "wait-parts": ("等待配件", "Wait for parts"),
    "resume": ("继续维修", "Resume"),
    "complete": ("完工", "Complete"),
    "cancel": ("取消", "Cancel"),
    "create": ("报修", "Reported"),
    "add-photo": ("上传照片", "Photo added"),
    "claim": ("抢单", "Claimed"),
    "escalate": ("升级处理", "Escalated"),
    "pool-open": ("进入抢单池", "Open to the pool"),
    "send-to-outlet": ("派往网点", "Sent to an outlet"),
    "transfer-outlet": ("转派网点", "Moved to another outlet"),
    "request-return": ("网点申请退回", "Outlet asks to return"),
    "decide-return": ("退回审批", "Return decided"),
    "carry-in": ("送修", "Carried in"),
    "follow-up": ("回访", "Follow-up"),
    "close": ("关闭", "Closed"),
    "resolve-remote": ("远程解决", "Resolved remotely"),
    "appoint": ("预约", "Appointment"),
}

# An order's status as a person reads it (the pages' words too: ``web/i18n.py`` takes them from here).
STATUS_NAMES: dict[str, tuple[str, str]] = {
    "created": ("已报修", "Reported"),
    "accepted": ("已受理", "Accepted"),
    "assigned": ("已安排师傅", "Technician arranged"),
    "acknowledged": ("师傅已接单", "Technician confirmed"),
    "en_route": ("师傅在路上", "On the way"),
    "on_site": ("师傅已到达", "On site"),
    "quoted": ("待确认报价", "Quote to approve"),
    "quote_approved": ("报价已确认", "Quote approved"),
    "in_progress": ("维修中", "In progress"),
    "pending_parts": ("等待配件", "Waiting for parts"),
    "completed": ("已完工", "Completed"),
    "followed_up": ("已收到反馈", "Feedback received"),
    "closed": ("已关闭", "Closed"),
    "resolved_remote": ("已远程解决", "Resolved remotely"),
    "carried_in": ("已送修", "Carried in"),
    "cancelled": ("已取消", "Cancelled"),
}

# Context keys whose values are codes, and the names shown in their place: {key: {code: (zh, en)}}.
NAMED: dict[str, dict[str, tuple[str, str]]] = {
    "appliance": {str(code): names for code, names in CATEGORY_NAMES.items()},
    "category": {str(code): names for code, names in CATEGORY_NAMES.items()},
    "service_type": {str(code): names for code, names in SERVICE_TYPE_NAMES.items()},
    "status": STATUS_NAMES,
}

# event -> locale -> (title, body)
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "work_order.created": {
        "zh": ("已收到您的报修 {number}", "您的{appliance}报修已登记，单号 {number}，我们会尽快联系您。"),
        "en": (
            "Report {number} received",
            "Your report ({appliance}) is logged as {number}; we will be in touch soon.",
        ),
    },
    "work_order.accepted": {
        "zh": ("工单 {number} 已受理", "您的报修 {number} 已受理，正在为您安排服务师傅。"),
        "en": ("Order {number} accepted", "Your report {number} is accepted; we are finding a technician."),
    },
    "work_order.assigned": {
        "zh": ("已为您安排服务师傅 {number}", "服务师傅{technician}将为您上门服务（单号 {number}）。"),
        "en": ("Technician arranged {number}", "Technician {technician} will visit you (order {number})."),
    },
    # the customer's side of an assignment to another technician than the one they were told of
    "work_order.reassigned": {
        "zh": (
            "已为您更换服务师傅 {number}",
            "已为您更换服务师傅：原安排的师傅无法前来，改由{technician}为您上门服务（单号 {number}）。"
            "给您带来不便，敬请谅解。",
        ),
        "en": (
            "New technician for {number}",
            "Your technician has changed: the one arranged first cannot come, so {technician} will visit "
            "you instead (order {number}). Sorry for the change.",
        ),
    },
    "work_order.assigned_technician": {
        "zh": ("新工单 {number}", "您有新工单 {number}：{district} {fault}，请尽快确认接单。"),
        "en": ("New order {number}", "New order {number}: {district} {fault}. Please acknowledge."),
    },
    "work_order.en_route": {
        "zh": (
            "师傅已出发 {number}",
            "服务师傅{technician}已出发[[，预计 {eta} 到达]][[，将在预约时段 {window} 内上门]]。"
            "[[师傅位置和到达时间请看：{link}]]",
        ),
        "en": (
            "Technician on the way {number}",
            "Technician {technician} is on the way[[; arriving about {eta_en}]][[; visiting in the agreed "
            "window {window_en}]].[[ Follow the arrival here: {link}]]",
        ),
    },
    "work_order.arrived": {
        "zh": ("师傅已到达 {number}", "服务师傅{technician}已到达您家，开始检测。"),
        "en": (
            "Technician arrived {number}",
            "Technician {technician} has arrived and is checking the appliance.",
        ),
    },
    "work_order.quoted": {
        "zh": (
            "请确认报价 {number}",
            "维修报价合计 {total} 元，您需支付 {payable} 元，请打开链接确认：{link}",
        ),
        "en": (
            "Please approve the quote {number}",
            "The repair quote totals CNY {total}, of which you pay CNY {payable}; approve it here: {link}",
        ),
    },
    "work_order.completed": {
        "zh": ("维修完成 {number}", "工单 {number} 已完成，感谢您的信任。如有问题请随时联系我们。"),
        "en": ("Repair completed {number}", "Order {number} is completed. Thank you; contact us any time."),
    },
    "work_order.cancelled": {
        "zh": ("工单已取消 {number}", "工单 {number} 已取消[[：{reason}]]。"),
        "en": ("Order cancelled {number}", "Order {number} was cancelled[[: {reason}]]."),
    },
    "work_order.cancelled_technician": {
        "zh": ("工单已取消 {number}", "您的工单 {number} 已取消，无需上门：{reason}"),
        "en": ("Order cancelled {number}", "Order {number} was cancelled; no visit needed: {reason}"),
    },
    "work_order.escalated": {
        "zh": ("工单升级 {number}", "工单 {number} 自动派单未成功（{reason}），请人工处理。"),
        "en": (
            "Order escalated {number}",
            "Order {number} could not be dispatched automatically ({reason}); please handle it.",
        ),
    },
    "sla.at_risk": {
        "zh": ("时效预警 {number}", "工单 {number}（{status}）即将超时，截止 {due}。"),
        "en": ("SLA at risk {number}", "Order {number} ({status}) is close to its deadline {due}."),
    },
    "sla.breached": {
        "zh": ("已超时 {number}", "工单 {number}（{status}）已超出时效，截止时间 {due}，请立即处理。"),
        "en": ("SLA breached {number}", "Order {number} ({status}) missed its deadline {due}; act now."),
    },
    "sla.breached_supervisor": {
        "zh": (
            "催办：{number} 已超时",
            "催办：工单 {number}（{status}）已超时（截止 {due}），请督促调度处理。",
        ),
        "en": (
            "Chase: {number} breached",
            "Chase: order {number} ({status}) breached its deadline {due}; please follow up with dispatch.",
        ),
    },
    "survey.invite": {
        "zh": ("服务评价邀请", "您的工单 {number} 已完成，请花一分钟为本次服务评分：{link}"),
        "en": ("How did we do?", "Order {number} is done; please rate the visit: {link}"),
    },
    "survey.call_task": {
        "zh": ("回访任务 {number}", "请电话回访工单 {number} 的客户 {customer}，截止 {due}。"),
        "en": ("Follow-up call {number}", "Call the customer {customer} of order {number} by {due}."),
    },
    "complaint.registered": {
        "zh": (
            "投诉已受理 {complaint_number}",
            "您的投诉 {complaint_number} 已受理，我们会在 {due} 前答复。",
        ),
        "en": (
            "Complaint {complaint_number} registered",
            "Your complaint {complaint_number} is registered; we will answer by {due}.",
        ),
    },
    "complaint.reminder": {
        "zh": ("投诉待处理 {complaint_number}", "投诉 {complaint_number} 将于 {due} 到期，请及时处理。"),
        "en": (
            "Complaint due {complaint_number}",
            "Complaint {complaint_number} is due at {due}; please handle it.",
        ),
    },
    "complaint.escalated": {
        "zh": ("投诉升级 {complaint_number}", "投诉 {complaint_number} 已升级：{reason}"),
        "en": (
            "Complaint escalated {complaint_number}",
            "Complaint {complaint_number} was escalated: {reason}",
        ),
    },
    "evidence.far_from_address": {
        "zh": (
            "位置异常 {number}",
            "工单 {number} 的{step}定位距离客户地址 {distance_m} 米[[（定位精度 ±{accuracy_m} 米）]]，请核实。",
        ),
        "en": (
            "Location check {number}",
            "The {step} of order {number} was recorded {distance_m} m from the address[[ (accuracy "
            "±{accuracy_m} m)]]; please check.",
        ),
    },
    "payment.received": {
        "zh": ("已收到付款 {number}", "工单 {number} 已通过{method}收到付款 {amount} 元，感谢您的支持。"),
        "en": (
            "Payment received {number}",
            "We received CNY {amount} by {method_en} for order {number}. Thank you.",
        ),
    },
    "payment.refunded": {
        "zh": ("退款已办理 {number}", "工单 {number} 的退款 {amount} 元已原路退回，请留意到账。"),
        "en": ("Refund made {number}", "CNY {amount} for order {number} has been refunded the way you paid."),
    },
    "contract.renewal_due": {
        "zh": (
            "合同即将到期 {contract_number}",
            "您的{plan}（合同 {contract_number}）将于 {end_date} 到期。现在续约享 {discount}% 优惠，"
            "续约价 {price} 元，保障延续至 {new_end_date}。",
        ),
        "en": (
            "Contract {contract_number} ends soon",
            "Your {plan_en} (contract {contract_number}) ends on {end_date}. Renew now at {discount}% off "
            "for {price} yuan, covered until {new_end_date}.",
        ),
    },
    # proactive service (anxin/proactive): an appliance's alert told with a self-help tip, a seasonal offer
    "proactive.alert_tip": {
        "zh": (
            "您的{appliance}需要留意",
            "我们从您的{appliance}运行数据发现：{issue}。您可以先试试：{tip}。如果问题还在，可以随时在线报修。",
        ),
        "en": (
            "Your {appliance} needs attention",
            "Your {appliance} reported: {issue_en}. You can try this first: {tip}. "
            "If it persists, report it online any time.",
        ),
    },
    "campaign.ac_cleaning": {
        "zh": (
            "空调清洗提醒",
            "您的空调已累计运行{run_hours}小时，今年还没有清洗过。入夏前清洗一次，制冷更快、更省电，也更卫生。"
            "[[现在可选{plan}，{price}元。]]在线预约即可安排师傅上门。",
        ),
        "en": (
            "Time to clean your air conditioner",
            "Your air conditioner has run {run_hours} hours and has not been cleaned this year. A clean before "
            "summer cools faster, saves power and keeps the air fresh.[[ Our {plan_en} is available for CNY "
            "{price}.]] Book a visit online any time.",
        ),
    },
    "technician.suspended": {
        "zh": ("工程师暂停接单", "工程师{technician}已暂停接单：{reason}"),
        "en": ("Technician suspended", "Technician {technician} is suspended from new orders: {reason}"),
    },
    # a technician's penalties and appeals (feedback/scorecards/penalties.py, appeals.py): the reason is
    # words written when the penalty is found ("到达位置距客户地址约 4.5 公里（定位精度 ±50 米）")
    "technician.penalty": {
        "zh": (
            "扣分通知[[ {number}]]",
            "[[工单 {number}：]]{reason}，扣 {points} 分。如有异议，可在 {days} 天内在“扣分与申诉”页申诉。",
        ),
        "en": (
            "Penalty[[ {number}]]",
            "[[Order {number}: ]]{reason_en}; {points} penalty points. You may appeal within {days} days "
            "on the Penalties page.",
        ),
    },
    "technician.suspended_notice": {
        "zh": (
            "您已被暂停自动派单",
            "因{reason}[[（{points} 分）]]，您已被暂停自动派单。可在“扣分与申诉”页查看并申诉。",
        ),
        "en": (
            "Automatic dispatch paused",
            "Because of {reason_en}[[ ({points} points)]], automatic dispatch to you is paused. See the "
            "Penalties page to appeal.",
        ),
    },
    "technician.reinstated": {
        "zh": ("已恢复自动派单", "质检已恢复您的自动派单：{note}"),
        "en": ("Automatic dispatch restored", "Quality has restored automatic dispatch to you: {note}"),
    },
    "penalty.appeal_filed": {
        "zh": ("新的扣分申诉", "工程师{technician}对扣分提出申诉：{reason}（{points} 分），请处理。"),
        "en": (
            "New penalty appeal",
            "Technician {technician} appeals a penalty: {reason_en} ({points} points). Please decide.",
        ),
    },
    "penalty.appeal_decided": {
        "zh": ("申诉已处理", "您对“{reason}”的申诉已处理。质检意见：{note}"),
        "en": ("Appeal decided", "Your appeal has been decided. Quality's note: {note}"),
    },
    "penalty.appeal_upheld": {
        "zh": ("申诉结果：维持扣分", "您对“{reason}”的申诉未通过，维持扣 {points} 分。质检意见：{note}"),
        "en": (
            "Appeal decided: penalty stands",
            "Your appeal was not accepted; the {points} points stand. Quality's note: {note}",
        ),
    },
    "penalty.appeal_overturned": {
        "zh": (
            "申诉结果：撤销扣分",
            "您对“{reason}”的申诉已通过，{points} 分已撤销。[[{lifted}]]质检意见：{note}",
        ),
        "en": (
            "Appeal decided: penalty withdrawn",
            "Your appeal was accepted and the {points} points are withdrawn.[[ {lifted_en}]] "
            "Quality's note: {note}",
        ),
    },
}

FALLBACK = {
    "zh": ("新消息", "您有一条新消息，请打开查看。"),
    "en": ("New message", "You have a new message; open it to read."),
}

# The texts a customer receives (inbox, SMS); every other text goes to staff or technicians.
CUSTOMER_EVENTS = frozenset(
    {
        "work_order.created",
        "work_order.accepted",
        "work_order.assigned",
        "work_order.reassigned",
        "work_order.en_route",
        "work_order.arrived",
        "work_order.quoted",
        "work_order.completed",
        "work_order.cancelled",
        "survey.invite",
        "complaint.registered",
        "payment.received",
        "payment.refunded",
        "contract.renewal_due",
        "proactive.alert_tip",
        "campaign.ac_cleaning",
    }
)
_OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)


@dataclass(frozen=True)
class Rendered:
    title: str
    body: str
    link: str | None


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def _fill(template: str, values: dict[str, Any]) -> str:
    try:
        return string.Formatter().vformat(template, (), _Lenient(values))
    except (ValueError, IndexError, AttributeError):  # a malformed template is shown as written
        return template


def _keys(text: str) -> set[str]:
    try:
        return {
            field.split(".")[0].split("[")[0] for _, field, _, _ in string.Formatter().parse(text) if field
        }
    except ValueError:
        return set()


def _optional(template: str, values: dict[str, Any]) -> str:
    """``template`` with each ``[[…]]`` part kept (without its brackets) when every value in it is known."""

    def keep(match: re.Match) -> str:
        part = match.group(1)
        known = all(values.get(key) not in (None, "", "—") for key in _keys(part))
        return part if known else ""

    return _OPTIONAL.sub(keep, template)


def _named(values: dict[str, Any], language: str) -> dict[str, Any]:
    """``values`` with each code of ``NAMED`` replaced by its name in ``language``."""
    index = 1 if language == "en" else 0
    named = dict(values)
    for key, names in NAMED.items():
        value = values.get(key)
        if isinstance(value, str) and value in names:
            named[key] = names[value][index]
    return named


def render(event: str, context: dict[str, Any] | None, locale: str = "zh") -> Rendered:
    """The title, body and link of ``event`` for ``locale`` (zh unless "en")."""
    language = "en" if (locale or "").lower().startswith("en") else "zh"
    values = _named({k: v for k, v in (context or {}).items() if v is not None}, language)
    chosen = (context or {}).get("template") or event
    title, body = TEMPLATES.get(chosen, TEMPLATES.get(event, FALLBACK))[language]
    title, body = _optional(title, values), _optional(body, values)
    link = (context or {}).get("link")
    return Rendered(_fill(title, values)[:200], _fill(body, values), link if isinstance(link, str) else None)
