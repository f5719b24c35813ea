{#- Staging dedup reconciliation: exactly one staging row per raw record (id and shop), without
    racing a load.

    Raw holds several versions per id, so the check is on ids, not row counts. Raw rows written
    by a transaction that had ended before the last staging build (load_xid below the table's
    max(_batch_xmin)) must all have their id staged; a load that commits while this test runs
    has a higher xid and is ignored until the next build. Staged ids must exist in raw. An empty
    staging table is held to every raw row committed before the test.

    With quarantine=true, an id listed in stg_quarantine for raw_table counts as accounted for
    (left out with a reason); an id missing with no reason still fails. With store_field (and
    group_field), a raw record of a store its installation does not report is accounted for
    (macros/store_selection.sql). -#}
{% test matches_raw_ids(model, column_name, raw_table, quarantine=false, store_field=none, group_field=none) %}
with watermark as (
    {#- An empty staging table has no _batch_xmin: then every raw row that had committed before
        this test began must be staged, or an emptied table would pass. -#}
    select coalesce(max(_batch_xmin), pg_snapshot_xmin(pg_current_snapshot())::text::bigint) as xmin
    from {{ model }}
),
missing as (
    select distinct r.id, r.shop, 'in raw, not staged' as problem
    from {{ source('prestashop', raw_table) }} as r, watermark as w
    where r.load_xid < w.xmin
      and not exists (
          select 1 from {{ model }} as s where s.{{ column_name }} = r.id and s.shop = r.shop
      )
      {%- if quarantine %}
      and not exists (
          select 1 from {{ ref('stg_quarantine') }} as q
          where q.entity = '{{ raw_table }}' and q.record_id = r.id and q.shop = r.shop
      )
      {%- endif %}
      {%- if store_field %}
      and {{ store_chosen('r.shop', ps_int("r.payload ->> '" ~ store_field ~ "'"),
                          group=(ps_int("r.payload ->> '" ~ group_field ~ "'") if group_field else none)) }}
      {%- endif %}
),
extra as (
    select s.{{ column_name }} as id, s.shop, 'staged, not in raw' as problem
    from {{ model }} as s
    where not exists (
        select 1 from {{ source('prestashop', raw_table) }} as r
        where r.id = s.{{ column_name }} and r.shop = s.shop
    )
)
select * from missing
union all
select * from extra
{% endtest %}
