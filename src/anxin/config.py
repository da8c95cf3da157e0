"""Settings from ANXIN_* environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANXIN_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'anxin.sqlite3'}"
    # The signing key for API tokens. The default is for the local demo only; production sets its own.
    secret_key: str = "anxin-demo-secret-change-me-in-production-0123456789"
    token_minutes: int = 12 * 60
    # How long a verified token's user is reused without reading it again (auth/token_cache.py); 0 = never.
    auth_cache_seconds: float = 10.0
    timezone: str = "Asia/Shanghai"
    upload_dir: Path = PROJECT_ROOT / "var" / "uploads"
    max_upload_bytes: int = 5 * 1024 * 1024
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
    # A road-network backend for travel times (an OSRM server); unset = the offline model.
    osrm_url: str | None = None
    # Background work (huey): Redis when set, else a SQLite file; immediate runs tasks inline (tests).
    redis_url: str | None = None
    huey_sqlite_path: Path = PROJECT_ROOT / "var" / "huey.sqlite3"
    huey_immediate: bool = False
    # Notifications: the SMTP relay for e-mail, how often a message is tried before it is dead, the
    # webhook timeout, and the address links in messages point to.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "anxin@localhost"
    webhook_max_tries: int = 6
    webhook_timeout_seconds: float = 10.0
    public_base_url: str = "http://127.0.0.1:8000"
    # Evidence: an arrival or completion recorded farther than this from the address alerts the dispatchers.
    evidence_max_distance_m: int = 500


@lru_cache
def get_settings() -> Settings:
    return Settings()
