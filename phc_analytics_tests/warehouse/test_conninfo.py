"""Connection strings in libpq's two forms: read by libpq, rebuilt to mean the same, redacted."""

import pytest
from psycopg.conninfo import conninfo_to_dict

from phc_analytics.warehouse import conninfo

SECRET = "s3cr@t:/ x"

# Every way libpq lets a password in, and the shapes of host a URL can carry.
FORMS = [
    "postgresql://etl:s3cr%40t%3A%2F%20x@db.example.com:5432/shop",
    "postgresql://etl@db.example.com:5432/shop?password=s3cr%40t%3A%2F%20x&sslmode=require",
    "postgresql://etl:other@db.example.com/shop?password=s3cr%40t%3A%2F%20x",
    "host=db.example.com port=5432 dbname=shop user=etl password='s3cr@t:/ x'",
    "postgres://etl:s3cr%40t%3A%2F%20x@h1:5432,h2:5433/shop?target_session_attrs=read-write",
    "postgresql://etl:s3cr%40t%3A%2F%20x@/shop?host=/var/run/postgresql",
    "postgresql://etl:s3cr%40t%3A%2F%20x@[::1]:5432/shop",
]


@pytest.mark.parametrize("url", FORMS)
def test_redact_hides_every_password_form_and_keeps_the_rest(url: str):
    redacted = conninfo.redact(url)
    assert "s3cr" not in redacted and "other" not in redacted
    assert conninfo.is_url(redacted) == conninfo.is_url(url)
    params = conninfo_to_dict(url)
    assert conninfo_to_dict(redacted) == {**params, "password": "***"}


@pytest.mark.parametrize("url", FORMS)
def test_url_rebuilt_from_libpqs_reading_means_the_same(url: str):
    params = conninfo_to_dict(url)
    assert params["password"] == SECRET
    assert conninfo_to_dict(conninfo.to_url(params)) == params


def test_strings_without_a_password_are_left_as_they_are():
    for url in ("postgresql://etl@h/db", "host=h dbname=db user=etl"):
        assert conninfo.redact(url) == url


def test_an_unreadable_string_is_not_echoed():
    assert "hunter2" not in conninfo.redact("host=h password=hunter2 dbname")
    assert conninfo.parse("host=h password=hunter2 dbname") is None


def test_sqlalchemy_driver_scheme_is_read_and_kept():
    redacted = conninfo.redact("postgresql+psycopg2://u:hunter2@h:5/d?password=hunter2")
    assert redacted == "postgresql+psycopg2://u:***@h:5/d"


def test_with_login_swaps_user_and_password_in_either_form():
    url = conninfo.with_login("postgresql://admin:pw@h:5/d?sslmode=require", "phc_bi", "bi pw")
    assert conninfo_to_dict(url) == {
        "user": "phc_bi", "password": "bi pw", "host": "h", "port": "5", "dbname": "d",
        "sslmode": "require",
    }  # fmt: skip
    keywords = conninfo.with_login("host=h dbname=d user=admin password=pw", "phc_etl", None)
    assert not conninfo.is_url(keywords)
    assert conninfo_to_dict(keywords) == {"host": "h", "dbname": "d", "user": "phc_etl"}
