"""The Webservice list grammar (filter, display, sort, limit, date, language) as pure functions.

Each parser mirrors PrestaShop 8.2.1 ``WebserviceRequest::manageFilters``/``setFieldsToDisplay``
and ``SQLUtils::getSQLRetrieveFilter``, including the order in which errors are detected
(filters, then display, then sort, then limit) and the exact error codes and messages.
SQL is produced for SQLite, where the store keeps a few real columns and the rest of each
record as pre-rendered JSON.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from phc_analytics.demo_shop.model import Resource


class WsError(Exception):
    """A Webservice error response: HTTP status and the (code, message) list it carries."""

    def __init__(self, status: int, errors: list[tuple[int, str]]):
        super().__init__(errors[-1][1])
        self.status = status
        self.errors = errors


# --- PHP value semantics ---------------------------------------------------------------------

_PHP_INT = re.compile(r"\s*([+-]?\d+)")
_MYSQL_NUM = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_PHP_NUMERIC = re.compile(r"\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$")


def php_int(value: str) -> int:
    """PHP ``(int)`` cast of a string: its leading integer, else 0."""
    m = _PHP_INT.match(value)
    return int(m.group(1)) if m else 0


def mysql_number(value: str) -> float:
    """How MySQL reads a string literal compared with a numeric column: its numeric prefix."""
    m = _MYSQL_NUM.match(value)
    return float(m.group(0)) if m else 0.0


def php_is_numeric(value: str) -> bool:
    return bool(_PHP_NUMERIC.match(value))


def php_empty(value: object) -> bool:
    return value in (None, "", "0") or value == {} or value == []


def parse_query_string(qs: str) -> dict:
    """Parse a query string the way PHP fills ``$_GET`` (``filter[id]=1`` -> nested dict)."""
    params: dict = {}
    for pair in qs.split("&"):
        if not pair:
            continue
        raw_key, _, raw_value = pair.partition("=")
        key, value = unquote_plus(raw_key), unquote_plus(raw_value)
        bracket = key.find("[")
        if bracket <= 0:
            params[key] = value
            continue
        path = [key[:bracket]]
        rest = key[bracket:]
        while rest.startswith("["):
            end = rest.find("]")
            if end < 0:
                break
            path.append(rest[1:end])
            rest = rest[end + 1 :]
        node = params
        for part in path[:-1]:
            if not isinstance(node.get(part), dict):
                node[part] = {}
            node = node[part]
        last = path[-1]
        node[last if last != "" else str(len(node))] = value
    return params


def levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def closest(word: str, words: list[str]) -> str:
    """``WebserviceRequest::getClosest``: ties go to the later word, as in the PHP loop."""
    best, shortest = "", -1
    for candidate in words:
        dist = levenshtein(word, candidate)
        if dist == 0:
            return candidate
        if dist <= shortest or shortest < 0:
            best, shortest = candidate, dist
    return best


def did_you_mean(label: str, value: str, available: list[str]) -> str:
    text = f'{label}. Did you mean: "{closest(value, available)}"?'
    if len(available) > 1:
        text += ' The full list is: "' + '", "'.join(available) + '"'
    return text


# --- filter values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """One parsed filter value. op: eq, in, between, like, gt, lt, not_in."""

    op: str
    values: tuple[str, ...]


_FILTER = re.compile(r"^(.*)\[(.*)\](.*)$", re.S)
_RANGE = re.compile(r"^([\d.:\-\s]+),([\d.:\-\s]+)$")


def _php_sort_key(value: str):
    return (0, float(value), "") if php_is_numeric(value) else (1, 0.0, value)


def parse_filter_value(value: str) -> Condition | None:
    """``SQLUtils::getSQLRetrieveFilter``. None means the value adds no condition at all."""
    m = _FILTER.match(value)
    if not m:
        return Condition("eq", (value,))
    before, inner, after = m.groups()
    if before == "%" or after == "%":
        return Condition("like", (before + inner + after,))
    if before == "" and after == "":
        if inner.find("|") > 0:
            return Condition("in", tuple(inner.split("|")))
        r = _RANGE.match(inner)
        if r:
            lo, hi = sorted(r.groups(), key=_php_sort_key)
            return Condition("between", (lo, hi))
        return Condition("eq", (inner,))
    if before == ">" and after == "":
        return Condition("gt", (inner,))
    if before == "<" and after == "":
        return Condition("lt", (inner,))
    if before == "!" and after == "":
        return Condition("not_in", tuple(inner.split("|")))
    return None


# --- display ---------------------------------------------------------------------------------

MINIMUM = "minimum"
FULL = "full"


def parse_display_fields(text: str) -> dict[str, list[str] | None]:
    """``WebserviceRequest::parseDisplayFields``: top-level commas split, ``assoc[a,b]``."""
    parts, level, tmp = [], 0, ""
    for ch in text:
        if ch == "," and level == 0:
            parts.append(tmp)
            tmp = ""
        else:
            tmp += ch
        if ch == "[":
            level += 1
        elif ch == "]":
            level -= 1
    if tmp != "":
        parts.append(tmp)
    fields: dict[str, list[str] | None] = {}
    for part in parts:
        pos = part.find("[")
        name = (part if pos < 0 else part[:pos]).strip()
        fields.setdefault(name, None)
        if pos >= 0:
            subs = part[pos + 1 : len(part) - 1].split(",")
            current = fields[name]
            fields[name] = [*current, *subs] if isinstance(current, list) else subs
    return fields


def _var_export(values: list[str]) -> str:
    lines = "".join(f"  {i} => '{v}',\n" for i, v in enumerate(values))
    return f"array (\n{lines})"


def parse_display(value: str | None, resource: Resource, field_names: list[str]):
    """Return MINIMUM, FULL, or a dict {field: None | [association sub-fields]}."""
    if value is None or value == MINIMUM:
        return MINIMUM
    if value == FULL:
        return FULL
    m = re.match(r"^\[(.*)\]$", value, re.S)
    available = ", ".join(field_names)
    if not m:
        raise WsError(
            400,
            [
                (
                    36,
                    "The 'display' syntax is wrong. You can set 'full' or "
                    f"'[field_1,field_2,field_3,...]'. These are available: {available}",
                )
            ],
        )
    fields = parse_display_fields(m.group(1))
    for name, subs in fields.items():
        if subs is None:
            bad = name not in field_names
        else:
            assoc = resource.association(name)
            bad = assoc is None or any(s != "id" and s not in assoc.fields for s in subs)
        if bad:
            detail = f" (details : {_var_export(subs)})" if subs is not None else ""
            raise WsError(
                400,
                [
                    (
                        35,
                        f'Unable to display this field "{name}{detail}". '
                        f"However, these are available: {available}",
                    )
                ],
            )
    return fields


# --- languages -------------------------------------------------------------------------------


def parse_language(value: str, existing: tuple[str, ...]) -> list[str]:
    """``WebserviceRequest::filterLanguage``; returns the language ids to render."""
    langs: list[str] = []
    if php_is_numeric(value):
        langs = [str(php_int(value))]
    elif value.startswith("[") and value.endswith("]") and len(value) > 1:
        inner = value.replace("[", "").replace("]", "")
        if ("|" in value) != ("," in value):
            if "|" in inner:
                langs = inner.split("|")
            else:
                bounds = inner.split(",")
                if len(bounds) != 2:
                    raise WsError(
                        400, [(78, "A range value for a language must contains only 2 values")]
                    )
                langs = [str(i) for i in range(php_int(bounds[0]), php_int(bounds[1]) + 1)]
        else:
            m = re.search(r"\[(\d)+\]", value)
            if m:
                langs = [m.group(1)]
    else:
        raise WsError(400, [(79, "language value is wrong")])
    numeric = [php_is_numeric(x) for x in langs]
    # PHP tests array_search(false, ...) for truthiness, so a bad *first* id slips through.
    if False in numeric and numeric.index(False) > 0:
        raise WsError(400, [(80, "Language ID must be numeric")])
    kept = [str(php_int(x)) for x in langs if php_is_numeric(x) and str(php_int(x)) in existing]
    if not kept:
        raise WsError(400, [(81, "language is not available")])
    return kept


# --- the whole list request ------------------------------------------------------------------


@dataclass
class ListQuery:
    where: list[str] = field(default_factory=list)
    params: list = field(default_factory=list)
    order_by: list[str] = field(default_factory=list)
    limit: tuple[int, int] | None = None
    display: object = MINIMUM
    # The SQL PrestaShop would run fails (unknown column) and the error is swallowed: [].
    always_empty: bool = False
    # (resource, shop): join the shop's association rows and show its values (multistore).
    shop_values: tuple[str, int] | None = None


def available_filters(resource: Resource, date: bool) -> tuple[list[str], list[str]]:
    plain = [f.name for f in resource.fields if not f.i18n]
    i18n = [f.name for f in resource.fields if f.i18n]
    if date:
        plain += [d for d in ("date_add", "date_upd") if d not in plain]
    else:
        plain = [n for n in plain if n not in ("date_add", "date_upd")]
    return plain, i18n


def column_expr(resource: Resource, name: str) -> str:
    if name == "id" or name in resource.indexed:
        return name
    return f"json_extract(json, '$.{name}')"


def _compare_value(kind: str, value: str):
    if kind == "n":
        return mysql_number(value)
    if kind == "t" and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        # MySQL reads a bare date compared with a DATETIME as midnight of that day.
        return value + " 00:00:00"
    return value


def condition_sql(cond: Condition, expr: str, kind: str) -> tuple[str, list]:
    """SQLite for one condition, comparing the way MySQL compares that column type."""
    if kind == "n" and not expr.isidentifier():
        expr = f"CAST({expr} AS REAL)"
    collate = " COLLATE NOCASE" if kind == "s" else ""

    def val(v: str):
        return _compare_value(kind, v)

    if cond.op == "eq":
        return f"{expr} = ?{collate}", [val(cond.values[0])]
    if cond.op == "in":
        return "(" + " OR ".join(f"{expr} = ?{collate}" for _ in cond.values) + ")", [
            val(v) for v in cond.values
        ]
    if cond.op == "between":
        return f"{expr} BETWEEN ? AND ?", [val(cond.values[0]), val(cond.values[1])]
    if cond.op == "like":
        text_expr = expr.removeprefix("CAST(").removesuffix(" AS REAL)")
        return f"{text_expr} LIKE ?", [cond.values[0]]
    if cond.op == "gt":
        return f"{expr} > ?{collate}", [val(cond.values[0])]
    if cond.op == "lt":
        return f"{expr} < ?{collate}", [val(cond.values[0])]
    return " AND ".join(f"{expr} != ?{collate}" for _ in cond.values), [val(v) for v in cond.values]


def i18n_condition_sql(cond: Condition, name: str, languages: list[str]) -> tuple[str, list]:
    inner, params = condition_sql(cond, "json_extract(l.value, '$.value')", "s")
    marks = ",".join("?" for _ in languages)
    return (
        f"EXISTS (SELECT 1 FROM json_each(main.json, '$.{name}') AS l WHERE {inner} "
        f"AND json_extract(l.value, '$.id') IN ({marks}))",
        [*params, *languages],
    )


def build_list_query(params: dict, resource: Resource, languages: list[str]) -> ListQuery:
    q = ListQuery()
    date = not php_empty(params.get("date"))
    plain, i18n = available_filters(resource, date)

    filters = params.get("filter")
    if isinstance(filters, dict):
        for name, value in filters.items():
            if name in ("sort", "limit"):
                continue
            if name not in plain:
                if isinstance(value, str) and value != "" and name in i18n:
                    cond = parse_filter_value(value)
                    if cond is not None:
                        sql, args = i18n_condition_sql(cond, name, languages)
                        q.where.append(sql)
                        q.params += args
                    continue
                if isinstance(value, dict):
                    raise WsError(
                        400, [(31, "There is no existing linked table for this resource")]
                    )
                raise WsError(400, [(32, did_you_mean("This filter does not exist", name, plain))])
            if not isinstance(value, str) or value == "":
                raise WsError(400, [(33, f'The filter "{name}" is malformed.')])
            f = resource.get(name)
            if f is not None and f.getter:
                raise WsError(
                    400,
                    [
                        (
                            34,
                            f'The field "{name}" is dynamic. It is not possible to filter GET '
                            "query with this field.",
                        )
                    ],
                )
            if f is None:  # date_add/date_upd that this table does not have
                q.always_empty = True
                continue
            cond = parse_filter_value(value)
            if cond is not None:
                sql, args = condition_sql(cond, column_expr(resource, name), f.kind)
                q.where.append(sql)
                q.params += args

    display_names = list(resource.field_names)
    if date:
        display_names += [d for d in ("date_add", "date_upd") if d not in display_names]
    q.display = parse_display(params.get("display"), resource, display_names)

    if "sort" in params and isinstance(params["sort"], str):
        q.order_by = _parse_sort(params["sort"], resource, plain, i18n, q)

    if "limit" in params and isinstance(params["limit"], str):
        q.limit = parse_limit(params["limit"])
        if min(q.limit) < 0:
            q.always_empty = True  # a MySQL syntax error, swallowed
    return q


def _parse_sort(value: str, resource: Resource, plain, i18n, q: ListQuery) -> list[str]:
    m = re.match(r"^\[(.*)\]$", value, re.S)
    items = m.group(1).split(",") if m else [value]
    order = []
    for item in items:
        pos = item.rfind("_")
        name, direction = (item[:pos], item[pos + 1 :].upper()) if pos >= 0 else ("", "")
        if pos < 0 or direction not in ("ASC", "DESC"):
            raise WsError(
                400,
                [
                    (
                        37,
                        'The "sort" value has to be formed as this example: "field_ASC" or '
                        "'[field_1_DESC,field_2_ASC,field_3_ASC,...]' (\"field\" has to be an "
                        "available field)",
                    )
                ],
            )
        if name not in plain and name not in i18n:
            raise WsError(
                400,
                [
                    (
                        38,
                        "Unable to filter by this field. However, these are available: "
                        + ", ".join(plain)
                        + ", for i18n fields:"
                        + ", ".join(i18n),
                    )
                ],
            )
        f = resource.get(name)
        if f is None or f.getter:
            q.always_empty = True  # ORDER BY a column the table lacks: SQL error, swallowed
            continue
        if f.i18n:
            expr = f"json_extract(json, '$.{name}[0].value')"
        else:
            expr = column_expr(resource, name)
            if f.kind == "n" and not expr.isidentifier():
                expr = f"CAST({expr} AS REAL)"
        order.append(f"{expr} {direction}")
    return order


def parse_limit(value: str) -> tuple[int, int]:
    """``limit=N`` or ``limit=offset,count`` as (offset, count); each part is a PHP (int)."""
    parts = value.split(",")
    if len(parts) > 2:
        raise WsError(
            400, [(39, 'The "limit" value has to be formed as this example: "5,25" or "10"')]
        )
    if len(parts) == 1:
        return (0, php_int(parts[0]))
    return (php_int(parts[0]), php_int(parts[1]))


def limit_sql(limit: tuple[int, int] | None) -> str:
    if limit is None:
        return ""
    offset, count = limit
    return f" LIMIT {count} OFFSET {offset}"
