"""Settings from ANXIN_* environment variables (pydantic-settings)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The public key of the local demo. ``anxin serve`` and ``anxin worker`` refuse to start with it.
DEMO_SECRET_KEY = "anxin-demo-secret-change-me-in-production-0123456789"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'anxin.sqlite3'}"
    # The secret every signing key is derived from, one per purpose (auth/keys.py): at least 32 random
    # bytes. The default is the demo's public key; `anxin serve` and `anxin worker` refuse to start with it.
    secret_key: str = DEMO_SECRET_KEY
    token_minutes: int = 12 * 60
    # How long a verified token's user is reused without reading it again (auth/token_cache.py); 0 = never.
    # A token revoked or a user deactivated in another process is honoured here for at most this long.
    auth_cache_seconds: float = 10.0
    # One-time sign-in codes a tenant may send per hour, all phones together (auth/limits.py).
    otp_hourly_budget: int = Field(default=500, ge=1)
    # Reverse proxies whose X-Forwarded-For is believed, comma-separated addresses; empty (the default):
    # the sign-in throttles count the address the connection comes from.
    trusted_proxies: str = ""
    timezone: str = "Asia/Shanghai"
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    max_upload_bytes: int = 5 * 1024 * 1024
    # Request bodies are refused with 413 while they are read (middleware.BodyLimit): a multipart upload
    # at one photo (max_upload_bytes) and 256 KiB more; the technician's completion form, which carries
    # its before and after photos and the signature together, at this many photos and 1 MiB more; any
    # other body (JSON, a plain form) at max_body_bytes.
    max_completion_photos: int = Field(default=6, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    log_json: bool = True
    log_level: str = "INFO"
    sql_echo: bool = False
    # Each server process's database connections: kept open, and opened beyond that when needed (closed
    # again when given back). An intake holds two for a moment (its transaction, the order counter's bump),
    # so a pool smaller than twice the concurrent requests opens and closes connections under load. On
    # PostgreSQL the intake's routes, which run on the event loop, have a second pool of the same size.
    db_pool_size: int = 20
    db_max_overflow: int = 10
    # How many synchronous routes each server process runs at once in its worker threads (anyio's
    # default is 40), together with the intake's routes' work on the event loop (dependencies.RequestDb).
    # Threads take the interpreter lock in turns: more than the database waits need only contend for it
    # (main.py, BENCHMARKS.md's intake section).
    server_threads: int = Field(default=8, ge=1)
    # A road-network backend for travel times (an OSRM server); unset = the offline model. It is called
    # through the guarded client (anxin/outbound.py) like any target: an OSRM server on a private address
    # needs its network in outbound_allowed_networks, else travel falls back to the offline model.
    osrm_url: str | None = None
    # Outbound HTTP (webhooks, OSRM) refuses loopback, private, link-local and reserved addresses. The
    # networks listed here are allowed all the same: comma-separated CIDRs, e.g. "10.20.0.0/16,192.168.5.7/32"
    # for a brand's own systems or the OSRM server on a private network. Empty (the default): none.
    outbound_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("outbound_allowed_networks", mode="before")
    @classmethod
    def _cidrs(cls, value: object) -> object:
        """A comma-separated string or a list; each entry must be a network ("10.0.0.0/8") or an address."""
        if isinstance(value, str):
            value = value.split(",")
        if isinstance(value, list | tuple):
            return [str(ipaddress.ip_network(str(v).strip(), strict=False)) for v in value if str(v).strip()]
        return value

    # Background work (huey): Redis when set, else a SQLite file; immediate runs tasks inline (tests).
    redis_url: str | None = None
    huey_sqlite_path: Path = PROJECT_ROOT / "var" / "huey.sqlite3"
    huey_immediate: bool = False
    # Payments (pricing/gateways.py): the gateway that collects WeChat Pay and Alipay and the e-invoice
    # provider, by name from their registries. None by default: cash and card are recorded, WeChat Pay and
    # Alipay are refused (409 ``no_payment_gateway``) and invoice requests wait for a provider. "demo" (the
    # only ones built in, which never leave the machine) is what `anxin demo` and the tests use: its
    # "customer scanned and paid" button marks an order paid, so it has no place in production.
    payment_gateway: str = ""
    invoice_provider: str = ""
    # Relay numbers (隐私号, telephony/providers.py): the provider that binds a number per order bridging the
    # customer and the technician. None by default: no call buttons, ``GET …/relay`` answers 409
    # ``no_telephony_provider``. "demo" (never leaves the machine: numbers of the pool 170…, bridges
    # logged) is what `anxin demo` and `anxin seed --demo` use.
    telephony_provider: str = ""
    # Notifications: the SMTP relay for e-mail, how often a message is tried before it is dead, the
    # webhook timeout, and the address links in messages point to.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "anxin@localhost"
    webhook_max_tries: int = 6
    webhook_timeout_seconds: float = 10.0
    # How long a delivery pass holds the rows it claimed: a worker that dies mid-send leaves them due
    # again when this runs out (notify/delivery.py). Longer than a pass takes to send what it claims.
    outbox_lease_seconds: float = Field(default=300.0, ge=5)
    public_base_url: str = "http://127.0.0.1:8000"
    # Evidence: an arrival or completion recorded farther than this from the address alerts the dispatchers.
    evidence_max_distance_m: int = 500
    # The service assistant may have a language model phrase its replies (knowledge/assistant_llm.py): an
    # OpenAI-compatible server's base URL (…/v1/chat/completions is called), the model, the key (sent as a
    # bearer token; none: no header) and the timeout. Unset (the default): the built-in replies only. Called
    # through the guarded client: a server on a private network needs it in outbound_allowed_networks.
    assistant_llm_url: str | None = None
    assistant_llm_model: str = ""
    assistant_llm_key: str | None = None
    assistant_llm_timeout_seconds: float = Field(default=3.0, gt=0, le=30)


@lru_cache
def get_settings() -> Settings:
    return Settings()
