"""Personal data on the pages. The customer's "我的数据" in the portal (``/portal/my-data``): what is held,
the whole of it as a JSON download, and the request to be erased. The admins' side in the console
(``/console/privacy``): the open requests, a customer's summary (masked), the export on the customer's
request and the erasure; and the audit log (``/console/audit``). The same calls as the API, audited alike."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time, tzinfo
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import clock
from anxin.audit import trail
from anxin.audit.exceptions import BadFilter
from anxin.auth.models import DEFAULT_ZONE, User
from anxin.auth.permissions import Action
from anxin.customer import service as customer_service
from anxin.customer.api import current_customer
from anxin.dependencies import DbSession, RecordingDb, SettingsDep
from anxin.fields import MAX_ID, Id
from anxin.privacy import erasure, export, reads
from anxin.privacy.exceptions import ReasonMissing, ReasonTooLong
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Eraser = Annotated[User, Depends(page_user(Action.PERSONAL_DATA_ERASE))]
Exporter = Annotated[User, Depends(page_user(Action.PERSONAL_DATA_EXPORT))]
Auditor = Annotated[User, Depends(page_user(Action.AUDIT_READ))]

i18n.extend(
    {
        "pd_my_data": ("我的数据", "My data"),
        "pd_intro": (
            "这里是我们为提供售后服务而保存的您的个人信息。您可以下载全部数据，也可以申请删除。",
            "This is the personal data we keep to serve you. You can download all of it or ask us to erase it.",
        ),
        "pd_held": ("我们保存的信息", "What we keep"),
        "pd_orders": ("工单", "Orders"),
        "pd_appliances": ("家电", "Appliances"),
        "pd_addresses": ("地址", "Addresses"),
        "pd_surveys": ("评价", "Ratings"),
        "pd_complaints": ("投诉", "Complaints"),
        "pd_messages": ("消息", "Messages"),
        "pd_download": ("下载全部数据（JSON）", "Download all my data (JSON)"),
        "pd_erase_title": ("申请删除个人信息", "Ask us to erase my personal data"),
        "pd_erase_explain": (
            "删除后，您的姓名、手机号、详细地址、照片和您填写的文字将被永久删除，门户账号随即注销，且无法恢复。"
            "工单编号、时间、费用等服务记录将匿名保留，用于保修与统计。管理员会在 15 天内处理您的申请；"
            "如仍有进行中的工单或投诉，将在其完结后处理。",
            "Once erased, your name, phone, street address, photos and what you wrote are gone for good and "
            "your portal account is closed; it cannot be undone. The facts of your orders (numbers, times, "
            "prices) stay, anonymous, for warranty and statistics. An admin handles your request within 15 "
            "days; orders or complaints in progress are finished first.",
        ),
        "pd_erase_reason": ("原因（选填）", "Why (optional)"),
        "pd_erase_confirm": ("我已了解，申请删除", "I understand; erase my data"),
        "pd_erase_sent": (
            "已收到您的删除申请，管理员会在 15 天内处理。",
            "Your request is in; an admin handles it within 15 days.",
        ),
        "pd_requested_at": ("申请时间", "Requested"),
        "pd_due": ("处理期限", "Due"),
        "pd_requests": ("个人信息删除申请", "Erasure requests"),
        "pd_no_requests": ("暂无待处理的申请", "No requests waiting"),
        "pd_lookup": ("按客户编号查找", "Find by customer number"),
        "pd_customer_no": ("客户编号", "Customer number"),
        "pd_open": ("打开", "Open"),
        "pd_customer": ("客户个人信息", "Customer's personal data"),
        "pd_erased_at": ("已删除于", "Erased at"),
        "pd_in_service": ("进行中的工单或投诉", "Orders or complaints in progress"),
        "pd_none": ("无", "None"),
        "pd_export_for": ("应客户要求导出（将记入审计日志）", "Export on the customer's request (audited)"),
        "pd_reason": ("依据（如：客户某日来电申请）", "On what grounds (e.g. the customer's call of …)"),
        "pd_erase": ("永久删除个人信息", "Erase the personal data for good"),
        "pd_erase_warning": (
            "此操作不可撤销：姓名、手机号、详细地址、照片和客户填写的文字将被删除，工单事实保留。",
            "This cannot be undone: name, phone, street, photos and the customer's words go; the orders' "
            "facts stay.",
        ),
        "pd_erased": ("已删除该客户的个人信息", "The customer's personal data is erased"),
        "pd_kind": ("个人信息删除申请", "Erasure request"),
        "fb_kind_erasure_request": ("个人信息删除申请", "Erasure request"),
        "au_title": ("审计日志", "Audit log"),
        "au_action": ("操作", "Action"),
        "au_object": ("对象", "Object"),
        "au_all": ("全部", "All"),
        "au_note": ("说明", "Note"),
        "au_v_urban": ("市区", "Urban"),
        "au_v_suburban": ("郊区", "Suburban"),
        "au_v_pending": ("待发送", "Pending"),
        "au_v_dead": ("投递失败", "Dead"),
        "au_v_draft": ("草稿", "Draft"),
        "au_v_published": ("已发布", "Published"),
        "au_number": ("对象编号", "Object number"),
        "au_since": ("起始日期", "From"),
        "au_none": ("没有符合条件的记录", "Nothing matches"),
        "au_newer": ("较新", "Newer"),
        "au_older": ("较早", "Older"),
        "au_readonly": (
            "审计日志只能追加，任何人都无法在系统中修改或删除。",
            "The audit log is append-only: nobody can change or delete an entry through the app.",
        ),
    }
)


# The audit log's words: what was done, to what, by whom, which field. A code without a word here shows
# as it is (tests/privacy/test_audit.py checks that every action the code writes has one).
AUDIT_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "action": {
        "appliance.create": ("登记家电", "Appliance registered"),
        "catalog.brand.create": ("新建品牌", "Brand created"),
        "catalog.model.create": ("新建型号", "Product model created"),
        "complaint.register": ("登记投诉", "Complaint registered"),
        "complaint.discard": ("作废投诉草稿", "Complaint draft discarded"),
        "complaint.assign": ("分派投诉", "Complaint assigned"),
        "complaint.resolve": ("投诉处理完毕", "Complaint resolved"),
        "complaint.close": ("关闭投诉", "Complaint closed"),
        "complaint.approve-compensation": ("批准补偿", "Compensation approved"),
        "customer.address.add": ("新增客户地址", "Customer address added"),
        "customer.create": ("新建客户", "Customer created"),
        "customer.erase": ("删除客户个人信息", "Customer's personal data erased"),
        "customer.erasure_request": ("客户申请删除个人信息", "Customer asked to be erased"),
        "customer.export": ("导出客户个人信息", "Customer's personal data exported"),
        "customer.privacy_consent": ("客户同意隐私政策", "Customer agreed to the privacy notice"),
        "dispatch_policies.replace": ("修改派单策略", "Dispatch policies changed"),
        "outbox.redeliver": ("重新投递消息", "Message redelivered"),
        "price_book.discard": ("删除价目表草稿", "Price book draft discarded"),
        "price_book.draft": ("新建价目表草稿", "Price book draft started"),
        "price_book.item.add": ("新增价目项", "Price item added"),
        "price_book.item.change": ("修改价目项", "Price item changed"),
        "price_book.item.remove": ("删除价目项", "Price item removed"),
        "price_book.publish": ("发布价目表", "Price book published"),
        "sla_policy.set": ("修改时效规则", "SLA policy changed"),
        "pricing_policy.set": ("修改维修保修期", "Repair warranty changed"),
        "technician.reinstate": ("恢复工程师自动派单", "Technician reinstated"),
        "penalty_appeal.decide": ("处理扣分申诉", "Penalty appeal decided"),
        "user.create": ("新建账号", "Account created"),
        "user.deactivate": ("停用账号", "Account deactivated"),
        "user.password": ("重设密码", "Password set"),
        "webhook.create": ("新建 Webhook", "Webhook created"),
        "webhook.deactivate": ("停用 Webhook", "Webhook deactivated"),
        "payment.create": ("发起收款", "Payment started"),
        "payment.cancel": ("撤销待付款", "Pending payment withdrawn"),
        "payment.notified": ("支付渠道通知到账", "Gateway reported the payment"),
        "payment.refund": ("原路退款", "Refund paid back"),
        "payment.discount.request": ("申请优惠", "Discount requested"),
        "payment.discount.approve": ("批准优惠", "Discount approved"),
        "payment.discount.reject": ("驳回优惠", "Discount rejected"),
        "payment.refund.request": ("申请退款", "Refund requested"),
        "payment.refund.approve": ("批准退款", "Refund approved"),
        "payment.refund.reject": ("驳回退款", "Refund rejected"),
        "invoice.request": ("申请电子发票", "E-invoice requested"),
        "invoice.issue": ("开具电子发票", "E-invoice issued"),
        "service_plan.create": ("新建服务套餐", "Service plan created"),
        "service_plan.update": ("修改服务套餐", "Service plan changed"),
        "service_plan.retire": ("停售服务套餐", "Service plan retired"),
        "service_plan.reinstate": ("恢复销售服务套餐", "Service plan reinstated"),
        "contract.sell": ("售出服务合同", "Contract sold"),
        "contract.renew": ("续约服务合同", "Contract renewed"),
        "contract.cancel": ("退订服务合同", "Contract cancelled"),
        "trade_in.rates": ("修改以旧换新估价表", "Trade-in rates changed"),
        "trade_in.assess": ("旧机估价", "Old appliance valued"),
        "trade_in.accept": ("客户确认估价", "Valuation accepted"),
        "trade_in.link": ("以旧换新抵扣新机安装单", "Trade-in credit applied"),
        "trade_in.release": ("释放以旧换新额度", "Trade-in credit released"),
        "trade_in.void": ("作废旧机估价", "Valuation voided"),
        "trade_in.book": ("预约以旧换新", "Trade-in booked"),
        "closure_review.submit": ("提交封单审核", "Closure submitted for review"),
        "closure_review.resubmit": ("重新提交封单审核", "Closure resubmitted"),
        "closure_review.approve": ("封单审核通过", "Closure approved"),
        "closure_review.reject": ("封单审核驳回", "Closure rejected"),
        "fee_rule.create": ("新建结算规则", "Fee rule created"),
        "fee_rule.change": ("修改结算规则", "Fee rule changed"),
        "fee_rule.remove": ("删除结算规则", "Fee rule removed"),
        "settlement.generate": ("生成结算单", "Statement generated"),
        "settlement.regenerate": ("重新生成结算单", "Statement regenerated"),
        "settlement.confirm": ("网点确认结算单", "Statement confirmed"),
        "settlement.dispute": ("网点对结算单提出异议", "Statement disputed"),
        "settlement.resolve": ("处理结算异议", "Dispute resolved"),
        "knowledge.seed": ("载入知识库", "Knowledge base loaded"),
        "knowledge.entry.create": ("新建知识条目", "Knowledge entry created"),
        "knowledge.entry.update": ("修改知识条目", "Knowledge entry changed"),
        "telemetry.key.create": ("新建设备接入密钥", "Ingest key created"),
        "telemetry.key.revoke": ("吊销设备接入密钥", "Ingest key revoked"),
        "telemetry.rule.create": ("新建监测规则", "Monitoring rule created"),
        "telemetry.rule.active": ("启用或停用监测规则", "Monitoring rule switched"),
        "telemetry.alert.convert": ("告警转为工单", "Alert turned into an order"),
        "telemetry.alert.dismiss": ("忽略告警", "Alert dismissed"),
        "telemetry.alert.notify": ("告警已通知用户", "Alert told to the customer"),
        "proactive.policy.set": ("修改告警处理策略", "Alert policy changed"),
        "customer.consent.set": ("修改主动服务授权", "Proactive-contact consent changed"),
        "customer.household.set": ("修改家庭情况", "Household changed"),
        "relay.bind": ("绑定隐私号", "Relay number bound"),
        "relay.rebind": ("隐私号改绑新师傅", "Relay number moved to the new technician"),
        "relay.release": ("释放隐私号", "Relay number released"),
        "campaign.run": ("执行季节关怀活动", "Seasonal campaign run"),
    },
    "object": {
        "appliance": ("家电", "Appliance"),
        "brand": ("品牌", "Brand"),
        "complaint": ("投诉", "Complaint"),
        "customer": ("客户", "Customer"),
        "dispatch_policies": ("派单策略", "Dispatch policies"),
        "outbox_message": ("消息", "Message"),
        "price_book_version": ("价目表版本", "Price book version"),
        "price_item": ("价目项", "Price item"),
        "product_model": ("型号", "Product model"),
        "sla_policy": ("时效规则", "SLA policy"),
        "pricing_policy": ("维修保修期", "Repair warranty"),
        "technician": ("工程师", "Technician"),
        "user": ("账号", "Account"),
        "work_order": ("工单", "Work order"),
        "webhook_endpoint": ("Webhook", "Webhook"),
        "payment": ("付款", "Payment"),
        "payment_adjustment": ("优惠或退款", "Discount or refund"),
        "payment_invoice": ("电子发票", "E-invoice"),
        "service_plan": ("服务套餐", "Service plan"),
        "service_contract": ("服务合同", "Service contract"),
        "trade_in": ("以旧换新", "Trade-in"),
        "trade_in_terms": ("以旧换新估价表", "Trade-in rates"),
        "trade_in_booking": ("以旧换新预约", "Trade-in booking"),
        "closure_review": ("封单审核", "Closure review"),
        "fee_rule": ("结算规则", "Fee rule"),
        "settlement_statement": ("结算单", "Statement"),
        "knowledge_entry": ("知识条目", "Knowledge entry"),
        "telemetry_key": ("设备接入密钥", "Ingest key"),
        "telemetry_rule": ("监测规则", "Monitoring rule"),
        "telemetry_alert": ("设备告警", "Device alert"),
        "alert_policy": ("告警处理策略", "Alert policy"),
        "campaign": ("季节关怀活动", "Seasonal campaign"),
    },
    "role": {
        "customer": ("客户", "Customer"),
        "agent": ("客服", "Agent"),
        "dispatcher": ("调度", "Dispatcher"),
        "technician": ("工程师", "Technician"),
        "outlet_manager": ("网点经理", "Outlet manager"),
        "quality": ("质检", "Quality"),
        "admin": ("管理员", "Admin"),
        "system": ("系统", "System"),
        "operator": ("服务器命令行", "Server command line"),
    },
    "field": {
        "active": ("启用", "Active"),
        "relay_number": ("隐私号", "Relay number"),
        "relay_reason": ("释放原因", "Why released"),
        "relay_technician": ("接通师傅", "Technician bridged"),
        "address_id": ("地址", "Address"),
        "appointment_minutes": ("预约时限（分钟）", "Appointment (minutes)"),
        "area": ("区域", "Area"),
        "area_type": ("区域类型", "Area type"),
        "arrive_suburban_minutes": ("郊区上门时限（分钟）", "Arrival, suburban (minutes)"),
        "arrive_urban_minutes": ("市区上门时限（分钟）", "Arrival, urban (minutes)"),
        "at_risk_share": ("预警比例", "At-risk share"),
        "attempts": ("尝试次数", "Attempts"),
        "auto_dispatch": ("自动派单", "Automatic dispatch"),
        "based_on": ("基于版本", "Based on"),
        "brand_id": ("品牌", "Brand"),
        "brand_prices": ("品牌价（分）", "Brand prices (fen)"),
        "category_code": ("品类", "Category"),
        "category_id": ("品类", "Category"),
        "city": ("城市", "City"),
        "code": ("代码", "Code"),
        "compensation_approved_by_id": ("补偿批准人", "Compensation approved by"),
        "compensation_fen": ("补偿金额（分）", "Compensation (fen)"),
        "complete_minutes": ("完工时限（分钟）", "Completion (minutes)"),
        "customer_id": ("客户", "Customer"),
        "description": ("说明", "Description"),
        "detail": ("详细地址", "Street address"),
        "district": ("区县", "District"),
        "elderly_household": ("老人家庭", "Elderly household"),
        "effective_from": ("生效时间", "Effective from"),
        "erased_at": ("删除时间", "Erased at"),
        "events": ("订阅事件", "Events"),
        "fault": ("故障", "Fault"),
        "infant_household": ("婴幼儿家庭", "Infant household"),
        "install_date": ("安装日期", "Installed"),
        "is_active": ("启用", "Active"),
        "key_part_months": ("关键部件保修（月）", "Key parts' warranty (months)"),
        "kind": ("类别", "Kind"),
        "lat": ("纬度", "Latitude"),
        "lng": ("经度", "Longitude"),
        "model_code": ("型号代码", "Model code"),
        "name": ("名称", "Name"),
        "name_en": ("英文名", "English name"),
        "name_zh": ("中文名", "Chinese name"),
        "note": ("说明", "Note"),
        "number": ("编号", "Number"),
        "outlet_id": ("网点", "Outlet"),
        "overrides": ("特殊规则", "Overrides"),
        "part_code": ("配件编码", "Part code"),
        "owner_id": ("负责人", "Owner"),
        "password": ("密码", "Password"),
        "phone": ("手机号", "Phone"),
        "policies": ("策略", "Policies"),
        "price_fen": ("价格（分）", "Price (fen)"),
        "product_model_id": ("型号", "Product model"),
        "province": ("省份", "Province"),
        "purchase_channel": ("购买渠道", "Bought through"),
        "purchase_date": ("购买日期", "Bought"),
        "quiet_end": ("免打扰结束", "Quiet hours end"),
        "quiet_start": ("免打扰开始", "Quiet hours start"),
        "reinstated_at": ("恢复时间", "Reinstated at"),
        "resolution": ("处理结果", "Resolution"),
        "respond_minutes": ("响应时限（分钟）", "Response (minutes)"),
        "responsibility": ("责任方", "Responsibility"),
        "role": ("角色", "Role"),
        "serial_number": ("序列号", "Serial number"),
        "service_type": ("服务类型", "Service type"),
        "status": ("状态", "Status"),
        "suspended_at": ("暂停时间", "Suspended at"),
        "suspension_reason": ("暂停原因", "Suspension reason"),
        "technician_id": ("工程师", "Technician"),
        "unit": ("单位", "Unit"),
        "url": ("地址（URL）", "URL"),
        "username": ("账号名", "Account name"),
        "warranty_months": ("整机保修（月）", "Warranty (months)"),
    },
}


def audit_label(lang: str, kind: str, code: str | None) -> str:
    """The word for an audit log's ``code`` of ``kind`` (action, object, role, field) in ``lang``; a code
    without one shows as it is."""
    words = AUDIT_WORDS[kind].get(code or "")
    if words is None:
        return code or ""
    return words[1] if lang == "en" else words[0]


# Where the pages already have words for a field's codes: the keys' prefixes, tried in turn.
VALUE_KEYS: dict[str, tuple[str, ...]] = {
    "status": ("", "fb_", "au_v_"),  # an order's, a complaint's, a message's or a price book's
    "responsibility": ("fb_resp_",),
    "service_type": ("svc_",),
    "purchase_channel": ("ch_",),
    "suspension_reason": ("sc_",),
    "area_type": ("au_v_",),
}
ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def shown(lang: str, zone: tzinfo | None, field: str, value: object) -> str:
    """A value of the audit log's ``changes`` as the page shows it: — for nothing, a code in words where
    the pages have words for it (a role, a status, a reason), a moment in the tenant's time, lists and
    objects as compact JSON, anything else as stored (a name, a URL, a serial number)."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if not isinstance(value, str):
        return str(value)
    if field == "role":
        return audit_label(lang, "role", value)
    for prefix in VALUE_KEYS.get(field, ()):
        word = i18n.translate(lang, prefix + value)
        if word != prefix + value:
            return word
    if ISO_MOMENT.match(value):
        try:
            return clock.local(datetime.fromisoformat(value), zone or DEFAULT_ZONE, "%Y-%m-%d %H:%M")
        except ValueError:
            return value
    return value


def _json(document: dict, name: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="application/json; charset=utf-8", headers=headers)


# -- the customer's side --------------------------------------------------------------------------------


@router.get("/portal/my-data", response_class=HTMLResponse)
def my_data(request: Request, db: DbSession, user: Customer, sent: str = "") -> Response:
    """What we keep, counted; the download; the request to be erased."""
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    return render(
        request,
        "portal/my_data.html",
        held=export.counts(db, customer=customer),
        asked=erasure.pending_request(db, customer=customer),
        notice=i18n.translate(i18n.language(request), "pd_erase_sent") if sent else None,
    )


@router.get("/portal/my-data.json")
def my_data_download(db: RecordingDb, user: Customer) -> Response:
    """The customer's whole personal data as a JSON file (written to the audit log)."""
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    document = export.document(db, customer=customer, actor=user)
    return _json(document, f"anxin-my-data-{clock.now():%Y%m%d}.json")


@router.post("/portal/my-data/erasure-request")
def my_data_erase(db: DbSession, user: Customer, reason: Annotated[str, Form()] = "") -> Response:
    """The customer asks to be erased: a task for the admins (asking twice keeps the first request)."""
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=user.customer_id or -1)
    erasure.request(db, customer=customer, actor=user, reason=_reason(reason, required=False))
    return see_other("/portal/my-data?sent=1")


# -- the admins' side ---------------------------------------------------------------------------------


@router.get("/console/privacy", response_class=HTMLResponse)
def requests_page(request: Request, db: DbSession, user: Eraser, customer: str = "") -> Response:
    """The open erasure requests, and a customer found by number."""
    if customer.strip():
        return see_other(f"/console/privacy/customers/{_number(customer, '客户编号')}")
    return render(request, "console/privacy.html", requests=reads.open_requests(db, tenant_id=user.tenant_id))


@router.get("/console/privacy/customers/{customer_id}", response_class=HTMLResponse)
def customer_page(
    request: Request, customer_id: Id, db: DbSession, user: Eraser, erased: str = ""
) -> Response:
    customer = customer_service.get(db, tenant_id=user.tenant_id, id=customer_id)
    notice = i18n.translate(i18n.language(request), "pd_erased") if erased else None
    return render(
        request, "console/privacy_customer.html", summary=reads.summary(db, customer=customer), notice=notice
    )


@router.get("/console/privacy/customers/{customer_id}/personal-data.json")
def customer_download(customer_id: Id, db: RecordingDb, user: Exporter, reason: str = "") -> Response:
    """The export an admin makes on the customer's request (the grounds go to the audit log). The
    action's other role, the customer, reaches only their own record here, as on the API
    (``customer.api.current_customer``)."""
    grounds = _reason(reason, required=True)
    customer = current_customer(customer_id, db, user)
    document = export.document(db, customer=customer, actor=user, reason=grounds)
    return _json(document, f"anxin-customer-{customer_id}.json")


@router.post("/console/privacy/customers/{customer_id}/erase")
def customer_erase(
    customer_id: Id,
    db: DbSession,
    user: Eraser,
    settings: SettingsDep,
    reason: Annotated[str, Form()] = "",
) -> Response:
    """Erase the customer for good (the same action as the API); refused on a page of its own while an
    order or complaint of theirs is open, or once done."""
    grounds = _reason(reason, required=True)
    customer = erasure.locked_customer(db, tenant_id=user.tenant_id, customer_id=customer_id)
    erasure.erase(db, customer=customer, actor=user, reason=grounds, upload_dir=settings.upload_dir)
    return see_other(f"/console/privacy/customers/{customer_id}?erased=1")


@router.get("/console/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: DbSession,
    user: Auditor,
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    since: str = "",
    page: str = "1",
) -> Response:
    """The audit log, newest first, 50 a page, with the API's filters (a day for ``since``)."""
    start = _day(since, request.state.zone)
    number = object_id.strip()
    filters = trail.Filters(
        action=action.strip()[:60] or None,
        object_type=object_type.strip()[:40] or None,
        object_id=_number(number, "编号") if number else None,
        since=start,
    )
    at = min(_number(page or "1", "页码"), MAX_PAGE)
    found = trail.search(db, tenant_id=user.tenant_id, filters=filters, page=at, page_size=50)
    lang = i18n.language(request)
    return render(
        request,
        "console/audit.html",
        found=found,
        label=lambda kind, code: audit_label(lang, kind, code),
        shown=lambda field, value: shown(lang, request.state.zone, field, value),
        actions=sorted(AUDIT_WORDS["action"]),
        objects=sorted(AUDIT_WORDS["object"]),
        action=action,
        object_type=object_type,
        object_id=number,
        since=since,
    )


def _number(text: str, what_zh: str) -> int:
    """A positive whole number typed in a page's form or address (an id, a page), or a page of its own."""
    text = text.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 19 and 1 <= int(text) <= MAX_ID):
        raise BadFilter(f"{what_zh}应为正整数", "a number is a positive whole number")
    return int(text)


MAX_PAGE = 100_000  # as the API's ``PageNumber``


def _reason(text: str, *, required: bool) -> str:
    """A reason typed in a form, trimmed: refused on the page when missing (``required``) or too long."""
    text = text.strip()
    if required and not text:
        raise ReasonMissing()
    if len(text) > REASON_CHARS:
        raise ReasonTooLong(REASON_CHARS)
    return text


REASON_CHARS = 300


def _day(text: str, zone: tzinfo) -> datetime | None:
    """The start of a day (``YYYY-MM-DD``) in the tenant's zone."""
    if not text.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(text.strip()), time(0), tzinfo=zone)
    except ValueError:
        raise BadFilter("日期应写作 YYYY-MM-DD", "write the day as YYYY-MM-DD") from None
