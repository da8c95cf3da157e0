"""Triage in the flow, in a real browser: the agent's phone intake suggests the fault while they type and
keeps their correction; the technician's order page shows the likely parts with the van's stock and the
appliance's history (screenshots at phone and desktop widths)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from anxin import migrate
from anxin.auth.security import hash_password
from anxin.database import make_engine, make_sessionmaker
from anxin.knowledge import service as knowledge_service
from anxin.parts.models import Part, PartStock, Warehouse
from tests.conftest import PASSWORD, World, build_tenant
from tests.e2e.conftest import DESKTOP, PHONE, serving
from tests.helpers import act, publish_book, report, walk
from tests.work_order.test_report import upload


@pytest.fixture(scope="module")
def triage_world(tmp_path_factory) -> Iterator[tuple[str, World]]:
    """A live server over a world whose demo tenant has the shipped knowledge base and a van for tech01
    holding a refrigerator thermostat."""
    folder = tmp_path_factory.mktemp("e2e-triage")
    url = f"sqlite:///{folder}/e2e.sqlite3"
    migrate.upgrade(url)
    engine = make_engine(url)
    session = make_sessionmaker(engine)()
    world = World(
        demo=build_tenant(session, "demo", hash_password(PASSWORD)),
        acme=build_tenant(session, "acme", hash_password(PASSWORD)),
    )
    knowledge_service.load_seed(session, tenant_id=world.demo.tenant.id)
    van = Warehouse(
        tenant_id=world.demo.tenant.id, code="VAN-01", name="王师傅车载库", level="van",
        technician_id=world.demo.technician_id,
    )  # fmt: skip
    session.add(van)
    session.flush()
    for code, name, units in (("RF-02", "冰箱温控器", 2), ("RF-03", "冰箱门封条", 0)):
        part = Part(tenant_id=world.demo.tenant.id, code=code, name=name, list_price_fen=9000)
        session.add(part)
        session.flush()
        session.add(
            PartStock(tenant_id=world.demo.tenant.id, warehouse_id=van.id, part_id=part.id, on_hand=units)
        )
    session.commit()
    session.close()
    engine.dispose()
    with serving(folder, url) as base:
        yield base, world


def staff_login(page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()


def keep(screenshots: Path, name: str) -> str:
    path = screenshots / name
    if os.environ.get("ANXIN_SHOTS_COPY"):  # a folder to look at them in
        Path(os.environ["ANXIN_SHOTS_COPY"]).mkdir(parents=True, exist_ok=True)
    return str(path)


def _copy(screenshots: Path) -> None:
    target = os.environ.get("ANXIN_SHOTS_COPY")
    if target:
        for picture in screenshots.glob("triage-*.png"):
            shutil.copy(picture, Path(target) / picture.name)


def test_the_agent_sees_the_suggestion_live_and_the_technician_the_parts_and_history(
    browser, triage_world, screenshots: Path
) -> None:
    base, world = triage_world
    demo = world.demo
    publish_book(base, demo.headers("admin"))
    with httpx.Client(base_url=base, timeout=30) as api:
        # an earlier visit on the refrigerator: the thermostat replaced
        first = report(api, demo, fault_description="冰箱冷藏室不制冷，东西放不住").json()["id"]
        walk(api, demo, first, until="start")
        done = {
            "cause": "温控器故障，导致不制冷",
            "work_done": "更换温控器，试机正常",
            "parts_used": [{"name": "冰箱温控器", "quantity": 1, "amount_fen": 12000}],
            "signature_photo_id": upload(api, demo, first),
        }
        assert act(api, demo, first, "technician", "complete", done).status_code == 200

    # one order per width: a second open order of the same service type would be the first again
    for size, viewport, service in (("phone", PHONE, "repair"), ("desktop", DESKTOP, "maintenance")):
        agent = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
        staff_login(agent, base, "agent@demo")
        agent.goto(f"{base}/console/intake?phone=13800000001")
        agent.locator("#in-service").select_option(service)
        agent.locator("#in-words").fill("冰箱冷藏室一点都不凉，东西都放坏了")
        agent.locator("#intake-triage").get_by_text("冰箱 · 不制冷").first.wait_for()
        assert agent.locator("#in-pair").input_value() == "refrigerator|not_cooling"
        agent.screenshot(path=keep(screenshots, f"triage-intake-{size}.png"), full_page=True)
        # the agent hears "结霜" and changes the fault; typing more keeps the agent's choice
        agent.locator("#in-pair").select_option("refrigerator|frost_ice")
        agent.get_by_text("已按您的选择").wait_for()
        agent.locator("#in-words").fill("冰箱冷藏室一点都不凉，东西都放坏了，后面结了一层冰")
        agent.wait_for_timeout(1200)
        assert agent.locator("#in-pair").input_value() == "refrigerator|frost_ice"
        agent.screenshot(path=keep(screenshots, f"triage-intake-changed-{size}.png"), full_page=True)
        agent.get_by_role("button", name="创建工单").click()
        agent.wait_for_url("**/console?order=*")
        order_id = int(agent.url.split("order=")[1])
        agent.locator("#triage").get_by_text("客服已更正").wait_for()
        agent.screenshot(path=keep(screenshots, f"triage-console-{size}.png"), full_page=True)
        agent.context.close()

        with httpx.Client(base_url=base, timeout=30) as api:
            assert act(api, demo, order_id, "agent", "accept").status_code == 200
            assigned = act(api, demo, order_id, "dispatcher", "assign", {"technician_id": demo.technician_id})
            assert assigned.status_code == 200, assigned.text
        tech = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
        staff_login(tech, base, "tech01@demo")
        tech.goto(f"{base}/tech/orders/{order_id}")
        tech.get_by_text("可能需要的配件").wait_for()
        assert "冰箱化霜加热丝" in tech.locator("#likely-parts").inner_text()  # the corrected fault's parts
        history = tech.locator("#history")
        history.evaluate("details => { details.open = true; }")  # open already on a rework
        assert "温控器故障" in history.inner_text() and "冰箱温控器 ×1" in history.inner_text()
        tech.screenshot(path=keep(screenshots, f"triage-tech-order-{size}.png"), full_page=True)
        tech.context.close()
    _copy(screenshots)
