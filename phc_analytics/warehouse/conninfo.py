"""PostgreSQL connection strings in both of libpq's forms, read the way libpq reads them.

A URL (``postgresql://user:pw@host:5432/db?sslmode=require``) and a keyword string
(``host=... dbname=... user=... password=...``) are both accepted wherever the project takes a
connection string. psycopg's ``conninfo_to_dict`` is libpq's own parser, so every form of the
password (``user:pw@``, ``?password=``, ``password=``) lands in one key, and whatever is
rebuilt from it means what the original meant.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo

MASK = "***"
URL_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def scheme(conninfo: str) -> str | None:
    """The URL scheme, or None for a keyword string."""
    match = _SCHEME.match(conninfo)
    return match.group(1) if match else None


def is_url(conninfo: str) -> bool:
    return scheme(conninfo) is not None


def parse(conninfo: str) -> dict[str, str] | None:
    """libpq's reading of the string, or None when libpq cannot read it.

    psycopg's own error quotes the string, password included, so it is not passed on.
    """
    try:
        return {key: str(value) for key, value in conninfo_to_dict(conninfo).items()}
    except psycopg.ProgrammingError:
        return None


def to_url(params: dict[str, str], scheme: str = "postgresql") -> str:
    """A URL that libpq reads as ``params``.

    One TCP host goes in the authority; several hosts or a socket directory go in the query,
    which libpq also accepts. ``***`` stays readable in a redacted password.
    """
    rest = dict(params)
    user, password = rest.pop("user", None), rest.pop("password", None)
    host, port, dbname = rest.pop("host", ""), rest.pop("port", ""), rest.pop("dbname", "")
    auth = ""
    if user is not None or password is not None:
        auth = quote(user or "", safe="")
        if password is not None:
            auth += ":" + quote(password, safe="*")
        auth += "@"
    authority = ""
    if "," in host or host.startswith("/") or "," in port:
        rest = {"host": host, "port": port, **rest} if port else {"host": host, **rest}
    elif host:
        authority = f"[{host}]" if ":" in host else host
        authority += f":{port}" if port else ""
    elif port:
        rest = {"port": port, **rest}
    query = f"?{urlencode(rest)}" if rest else ""
    return f"{scheme}://{auth}{authority}/{quote(dbname, safe='')}{query}"


def without_driver(conninfo: str) -> str:
    """SQLAlchemy's ``postgresql+psycopg2://`` as libpq's ``postgresql://``."""
    found = scheme(conninfo)
    if found and "+" in found:
        return "postgresql://" + conninfo[len(found) + 3 :]
    return conninfo


def render(params: dict[str, str], like: str) -> str:
    """``params`` written in the same form (URL with the same scheme, or keywords) as ``like``."""
    found = scheme(like)
    return to_url(params, scheme=found) if found else make_conninfo("", **params)


# A URL's userinfo password up to the authority's LAST '@': a password pasted with a raw '@'
# makes libpq (which splits at the first '@') read part of it as the host, and that part must
# not be printed either.
_URL_PASSWORD = re.compile(
    r"^([A-Za-z][A-Za-z0-9+.-]*://[^/?#:@]*:)([^/?#]+)@(?=[^/?#@]*(?:[/?#]|$))"
)


def redact(conninfo: str) -> str:
    """The string with its password replaced by ``***``, whichever form carried it."""
    conninfo = _URL_PASSWORD.sub(rf"\1{MASK}@", conninfo)
    params = parse(without_driver(conninfo))
    if params is None:
        return "<a connection string libpq cannot read>"
    if "password" not in params:
        return conninfo
    return render({**params, "password": MASK}, like=conninfo)


def with_login(conninfo: str, user: str, password: str | None) -> str:
    """The same server and database, logged in as ``user`` (with ``password``, if any)."""
    params = parse(without_driver(conninfo)) or {}
    params.pop("password", None)
    params["user"] = user
    if password:
        params["password"] = password
    return render(params, like=conninfo)
