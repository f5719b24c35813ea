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


def test_redact_hides_query_and_keyword_passwords():
    assert location.redact("postgresql://etl@h:5/db?password=hunter2&sslmode=require") == (
        "postgresql://etl:***@h:5/db?sslmode=require"
    )
    redacted = location.redact("host=h dbname=db user=etl password=hunter2")
    assert sorted(redacted.split()) == ["dbname=db", "host=h", "password=***", "user=etl"]


def test_keyword_strings_are_accepted_everywhere_a_url_is(monkeypatch):
    from psycopg.conninfo import conninfo_to_dict

    from phc_analytics.transform.resources import profile_env

    keywords = "host=127.0.0.1 port=5433 dbname=shop user=etl password=hunter2"
    monkeypatch.setenv(settings.ENV_DATABASE_URL, keywords)
    assert location.warehouse_url() == keywords
    monkeypatch.setenv(settings.ENV_DAGSTER_PG_URL, keywords)
    storage = location.dagster_storage_url()
    assert storage.startswith("postgresql+psycopg2://")
    assert conninfo_to_dict(location.to_libpq(storage)) == conninfo_to_dict(keywords)
    env = profile_env(keywords)
    assert (env["PHC_DBT_HOST"], env["PHC_DBT_PORT"], env["PHC_DBT_DBNAME"]) == (
        "127.0.0.1", "5433", "shop",
    )  # fmt: skip
    assert (env["PHC_DBT_USER"], env["DBT_ENV_SECRET_PHC_PASSWORD"]) == ("etl", "hunter2")


def test_unreadable_strings_are_refused_without_echoing_them(monkeypatch):
    monkeypatch.setenv(settings.ENV_DATABASE_URL, "host=h password=hunter2 dbname")
    with pytest.raises(PhcError) as excinfo:
        location.warehouse_url()
    assert settings.ENV_DATABASE_URL in str(excinfo.value)
    assert "hunter2" not in str(excinfo.value)
