"""Properties of the URL helpers: redaction hides the password and nothing else."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from hypothesis import given
from hypothesis import strategies as st

from phc_analytics.warehouse.location import redact, to_libpq, to_sqlalchemy

names = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
hosts = st.sampled_from(["h", "127.0.0.1", "db.example.com", "s.postgres.database.azure.com"])


@st.composite
def database_urls(draw, with_password=True):
    scheme = draw(st.sampled_from(["postgresql", "postgres", "postgresql+psycopg2"]))
    user = draw(names.filter(bool))
    # An empty password (`user:@host`) hides nothing: libpq reads it as no password at all.
    password = draw(names.filter(bool)) if with_password else None
    # Passwords are percent-encoded, or pasted with ':', '@' and other punctuation left raw (only
    # '/', '?' and '#' would end the authority, which no parser can then recover).
    safe = draw(st.sampled_from(["", ":@!$&'()*+,;=%"]))
    userinfo = quote(user, safe="")
    if password is not None:
        userinfo += ":" + quote(password, safe=safe)
    port = draw(st.none() | st.integers(1, 65535))
    netloc = f"{userinfo}@{draw(hosts)}" + (f":{port}" if port else "")
    path = "/" + quote(draw(names), safe="")
    query = draw(st.sampled_from(["", "?sslmode=require", "?application_name=phc&sslmode=disable"]))
    return f"{scheme}://{netloc}{path}{query}"


def parts(url: str):
    p = urlsplit(url)
    return p.scheme, p.username, p.hostname, p.port, p.path, p.query


@given(database_urls())
def test_redaction_replaces_the_password_and_keeps_everything_else(url):
    redacted = redact(url)
    assert urlsplit(redacted).password == "***"
    assert parts(redacted) == parts(url)
    assert redact(redacted) == redacted


@given(database_urls(with_password=False))
def test_a_url_without_a_password_is_left_alone(url):
    assert redact(url) == url


@given(database_urls())
def test_driver_scheme_conversions_change_the_scheme_only(url):
    libpq, alchemy = to_libpq(url), to_sqlalchemy(url)
    assert urlsplit(libpq).scheme in ("postgresql", "postgres")
    assert urlsplit(alchemy).scheme == "postgresql+psycopg2"
    for converted in (libpq, alchemy):
        assert parts(converted)[1:] == parts(url)[1:]
        assert urlsplit(converted).password == urlsplit(url).password
    assert to_sqlalchemy(libpq) == alchemy
    assert to_libpq(alchemy) == alchemy.replace("postgresql+psycopg2://", "postgresql://", 1)
