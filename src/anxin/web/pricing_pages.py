"""The price book on the pages. The customer's 收费标准 in the portal (``/portal/price-book``): the book in
force today, by category and service type, in Chinese names and yuan, nothing internal. The admins' side
in the console (``/console/price-book``): every version with its state, a draft's items to add, change and
remove, publishing with an effective date, discarding a draft. The same functions as the API, audited
alike."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from anxin import money
from anxin.auth import tenant_clock
from anxin.auth.models import User
from anxin.auth.permissions import Action
from anxin.catalog import service as catalog_service
from anxin.catalog.codes import CATEGORY_NAMES, SERVICE_TYPE_NAMES, CategoryCode, ServiceType
from anxin.dependencies import DbSession
from anxin.exceptions import InvalidInput, NotFound
from anxin.fields import MAX_ID, Id
from anxin.pricing import codes, editing, service
from anxin.pricing.codes import PriceKind, Unit
from anxin.web import i18n
from anxin.web.session import page_user
from anxin.web.templating import PageRoute, render, see_other

router = APIRouter(route_class=PageRoute, include_in_schema=False)

Customer = Annotated[User, Depends(page_user(Action.PORTAL))]
Admin = Annotated[User, Depends(page_user(Action.PRICE_BOOK_MANAGE))]

i18n.extend(
    codes.catalog()
    | {f"pb_cat_{code.value}": names for code, names in CATEGORY_NAMES.items()}
    | {f"svc_{code.value}": names for code, names in SERVICE_TYPE_NAMES.items()}
    | {
        "pb_title": ("收费标准", "Prices"),
        "pb_intro": (
            "三公开：上门费、工时费、配件价格公开透明。实际费用以师傅上门检测后、经您确认的报价为准；"
            "保修期内的项目不收费。",
            "Visit fees, labour and parts at open prices. What you pay is the quote the technician makes on "
            "site and you approve; what the warranty covers is free.",
        ),
        "pb_in_force": ("本价目表自 {day} 起执行", "In force since {day}"),
        "pb_none": (
            "收费标准尚未公布，请联系客服",
            "No prices are published yet; please ask our service desk",
        ),
        "pb_nothing": ("该品类暂无相应收费项目", "Nothing priced for this choice"),
        "pb_category": ("品类", "Category"),
        "pb_service_type": ("服务类型", "Service"),
        "pb_all": ("全部", "All"),
        "pb_show": ("查看", "Show"),
        "pb_general": ("通用", "All appliances"),
        "pb_brand_price": ("{brand}品牌", "{brand}"),
        "pb_per": ("/", " / "),
        "pb_questions": (
            "对收费有疑问？可在工单页面发起投诉，我们会在 24 小时内联系您。",
            "A question about a charge? File a complaint from your order; we call back within 24 hours.",
        ),
        "pb_link": ("收费标准", "Prices"),
        # the console
        "pb_admin_title": ("价目表", "Price book"),
        "pb_versions": ("版本", "Versions"),
        "pb_version_n": ("第 {n} 版", "Version {n}"),
        "pb_state": ("状态", "State"),
        "pb_effective": ("生效日期", "In force from"),
        "pb_until": ("停用日期", "Superseded on"),
        "pb_items": ("项目数", "Items"),
        "pb_published_at": ("发布时间", "Published"),
        "pb_note": ("说明", "Note"),
        "pb_new_draft": ("新建草稿", "Draft a new version"),
        "pb_new_draft_hint": (
            "草稿复制最新发布的版本；发布后不可修改，只能由新版本取代。",
            "A draft copies the latest published version; once published it never changes, a later version "
            "supersedes it.",
        ),
        "pb_open_draft": ("继续编辑草稿", "Open the draft"),
        "pb_no_versions": ("尚无价目表", "No price book yet"),
        "pb_code": ("编码", "Code"),
        "pb_kind": ("类别", "Kind"),
        "pb_name": ("名称", "Name"),
        "pb_unit": ("单位", "Unit"),
        "pb_price_yuan": ("价格（元）", "Price (yuan)"),
        "pb_price": ("价格", "Price"),
        "pb_area": ("区域", "Area"),
        "pb_any": ("不限", "Any"),
        "pb_fault": ("故障", "Fault"),
        "pb_part_code": ("配件编码", "Part code"),
        "pb_brand_prices": ("品牌价（元，留空则按标准价）", "Brand prices (yuan; empty: the standard price)"),
        "pb_applies": ("适用", "Applies to"),
        "pb_brand_col": ("品牌价", "Brand prices"),
        "pb_add_item": ("添加项目", "Add an item"),
        "pb_edit": ("编辑", "Edit"),
        "pb_save": ("保存", "Save"),
        "pb_remove": ("删除", "Remove"),
        "pb_publish": ("发布", "Publish"),
        "pb_publish_hint": (
            "发布后本版本不可再修改。生效日期不能早于今天，也不能早于已发布的最新版本。",
            "Once published this version never changes. It cannot take effect before today nor before the "
            "latest published version.",
        ),
        "pb_discard": ("放弃草稿", "Discard the draft"),
        "pb_frozen": ("已发布的版本不可修改。", "A published version cannot be changed."),
        "pb_back": ("返回价目表", "Back to the price book"),
        "pb_saved": ("已保存", "Saved"),
        "pb_published": ("已发布", "Published"),
        "pb_discarded": ("草稿已放弃", "The draft was discarded"),
        "pb_edit_item": ("编辑项目", "Edit an item"),
    }
)

CATEGORIES = [code.value for code in CategoryCode]
SERVICE_TYPES = [code.value for code in ServiceType]


def _choice(field: str, value: str, allowed: list[str]) -> str | None:
    """A code from a filter: empty is None; one not in ``allowed`` is refused (an error page, 422)."""
    value = value.strip()
    if not value:
        return None
    if value not in allowed:
        raise InvalidInput(field, "未知的选项", "not one of the choices")
    return value


# -- the customer's 收费标准 -----------------------------------------------------------------------------


@router.get("/portal/price-book", response_class=HTMLResponse)
def portal_price_book(
    request: Request, db: DbSession, user: Customer, category: str = "", service_type: str = ""
) -> Response:
    """The book in force today, for the category and service type chosen (those for all included)."""
    category_code = _choice("category", category, CATEGORIES)
    service_code = _choice("service_type", service_type, SERVICE_TYPES)
    book = service.book_in_force(
        db,
        tenant_id=user.tenant_id,
        on=tenant_clock.today(db, user.tenant_id),
        category=category_code,
        service_type=service_code,
    )
    lang = i18n.language(request)
    return render(
        request,
        "pricing/portal.html",
        book=book,
        sections=_sections(book.prices),
        brands=_brand_names(db, user.tenant_id, lang),
        categories=CATEGORIES,
        service_types=SERVICE_TYPES,
        category=category_code or "",
        service_type=service_code or "",
        yuan=money.yuan,
    )


def _sections(prices: list[service.Price]) -> list[tuple[str, list[tuple[str | None, list[service.Price]]]]]:
    """The book as the page shows it: one section per kind, its prices grouped by category (None: for
    every appliance), each in the book's order."""
    sections = []
    for kind in codes.KIND_ORDER:
        of_kind = [price for price in prices if price.kind == kind]
        if not of_kind:
            continue
        groups: dict[str | None, list[service.Price]] = {}
        for price in of_kind:
            groups.setdefault(price.category, []).append(price)
        sections.append((kind.value, list(groups.items())))
    return sections


def _brand_names(db: DbSession, tenant_id: int, lang: str) -> dict[int, str]:
    return {
        brand.id: brand.name_en if lang == "en" else brand.name_zh
        for brand in catalog_service.get_brands(db, tenant_id=tenant_id)
    }


# -- the admins' console --------------------------------------------------------------------------------


@router.get("/console/price-book", response_class=HTMLResponse)
def versions_page(request: Request, db: DbSession, user: Admin, discarded: int = 0) -> Response:
    """Every version with its state today; the way to a new draft or the open one."""
    today = tenant_clock.today(db, user.tenant_id)
    rows = service.versions(db, tenant_id=user.tenant_id, today=today)
    notice = i18n.translate(i18n.language(request), "pb_discarded") if discarded else None
    return render(
        request,
        "pricing/versions.html",
        versions=rows,
        draft=next((row for row in rows if row.status == "draft"), None),
        notice=notice,
    )


@router.post("/console/price-book/versions")
def new_draft(db: DbSession, user: Admin, note: Annotated[str, Form()] = "") -> Response:
    version = editing.draft(db, tenant_id=user.tenant_id, actor=user, note=note)
    return see_other(f"/console/price-book/versions/{version.id}")


@router.get("/console/price-book/versions/{version_id}", response_class=HTMLResponse)
def version_page(request: Request, version_id: Id, db: DbSession, user: Admin, done: str = "") -> Response:
    """A version's items: a draft's to change (and the forms to add, publish and discard), a published
    one's to read."""
    version = service.get_version(db, tenant_id=user.tenant_id, id=version_id)
    today = tenant_clock.today(db, user.tenant_id)
    lang = i18n.language(request)
    notices = {"saved": "pb_saved", "published": "pb_published"}
    return render(
        request,
        "pricing/version.html",
        version=version,
        summary=service.summary_of(db, version=version, today=today),
        items=sorted(version.items, key=service.sort_key),
        brands=_brand_names(db, user.tenant_id, lang),
        today=today,
        notice=i18n.translate(lang, notices[done]) if done in notices else None,
        **_vocabularies(),
    )


@router.get("/console/price-book/versions/{version_id}/items/{price_item_id}", response_class=HTMLResponse)
def item_page(request: Request, version_id: Id, price_item_id: Id, db: DbSession, user: Admin) -> Response:
    """The form that changes one item of a draft."""
    version = service.get_version(db, tenant_id=user.tenant_id, id=version_id)
    item = next((item for item in version.items if item.id == price_item_id), None)
    if item is None:
        raise NotFound("price item", "收费项目")
    return render(
        request,
        "pricing/item.html",
        version=version,
        item=item,
        brand_prices=service.overrides_by_brand(item),
        brands=_brand_names(db, user.tenant_id, i18n.language(request)),
        **_vocabularies(),
    )


def _vocabularies() -> dict:
    return {
        "kinds": [kind.value for kind in PriceKind],
        "units": [unit.value for unit in Unit],
        "areas": [area.value for area in codes.Area],
        "categories": CATEGORIES,
        "service_types": SERVICE_TYPES,
        "yuan": money.yuan,
    }


class ItemForm:
    """An item's form as posted: the fields of ``editing.ItemFields``, the price in yuan, and the brand
    prices as pairs of ``brand_id`` and ``brand_price`` (an empty price: none for that brand)."""

    def __init__(
        self,
        code: Annotated[str, Form()] = "",
        kind: Annotated[str, Form()] = "",
        name: Annotated[str, Form()] = "",
        unit: Annotated[str, Form()] = "",
        price: Annotated[str, Form()] = "",
        category: Annotated[str, Form()] = "",
        service_type: Annotated[str, Form()] = "",
        area: Annotated[str, Form()] = "",
        fault: Annotated[str, Form()] = "",
        note: Annotated[str, Form()] = "",
        part_code: Annotated[str, Form()] = "",
        brand_id: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies the default)
        brand_price: Annotated[list[str], Form()] = [],  # noqa: B006
    ) -> None:
        self.values = {
            "code": code,
            "kind": kind,
            "name": name,
            "unit": unit,
            "category_code": category,
            "service_type": service_type,
            "area": area,
            "fault": fault,
            "note": note,
            "part_code": part_code,
        }
        self.price = price
        self.brand_pairs = list(zip(brand_id, brand_price, strict=False))

    def fields(self) -> editing.ItemFields:
        if not self.price.strip():
            raise InvalidInput("price", "请填写价格", "enter a price")
        brand_prices: dict[int, int] = {}
        for raw_id, raw_price in self.brand_pairs[: editing.MAX_BRAND_PRICES]:
            if not raw_price.strip():
                continue
            brand = raw_id.strip()
            if not (brand.isascii() and brand.isdigit() and 1 <= int(brand) <= MAX_ID):
                raise InvalidInput("brand_prices", "品牌有误", "not a brand")
            brand_prices[int(brand)] = _fen(raw_price, "brand_prices")
        return editing.ItemFields(
            price_fen=_fen(self.price, "price"), brand_prices=brand_prices, **self.values
        )


Posted = Annotated[ItemForm, Depends()]


def _fen(text: str, field: str) -> int:
    """Yuan as typed (``80``, ``80.5``) to integer fen, at most ``codes.MAX_PRICE_FEN``."""
    try:
        return money.parse_yuan(text, most=codes.MAX_PRICE_FEN // 100)
    except money.AmountOutOfRange:
        raise InvalidInput(
            field, "金额应在 0 至 100,000 元之间", "the amount must be 0 to 100,000 yuan"
        ) from None
    except ValueError:
        raise InvalidInput(field, "金额格式有误", "not an amount") from None


@router.post("/console/price-book/versions/{version_id}/items")
def add_item(version_id: Id, form: Posted, db: DbSession, user: Admin) -> Response:
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    editing.add_item(db, version=version, fields=form.fields(), actor=user)
    return see_other(f"/console/price-book/versions/{version_id}?done=saved")


@router.post("/console/price-book/versions/{version_id}/items/{price_item_id}")
def change_item(version_id: Id, price_item_id: Id, form: Posted, db: DbSession, user: Admin) -> Response:
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    editing.change_item(db, version=version, item_id=price_item_id, fields=form.fields(), actor=user)
    return see_other(f"/console/price-book/versions/{version_id}?done=saved")


@router.post("/console/price-book/versions/{version_id}/items/{price_item_id}/remove")
def remove_item(version_id: Id, price_item_id: Id, db: DbSession, user: Admin) -> Response:
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    editing.remove_item(db, version=version, item_id=price_item_id, actor=user)
    return see_other(f"/console/price-book/versions/{version_id}?done=saved")


@router.post("/console/price-book/versions/{version_id}/publish")
def publish(
    version_id: Id, db: DbSession, user: Admin, effective_from: Annotated[str, Form()] = ""
) -> Response:
    try:
        day = date.fromisoformat(effective_from.strip())
    except ValueError:
        raise InvalidInput("effective_from", "日期应写作 YYYY-MM-DD", "write the day as YYYY-MM-DD") from None
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    today = tenant_clock.today(db, user.tenant_id)
    editing.publish(db, version=version, effective_from=day, today=today, actor=user)
    return see_other(f"/console/price-book/versions/{version_id}?done=published")


@router.post("/console/price-book/versions/{version_id}/discard")
def discard(version_id: Id, db: DbSession, user: Admin) -> Response:
    version = editing.locked_draft(db, tenant_id=user.tenant_id, version_id=version_id)
    editing.discard(db, version=version, actor=user)
    return see_other("/console/price-book?discarded=1")
