{#- Incremental marts: fct_orders and fct_order_lines are tables updated for the orders a change
    touched, and customer_cohorts, agg_product_performance and agg_category_sales tables updated
    for the customers or months whose fact rows changed, not recomputed from the whole history
    (docs/models.md, "Incremental marts").

    One dbt transaction per mart (dbt's incremental materialization runs the pre-hook, the build
    and the post-hook between one BEGIN and one COMMIT), so a reader sees the mart before or
    after the change, never half of it, and is never blocked (DELETE and INSERT take ROW
    EXCLUSIVE, which does not conflict with SELECT):

    1. pre-hook `begin_incremental_mart`: note the snapshot xmin of this build, collect the
       affected keys into the temporary table phc_affected_keys, and delete their rows
       (incremental_strategy='append'), or nothing (incremental_strategy='row_diff');
    2. the model selects the rows of exactly those keys (`... in (affected_keys())`), which
       dbt appends ('append'), or which replace the old rows where they differ ('row_diff');
    3. post-hook `end_incremental_mart`: one row in analytics.refresh_log with the snapshot
       xmin (the next build's watermark) and the rows deleted and inserted.

    The watermark rule is staging's, one layer down: every transaction with an id below the
    snapshot xmin had ended when this build read staging, so the next build only needs the
    staging rows written by a transaction at or above it (_staged_xid). -#}

{#- The snapshot xmin of this mart's last logged build (0: never built). -#}
{%- macro mart_watermark() -%}
(select coalesce(max(snapshot_xmin), 0) from analytics.refresh_log where view_name = '{{ this.schema }}.{{ this.identifier }}')
{%- endmacro -%}

{#- Affected keys are pairs (key, shop): ids are unique within a PrestaShop installation, not
    across them (docs/shops.md), so every query below returns the key and its shop, and every
    lookup matches both, `(x, shop) in (...)`. -#}

{#- The installations in the warehouse: a few rows (each installation has a handful of
    currencies), so a per-shop probe over them stays an index probe per shop. -#}
{%- macro warehouse_shops() -%}
select distinct shop from {{ ref('stg_currencies') }}
{%- endmacro -%}

{#- Orders whose staged data changed since `since`: the order or its lines were re-staged, its
    delivery address or that address's country changed, or it is quarantined (its new version
    left stg_orders; the quarantine list is short, so it is always included). -#}
{%- macro changed_orders(since) -%}
select order_id, shop from {{ ref('stg_orders') }} where _staged_xid >= {{ since }}
union
select order_id, shop from {{ ref('stg_order_rows') }} where _staged_xid >= {{ since }}
union
select record_id, shop from {{ ref('stg_quarantine') }} where entity = 'orders'
union
select o.order_id, o.shop
from {{ ref('stg_orders') }} as o
where (o.address_delivery_id, o.shop) in (
    select a.address_id, a.shop from {{ ref('stg_addresses') }} as a where a._staged_xid >= {{ since }}
    union
    select a.address_id, a.shop from {{ ref('stg_addresses') }} as a
    where (a.country_id, a.shop) in (
        select c.country_id, c.shop from {{ ref('stg_countries') }} as c where c._staged_xid >= {{ since }}
    )
)
{%- endmacro -%}

{#- fct_orders: the changed orders and every order of their customers, before and after the
    change (new vs returning and customer_order_seq number a customer's valid orders, so a late
    cancellation renumbers the customer's later orders). -#}
{%- macro affected_orders_by_customer(since) -%}
with changed as (
    {{ changed_orders(since) }}
),
customers as (
    select coalesce(s.customer_id, -1) as customer_id, s.shop
    from {{ ref('stg_orders') }} as s where (s.order_id, s.shop) in (select order_id, shop from changed)
    union
    select m.customer_id, m.shop from {{ this }} as m
    where (m.order_id, m.shop) in (select order_id, shop from changed)
)
select order_id, shop from changed
union
select s.order_id, s.shop from {{ ref('stg_orders') }} as s
where (s.customer_id, s.shop) in (select customer_id, shop from customers)
union
-- The unknown customer (-1): apart, so the lookup above stays an index scan.
select s.order_id, s.shop from {{ ref('stg_orders') }} as s
where (s.customer_id is null or s.customer_id = -1)
  and s.shop in (select c.shop from customers as c where c.customer_id = -1)
{%- endmacro -%}

{#- fct_order_lines: the changed orders and the orders with a line of a changed product (its
    category and wholesale price are on the line). A line does not depend on other orders. -#}
{%- macro affected_orders_by_product(since) -%}
{{ changed_orders(since) }}
union
select m.order_id, m.shop from {{ this }} as m
where (m.product_id, m.shop) in (
    select p.product_id, p.shop from {{ ref('stg_products') }} as p where p._staged_xid >= {{ since }}
)
{%- endmacro -%}

{#- customer_cohorts: the customers with an order written or deleted since `since`, and every
    customer of a shop whose latest month is now before the one the table ends on for it (two
    index probes per shop). -#}
{%- macro affected_cohort_customers(since) -%}
{{ changed_fact_keys('fct_orders', 'customer_id', since) }}
union
select c.customer_id, c.shop from {{ this }} as c
where c.shop in (
    select s.shop from ({{ warehouse_shops() }}) as s
    where (select max(m.date_month) from {{ this }} as m where m.shop = s.shop) > (
        select date_trunc('month', max(f.order_date))::date from {{ ref('fct_orders') }} as f
        where f.is_valid and f.customer_id <> -1 and f.shop = s.shop
    )
)
{%- endmacro -%}

{#- agg_product_performance and agg_category_sales: the months with a line written or deleted
    since `since`, and for agg_category_sales every month of a category whose name or parent
    changed in staging (the only columns that do not come from the fact). -#}
{%- macro affected_sales_months(since, with_categories=false, with_products=false) -%}
{{ changed_fact_keys('fct_order_lines', 'month_start', since) }}
{%- if with_products %}
-- The product's name and category come from stg_products, not from the fact (whose rows a
-- rename leaves unchanged): the months of a product re-staged since, or quarantined.
union
select m.month_start, m.shop from {{ this }} as m
where (m.product_id, m.shop) in (
    select p.product_id, p.shop from {{ ref('stg_products') }} as p where p._staged_xid > {{ since }}
    union
    select q.record_id, q.shop from {{ ref('stg_quarantine') }} as q where q.entity = 'products'
)
{%- endif %}
{%- if with_categories %}
union
select m.month_start, m.shop from {{ this }} as m
where (m.category_id, m.shop) in (
    select m2.category_id, m2.shop from {{ this }} as m2
    left join {{ ref('stg_categories') }} as c on c.category_id = m2.category_id and c.shop = m2.shop
    where c.category_name is distinct from m2.category_name
       or c.parent_category_id is distinct from m2.parent_category_id
)
{%- endif %}
{%- endmacro -%}

{#- payment_mismatches: the order references of the orders and payments staged after `since`
    (their high-water xid; a removal re-stages its row), and of the quarantined orders (whose
    new version left stg_orders; the list is short, and raw names their reference). -#}
{%- macro affected_payment_references(since) -%}
select reference, shop from {{ ref('stg_orders') }} where _staged_xid > {{ since }}
union
select order_reference, shop from {{ ref('stg_order_payments') }} where _staged_xid > {{ since }}
union
select r.payload ->> 'reference', r.shop from {{ source('prestashop', 'orders') }} as r
where (r.id, r.shop) in (select q.record_id, q.shop from {{ ref('stg_quarantine') }} as q where q.entity = 'orders')
{%- endmacro -%}

{#- agg_voucher_use_monthly: the months with an order written or deleted in fct_orders since
    `since` (the high-water xid of the fact and of stg_order_cart_rules), the months of the
    orders whose applied cart rules were staged since, and every month of a rule whose name or code changed in staging. -#}
{%- macro affected_voucher_months(since) -%}
{{ changed_fact_keys('fct_orders', 'month_start', since) }}
union
select o.month_start, o.shop from {{ ref('fct_orders') }} as o
where (o.order_id, o.shop) in (
    select r.order_id, r.shop from {{ ref('stg_order_cart_rules') }} as r where r._staged_xid > {{ since }}
)
union
select m.month_start, m.shop from {{ this }} as m
left join {{ ref('stg_cart_rules') }} as c on c.cart_rule_id = m.cart_rule_id and c.shop = m.shop
where coalesce(c.cart_rule_name, 'cart rule ' || m.cart_rule_id) is distinct from m.cart_rule_name
   or c.code is distinct from m.code
{%- endmacro -%}

{#- The latest activity of `shop` (an expression): its latest order or cart change
    (agg_carts_daily judges a cart abandoned against its own shop's clock). Index probes: the
    shop's latest order day, then its orders. -#}
{%- macro cart_activity_as_of(shop) -%}
greatest(
    (select max(f.order_created_at) from {{ ref('fct_orders') }} as f
     where f.shop = {{ shop }}
       and f.order_date = (select max(f2.order_date) from {{ ref('fct_orders') }} as f2 where f2.shop = {{ shop }})),
    (select max(c.updated_at) from {{ ref('stg_carts') }} as c where c.shop = {{ shop }})
)
{%- endmacro -%}

{#- agg_carts_daily: the days of the carts staged after `since` (their high-water xid), of the
    carts of the orders staged since or quarantined (an order placed from a cart, or no longer), and the days whose verdict
    the shop's clock can move: the stored days with carts neither ordered nor abandoned yet
    (they may be abandoned now), and the days of the carts changed within the idle threshold
    of the clock (abandoned before, they may be pending again if the clock went back: its
    latest order left the facts). A cart's day (date_add) never changes. -#}
{%- macro affected_cart_days(since) -%}
select cart_date, shop from {{ ref('stg_carts') }} where _staged_xid > {{ since }}
union
select c.cart_date, c.shop from {{ ref('stg_carts') }} as c
where (c.cart_id, c.shop) in (
    select cart_id, shop from {{ ref('stg_orders') }} where _staged_xid > {{ since }}
    union
    select (r.payload ->> 'id_cart')::bigint, r.shop from {{ source('prestashop', 'orders') }} as r
    where (r.id, r.shop) in (select q.record_id, q.shop from {{ ref('stg_quarantine') }} as q where q.entity = 'orders')
      and (r.payload ->> 'id_cart') ~ '^[0-9]{1,18}$'
)
union
select date_day, shop from {{ this }} where carts > ordered_carts + abandoned_carts
union
-- Per shop, against its own clock: computed once per shop (a column of the lateral, not a
-- condition the planner could push into the scan of every cart).
select c.cart_date, c.shop
from ({{ warehouse_shops() }}) as s
cross join lateral (
    select {{ cart_activity_as_of('s.shop') }} - make_interval(hours => {{ var('abandoned_cart_idle_hours') }}) as since
    offset 0
) as k
join {{ ref('stg_carts') }} as c on c.shop = s.shop and c.updated_at >= k.since
{%- endmacro -%}

{#- First pre-hook of agg_sales_daily: the temporary table phc_sales_scope, for each (shop,
    country, channel) a change touched, the first day the build recomputes (from_day). The
    running sums and the prior-period columns carry a day's change forward, so the group's rows
    from that day on are recomputed, and only those that differ written (row_diff). A group is
    touched by an order written or deleted since `since`, on its order date or its refund date (a
    deleted order's refund cannot precede its order date), in its new group and in its old one
    (the removal log; a row logged before migration 014 has no pair, and touches every pair of its
    shop from the first of its order month). Also: a new group, on every day; every group of a
    shop, on the days its grid gained or lost at its end (it runs to today); and every group of a
    shop on every day when its grid's first day moved or a group left it. Each shop has its own
    grid, from its own first order. -#}
{%- macro sales_day_scope(since) -%}
{%- if is_incremental() %}
create temporary table phc_sales_scope on commit drop as
with shops as (
    {{ warehouse_shops() }}
    union
    select shop from staging.removed_fact_rows where fact = 'fct_orders' and removed_xid > {{ since }}
),
-- Index probes per shop (order_date's index, date_day's).
fact as materialized (
    select s.shop,
           (select min(f.order_date) from {{ ref('fct_orders') }} as f where f.shop = s.shop) as first_day,
           greatest((select max(f.order_date) from {{ ref('fct_orders') }} as f where f.shop = s.shop),
                    current_date) as last_day
    from shops as s
),
stored as materialized (
    select s.shop,
           (select min(t.date_day) from {{ this }} as t where t.shop = s.shop) as first_day,
           (select max(t.date_day) from {{ this }} as t where t.shop = s.shop) as last_day
    from shops as s
),
fact_pairs as materialized (
    select distinct shop, country_id, sales_channel_key from {{ ref('fct_orders') }}
),
-- A shop's grid is dense: its first day holds every group.
stored_pairs as materialized (
    select t.shop, t.country_id, t.sales_channel_key from {{ this }} as t
    join stored as s on s.shop = t.shop and t.date_day = s.first_day
),
all_pairs as (
    select * from fact_pairs union select * from stored_pairs
),
removed as (
    select r.shop, r.country_id, r.sales_channel_key, coalesce(r.order_date, r.month_start) as day
    from staging.removed_fact_rows as r
    where r.fact = 'fct_orders' and r.removed_xid > {{ since }}
),
touched (shop, country_id, sales_channel_key, day) as (
    select f.shop, f.country_id, f.sales_channel_key, f.order_date
    from {{ ref('fct_orders') }} as f where f._mart_xid > {{ since }}
    union all
    select f.shop, f.country_id, f.sales_channel_key, f.refunded_at::date
    from {{ ref('fct_orders') }} as f where f._mart_xid > {{ since }} and f.refunded_at is not null
    union all
    select r.shop, r.country_id, r.sales_channel_key, r.day from removed as r where r.country_id is not null
    union all
    select p.shop, p.country_id, p.sales_channel_key, r.day
    from removed as r join all_pairs as p on p.shop = r.shop where r.country_id is null
    union all
    select n.shop, n.country_id, n.sales_channel_key, least(s.first_day, f.first_day)
    from (select * from fact_pairs except select * from stored_pairs) as n
    join stored as s on s.shop = n.shop
    join fact as f on f.shop = n.shop
    union all
    select p.shop, p.country_id, p.sales_channel_key, least(s.last_day, f.last_day) + 1
    from all_pairs as p
    join stored as s on s.shop = p.shop
    join fact as f on f.shop = p.shop
    where s.last_day <> f.last_day
    union all
    select p.shop, p.country_id, p.sales_channel_key, least(s.first_day, f.first_day)
    from all_pairs as p
    join stored as s on s.shop = p.shop
    join fact as f on f.shop = p.shop
    where s.first_day is distinct from f.first_day
       or exists (
           select sp.country_id, sp.sales_channel_key from stored_pairs as sp where sp.shop = p.shop
           except
           select fp.country_id, fp.sales_channel_key from fact_pairs as fp where fp.shop = p.shop
       )
)
select t.shop, t.country_id, t.sales_channel_key, min(t.day) as from_day,
       exists (
           select 1 from fact_pairs as p
           where p.shop = t.shop and p.country_id = t.country_id and p.sales_channel_key = t.sales_channel_key
       ) as in_fact
from touched as t
group by 1, 2, 3;
analyze phc_sales_scope;
{%- endif %}
{%- endmacro -%}

{#- First pre-hook of agg_sales_monthly: the temporary table phc_sales_month_scope, for each
    (shop, country, category) an order line written or deleted since `since` belongs to (its new
    values, and its old ones from the removal log), the first month the build recomputes
    (from_month). A line logged before migration 014 names no group and touches every group of
    its shop from its month. -#}
{%- macro sales_month_scope(since) -%}
{%- if is_incremental() %}
create temporary table phc_sales_month_scope on commit drop as
with removed as (
    select r.shop, r.country_id, r.category_id, r.month_start
    from staging.removed_fact_rows as r
    where r.fact = 'fct_order_lines' and r.removed_xid > {{ since }}
),
touched (shop, country_id, category_id, month_start) as (
    select f.shop, f.country_id, f.category_id, f.month_start
    from {{ ref('fct_order_lines') }} as f where f._mart_xid > {{ since }}
    union all
    select r.shop, r.country_id, r.category_id, r.month_start from removed as r where r.country_id is not null
    union all
    select g.shop, g.country_id, g.category_id, r.month_start
    from removed as r
    join (select distinct shop, country_id, category_id from {{ this }}) as g on g.shop = r.shop
    where r.country_id is null
)
select shop, country_id, category_id, min(month_start) as from_month
from touched
group by 1, 2, 3;
analyze phc_sales_month_scope;
{%- endif %}
{%- endmacro -%}

{#- Pre-hook. `affected` is the SQL of the affected keys (two columns: the key, of type
    `key_type`, and its shop), rendered with mart_watermark() as its `since`. A mart built with the row_diff
    strategy deletes nothing here. An aggregate passes `reads_fact`, and a mart over staging
    tables `reads_staged` (their names): its watermark is then the highest transaction id that
    wrote them (fact_high_water, staged_high_water), not its snapshot xmin. -#}
{%- macro begin_incremental_mart(key, affected, key_type='bigint', reads_fact=none, reads_staged=none) -%}
{%- if reads_fact or reads_staged %}
{%- set mark -%}
greatest({{ fact_high_water(reads_fact) if reads_fact else 0 }}{% for m in reads_staged or [] %}, {{ staged_high_water(m) }}{% endfor %})
{%- endset %}
{%- else %}
{%- set mark = batch_xmin() %}
{%- endif %}
select
    set_config('phc.mart_xmin', {{ mark }}::text, true),
    set_config('phc.mart_started_at', clock_timestamp()::text, true),
    set_config('phc.mart_incremental', '{{ "true" if is_incremental() else "false" }}', true);
{%- if is_incremental() %}
create temporary table phc_affected_keys on commit drop as
select distinct k.key, k.shop from ({{ affected }}) as k (key, shop) where k.key is not null;
-- Autovacuum never analyzes temporary tables: without this the planner guesses their size.
analyze phc_affected_keys;
{%- if config.get('incremental_strategy') == 'row_diff' %}
-- Nothing is deleted here: the row_diff strategy compares the new rows with the old ones and
-- writes only the difference.
{%- if config.get('removed_columns') %}
{{ prune_removed_fact_rows() }}
{%- endif %}
{%- else %}
with gone as (
    delete from {{ this }} where ({{ key }}, shop) in (select key, shop from phc_affected_keys)
    returning {{ key }}
)
select set_config('phc.mart_deleted', count(*)::text, true) from gone;
{%- endif %}
{%- else %}
-- Empty on a full build, so the post-hook reads the same table either way.
create temporary table phc_affected_keys (key {{ key_type }}, shop text) on commit drop;
{%- endif %}
{%- endmacro -%}

{#- The aggregates that read staging.removed_fact_rows, per fact. -#}
{%- macro removed_fact_readers(fact) -%}
    {{ return({
        'fct_orders': ['customer_cohorts', 'agg_sales_daily'],
        'fct_order_lines': ['agg_product_performance', 'agg_category_sales', 'agg_sales_monthly', 'product_basket_counts'],
    }[fact]) }}
{%- endmacro -%}

{#- Forget the removals every reader of this fact has read: at or below the oldest of their
    watermarks. Nothing is pruned until each reader has a logged build. -#}
{%- macro prune_removed_fact_rows() -%}
{%- set readers = removed_fact_readers(this.identifier) -%}
delete from staging.removed_fact_rows
where fact = '{{ this.identifier }}'
  and removed_xid <= (
    select min(w.xmin) from (
        select max(l.snapshot_xmin) as xmin from analytics.refresh_log as l
        where l.view_name in ({% for r in readers %}'{{ this.schema }}.{{ r }}'{{ ', ' if not loop.last }}{% endfor %})
        group by l.view_name
    ) as w
    having count(*) = {{ readers | length }}
  );
{%- endmacro -%}

{#- The values of `column` in the rows of `fact` written or deleted after `since` (a fact's
    rows carry _mart_xid, the id of the transaction that wrote them; its deleted rows are in
    staging.removed_fact_rows): an aggregate over the fact recomputes exactly these groups. -#}
{%- macro changed_fact_keys(fact, column, since) -%}
select f.{{ column }}, f.shop from {{ ref(fact) }} as f where f._mart_xid > {{ since }}
union
select r.{{ column }}, r.shop from staging.removed_fact_rows as r
where r.fact = '{{ fact }}' and r.removed_xid > {{ since }}
{%- endmacro -%}

{#- The highest transaction id that wrote or deleted a row of `fact` (two index probes): an
    aggregate's watermark. Each build of a fact is one transaction, and builds of a fact never
    overlap (one dbt build at a time), so every write with an id up to this one had committed and
    is read by the aggregate's build; the next build reads the writes above it. The snapshot
    xmin (the facts' own rule against staging) would be too cautious here: a mart built in
    parallel holds it below the fact's last transaction, and the first incremental build after a
    full one re-read the whole fact (at 100k orders, customer_cohorts rewrote all its 300k rows
    for a 1% change). A fact build that commits while the aggregate runs is above the recorded
    value, so it is read again next time, never skipped. -#}
{%- macro fact_high_water(fact) -%}
greatest(
    (select coalesce(max(f._mart_xid), 0) from {{ ref(fact) }} as f),
    (select coalesce(max(r.removed_xid), 0) from staging.removed_fact_rows as r where r.fact = '{{ fact }}')
)
{%- endmacro -%}

{#- The highest transaction id that wrote a row of the staging table `model` (one index probe):
    the watermark of a mart that reads it through _staged_xid. The rule of fact_high_water, one
    layer down: a staging table is written only by its own dbt build, builds never overlap, and
    the mart's upstream builds have committed before it starts, so every write up to this id was
    read; the next build reads the rows above it. The snapshot xmin would be held back by a mart
    built in parallel, and the first build after a full one would re-read the whole table. -#}
{%- macro staged_high_water(model) -%}
(select coalesce(max(s._staged_xid), 0) from {{ ref(model) }} as s)
{%- endmacro -%}

{#- The model's keys: a query of the affected (key, shop) pairs on an incremental build, none
    (every key) on a full one. Used as `(x, shop) in ({{ affected_keys() }})`. -#}
{%- macro affected_keys() -%}
{%- if is_incremental() -%}
select key, shop from phc_affected_keys
{%- endif -%}
{%- endmacro -%}

{#- The strategy of the marts whose rebuild of a key mostly reproduces the rows it had
    (incremental_strategy='row_diff'). The facts select every row of the affected keys (all
    orders of a changed customer, all lines of a changed product); the daily and monthly sales
    aggregates every day or month from the start of the earliest year a change touched (their
    year-to-date and prior-period columns). Only the difference is written: the old rows of the
    affected keys with no identical new row are deleted, then the new rows whose row key is
    absent are inserted. An identical row is never rewritten, so a fact row keeps its _mart_xid
    and the aggregates and the per-row tests see only the rows whose values moved.

    Config: `unique_key` (the affected key: an order, a day), or `affected_rows` (a condition on
    the old row `t` that says it may change, when a key cannot), `row_key` (the row's own
    unique key, one column or a list; with the shop: ids repeat across installations) and, for a fact, `removed_columns` (what
    staging.removed_fact_rows keeps of a deleted row: the old keys the aggregates over the fact
    must recompute). -#}
{%- macro get_incremental_row_diff_sql(arg_dict) -%}
{%- set target = arg_dict['target_relation'] -%}
{%- set new = arg_dict['temp_relation'] -%}
{%- set key = arg_dict['unique_key'] -%}
{%- set row_key = config.require('row_key') -%}
{%- set row_key = [row_key] if row_key is string else row_key -%}
{%- set removed = config.get('removed_columns') -%}
{%- set columns = arg_dict['dest_columns'] | map(attribute='name') | list -%}
{%- set compared = columns | reject('equalto', '_mart_xid') | list -%}
-- Autovacuum never analyzes temporary tables: the anti-joins below need its size.
analyze {{ new }};
with gone as (
    delete from {{ target }} as t
    where {{ config.get('affected_rows') or ('(t.' ~ key ~ ', t.shop) in (select key, shop from phc_affected_keys)') }}
      and not exists (
          select 1 from {{ new }} as n
          where {% for k in row_key %}n.{{ k }} = t.{{ k }} and {% endfor %}
                ({% for c in compared %}n.{{ c }}{{ ', ' if not loop.last }}{% endfor %})
                is not distinct from ({% for c in compared %}t.{{ c }}{{ ', ' if not loop.last }}{% endfor %})
      )
    returning {{ ('t.' ~ (removed | join(', t.'))) if removed else 1 }}
)
{%- if removed %},
logged as (
    insert into staging.removed_fact_rows (fact, removed_xid, {{ removed | join(', ') }})
    select '{{ target.identifier }}', {{ staged_xid() }}, {{ removed | join(', ') }} from gone
)
{%- endif %}
select set_config('phc.mart_deleted', count(*)::text, true) from gone;
with written as (
    insert into {{ target }} ({{ columns | join(', ') }})
    select {% for c in columns %}n.{{ c }}{{ ', ' if not loop.last }}{% endfor %}
    from {{ new }} as n
    where not exists (
        select 1 from {{ target }} as t
        where {% for k in row_key %}t.{{ k }} = n.{{ k }}{{ ' and ' if not loop.last }}{% endfor %}
    )
    returning 1
)
select set_config('phc.mart_inserted', count(*)::text, true) from written;
{%- endmacro -%}

{#- Post-hook: log the build (and so the next build's watermark). is_incremental() cannot be
    asked here (the table exists by now), so the pre-hook's setting says which build this was. -#}
{%- macro end_incremental_mart(key, written_mark=none) -%}
insert into analytics.refresh_log (
    view_name, started_at, finished_at, row_count, ran_concurrently, run_id,
    snapshot_xmin, incremental, rows_deleted, rows_inserted
)
select
    '{{ this.schema }}.{{ this.identifier }}',
    current_setting('phc.mart_started_at')::timestamptz,
    clock_timestamp(),
    (select count(*) from {{ this }}),
    false,
    nullif(current_setting('phc.run_id', true), ''),
    current_setting('phc.mart_xmin')::bigint,
    incremental,
    case when incremental then current_setting('phc.mart_deleted')::bigint else 0 end,
    case when not incremental then (select count(*) from {{ this }})
        {%- if config.get('incremental_strategy') == 'row_diff' %}
        else current_setting('phc.mart_inserted')::bigint
        {%- elif written_mark %}
        else (select count(*) from {{ this }} where {{ written_mark }} = {{ staged_xid() }})
        {%- else %}
        else (select count(*) from {{ this }} where ({{ key }}, shop) in (select key, shop from phc_affected_keys))
        {%- endif %}
    end
from (select current_setting('phc.mart_incremental')::boolean as incremental) as b;
-- A table dbt just created has no statistics until autovacuum gets to it, and the views built
-- right after it would be planned blind (product_pairs' self-join took over 5 minutes at 1M
-- orders instead of under one). An incremental build changes a small share: autovacuum's
-- analyze thresholds keep up with it.
do $$
begin
    if not current_setting('phc.mart_incremental')::boolean then
        execute 'analyze {{ this }}';
    end if;
end
$$;
-- The store selection its rows follow: staging's, through the orders (macros/store_selection.sql).
{{ record_store_selection(from_model='stg_orders') }}
{%- endmacro -%}
