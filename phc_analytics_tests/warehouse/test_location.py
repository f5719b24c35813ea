import pytest

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.warehouse import location


def test_redact_hides_the_password_only():
    url = "postgresql://etl:s3cr%40t@db.example.com:5432/shop"
    assert location.redact(url) == "postgresql://etl:***@db.example.com:5432/shop"
    assert location.redact("postgresql://etl@h/db") == "postgresql://etl@h/db"


def test_driver_scheme_conversions():
    assert location.to_sqlalchemy("postgresql://u:p@h:5/d") == "postgresql+psycopg2://u:p@h:5/d"
    assert location.to_sqlalchemy("postgres://u@h/d") == "postgresql+psycopg2://u@h/d"
    assert location.to_libpq("postgresql+psycopg2://u@h/d") == "postgresql://u@h/d"
    assert location.to_libpq("postgresql://u@h/d") == "postgresql://u@h/d"


def test_environment_url_wins_and_is_checked(monkeypatch):
    monkeypatch.setenv(settings.ENV_DATABASE_URL, "postgresql+psycopg2://u@h:1/d")
    assert location.warehouse_url() == "postgresql://u@h:1/d"
    monkeypatch.setenv(settings.ENV_DATABASE_URL, "mysql://u:hunter2@h/d")
    with pytest.raises(PhcError) as excinfo:
        location.warehouse_url()
    assert "postgresql://" in str(excinfo.value)
    assert "hunter2" not in str(excinfo.value)
