"""Telemetry's words for the pages: the work-order channel of a proactive order opened from a telemetry
alert. No page of its own yet (the appliance page's health card is to come); the API translates the
alerts' statuses itself (``telemetry.rules.STATUS_NAMES``)."""

from __future__ import annotations

from fastapi import APIRouter

from anxin.web import i18n

router = APIRouter()

i18n.extend(
    {
        # the work-order channel of an order converted from an alert (``telemetry.rules.convert``)
        "channel_iot": ("设备告警（物联网）", "Device alert (IoT)"),
    }
)
