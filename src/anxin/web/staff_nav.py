"""The one navigation of the staff pages, by role, and where each role lands after signing in.

``LINKS`` is a table of (path, words, the permission table's action that page checks, group): a role sees
only the links whose action the permission table (``auth/permissions.py``) gives it, so a link shown opens
(``tests/web/test_staff_nav.py`` walks every link as every role, and holds each row's action to the action
the page's route really checks). ``base.html`` draws it on every page a staff member opens (agent,
dispatcher, outlet manager, quality, admin); the technician's app and the customer's portal keep their own.
On a phone the menu folds behind one button (``static/nav.css``, no script: ``<details>``)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from anxin.auth.models import User
from anxin.auth.permissions import Action, may
from anxin.auth.roles import STAFF, Role
from anxin.web import i18n


@dataclass(frozen=True)
class Link:
    path: str
    key: str  # the i18n key of its words
    action: Action  # the action the page's route checks (page_user)
    group: str  # the i18n key of its group


LINKS: tuple[Link, ...] = (
    Link("/dashboard", "nav_dashboard", Action.KPIS_READ, "nav_g_overview"),
    Link("/console", "nav_queue", Action.DISPATCH_CONSOLE, "nav_g_dispatch"),
    Link("/console/board", "nav_board", Action.ROUTES_PLAN, "nav_g_dispatch"),
    Link("/console/map", "nav_map", Action.DISPATCH_CONSOLE, "nav_g_dispatch"),
    Link("/console/intake", "nav_intake", Action.TRIAGE_CORRECT, "nav_g_dispatch"),
    Link("/console/assistant", "nav_assistant", Action.ASSISTANT_DESK, "nav_g_dispatch"),
    Link("/console/complaints", "nav_complaints", Action.COMPLAINTS_DESK, "nav_g_quality"),
    Link("/console/tasks", "nav_tasks", Action.TASKS_WORK, "nav_g_quality"),
    Link("/console/scorecards", "nav_scorecards", Action.SCORECARDS_READ, "nav_g_quality"),
    Link("/console/appeals", "nav_appeals", Action.PENALTY_APPEALS_DECIDE, "nav_g_quality"),
    Link("/console/stock", "nav_stock", Action.PARTS_STOCK_READ, "nav_g_service"),
    Link("/console/knowledge", "nav_knowledge", Action.KNOWLEDGE_DESK, "nav_g_service"),
    Link("/console/price-book", "nav_price_book", Action.PRICE_BOOK_MANAGE, "nav_g_service"),
    Link("/console/service-plans", "nav_service_plans", Action.SERVICE_PLANS_MANAGE, "nav_g_service"),
    Link("/console/trade-in", "nav_trade_in", Action.TRADE_IN_MANAGE, "nav_g_service"),
    Link("/console/proactive", "nav_proactive", Action.ALERT_POLICY, "nav_g_service"),
    Link("/console/closure", "nav_closure", Action.CLOSURE_READ, "nav_g_settlement"),
    Link("/console/settlements", "nav_statements", Action.SETTLEMENT_READ, "nav_g_settlement"),
    Link("/console/settlement-rules", "nav_fee_rules", Action.SETTLEMENT_MANAGE, "nav_g_settlement"),
    Link("/console/privacy", "nav_privacy", Action.PERSONAL_DATA_ERASE, "nav_g_admin"),
    Link("/console/audit", "nav_audit", Action.AUDIT_READ, "nav_g_admin"),
)
GROUPS = (
    "nav_g_overview",
    "nav_g_dispatch",
    "nav_g_quality",
    "nav_g_service",
    "nav_g_settlement",
    "nav_g_admin",
)

# Where each role lands after signing in (and at ``/``): the page its day starts on.
LANDING = {
    Role.ADMIN: "/dashboard",
    Role.DISPATCHER: "/console",
    Role.OUTLET_MANAGER: "/console/board",
    Role.AGENT: "/console",
    Role.QUALITY: "/console/complaints",
    Role.TECHNICIAN: "/tech",
    Role.CUSTOMER: "/portal",
}

i18n.extend(
    {
        "nav_menu": ("菜单", "Menu"),
        "nav_g_overview": ("总览", "Overview"),
        "nav_g_dispatch": ("调度", "Dispatch"),
        "nav_g_quality": ("质量", "Quality"),
        "nav_g_service": ("服务运营", "Service"),
        "nav_g_settlement": ("结算", "Settlement"),
        "nav_g_admin": ("合规", "Compliance"),
        "nav_dashboard": ("经营看板", "Dashboard"),
        "nav_queue": ("工单队列", "Order queue"),
        "nav_board": ("排班看板", "Schedule board"),
        "nav_map": ("地图", "Map"),
        "nav_intake": ("电话报修", "Phone report"),
        "nav_assistant": ("在线客服", "Chat desk"),
        "nav_complaints": ("投诉", "Complaints"),
        "nav_tasks": ("服务任务", "Tasks"),
        "nav_scorecards": ("质量看板", "Scorecards"),
        "nav_appeals": ("申诉处理", "Appeals"),
        "nav_stock": ("备件库存", "Parts stock"),
        "nav_knowledge": ("故障知识库", "Knowledge base"),
        "nav_price_book": ("价目表", "Price book"),
        "nav_service_plans": ("服务套餐", "Service plans"),
        "nav_trade_in": ("以旧换新", "Trade-in"),
        "nav_proactive": ("主动服务", "Proactive service"),
        "nav_closure": ("封单审核", "Closure review"),
        "nav_statements": ("结算单", "Statements"),
        "nav_fee_rules": ("结算规则", "Fee rules"),
        "nav_privacy": ("个人信息申请", "Personal data requests"),
        "nav_audit": ("审计日志", "Audit log"),
    }
)


def is_staff(user: User | None) -> bool:
    return user is not None and user.role in STAFF


def landing(role: str) -> str:
    return LANDING.get(Role(role), "/console")


def links_for(user: User) -> list[Link]:
    """The links ``user``'s role may open, in the table's order (none for a customer or technician)."""
    if not is_staff(user):
        return []
    return [link for link in LINKS if may(user, link.action)]


def current_path(path: str) -> str | None:
    """The link a page belongs to: the longest link path that is the page's path or a folder above it
    (``/console/settlements/7`` is under 结算单; ``/console?order=7`` is the queue)."""
    found = [link.path for link in LINKS if path == link.path or path.startswith(link.path + "/")]
    return max(found, key=len, default=None)


def menu(user: User | None, request: Request | None = None, lang: str = "zh") -> dict | None:
    """What ``base.html`` draws for a staff member: the home link and the groups of links, each link with
    its words and whether it is the current page; ``None`` for anyone else."""
    if user is None or not is_staff(user):
        return None
    here = current_path(request.url.path) if request is not None else None
    groups = []
    shown = links_for(user)
    for group in GROUPS:
        links = [
            {"path": link.path, "label": i18n.translate(lang, link.key), "current": link.path == here}
            for link in shown
            if link.group == group
        ]
        if links:
            groups.append(
                {
                    "key": group,
                    "label": i18n.translate(lang, group),
                    "links": links,
                    "current": any(link["current"] for link in links),
                }
            )
    return {"home": landing(user.role), "groups": groups}
