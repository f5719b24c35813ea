{#- Incremental staging by transaction id, not by clock.

    Every raw row carries load_xid, the id of the transaction that wrote it. Each staging build
    stores _batch_xmin = the xmin of its snapshot: every transaction with a smaller id had ended
    when the build read raw, so its rows were seen. The next build therefore only needs ids with
    a raw row whose load_xid >= max(_batch_xmin): that includes loads that committed late, after
    a newer load, which a clock watermark would skip. For those ids the latest version is chosen
    again across ALL their raw versions, so an out-of-order load never replaces a newer version
    with an older one.

    A record is an id within a shop (the installation it came from, raw.<table>.shop): ids are
    unique within a shop only, so every key, change list and join here is on (id, shop). -#}

{%- macro batch_xmin() -%}
pg_snapshot_xmin(pg_current_snapshot())::text::bigint
{%- endmacro -%}

{%- macro staging_watermark() -%}
(select coalesce(max(_batch_xmin), 0) from {{ this }})
{%- endmacro -%}

{#- (id, shop) of the records of `raw_table` changed since the last build of the current model. -#}
{%- macro changed_ids(raw_table) -%}
select c.id, c.shop from {{ source('prestashop', raw_table) }} as c where c.load_xid >= {{ staging_watermark() }}
{%- endmacro -%}

{#- True when a raw.configurations row whose name is in `names` arrived since the last build:
    those settings (default language, PS_OS_* state ids) change how every row is cleaned. -#}
{%- macro configuration_changed(names) -%}
exists (
    select 1 from {{ source('prestashop', 'configurations') }} as cfg
    where cfg.load_xid >= {{ staging_watermark() }}
      and (cfg.payload ->> 'name') in ({% for n in names %}'{{ n }}'{{ ", " if not loop.last }}{% endfor %})
)
{%- endmacro -%}

{#- The latest raw version of every record to (re)stage: all records on a full build, the changed
    ones (plus `extra_ids`, a query returning (id, shop) pairs, and everything when
    `restage_all_when` holds) on an incremental one. Columns: id, shop, payload, cursor_value,
    payload_hash (which version), and
    removed_at: set when the latest version is the delete sweep's tombstone (the record is gone
    from the shop; the payload is then the last one it sent, ingestion/sweep.py).

    The payload comes out decompressed, once per row (payload::text::jsonb, an exact copy): an
    order payload is over TOAST's 2 kB threshold, so raw.orders stores it compressed, and every
    `payload -> 'field'` of the quarantine rules and of the typed columns (about a hundred per
    order) would otherwise decompress the whole payload again (EXPLAIN ANALYZE of stg_orders at
    100k orders: 86 s before, 42 s after; the rest is the quarantine rules). The cast is applied after DISTINCT ON (the sort keeps the small
    compressed values and can still read raw.<table> in id order); OFFSET 0 keeps the planner
    from flattening the outer select into the caller's query, which would repeat the cast at
    every reference to payload. -#}
{%- macro latest_raw_versions(raw_table, extra_ids=none, restage_all_when=none) -%}
select v.id, v.shop, v.payload::text::jsonb as payload, v.cursor_value, v.payload_hash, v.removed_at
from (
select distinct on (r.id, r.shop) r.id, r.shop, r.payload, r.cursor_value, r.payload_hash, r.removed_at
from {{ source('prestashop', raw_table) }} as r
{%- if is_incremental() %}
where (r.id, r.shop) in (
    {{ changed_ids(raw_table) }}
    {%- if extra_ids %}
    union
    {{ extra_ids }}
    {%- endif %}
)
{%- if restage_all_when %}
   or {{ restage_all_when }}
{%- endif %}
{%- endif %}
order by r.id, r.shop, r.cursor_value desc nulls last, r.first_seen_at desc, r.load_xid desc
) as v
offset 0
{%- endmacro -%}

{#- Each shop's default language id (text), from PS_LANG_DEFAULT: (shop, default_lang_id), joined
    `using (shop)`. The installation-wide value wins over per-store overrides. A shop without one
    has no row: the left join leaves default_lang_id NULL, and ps_i18n falls back to the first
    language. -#}
{%- macro default_language() -%}
select distinct on (shop) shop, value as default_lang_id
from {{ ref('stg_configurations') }}
where name = 'PS_LANG_DEFAULT'
order by shop, (id_shop is null and id_shop_group is null) desc, configuration_id
{%- endmacro -%}

{#- The id of the transaction that writes a staging row (64-bit, never wraps). The incremental
    marts re-read the staging rows whose _staged_xid is at or above the snapshot xmin of their own
    last build (macros/incremental_marts.sql): the same rule as staging's load_xid against
    _batch_xmin, one layer down. -#}
{%- macro staged_xid() -%}
pg_current_xact_id()::text::bigint
{%- endmacro -%}
