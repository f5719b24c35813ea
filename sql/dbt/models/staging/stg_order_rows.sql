{#- Order lines, exploded from the latest version of each order (associations.order_rows).

    The incremental key is the ORDER id, not the line id: when an order is re-staged, dbt's
    delete+insert removes all its old lines and inserts the current ones, so a line that
    disappeared from the order disappears here too. The pre-hook covers the one case
    delete+insert cannot see: a re-staged order that now has no line at all (it has no row in the
    batch, so nothing of it would be deleted). order_detail_id stays unique (tested).

    Lines of a quarantined order are left out with it (same rule as stg_orders, evaluated on the
    same payload); an order waiting for its customer gets its lines when the customer arrives. -#}
{{ config(
    unique_key='order_id',
    indexes=[
        {'columns': ['order_detail_id']},
        {'columns': ['order_id']},
        {'columns': ['_batch_xmin']},
    ],
    pre_hook="{% if is_incremental() %}delete from {{ this }} where order_id in ({{ changed_ids('orders') }}){% endif %}",
) }}

with latest as (
    {{ latest_raw_versions('orders', extra_ids=orders_waiting_for_their_customer('order_id')) }}
),

clean as (
    select * from latest where {{ quarantine_reason('orders', 'latest.payload') }} is null
),

exploded as (
    select latest.id as order_id, r.row_json, r.ordinality as line_number
    from clean as latest
    cross join lateral jsonb_array_elements(
        case when jsonb_typeof(latest.payload -> 'associations' -> 'order_rows') = 'array'
             then latest.payload -> 'associations' -> 'order_rows' else '[]'::jsonb end
    ) with ordinality as r (row_json, ordinality)
)

select
    {{ ps_int("row_json ->> 'id'") }} as order_detail_id,
    order_id,
    line_number::int as line_number,
    {{ ps_id("row_json ->> 'product_id'") }} as product_id,
    coalesce({{ ps_int("row_json ->> 'product_attribute_id'") }}, 0) as product_attribute_id,
    {{ ps_id("row_json ->> 'id_customization'") }} as customization_id,
    {{ ps_int("row_json ->> 'product_quantity'") }} as quantity,
    row_json ->> 'product_name' as product_name,
    row_json ->> 'product_reference' as product_reference,
    nullif(row_json ->> 'product_ean13', '') as product_ean13,
    -- Prices in the order's currency. product_price is the catalogue price before reductions.
    {{ ps_num("row_json ->> 'product_price'") }} as product_price,
    {{ ps_num("row_json ->> 'unit_price_tax_excl'") }} as unit_price_tax_excl,
    {{ ps_num("row_json ->> 'unit_price_tax_incl'") }} as unit_price_tax_incl,
    {{ ps_num("row_json ->> 'unit_price_tax_excl'") }} * {{ ps_int("row_json ->> 'product_quantity'") }} as line_total_tax_excl,
    {{ ps_num("row_json ->> 'unit_price_tax_incl'") }} * {{ ps_int("row_json ->> 'product_quantity'") }} as line_total_tax_incl,
    {{ batch_xmin() }} as _batch_xmin
from exploded
