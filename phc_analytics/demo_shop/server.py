"""The Webservice HTTP server: PrestaShop 8.2.1's ``/api/`` behaviour over the shop file.

Threaded (one thread and one read-only SQLite connection per client connection, HTTP/1.1
keep-alive). Request handling follows ``webservice/dispatcher.php`` and
``WebserviceRequest::fetch``: key extraction, authentication, languages, resource, method,
then the GET itself, so errors come out in the same order and with the same codes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import re
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from phc_analytics.demo_shop import clock, deletes, render_json, render_xml, shop_context, store
from phc_analytics.demo_shop.faults import FaultConfig, FaultInjector
from phc_analytics.demo_shop.model import (
    LANGUAGE_IDS,
    NOT_GRANTED,
    PSWS_VERSION,
    RESOURCES,
    Resource,
)
from phc_analytics.demo_shop.query import (
    FULL,
    MINIMUM,
    ListQuery,
    WsError,
    build_list_query,
    did_you_mean,
    parse_display,
    parse_language,
    parse_query_string,
    php_int,
)
from phc_analytics.demo_shop.reference_data import SHOP_NAME
from phc_analytics.demo_shop.shop_context import SHOP_ASSOCIATED, Context, Installation, Redirect
from phc_analytics.errors import PhcError

REALM = (
    'Basic realm="Welcome to PrestaShop Webservice, please enter the authentication key as '
    'the login. No password required."'
)
VALID_METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE", "HEAD")
# The shop's key (the one the pipeline uses) is read-only, as a key for analytics should be;
# the admin key may also delete, like a back-office key with DELETE ticked.
READ_METHODS = ("GET", "HEAD")
ADMIN_METHODS = ("GET", "HEAD", "DELETE")
# WebserviceRequest::getResources 'forbidden_method', for the resources the demo serves.
FORBIDDEN_METHODS: dict[str, tuple[str, ...]] = {
    "stock_availables": ("POST", "DELETE"),
}
FRONT_PAGE = (
    b'<!doctype html>\n<html lang="en"><head><title>' + SHOP_NAME.encode() + b"</title></head>"
    b"<body><h1>" + SHOP_NAME.encode() + b"</h1><p>Welcome to our shop.</p></body></html>\n"
)
ROOT_JSON_FATAL = (
    b"<br />\n<b>Fatal error</b>:  Uncaught TypeError: array_filter(): Argument #1 ($array) "
    b"must be of type array, string given in "
    b"/var/www/html/classes/webservice/WebserviceOutputJSON.php:168\n"
)


@dataclass
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    records: int = 0
    send_body: bool = True


@dataclass
class _Request:
    started: float
    json: bool
    authenticated: bool = False
    methods: tuple[str, ...] = ()
    extra_headers: list[tuple[str, str]] = field(default_factory=list)
    context: Context | None = None


class WebserviceApp:
    """Turns one HTTP request into one Response, reading the shop file."""

    def __init__(self, shop_path: str | Path):
        self.shop_path = Path(shop_path)
        if not self.shop_path.exists():
            raise PhcError(f"No demo shop at {self.shop_path}: run `phc-analytics shop generate`.")
        self._local = threading.local()
        meta = store.get_meta(self._conn())
        self.ws_key = meta["ws_key"]
        self.admin_ws_key = admin_ws_key_for(int(meta["seed"]))
        self.installation, self.virtual_uris = load_installation(self._conn())

    def _conn(self):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = store.connect(self.shop_path, as_bytes=True)
        return conn

    # --- entry point -------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], host: str) -> Response:
        started = time.perf_counter()
        url = urlsplit(target)
        path = unquote(url.path)
        url_shop = self.installation.default
        for prefix, shop in self.virtual_uris:  # a virtual URI (/outlet/api/...) picks its shop
            if path.startswith(prefix + "api"):
                path, url_shop = path[len(prefix) - 1 :], shop
                break
        if path == "/":
            return Response(200, [("Content-Type", "text/html; charset=utf-8")], FRONT_PAGE)
        if not (path == "/api" or path.startswith("/api/")):
            return Response(404, [("Content-Type", "text/html")], b"Not Found")
        segments = path[len("/api/") :].split("/") if path != "/api" else [""]
        params = parse_query_string(url.query)
        if isinstance(params.get("ps_method"), str):
            method = params["ps_method"]
        req = _Request(started, json=self._wants_json(headers, params))
        # Shop::initialize runs in config.inc.php, before the Webservice looks at the key.
        context_error = None
        try:
            req.context = shop_context.resolve(params, url_shop, self.installation)
        except Redirect:
            return redirect_to_front(host, "/".join(segments), url.query)
        except WsError as e:
            context_error = e

        key = self._key(headers, params)
        if key is None:
            return Response(
                401,
                [("WWW-Authenticate", REALM), ("Content-Type", "text/html")],
                b"401 Unauthorized",
            )
        try:
            self._authenticate(key.strip(), req)
            languages = None
            if isinstance(params.get("language"), str):
                languages = parse_language(params["language"], LANGUAGE_IDS)
            res = self._check_resource(segments[0])
            self._check_method(method, segments[0], req.methods)
            if context_error is not None:
                raise context_error
            api_url = f"http://{host}/api/"
            if method == "DELETE" and res is not None:
                return self._delete(req, res, segments, params)
            if res is None:
                response = self._root(req, api_url)
            elif len(segments) > 1 and segments[1] != "":
                response = self._single(req, res, php_int(segments[1]), params, languages, api_url)
            else:
                response = self._list(req, res, params, languages, api_url)
        except WsError as e:
            return self._error(req, e)
        if method == "HEAD":
            response.send_body = False
        local_sha1 = headers.get("local-content-sha1")
        if (
            response.status == 200
            and local_sha1
            and local_sha1 == _header(response, "Content-Sha1")
        ):
            response.status = 304
            response.send_body = False
        return response

    # --- dispatcher and checks ---------------------------------------------------------------

    @staticmethod
    def _wants_json(headers: dict[str, str], params: dict) -> bool:
        for value in (
            headers.get("io-format"),
            headers.get("output-format"),
            params.get("output_format"),
            params.get("io_format"),
        ):
            if value is not None:
                return value == "JSON"  # case-sensitive: "json" silently gives XML
        return False

    @staticmethod
    def _key(headers: dict[str, str], params: dict) -> str | None:
        auth = headers.get("authorization", "")
        m = re.match(r"Basic\s+(.*)$", auth, re.I)
        if m:
            try:
                decoded = base64.b64decode(m.group(1), validate=False).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                decoded = ""
            return re.sub(r"<[^>]*>", "", decoded.split(":", 1)[0])
        key = params.get("ws_key")
        return key if isinstance(key, str) else None

    def _authenticate(self, key: str, req: _Request) -> None:
        if key == "":
            errors = [(17, "Authentication key is empty")]
        elif len(key) != 32:
            errors = [(18, "Invalid authentication key format")]
        elif key not in (self.ws_key, self.admin_ws_key):
            errors = [
                (20, "Authentification key is not active"),
                (21, "No permission for this authentication key"),
            ]
        else:
            req.authenticated = True
            req.methods = ADMIN_METHODS if key == self.admin_ws_key else READ_METHODS
            return
        req.extra_headers.append(("WWW-Authenticate", REALM))
        raise WsError(401, errors)

    @staticmethod
    def _check_resource(name: str) -> Resource | None:
        if name == "":
            return None
        if name in RESOURCES:
            return RESOURCES[name]
        if name in NOT_GRANTED:
            raise WsError(
                401,
                [(26, f'Resource of type "{name}" is not allowed with this authentication key')],
            )
        known = sorted((*RESOURCES, *NOT_GRANTED))
        raise WsError(
            400, [(27, did_you_mean(f'Resource of type "{name}" does not exists', name, known))]
        )

    @staticmethod
    def _check_method(method: str, resource: str, granted: tuple[str, ...]) -> None:
        if method not in VALID_METHODS:
            raise WsError(405, [(23, f"Method {method} is not valid")])
        if method in FORBIDDEN_METHODS.get(resource, ()):
            raise WsError(
                405, [(101, f"Method {method} is not allowed for the resource {resource}")]
            )
        if method not in granted:
            raise WsError(
                405,
                [
                    (
                        25,
                        f"Method {method} is not allowed for the resource {resource} "
                        "with this authentication key",
                    )
                ],
            )

    # --- GET ---------------------------------------------------------------------------------

    def _root(self, req: _Request, api_url: str) -> Response:
        if req.json:
            # 8.x dies in WebserviceOutputJSON::overrideContent on the resource list.
            return Response(500, [("Content-Type", "text/html")], ROOT_JSON_FATAL)
        return self._ok(req, render_xml.resource_list(api_url, SHOP_NAME), 0)

    def _single(self, req, res: Resource, record_id: int, params, languages, api_url) -> Response:
        display = params.get("display")
        names = list(res.field_names)
        parsed = parse_display(display, res, names) if isinstance(display, str) else None
        raw = store.fetch_one(self._conn(), res, record_id) if record_id > 0 else None
        if raw is None:
            return Response(404, self._headers(req, ""), b"")
        if self.installation.multistore:
            raw = self._in_context(req, res, record_id, raw)
        record = render_json.parse(raw)
        if parsed is None:
            if languages is not None:
                record = render_json.select_languages(res, record, languages)
            if req.json:
                return self._ok(req, render_json.single(res, record), 1)
            return self._ok(req, render_xml.single(res, record, api_url), 1)
        # With any display parameter the object comes back as a one-element list.
        if parsed == MINIMUM:
            return self._ok(req, self._minimal(req, res, [record_id], api_url), 1)
        record = render_json.project(res, record, parsed, languages)
        if req.json:
            return self._ok(req, render_json.list_records(res, [record]), 1)
        return self._ok(req, render_xml.list_records(res, [record], api_url), 1)

    def _in_context(self, req: _Request, res: Resource, record_id: int, raw: bytes) -> bytes:
        """A record of a shop-associated table must belong to one of the request's shops
        (404 code 131) and shows the context shop's values; orders, customers and carts are
        served whatever their shop."""
        ctx = req.context
        conn = self._conn()
        if res.name in SHOP_ASSOCIATED:
            rows = dict(
                conn.execute(
                    "SELECT id_shop, overrides FROM shop_values WHERE resource = ? AND "
                    f"record_id = ? AND id_shop IN ({','.join(map(str, ctx.ids))})",
                    (res.name, record_id),
                ).fetchall()
            )
            if not rows:
                raise WsError(404, [(131, not_in_shop(res.name, record_id))])
            return store.with_overrides(raw, rows.get(ctx.shop, b"{}"))
        if res.name == "stock_availables":
            q = ListQuery(where=["id = ?"], params=[record_id])
            self._restrict(q, res, ctx)
            if not store.fetch_list(conn, res, q, ids_only=True):
                raise WsError(404, [(131, not_in_shop(res.name, record_id))])
        return raw

    def _restrict(self, q, res: Resource, ctx: Context) -> None:
        """The shop condition PrestaShop adds to the list SQL of this resource, if any."""
        inst = self.installation
        if res.name == "orders":
            q.where.append(
                _in(
                    "CAST(json_extract(json, '$.id_shop') AS INTEGER)",
                    shop_context.order_shops(ctx, inst),
                )
            )
        elif res.name == "customers":
            column, ids = shop_context.customer_restriction(ctx, inst)
            q.where.append(_in(f"CAST(json_extract(json, '$.{column}') AS INTEGER)", ids))
        elif res.name == "stock_availables":
            shops, groups = shop_context.stock_restriction(ctx, inst)
            q.where.append(
                _in("CAST(json_extract(json, '$.id_shop') AS INTEGER)", shops)
                + " OR (CAST(json_extract(json, '$.id_shop') AS INTEGER) = 0 AND "
                + _in("CAST(json_extract(json, '$.id_shop_group') AS INTEGER)", groups)
                + ")"
            )
        elif res.name in SHOP_ASSOCIATED:
            q.shop_values = (res.name, ctx.shop)

    def _list(self, req, res: Resource, params, languages, api_url) -> Response:
        q = build_list_query(params, res, list(languages or LANGUAGE_IDS))
        conn = self._conn()
        if self.installation.multistore:
            self._restrict(q, res, req.context)
        if q.display == MINIMUM:
            ids = store.fetch_list(conn, res, q, ids_only=True)
            return self._ok(req, self._minimal(req, res, ids, api_url), len(ids))
        rows = store.fetch_list(conn, res, q, ids_only=False)
        if req.json and q.display == FULL and languages is None:
            return self._ok(req, render_json.list_full(res, rows), len(rows))
        display = q.display if q.display != FULL else None
        records = [render_json.parse(r) for r in rows]
        if display is not None or languages is not None:
            records = [render_json.project(res, r, display or FULL, languages) for r in records]
        if req.json:
            return self._ok(req, render_json.list_records(res, records), len(records))
        return self._ok(req, render_xml.list_records(res, records, api_url), len(records))

    @staticmethod
    def _minimal(req: _Request, res: Resource, ids: list[int], api_url: str) -> bytes:
        if req.json:
            return render_json.list_minimal(res, ids)
        return render_xml.list_minimal(res, ids, api_url)

    # --- DELETE ------------------------------------------------------------------------------

    def _delete(self, req: _Request, res: Resource, segments: list[str], params) -> Response:
        """WebserviceRequest::executeEntityDelete: every id must exist before anything goes;
        then one delete() per id, no transaction around them, so the ids deleted before a
        failure stay deleted. Success is 200 with an empty body and no content type."""
        ids = delete_ids(segments, params)
        with store.writing(self.shop_path) as conn:
            unknown = [i for i in ids if not deletes.exists(conn, res.name, i)]
            if not ids or unknown:
                listed = ", ".join(str(i) for i in unknown)
                raise WsError(404, [(87, f"Id(s) not exists: {listed}")])
            now = clock.parse(store.get_meta(conn)["clock"])
            failed = []
            for record_id in ids:
                conn.execute("SAVEPOINT one_delete")
                if delete_record(conn, res.name, record_id, now):
                    conn.execute("RELEASE one_delete")
                else:
                    conn.execute("ROLLBACK TO one_delete")
                    conn.execute("RELEASE one_delete")
                    failed.append(record_id)
        if failed:
            listed = ", ".join(str(i) for i in failed)
            raise WsError(500, [(88, f"Id(s) wasn't deleted: {listed}")])
        return Response(200, self._headers(req, ""), b"")

    # --- responses ---------------------------------------------------------------------------

    def _headers(self, req: _Request, content_type: str, sha1: str | None = None):
        elapsed = f"{time.perf_counter() - req.started:.3f}".rstrip("0").rstrip(".") or "0"
        headers = [
            ("Access-Time", str(int(time.time()))),
            ("X-Powered-By", "PrestaShop Webservice"),
            ("PSWS-Version", PSWS_VERSION if req.authenticated else "0"),
            ("Content-Type", content_type),
            ("Execution-Time", elapsed),
        ]
        if sha1:
            headers.append(("Content-Sha1", sha1))
        return headers + req.extra_headers

    def _ok(self, req: _Request, body: bytes, records: int) -> Response:
        content_type = "application/json" if req.json else "text/xml"
        sha1 = hashlib.sha1(body).hexdigest()  # noqa: S324 - PrestaShop's cache header
        return Response(200, self._headers(req, content_type, sha1), body, records)

    def _error(self, req: _Request, e: WsError) -> Response:
        if req.json:
            body, content_type = render_json.errors_body(e.errors), "application/json"
        else:
            body, content_type = render_xml.errors_body(e.errors), "text/xml"
        return Response(e.status, self._headers(req, content_type), body)


def _in(expr: str, ids: tuple[int, ...]) -> str:
    return f"{expr} IN ({','.join(str(int(i)) for i in ids)})"


def not_in_shop(resource: str, record_id: int) -> str:
    name = SHOP_ASSOCIATED.get(resource, "StockAvailable")
    return f"This {name} ({record_id}) does not exists on this shop"


def load_installation(conn) -> tuple[Installation, list[tuple[str, int]]]:
    """The shops and groups of the shop file, and the virtual URI prefixes that pick a shop."""
    shops = [render_json.parse(r[0]) for r in conn.execute("SELECT json FROM shops ORDER BY id")]
    try:
        groups = [render_json.parse(r[0]) for r in conn.execute("SELECT json FROM shop_groups")]
        urls = [render_json.parse(r[0]) for r in conn.execute("SELECT json FROM shop_urls")]
    except sqlite3.OperationalError:  # a shop file from before the multistore tables
        groups, urls = [], []
    stores = {
        int(s["id"]): shop_context.Store(int(s["id"]), int(s["id_shop_group"]), s["active"] == "1")
        for s in shops
    }
    group_rows = {
        int(g["id"]): shop_context.Group(
            int(g["id"]),
            g["share_customer"] == "1",
            g["share_order"] == "1",
            g["share_stock"] == "1",
            g["active"] == "1",
        )
        for g in groups
    } or {1: shop_context.Group(1, False, False, False)}
    uris = sorted(
        ((f"/{u['virtual_uri']}", int(u["id_shop"])) for u in urls if u["virtual_uri"]),
        key=lambda item: -len(item[0]),
    )
    return Installation(stores, group_rows, 1), uris


def redirect_to_front(host: str, url: str, query: str) -> Response:
    """Shop::initialize's answer to an unknown or inactive ``id_shop``: a redirect to the
    default shop's front page with the query minus ``id_shop`` (301: PS_CANONICAL_REDIRECT is
    off), before any Webservice code runs."""
    kept = [p for p in query.split("&") if p and not p.startswith("id_shop=")]
    location = f"http://{host}/?url={url}" + "".join(f"&{p}" for p in kept)
    return Response(301, [("Location", location), ("Content-Type", "text/html")], b"")


def admin_ws_key_for(seed: int) -> str:
    """The demo shop's second key, allowed to DELETE (the shop's key is read-only)."""
    return (
        hashlib.md5(f"phc-demo-shop-admin:{seed}".encode(), usedforsecurity=False)
        .hexdigest()
        .upper()
    )


def delete_ids(segments: list[str], params: dict) -> list[int]:
    """The ids a DELETE names: ``/api/customers/5``, or ``?id=[1,2,3]`` (brackets required:
    ``?id=5`` names none; no id at all becomes 0, which exists nowhere)."""
    if len(segments) > 1 and segments[1] != "":
        return [php_int(segments[1])]
    value = params.get("id")
    if value is None:
        return [0]
    if isinstance(value, str) and value.startswith("[") and value.endswith("]"):
        return [php_int(part) for part in value[1:-1].split(",")]
    return []


def delete_record(conn, resource: str, record_id: int, now: int) -> bool:
    """One object's delete(), with the class's own semantics where it has some."""
    special = {
        "customers": lambda: deletes.delete_customer(conn, record_id, now),
        "addresses": lambda: deletes.delete_address(conn, record_id, now),
        "products": lambda: deletes.delete_product(conn, record_id),
        "categories": lambda: deletes.delete_category(conn, record_id),
        "carts": lambda: deletes.delete_cart(conn, record_id),
    }
    if resource in special:
        return special[resource]()
    # ObjectModel::delete: the row only (an order's lines and history stay, orphaned).
    return conn.execute(f"DELETE FROM {resource} WHERE id = ?", (record_id,)).rowcount > 0


def _header(response: Response, name: str) -> str | None:
    return next((v for k, v in response.headers if k == name), None)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Apache"
    sys_version = ""

    def handle_one_request(self) -> None:
        # BaseHTTPRequestHandler only dispatches methods it has do_X for; PrestaShop answers
        # any method (405 code 23 for unknown ones), so every request goes through _serve.
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline or len(self.raw_requestline) > 65536:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self._serve()
            self.wfile.flush()
        except (TimeoutError, ConnectionError):
            self.close_connection = True

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        server: _HTTPServer = self.server  # type: ignore[assignment]
        fault = server.faults.decide()
        if fault == "drop":
            self._drop()
            return
        if fault in ("500", "503"):
            self._write(Response(int(fault), [("Content-Type", "text/html")], _FAULT_BODY[fault]))
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        host = self.headers.get("Host") or f"{server.server_address[0]}:{server.server_port}"
        response = server.app.handle(self.command, self.path, headers, host)
        delay = server.faults.delay_seconds(response.records)
        if delay:
            time.sleep(delay)
        if fault == "truncate" and response.body:
            self._write(response, cut=len(response.body) // 2)
            self._drop()
            return
        self._write(response)

    def _write(self, response: Response, cut: int | None = None) -> None:
        self.send_response_only(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if response.send_body and self.command != "HEAD":
            self.wfile.write(response.body if cut is None else response.body[:cut])

    def _drop(self) -> None:
        self.close_connection = True
        self.wfile.flush()
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args) -> None:
        pass


_FAULT_BODY = {
    "500": b"<br />\n<b>Fatal error</b>:  Allowed memory size exhausted\n",
    "503": b"<html><body><h1>503 Service Unavailable</h1></body></html>\n",
}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, app: WebserviceApp, faults: FaultInjector):
        self.app = app
        self.faults = faults
        super().__init__(address, _Handler)


class DemoShopServer:
    """The demo shop's Webservice, served from a background thread.

    >>> with DemoShopServer(path) as server:        # port 0 picks a free port
    ...     requests.get(f"{server.url}/api/orders", auth=(server.ws_key, ""))
    """

    def __init__(
        self,
        shop_path: str | Path,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: FaultConfig | None = None,
    ):
        self.app = WebserviceApp(shop_path)
        try:
            self._httpd = _HTTPServer(
                (host, port), self.app, FaultInjector(faults or FaultConfig())
            )
        except OSError as e:
            raise PhcError(
                f"Cannot listen on {host}:{port} ({e.strerror}); pick another --port."
            ) from e
        self.host = host
        self.port = self._httpd.server_port
        self.url = f"http://{host}:{self.port}"
        self.ws_key = self.app.ws_key
        self.admin_ws_key = self.app.admin_ws_key
        self._thread: threading.Thread | None = None

    def start(self) -> DemoShopServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="demo-shop-server", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI)."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=10)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> DemoShopServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
