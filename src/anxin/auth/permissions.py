"""Who may do what: one table from each thing the API and the pages offer to the roles that may do it.

The API's routes ask through ``dependencies.allowed(Action.X)`` and the pages through
``web.session.page_user(Action.X)``, so an action's route and its page read the same row and cannot drift
apart. Moves of a work order or a complaint are decided by their state tables (``work_order/states.py``,
``feedback/complaints/states.py``); who *among* a role may act on one object (the assigned technician,
the ordering customer, the outlet's own manager) is checked by the services."""

from __future__ import annotations

from enum import StrEnum

from anxin.auth.models import User
from anxin.auth.roles import EVERYONE, STAFF, Role

R = Role


class Action(StrEnum):
    CATALOG_MANAGE = "catalog.manage"
    CUSTOMERS_READ = "customers.read"
    CUSTOMERS_REGISTER = "customers.register"
    TECHNICIANS_READ = "technicians.read"
    TECHNICIAN_APP = "technician.app"  # a technician's own day: location, route, pool, the app's pages
    TECHNICIAN_PHOTO_SET = "technician.photo"  # the technician's photo: themself, their outlet's manager
    PORTAL = "portal"  # the customer's own pages
    INBOX_AT_WORK = "inbox.at_work"  # the inbox page of staff and technicians
    ORDERS_REPORT = "orders.report"
    ORDERS_APPOINTMENT = "orders.appointment"  # record the visit window agreed on the call (预约)
    ORDERS_RELAY = "orders.relay"  # an order's relay number (隐私号): its customer, technician, staff
    SLA_POLICY_READ = "sla_policy.read"
    SLA_POLICY_SET = "sla_policy.set"
    DISPATCH_CONSOLE = "dispatch.console"  # ranked candidates, the console and its map
    DISPATCH_CENTRE = "dispatch.centre"  # send to an outlet, decide a return, run the sweep
    DISPATCH_OUTLET = "dispatch.outlet"  # pass to a sub-outlet, ask the centre to take an order back
    DISPATCH_READ = "dispatch.read"  # offers and policies
    DISPATCH_POLICIES_SET = "dispatch.policies.set"
    ROUTES_PLAN = "routes.plan"
    SLOTS_BOOK = "slots.book"
    SURVEYS_READ = "surveys.read"
    SURVEYS_BY_PHONE = "surveys.by_phone"  # record a follow-up call in the survey form
    TASKS_WORK = "tasks.work"
    COMPLAINTS_FILE = "complaints.file"
    COMPLAINTS_DESK = "complaints.desk"  # the staff pages of the complaint desk
    COMPLAINTS_STATS = "complaints.stats"
    SCORECARDS_READ = "scorecards.read"
    SCORECARDS_REINSTATE = "scorecards.reinstate"
    PENALTIES_APPEAL = "penalties.appeal"  # a technician's own penalties, suspension and appeals (申诉)
    PENALTY_APPEALS_DECIDE = "penalty_appeals.decide"  # quality reads and decides the appeals
    KPIS_READ = "kpis.read"
    NOTIFICATIONS_MANAGE = "notifications.manage"
    PERSONAL_DATA_EXPORT = "personal_data.export"  # everything held about a customer, as one document
    PERSONAL_DATA_REQUEST_ERASURE = "personal_data.request_erasure"  # the customer asks to be erased
    PERSONAL_DATA_ERASE = "personal_data.erase"  # anonymise a customer, for good
    AUDIT_READ = "audit.read"
    PRICE_BOOK_READ = "price_book.read"  # the public price book in force (三公开: anyone of the tenant)
    PRICE_BOOK_MANAGE = "price_book.manage"  # draft, edit, publish and discard versions
    PARTS_READ = "parts.read"  # the part catalog at list price (三公开: anyone of the tenant)
    PARTS_CATALOG_MANAGE = "parts.catalog"  # add parts and warehouses
    PARTS_STOCK_READ = "parts.stock.read"  # stock, transfers, old parts (in the warehouses one sees)
    PARTS_STOCK_MANAGE = "parts.stock.manage"  # goods in, reorder points, old parts at the factory
    PARTS_ORDER_READ = "parts.order.read"  # an order's parts and their trail
    PARTS_USE = "parts.use"  # reserve, fit and release an order's parts
    PARTS_TRANSFER = "parts.transfer"  # ask for, ship and receive transfers; send old parts back
    KNOWLEDGE_READ = "knowledge.read"  # search the fault knowledge base (anyone of the tenant)
    KNOWLEDGE_MANAGE = "knowledge.manage"  # add and edit knowledge-base entries
    KNOWLEDGE_DESK = "knowledge.desk"  # the console's knowledge pages (read; admins edit)
    TRIAGE = "triage"  # category, fault, self-help, skill and parts from a description
    ORDER_TRIAGE_READ = "order_triage.read"  # what triage made of an order: skill, likely parts
    TRIAGE_CORRECT = "triage.correct"  # the intake desk: live triage, an agent's category and fault kept
    ASSISTANT_CHAT = "assistant.chat"  # chat with the service assistant (智能客服): a customer, their own
    ASSISTANT_READ = "assistant.read"  # read a conversation (a customer their own, the desk the tenant's)
    ASSISTANT_DESK = "assistant.desk"  # the handed-off conversations: take one over and answer
    SERVICE_PLANS_READ = "service_plans.read"  # the extended warranties and care plans on sale (anyone)
    SERVICE_PLANS_MANAGE = "service_plans.manage"  # create, change and retire plans
    CONTRACTS_READ = "contracts.read"  # contracts, their claims and renewal offers (a customer: their own)
    CONTRACTS_SELL = "contracts.sell"  # sell or renew a contract (a customer: for their own appliance)
    CONTRACTS_CANCEL = "contracts.cancel"  # cancel a contract with its pro-rata refund
    PAYMENTS_READ = "payments.read"  # an order's payments, discounts, refunds and invoice (the order's own)
    PAYMENTS_COLLECT = "payments.collect"  # take payment: a code to scan; cash or card recorded on site
    PAYMENTS_ADJUST = "payments.adjust"  # ask for a discount or a refund
    PAYMENTS_APPROVE = "payments.approve"  # approve or reject someone else's discount or refund
    INVOICES_REQUEST = "invoices.request"  # ask for the e-invoice of a paid order
    PAYMENTS_DESK = "payments.desk"  # the staff page of an order's payments
    CLOSURE_SUBMIT = "closure.submit"  # an outlet submits its finished orders for the brand's review
    CLOSURE_READ = "closure.read"  # closure reviews (an outlet manager: their outlet's)
    CLOSURE_REVIEW = "closure.review"  # the brand approves or rejects a closure
    SETTLEMENT_READ = "settlement.read"  # statements (an outlet manager: their outlet's), the workbook
    SETTLEMENT_ANSWER = "settlement.answer"  # the outlet manager confirms or disputes a statement
    SETTLEMENT_MANAGE = "settlement.manage"  # fee rules, generating statements, resolving disputes
    TRADE_IN_READ = (
        "trade_in.read"  # the valuation table, a quote, an order's trade-in (anyone of the tenant)
    )
    TRADE_IN_MANAGE = "trade_in.manage"  # edit the valuation table
    TRADE_IN_ASSESS = "trade_in.assess"  # record the old appliance's condition on the recycling order
    TRADE_IN_ACCEPT = "trade_in.accept"  # accept the valuation (the customer, or an agent on the phone)
    TRADE_IN_LINK = "trade_in.link"  # put the credit on an installation order, or take it off
    TRADE_IN_BOOK = "trade_in.book"  # book recycling + installation as one trade-in (the intake, twice)
    TELEMETRY_KEYS = "telemetry.keys"  # make, list and revoke the tenant's ingest keys
    TELEMETRY_READ = "telemetry.read"  # the metric catalog, devices' readings and alerts (staff, technicians)
    TELEMETRY_RULES = "telemetry.rules"  # add and deactivate the rules evaluated on the way in
    TELEMETRY_ALERTS = "telemetry.alerts"  # dismiss an alert
    APPLIANCE_HEALTH = "appliance.health"  # an appliance's health (which ones: ``telemetry.health.readable``)
    ALERT_POLICY = "proactive.policy"  # what an alert does for the customer, per tenant
    CAMPAIGNS = "proactive.campaigns"  # run seasonal campaigns and read their counts
    CUSTOMER_PROFILE = "customers.profile"  # a customer's profile tags (画像)
    CUSTOMER_CONSENT = "customers.consent"  # record a customer's consent to proactive contact


PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.CATALOG_MANAGE: frozenset({R.ADMIN}),
    Action.CUSTOMERS_READ: STAFF,
    Action.CUSTOMERS_REGISTER: frozenset({R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.TECHNICIANS_READ: STAFF,
    Action.TECHNICIAN_APP: frozenset({R.TECHNICIAN}),
    Action.TECHNICIAN_PHOTO_SET: frozenset({R.TECHNICIAN, R.OUTLET_MANAGER, R.ADMIN}),
    Action.PORTAL: frozenset({R.CUSTOMER}),
    Action.INBOX_AT_WORK: STAFF | {R.TECHNICIAN},
    Action.ORDERS_REPORT: frozenset({R.CUSTOMER, R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.ORDERS_APPOINTMENT: frozenset({R.TECHNICIAN, R.DISPATCHER, R.OUTLET_MANAGER, R.ADMIN}),
    # which orders is the order's (work_order.service.visible_to); the number never shows a real one
    Action.ORDERS_RELAY: EVERYONE,
    Action.SLA_POLICY_READ: STAFF,
    Action.SLA_POLICY_SET: frozenset({R.ADMIN}),
    Action.DISPATCH_CONSOLE: frozenset({R.DISPATCHER, R.OUTLET_MANAGER, R.ADMIN, R.AGENT}),
    Action.DISPATCH_CENTRE: frozenset({R.DISPATCHER, R.ADMIN}),
    Action.DISPATCH_OUTLET: frozenset({R.OUTLET_MANAGER, R.DISPATCHER, R.ADMIN}),
    Action.DISPATCH_READ: STAFF,
    Action.DISPATCH_POLICIES_SET: frozenset({R.ADMIN}),
    Action.ROUTES_PLAN: frozenset({R.DISPATCHER, R.OUTLET_MANAGER, R.ADMIN}),
    Action.SLOTS_BOOK: frozenset({R.CUSTOMER, R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.SURVEYS_READ: STAFF,
    Action.SURVEYS_BY_PHONE: frozenset({R.AGENT, R.QUALITY}),
    Action.TASKS_WORK: frozenset({R.AGENT, R.QUALITY, R.ADMIN}),
    Action.COMPLAINTS_FILE: frozenset({R.CUSTOMER, R.AGENT, R.QUALITY, R.ADMIN}),
    Action.COMPLAINTS_DESK: frozenset({R.AGENT, R.QUALITY, R.ADMIN}),
    Action.COMPLAINTS_STATS: frozenset({R.QUALITY, R.ADMIN}),
    Action.SCORECARDS_READ: STAFF,
    Action.SCORECARDS_REINSTATE: frozenset({R.QUALITY, R.ADMIN}),
    Action.PENALTIES_APPEAL: frozenset({R.TECHNICIAN}),
    Action.PENALTY_APPEALS_DECIDE: frozenset({R.QUALITY, R.ADMIN}),
    Action.KPIS_READ: frozenset({R.ADMIN, R.QUALITY, R.DISPATCHER, R.OUTLET_MANAGER}),
    Action.NOTIFICATIONS_MANAGE: frozenset({R.ADMIN}),
    # the customer for themselves, an admin on the customer's request (``privacy``; both are audited)
    Action.PERSONAL_DATA_EXPORT: frozenset({R.CUSTOMER, R.ADMIN}),
    Action.PERSONAL_DATA_REQUEST_ERASURE: frozenset({R.CUSTOMER}),
    Action.PERSONAL_DATA_ERASE: frozenset({R.ADMIN}),
    Action.AUDIT_READ: frozenset({R.ADMIN}),
    Action.PRICE_BOOK_READ: EVERYONE,
    Action.PRICE_BOOK_MANAGE: frozenset({R.ADMIN}),
    # parts: which warehouses each role sees and moves is ``parts/scope.py``'s; which orders, the order's
    Action.PARTS_READ: EVERYONE,
    Action.PARTS_CATALOG_MANAGE: frozenset({R.ADMIN}),
    Action.PARTS_STOCK_READ: frozenset({R.TECHNICIAN, R.OUTLET_MANAGER, R.DISPATCHER, R.ADMIN}),
    Action.PARTS_STOCK_MANAGE: frozenset({R.DISPATCHER, R.ADMIN}),
    Action.PARTS_ORDER_READ: STAFF | {R.TECHNICIAN},
    Action.PARTS_USE: frozenset({R.TECHNICIAN, R.OUTLET_MANAGER, R.DISPATCHER, R.ADMIN}),
    Action.PARTS_TRANSFER: frozenset({R.TECHNICIAN, R.OUTLET_MANAGER, R.DISPATCHER, R.ADMIN}),
    Action.KNOWLEDGE_READ: EVERYONE,
    Action.KNOWLEDGE_MANAGE: frozenset({R.ADMIN}),
    Action.KNOWLEDGE_DESK: STAFF,
    Action.TRIAGE: EVERYONE,
    Action.ORDER_TRIAGE_READ: STAFF | {R.TECHNICIAN},
    Action.TRIAGE_CORRECT: frozenset({R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.ASSISTANT_CHAT: frozenset({R.CUSTOMER}),
    Action.ASSISTANT_READ: frozenset({R.CUSTOMER, R.AGENT, R.ADMIN}),
    Action.ASSISTANT_DESK: frozenset({R.AGENT, R.ADMIN}),
    # contracts: which contracts and appliances a customer reaches (their own) is ``contract/contracts.py``'s
    Action.SERVICE_PLANS_READ: EVERYONE,
    Action.SERVICE_PLANS_MANAGE: frozenset({R.ADMIN}),
    Action.CONTRACTS_READ: frozenset({R.CUSTOMER, R.AGENT, R.DISPATCHER, R.QUALITY, R.ADMIN}),
    Action.CONTRACTS_SELL: frozenset({R.CUSTOMER, R.AGENT, R.ADMIN}),
    Action.CONTRACTS_CANCEL: frozenset({R.AGENT, R.ADMIN}),
    # payments: which orders is the order's (work_order.service.visible_to); a customer pays by a code only
    Action.PAYMENTS_READ: EVERYONE,
    Action.PAYMENTS_COLLECT: frozenset({R.CUSTOMER, R.TECHNICIAN, R.OUTLET_MANAGER, R.ADMIN}),
    Action.PAYMENTS_ADJUST: frozenset({R.TECHNICIAN, R.AGENT, R.OUTLET_MANAGER, R.ADMIN}),
    Action.PAYMENTS_APPROVE: frozenset({R.OUTLET_MANAGER, R.ADMIN}),
    Action.INVOICES_REQUEST: frozenset({R.CUSTOMER, R.AGENT, R.ADMIN}),
    Action.PAYMENTS_DESK: STAFF,
    # settlement: which outlet's reviews and statements an outlet manager reaches is settlement's (404)
    Action.CLOSURE_SUBMIT: frozenset({R.OUTLET_MANAGER}),
    Action.CLOSURE_READ: frozenset({R.OUTLET_MANAGER, R.ADMIN}),
    Action.CLOSURE_REVIEW: frozenset({R.ADMIN}),
    Action.SETTLEMENT_READ: frozenset({R.OUTLET_MANAGER, R.ADMIN}),
    Action.SETTLEMENT_ANSWER: frozenset({R.OUTLET_MANAGER}),
    Action.SETTLEMENT_MANAGE: frozenset({R.ADMIN}),
    # trade-in: which orders is the order's (work_order.service.visible_to); a technician values only their own
    Action.TRADE_IN_READ: EVERYONE,
    Action.TRADE_IN_MANAGE: frozenset({R.ADMIN}),
    Action.TRADE_IN_ASSESS: frozenset({R.TECHNICIAN}),
    Action.TRADE_IN_ACCEPT: frozenset({R.CUSTOMER, R.AGENT}),
    Action.TRADE_IN_LINK: frozenset({R.CUSTOMER, R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.TRADE_IN_BOOK: frozenset({R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.TELEMETRY_KEYS: frozenset({R.ADMIN}),
    Action.TELEMETRY_READ: STAFF | {R.TECHNICIAN},
    Action.TELEMETRY_RULES: frozenset({R.ADMIN}),
    Action.TELEMETRY_ALERTS: frozenset({R.AGENT, R.DISPATCHER, R.ADMIN}),
    # a customer their own appliance, a technician one of an open order of theirs (404 otherwise)
    Action.APPLIANCE_HEALTH: frozenset({R.CUSTOMER, R.AGENT, R.DISPATCHER, R.TECHNICIAN, R.ADMIN}),
    # proactive service (anxin/proactive); a customer sets only their own consent (customer.api)
    Action.ALERT_POLICY: frozenset({R.ADMIN}),
    Action.CAMPAIGNS: frozenset({R.ADMIN}),
    Action.CUSTOMER_PROFILE: frozenset({R.AGENT, R.DISPATCHER, R.ADMIN}),
    Action.CUSTOMER_CONSENT: frozenset({R.CUSTOMER, R.AGENT}),
}


def roles_for(action: Action) -> frozenset[Role]:
    return PERMISSIONS[action]


def may(user: User, action: Action) -> bool:
    return user.role in PERMISSIONS[action]
