"""The dashboard page: for managers, in Chinese by default and English on request; not for customers."""

from __future__ import annotations

import re
from io import BytesIO

import time_machine
from openpyxl import load_workbook

from tests.analytics import support
from tests.analytics.support import T0


def test_the_admin_sees_the_tiles_and_charts_of_the_period(client, world, sign_in):
    with time_machine.travel(T0, tick=False):
        support.new_order(client, world.demo, world.demo.appliance_id)
        sign_in(client, "admin@demo")
        page = client.get("/dashboard", params={"from": "2026-11-01", "to": "2026-11-30"})
        assert page.status_code == 200
        assert "经营看板" in page.text
        assert re.search(r'data-kpi="orders">1<', page.text)
        assert "/static/vendor/echarts" in page.text and 'id="chart-trend"' in page.text
        assert "目标 ≤ 30 分钟" in page.text  # the mean response against the SLA's 30 minutes
        assert 'href="/dashboard/export.xlsx?from=2026-11-01&amp;to=2026-11-30"' in page.text
        english = client.get("/dashboard?lang=en")  # the last 30 days by default
        assert "Manager dashboard" in english.text and "2026-10-12" in english.text
        workbook = client.get("/dashboard/export.xlsx", params={"from": "2026-11-01", "to": "2026-11-30"})
        assert workbook.status_code == 200
        sheet = load_workbook(BytesIO(workbook.content))["KPIs"]
        assert ("orders", 1) in [row[:2] for row in sheet.iter_rows(values_only=True)]


def test_an_outlet_manager_may_open_it(client, world, sign_in):
    sign_in(client, "outlet_manager@demo")
    assert client.get("/dashboard").status_code == 200


def test_a_customer_is_refused(client, world, sign_in):
    sign_in(client, "customer01@demo")
    page = client.get("/dashboard")
    assert page.status_code == 403


def test_a_bad_period_is_a_clear_error_page(client, world, sign_in):
    sign_in(client, "admin@demo")
    page = client.get("/dashboard", params={"from": "2026-11-30", "to": "2026-11-01"})
    assert page.status_code == 422
    assert "统计区间无效" in page.text
