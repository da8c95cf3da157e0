"""The migrations build exactly the schema the models describe, and step back down cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from typer.testing import CliRunner

from anxin import migrate
from anxin.cli import app
from anxin.database import make_engine
from anxin.models import Base


def test_the_migrated_schema_matches_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_downgrade_to_base_and_back_up(tmp_path):
    url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    migrate.downgrade(url, "base")
    assert inspect(engine).get_table_names() == ["alembic_version"]
    migrate.upgrade(url)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_cli_migrates_the_configured_database(tmp_path, monkeypatch):
    from anxin.config import get_settings

    url = f"sqlite:///{tmp_path / 'nested' / 'cli.sqlite3'}"
    monkeypatch.setenv("ANXIN_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    assert "work_order_event" in inspect(engine).get_table_names()
    engine.dispose()
