"""Screenshots of the managers' pages over the demo city (ninety days of history), for the README.

    .venv/bin/python docs/screenshots/demo_city.py      (``make screenshots`` runs it after the browser tests)

Loads the demo city into a temporary SQLite database, serves it on a free port, signs in as the demo's
admin and quality users in Debian's Chromium and saves ``demo-*.png`` beside this file. The browser tests
take the other screenshots; this one needs the city's volume (the dashboard of one order says little).
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CHROMIUM = os.environ.get("ANXIN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
DESKTOP = {"width": 1280, "height": 860}
PASSWORD = "demo1234"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(page, base: str, login: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("账号").fill(login)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state("networkidle")


def main() -> None:
    anxin = str(ROOT / ".venv" / "bin" / "anxin")
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "ANXIN_DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "ANXIN_LOG_LEVEL": "WARNING",
            # `anxin serve` refuses the demo key: a key of this run's own
            "ANXIN_SECRET_KEY": os.environ.get("ANXIN_SECRET_KEY") or secrets.token_urlsafe(48),
        }
        subprocess.run([anxin, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([anxin, "seed", "--demo"], env=env, check=True)
        port = free_port()
        server = subprocess.Popen([anxin, "serve", "--port", str(port), "--sweep-every", "0"], env=env)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                admin = browser.new_context(viewport=DESKTOP).new_page()
                sign_in(admin, base, "admin@demo")
                admin.goto(f"{base}/dashboard")
                admin.locator("#chart-trend canvas").wait_for()
                admin.wait_for_timeout(800)  # the charts' entry animation
                admin.screenshot(path=str(HERE / "demo-dashboard-desktop.png"), full_page=True)
                admin.goto(f"{base}/console/map")  # the city's districts with the open orders and technicians
                admin.locator('#map[data-drawn="geo"]').wait_for()
                admin.screenshot(path=str(HERE / "demo-map-desktop.png"))
                quality = browser.new_context(viewport=DESKTOP).new_page()
                sign_in(quality, base, "quality@demo")
                quality.goto(f"{base}/console/complaints")
                quality.screenshot(path=str(HERE / "demo-complaints-desktop.png"), full_page=True)
                last_month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
                quality.goto(f"{base}/console/scorecards?month={last_month}")
                quality.screenshot(path=str(HERE / "demo-scorecards-desktop.png"), full_page=True)
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"saved {', '.join(p.name for p in sorted(HERE.glob('demo-*.png')))}", file=sys.stderr)


if __name__ == "__main__":
    main()
