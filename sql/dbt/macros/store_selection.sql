{#- Store subsets (issue 17): an installation whose shops-file entry says `stores: [1, 3]` reports
    those stores only. Raw keeps every store: PrestaShop lists the order children (histories,
    slips, payments, applied cart rules), order lines and carts of every store whatever the
    request's shop context (reference/prestashop-multistore.md, section 2), so a sync cannot
    leave the others out, and a later change of the selection needs no re-sync.

    The selection lives in staging.store_selection (migration 025), one row per installation
    that has one, written from the shops file before each dbt build
    (transform/store_selection.py); an installation without a row reports every store. It is
    read when the models run, not when dbt parses them, so a new selection needs no re-parse;
    each model that depends on it records the selection it was built with
    (record_store_selection), and a dbt step building a model recorded with another selection
    runs as a full refresh once (a changed selection changes rows no incremental build would
    revisit).

    Where it applies: stg_orders, stg_carts and stg_stock_availables keep the chosen stores'
    rows (so do stg_order_rows, exploded from stg_orders); the marts that read order children
    count a child only when its order is in stg_orders (macros below); dim_customer keeps the
    customers of the chosen stores and those who ordered there; dim_shop flags the chosen
    stores (is_reported). -#}

{#- Whether a row of the installation `shop` and the store `store` (id_shop; SQL expressions) is
    reported. A row without a store (NULL) is. With `group` (the row's id_shop_group), a row of
    store 0 (stock shared by a group) is reported when its group holds a chosen store.
    The subqueries are uncorrelated: the caller's expressions stay outside them (an unqualified
    `shop` of the caller cannot resolve to the selection's column), and PostgreSQL hashes each
    once per query instead of probing the selection per row. -#}
{%- macro store_chosen(shop, store, group=none) -%}
(
    {{ every_store(shop) }}
    or ({{ store }}) is null
    or ({{ shop }}, {{ store }}) in (select shop, unnest(stores) from staging.store_selection)
    {%- if group %}
    or (({{ store }}) = 0 and ({{ shop }}, {{ group }}) in (
        select sel.shop, grp.shop_group_id
        from staging.store_selection as sel
        join {{ ref('stg_shops') }} as grp on grp.shop = sel.shop and grp.shop_id = any(sel.stores)))
    {%- endif %}
)
{%- endmacro -%}

{#- Whether the installation `shop` reports every store (it has no selection). -#}
{%- macro every_store(shop) -%}
({{ shop }} not in (select shop from staging.store_selection))
{%- endmacro -%}

{#- Whether an order child of installation `shop` counts: its installation reports every store,
    or `order_found` (a condition that its order is in stg_orders) holds. A child of an
    unchosen store's order is in staging (its order is not), and so is, in an installation with
    a selection, a child whose order was quarantined or is not synced yet: left out of the marts
    until its order is staged, which makes the marts that count it look again. -#}
{%- macro child_counts(shop, order_found) -%}
({{ every_store(shop) }} or {{ order_found }})
{%- endmacro -%}

{#- child_counts for a payment (alias `pay`), which names its order by reference. -#}
{%- macro payment_counts(pay) -%}
{{ child_counts(pay ~ '.shop', 'exists (select 1 from ' ~ ref('stg_orders') ~ ' as po where po.shop = ' ~ pay ~ '.shop and po.reference = ' ~ pay ~ '.order_reference)') }}
{%- endmacro -%}

{#- Whether `order_id` of installation `shop` is, in raw, an order of a store the installation
    does not report (the staging tests' allowance for rows left out on purpose). -#}
{%- macro order_of_unchosen_store(order_id, shop) -%}
exists (
    select 1 from {{ source('prestashop', 'orders') }} as phc_unchosen
    where phc_unchosen.id = {{ order_id }} and phc_unchosen.shop = {{ shop }}
      and not {{ store_chosen('phc_unchosen.shop', ps_id("phc_unchosen.payload ->> 'id_shop'")) }}
)
{%- endmacro -%}

{#- Post-hook: the selection this model was built with, per model (a layer is often built in
    part: the automation builds the staging models whose raw landed, and a failed model leaves
    the models after it unbuilt). Staging records the selection it applied; a mart records its
    staging input's (`from_model`): a mart built from staging that still has an older selection
    is built again, whole, once staging has the new one. Runs in the model's transaction, so
    only a model that was built records. -#}
{%- macro record_store_selection(from_model=none) -%}
delete from staging.built_store_selection where model = '{{ this.identifier }}';
insert into staging.built_store_selection (model, shop, stores)
{%- if from_model %}
select '{{ this.identifier }}', shop, stores from staging.built_store_selection where model = '{{ from_model }}'
{%- else %}
select '{{ this.identifier }}', shop, stores from staging.store_selection
{%- endif %}
{%- endmacro -%}
