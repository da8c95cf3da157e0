"""Links to the app's pages, absolute for what leaves the app (SMS, e-mail, inbox messages), from the
configured public address: ``ANXIN_PUBLIC_BASE_URL``, which ``anxin serve`` and ``anxin demo`` set from
the host and port they serve on when it is not set."""

from __future__ import annotations

from anxin.config import get_settings


def base() -> str:
    return get_settings().public_base_url.rstrip("/")


def absolute(path: str) -> str:
    """``path`` (``/portal/orders/7``) on the public address."""
    return base() + path


def site_path(link: str | None) -> str | None:
    """A link on this site as a path (messages carry absolute links); None for a link elsewhere."""
    site = base()
    if link and link.startswith(site + "/"):
        return link[len(site) :]
    return link if link and link.startswith("/") and not link.startswith("//") else None


def portal_order(order_id: int) -> str:
    """The customer's page of an order."""
    return absolute(f"/portal/orders/{order_id}")


def technician_order(order_id: int) -> str:
    return absolute(f"/tech/orders/{order_id}")


def console_order(order_id: int) -> str:
    """The order opened in the dispatcher console."""
    return absolute(f"/console?order={order_id}")
