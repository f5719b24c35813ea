"""XML bodies as PrestaShop's ``WebserviceOutputXML`` writes them (the default format)."""

from __future__ import annotations

from phc_analytics.demo_shop.model import ALL_PS_RESOURCES, RESOURCES, Resource

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<prestashop xmlns:xlink="http://www.w3.org/1999/xlink">\n'
TAIL = "</prestashop>\n"


def _cdata(value) -> str:
    if value is None or value == "":
        return ""
    return f"<![CDATA[{value}]]>"


def errors_body(errors: list[tuple[int, str]]) -> bytes:
    items = "".join(
        f"<error>\n<code><![CDATA[{c}]]></code>\n<message><![CDATA[{m}]]></message>\n</error>\n"
        for c, m in errors
    )
    return (HEAD + "<errors>\n" + items + "</errors>\n" + TAIL).encode()


def list_minimal(res: Resource, ids: list[int], api_url: str) -> bytes:
    items = "".join(
        f'<{res.single_key} id="{i}" xlink:href="{api_url}{res.name}/{i}"/>\n' for i in ids
    )
    return (HEAD + f"<{res.list_key}>\n{items}</{res.list_key}>\n" + TAIL).encode()


def list_records(res: Resource, records: list[dict], api_url: str) -> bytes:
    body = "".join(entity(res, r, api_url) for r in records)
    return (HEAD + f"<{res.list_key}>\n{body}</{res.list_key}>\n" + TAIL).encode()


def single(res: Resource, record: dict, api_url: str) -> bytes:
    return (HEAD + entity(res, record, api_url) + TAIL).encode()


def entity(res: Resource, record: dict, api_url: str) -> str:
    out = [f"<{res.single_key}>\n"]
    for f in res.fields:
        if f.name not in record:
            continue
        value = record[f.name]
        if f.name == "id":
            out.append(f"\t<id><![CDATA[{value}]]></id>\n")
            continue
        attrs = ""
        if f.ref and not f.i18n:
            attrs += f' xlink:href="{api_url}{f.ref}/{value}"'
        if f.getter:
            attrs += ' notFilterable="true"'
        if isinstance(value, list):
            langs = "".join(
                f'<language id="{v["id"]}" xlink:href="{api_url}languages/{v["id"]}">'
                f"{_cdata(v['value'])}</language>"
                for v in value
            )
            out.append(f"\t<{f.name}{attrs}>{langs}</{f.name}>\n")
        else:
            out.append(f"\t<{f.name}{attrs}>{_cdata(value)}</{f.name}>\n")
    assocs = record.get("associations") or {}
    if assocs:
        out.append("\t<associations>\n")
        for a in res.associations:
            items = assocs.get(a.name)
            if not items:
                continue
            extra = ' virtualEntity="true"' if a.virtual_entity else ""
            out.append(f'\t<{a.name} nodeType="{a.node_type}"{extra} api="{a.name}">\n')
            for item in items:
                href = (
                    f' xlink:href="{api_url}{a.ref}/{item["id"]}"' if a.ref and "id" in item else ""
                )
                out.append(f"\t<{a.node_type}{href}>\n")
                for key, val in item.items():
                    ref = a.field_refs.get(key)
                    link = f' xlink:href="{api_url}{ref}/{val}"' if ref else ""
                    out.append(f"\t<{key}{link}>{_cdata(val)}</{key}>\n")
                out.append(f"\t</{a.node_type}>\n")
            out.append(f"\t</{a.name}>\n")
        out.append("\t</associations>\n")
    out.append(f"</{res.single_key}>\n")
    return "".join(out)


def resource_list(api_url: str, shop_name: str) -> bytes:
    """``GET /api/``: the resources the key may use, with their permissions."""
    lines = []
    for name in ALL_PS_RESOURCES:
        res = RESOURCES.get(name)
        if res is None:
            continue
        perms = 'get="true" put="false" post="false" patch="false" delete="false" head="true"'
        lines.append(
            f'<{name} xlink:href="{api_url}{name}" {perms}>\n'
            f'<description xlink:href="{api_url}{name}" {perms}>{res.description}</description>\n'
            f'<schema xlink:href="{api_url}{name}?schema=blank" type="blank"/>\n'
            f'<schema xlink:href="{api_url}{name}?schema=synopsis" type="synopsis"/>\n'
            f"</{name}>\n"
        )
    body = f'<api shopName="{shop_name}">\n' + "".join(lines) + "</api>\n"
    return (HEAD + body + TAIL).encode()
