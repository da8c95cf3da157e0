"""The pages over TestClient: sign-in, CSRF, role refusals, the one-time code, and the main flow's forms."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import CSRF_TOKEN, PASSWORD, World, page_csrf
from tests.helpers import book


@pytest.fixture
def portal_app(app):
    app.state.dev_mailbox = True
    return app


def test_login_page_is_chinese_by_default_and_english_on_request(client: TestClient) -> None:
    assert "登录" in client.get("/login").text
    english = client.get("/login?lang=en")
    assert "Sign in" in english.text
    assert "Sign in" in client.get("/login").text  # remembered in a cookie


def test_staff_sign_in_sets_an_httponly_lax_cookie_and_lands_on_the_console(
    client: TestClient, world: World
) -> None:
    answer = client.post(
        "/login",
        data={"login": "dispatcher@demo", "password": PASSWORD, "csrf_token": page_csrf(client)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith("anxin_session="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "待处理工单" in client.get("/console").text


def test_a_wrong_password_is_refused_without_a_session(client: TestClient, world: World) -> None:
    answer = client.post(
        "/login", data={"login": "dispatcher@demo", "password": "nope", "csrf_token": page_csrf(client)}
    )
    assert answer.status_code == 401
    assert "账号或密码错误" in answer.text
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_post_without_the_csrf_token_is_refused(client: TestClient, world: World) -> None:
    page_csrf(client)
    answer = client.post("/login", data={"login": "dispatcher@demo", "password": PASSWORD})
    assert answer.status_code == 403
    assert "页面已过期" in answer.text
    forged = client.post(
        "/login", data={"login": "dispatcher@demo", "password": PASSWORD, "csrf_token": "x" * 32}
    )
    assert forged.status_code == 403


def test_pages_need_a_session_and_the_right_role(client: TestClient, world: World, sign_in) -> None:
    assert client.get("/console", follow_redirects=False).headers["location"].startswith("/login")
    assert client.get("/portal", follow_redirects=False).headers["location"].startswith("/portal/login")
    sign_in(client, "tech01@demo")
    assert client.get("/console").status_code == 403
    assert client.get("/tech").status_code == 200


def test_a_forged_session_cookie_is_ignored(client: TestClient, world: World) -> None:
    client.cookies.set("anxin_session", "eyJ1aWQiOjEsInRpZCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ.bad")
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_templates_escape_what_customers_type(client: TestClient, world: World, sign_in) -> None:
    from tests.helpers import report

    report(client, world.demo, fault_description="<script>alert(1)</script>")
    sign_in(client, "dispatcher@demo")
    page = client.get("/console")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;" in page.text


def _code_from_mailbox(client: TestClient) -> str:
    box = client.get("/portal/dev-mailbox")
    return re.findall(r"验证码是 (\d{6})", box.text)[0]


def test_customer_signs_in_with_a_one_time_code(portal_app, world: World) -> None:
    with TestClient(portal_app) as client:
        token = page_csrf(client, "/portal/login")
        sent = client.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
        assert sent.status_code == 200 and "验证码已发送" in sent.text
        again = client.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
        assert again.status_code == 429  # once a minute
        code = _code_from_mailbox(client)
        answer = client.post(
            "/portal/login",
            data={"phone": "13800000001", "code": code, "csrf_token": token},
            follow_redirects=False,
        )
        assert answer.status_code == 303
        home = client.get("/portal")
        assert "我的家电" in home.text and "在保" in home.text


def test_wrong_codes_lock_the_phone_on_that_client(portal_app, world: World) -> None:
    with TestClient(portal_app) as client:
        token = page_csrf(client, "/portal/login")
        client.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
        code = _code_from_mailbox(client)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(4):
            answer = client.post(
                "/portal/login", data={"phone": "13800000001", "code": wrong, "csrf_token": token}
            )
            assert answer.status_code == 400 and "验证码错误" in answer.text
        locked = client.post(
            "/portal/login", data={"phone": "13800000001", "code": wrong, "csrf_token": token}
        )
        assert locked.status_code == 429 and "错误次数过多" in locked.text
        # Even the right code is refused on this client while the lock holds.
        right = client.post("/portal/login", data={"phone": "13800000001", "code": code, "csrf_token": token})
        assert right.status_code == 429 and "错误次数过多" in right.text
        assert int(right.headers["retry-after"]) <= 600


def test_the_dev_mailbox_is_off_by_default(client: TestClient, world: World) -> None:
    assert client.get("/portal/dev-mailbox").status_code == 404


def test_main_flow_through_the_pages(portal_app, world: World, sign_in) -> None:
    """Customer reports, dispatcher accepts and assigns, technician works, customer approves, completion
    with a signature: every step through the page forms."""
    demo = world.demo
    customer, dispatcher, tech = TestClient(portal_app), TestClient(portal_app), TestClient(portal_app)
    with customer, dispatcher, tech:
        token = page_csrf(customer, "/portal/login")
        customer.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
        customer.post(
            "/portal/login",
            data={"phone": "13800000001", "code": _code_from_mailbox(customer), "csrf_token": token},
        )
        token = page_csrf(customer, "/portal/report")
        made = customer.post(
            "/portal/report",
            data={
                "appliance_id": demo.appliance_id,
                "symptom": ["no_cooling"],
                "description": "冷藏室不凉",
                "csrf_token": token,
            },
            follow_redirects=False,
        )
        assert made.status_code == 303
        order_path = made.headers["location"].split("?")[0]
        order_id = int(order_path.rsplit("/", 1)[1])
        assert "报修成功" in customer.get(made.headers["location"]).text

        sign_in(dispatcher, "dispatcher@demo")
        token = page_csrf(dispatcher, f"/console?order={order_id}")
        assert (
            dispatcher.post(f"/console/orders/{order_id}/accept", data={"csrf_token": token}).status_code
            == 200
        )
        panel = dispatcher.get(f"/console?order={order_id}").text
        assert "王师傅" in panel
        assigned = dispatcher.post(
            f"/console/orders/{order_id}/assign",
            data={"technician_id": demo.technician_id, "override": "true", "csrf_token": token},
        )
        assert "已安排师傅" in assigned.text

        sign_in(tech, "tech01@demo")
        token = page_csrf(tech, "/tech")
        for action in ("acknowledge", "depart", "arrive"):
            page = tech.post(
                f"/tech/orders/{order_id}/act/{action}",
                data={"csrf_token": token, "lat": "30.27", "lng": "120.12"},
            )
            assert page.status_code == 200, page.text
        with portal_app.state.sessionmaker() as db, db.begin():
            items = book(db, demo.tenant.id)
        form = tech.get(f"/tech/orders/{order_id}").text
        assert f'name="qty_{items["RF-THERMOSTAT"]}"' in form and "AC-GAS" not in form  # the fridge's items
        quoted = tech.post(
            f"/tech/orders/{order_id}/quote",
            data={
                f"qty_{items['VISIT-URBAN']}": "1",
                f"qty_{items['RF-THERMOSTAT']}": "1",
                f"qty_{items['PART-RF-THERMO']}": "1",
                f"qty_{items['RF-COMPRESSOR']}": "0",
                "other_desc": "密封胶",
                "other_amount": "0.5",
                "other_qty": "1",
                "csrf_token": token,
            },
        )
        assert "¥250.50" in quoted.text and "待审核" in quoted.text  # the line typed by hand

        token = page_csrf(customer, order_path)
        live = customer.get(f"{order_path}/live").text
        assert "请确认维修报价" in live
        assert customer.post(f"{order_path}/approve-quote", data={"csrf_token": token}).status_code == 200

        token = page_csrf(tech, f"/tech/orders/{order_id}")
        tech.post(f"/tech/orders/{order_id}/act/start", data={"csrf_token": token})
        png = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
        done = tech.post(
            f"/tech/orders/{order_id}/complete",
            data={"note": "更换温控器，试机正常", "signature": png, "csrf_token": token},
        )
        assert "已完工" in done.text
        assert "已完工" in customer.get(f"{order_path}/live").text
        day = tech.get("/tech/day").text
        totals = day[day.index('id="day-totals"') :]
        assert "<dd>1</dd>" in totals and "¥250.50" in totals  # one order done, the approved quote


def test_another_customers_order_is_not_found(portal_app, world: World) -> None:
    from tests.helpers import report

    with TestClient(portal_app) as client:
        other = report(
            client,
            world.demo,
            appliance_id=world.demo.other_appliance_id,
            customer_id=world.demo.other_customer_id,
        ).json()
        token = page_csrf(client, "/portal/login")
        client.post("/portal/code", data={"phone": "13800000001", "csrf_token": token})
        client.post(
            "/portal/login",
            data={"phone": "13800000001", "code": _code_from_mailbox(client), "csrf_token": token},
        )
        assert client.get(f"/portal/orders/{other['id']}").status_code == 404


def test_an_action_no_longer_allowed_is_refused_with_a_page(
    client: TestClient, world: World, sign_in
) -> None:
    from tests.helpers import report

    order = report(client, world.demo).json()
    sign_in(client, "tech01@demo")
    token = page_csrf(client, "/tech")
    answer = client.post(f"/tech/orders/{order['id']}/act/depart", data={"csrf_token": token})
    assert answer.status_code == 404  # not theirs: not even visible
    sign_in(client, "dispatcher@demo")
    token = page_csrf(client, "/console")
    client.post(f"/console/orders/{order['id']}/accept", data={"csrf_token": token})
    again = client.post(f"/console/orders/{order['id']}/accept", data={"csrf_token": token})
    assert again.status_code == 409
    assert "出错了" in again.text


def test_customer_registers_an_appliance_and_sees_its_warranty(
    client: TestClient, world: World, sign_in
) -> None:
    sign_in(client, "customer01@demo")
    form = client.get("/portal/appliances/new").text
    model_id = re.search(r'"models": \[\{[^}]*"id": (\d+)', form).group(1)  # the picker's catalog
    token = CSRF_TOKEN.search(form).group(1)
    bad = client.post(
        "/portal/appliances",
        data={
            "product_model_id": model_id,
            "serial_number": "x",
            "purchase_date": "2026-01-05",
            "purchase_channel": "jd",
            "csrf_token": token,
        },
    )
    assert bad.status_code == 422 and "serial_number" in bad.text
    made = client.post(
        "/portal/appliances",
        data={
            "product_model_id": model_id,
            "serial_number": "SNNEW0001",
            "purchase_date": "2026-01-05",
            "purchase_channel": "jd",
            "csrf_token": token,
        },
    )
    assert made.status_code == 200
    assert "SNNEW0001" in made.text and "在保" in made.text


def test_customer_reschedules_and_cancels_before_the_visit(client: TestClient, world: World, sign_in) -> None:
    from tests.helpers import report

    order = report(client, world.demo).json()
    sign_in(client, "dispatcher@demo")
    client.post(f"/console/orders/{order['id']}/accept", data={"csrf_token": page_csrf(client, "/console")})
    sign_in(client, "customer01@demo")
    token = page_csrf(client, f"/portal/orders/{order['id']}")
    moved = client.post(
        f"/portal/orders/{order['id']}/reschedule", data={"preferred": "tomorrow_pm", "csrf_token": token}
    )
    assert moved.status_code == 200 and "预约" in moved.text
    gone = client.post(
        f"/portal/orders/{order['id']}/cancel", data={"reason": "已自行修好", "csrf_token": token}
    )
    assert "已取消" in gone.text and "已自行修好" in gone.text


def test_technician_acknowledges_from_the_list_and_rejects_with_a_reason(
    client: TestClient, world: World, sign_in
) -> None:
    from tests.helpers import report

    first, second = (
        report(client, world.demo).json(),
        report(
            client,
            world.demo,
            appliance_id=world.demo.other_appliance_id,
            customer_id=world.demo.other_customer_id,
        ).json(),
    )
    sign_in(client, "dispatcher@demo")
    token = page_csrf(client, "/console")
    for order in (first, second):
        client.post(f"/console/orders/{order['id']}/accept", data={"csrf_token": token})
        client.post(
            f"/console/orders/{order['id']}/assign",
            data={"technician_id": world.demo.technician_id, "override": "true", "csrf_token": token},
        )
    sign_in(client, "tech01@demo")
    listing = client.get("/tech").text
    assert listing.count("/act/acknowledge") == 2
    token = CSRF_TOKEN.search(listing).group(1)
    acked = client.post(f"/tech/orders/{first['id']}/act/acknowledge", data={"csrf_token": token})
    assert "师傅已接单" in acked.text
    refused = client.post(f"/tech/orders/{second['id']}/reject", data={"reason": "", "csrf_token": token})
    assert refused.status_code == 422  # a reason is required
    rejected = client.post(
        f"/tech/orders/{second['id']}/reject", data={"reason": "不在服务区域", "csrf_token": token}
    )
    assert rejected.status_code == 200 and second["number"] not in rejected.text
    sign_in(client, "dispatcher@demo")
    assert "不在服务区域" in client.get(f"/console?order={second['id']}").text


def test_the_map_places_open_orders_and_technicians(client: TestClient, world: World, sign_in) -> None:
    from tests.helpers import report

    order = report(client, world.demo).json()
    sign_in(client, "dispatcher@demo")
    page = client.get("/console/map").text
    assert order["number"] in page and "\\u738b\\u5e08\\u5085" in page  # 王师傅, JSON-escaped in the script
    assert "/static/vendor/echarts-5.6.0.min.js" in page
    assert client.get("/static/vendor/echarts-5.6.0.min.js").status_code == 200
