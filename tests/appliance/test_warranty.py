"""Warranty status on a date and the billing category that follows."""

from __future__ import annotations

from datetime import date

import pytest

from anxin.appliance.warranty import (
    BillingCategory,
    WarrantyStatus,
    add_months,
    billing_category,
    warranty_on,
)
from tests.dates import months_ago

FRIDGE = {"unit_months": 36, "key_part_months": {"compressor": 120}}


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (date(2020, 1, 15), WarrantyStatus.IN_WARRANTY),
        (date(2023, 1, 14), WarrantyStatus.IN_WARRANTY),
        (date(2023, 1, 15), WarrantyStatus.KEY_PARTS_ONLY),
        (date(2030, 1, 14), WarrantyStatus.KEY_PARTS_ONLY),
        (date(2030, 1, 15), WarrantyStatus.OUT_OF_WARRANTY),
    ],
)
def test_the_unit_then_the_key_parts_then_nothing(on, status):
    warranty = warranty_on(on=on, purchase_date=date(2020, 1, 15), install_date=None, **FRIDGE)
    assert warranty.status is status


def test_the_clock_starts_at_installation_when_there_is_one():
    warranty = warranty_on(
        on=date(2023, 2, 1), purchase_date=date(2020, 1, 1), install_date=date(2020, 3, 1), **FRIDGE
    )
    assert warranty.status is WarrantyStatus.IN_WARRANTY and warranty.unit_ends_on == date(2023, 3, 1)
    assert warranty.covered_parts == {"compressor": date(2030, 3, 1)}


def test_month_arithmetic_keeps_to_the_end_of_short_months():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 11, 30), 3) == date(2024, 2, 29)
    assert add_months(date(2020, 6, 15), 120) == date(2030, 6, 15)


@pytest.mark.parametrize(
    ("status", "service", "kwargs", "expected"),
    [
        (WarrantyStatus.IN_WARRANTY, "repair", {}, BillingCategory.WARRANTY_FREE),
        (WarrantyStatus.IN_WARRANTY, "installation", {}, BillingCategory.WARRANTY_FREE),
        (WarrantyStatus.IN_WARRANTY, "cleaning", {}, BillingCategory.PAID),
        (WarrantyStatus.KEY_PARTS_ONLY, "repair", {}, BillingCategory.PAID),
        (WarrantyStatus.OUT_OF_WARRANTY, "repair", {"under_contract": True}, BillingCategory.CONTRACT),
        (WarrantyStatus.OUT_OF_WARRANTY, "repair", {}, BillingCategory.PAID),
        (WarrantyStatus.IN_WARRANTY, "repair", {"internal": True}, BillingCategory.INTERNAL),
    ],
)
def test_who_pays(status, service, kwargs, expected):
    assert billing_category(status, service, **kwargs) is expected


def test_the_warranty_endpoint_answers_for_a_date(client, world):
    demo = world.demo
    url = f"/api/v1/appliances/{demo.other_appliance_id}/warranty"
    bought = months_ago(93)  # the fixture's second appliance: 36 months whole unit, 120 the compressor
    on = client.get(url, params={"on": add_months(bought, 22)}, headers=demo.headers("agent")).json()
    assert on["status"] == "in_warranty" and on["billing_category_for_repair"] == "C"
    later = client.get(url, params={"on": add_months(bought, 58)}, headers=demo.headers("agent")).json()
    compressor = add_months(bought, 120).isoformat()
    assert later["status"] == "key_parts_only" and later["covered_parts"] == {"compressor": compressor}
    assert client.get(url, headers=demo.headers("customer")).status_code == 404


def test_month_arithmetic_past_the_calendars_end_stops_at_its_last_day():
    # Given installations near the calendar's end (rows written before dates were checked)
    # When the warranty's end is computed
    # Then it stops at the last day there is, instead of overflowing
    assert add_months(date(9999, 12, 31), 36) == date.max
    assert add_months(date(9998, 6, 30), 120) == date.max
    assert add_months(date(9999, 1, 31), 1) == date(9999, 2, 28)
    far = warranty_on(
        on=date(2030, 1, 1), purchase_date=date(2020, 1, 1), install_date=date(9999, 12, 31), **FRIDGE
    )
    assert far.unit_ends_on == date.max and far.covered_parts == {"compressor": date.max}
