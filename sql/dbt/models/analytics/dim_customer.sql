{#- The masked view's hook runs after dbt's transaction: a replacement of dim_customer drops the
    old relation (and the view on it) only after the in-transaction hooks (macros/bi_pii.sql). -#}
{{ config(post_hook=[
    "{{ bi_pii_privileges() }}",
    {"sql": "{{ masked_customer_view() }}", "transaction": False},
], indexes=[
    {'columns': ['customer_id', 'shop'], 'unique': True},
    {'columns': ['revenue_tier']},
    {'columns': ['rfm_segment']},
    {'columns': ['country_id']},
    {'columns': ['lifetime_value', 'customer_id', 'shop']},
]) }}

-- (lifetime_value, customer_id, shop): "top customers" reads ten index entries backwards instead
-- of sorting every customer (and, through dim_customer_masked, hashing every email first); the
-- shop settles a tie between two installations' customers with the same id.

-- Every customer, plus each installation's unknown member (-1) that its orders without a
-- customer point to. Customers without a valid order get zero lifetime values, tier 'none' and
-- no RFM cell. An installation reporting some of its stores only (macros/store_selection.sql)
-- keeps the customers of those stores and every customer with an order there (a group that
-- shares customers lets them buy in any of its stores).
with customers as (
    select
        customer_id, shop, email, firstname, lastname, is_guest, is_active and not is_removed as is_active,
        is_deleted, is_removed, has_newsletter, date_add
    from {{ ref('stg_customers') }} as c
    where {{ every_store('c.shop') }}
       or {{ store_chosen('c.shop', 'c.shop_id') }}
       or exists (select 1 from {{ ref('fct_orders') }} as f where f.customer_id = c.customer_id and f.shop = c.shop)
    union all
    select -1, s.shop, null, null, null, null, null, null, null, null, null
    from ({{ warehouse_shops() }}) as s
    where not exists (
        select 1 from {{ ref('stg_customers') }} as c where c.customer_id = -1 and c.shop = s.shop
    )
)

select
    c.customer_id,
    c.shop,
    c.email,
    c.firstname,
    c.lastname,
    coalesce(c.is_guest, false) as is_guest,
    c.is_active,
    c.is_deleted,
    -- Gone from the shop (a hard delete or a GDPR erasure): their orders still count, and their
    -- personal fields are blank (ingestion/erasure.py).
    c.is_removed,
    c.has_newsletter,
    c.date_add as signed_up_at,
    c.date_add::date as signup_date,
    o.first_order_date,
    o.last_order_date,
    coalesce(o.lifetime_orders, 0) as lifetime_orders,
    coalesce(o.lifetime_net_revenue, 0) as lifetime_value,
    o.average_order_value,
    o.days_active,
    o.days_since_last_order,
    o.avg_days_between_orders,
    coalesce(o.revenue_tier, 'none') as revenue_tier,
    o.rfm_cell,
    o.rfm_segment,
    coalesce(o.is_churned, false) as is_churned,
    coalesce(o.last_country_id, -1) as country_id,
    o.as_of_date
from customers as c
left join {{ ref('int_customer_orders') }} as o on o.customer_id = c.customer_id and o.shop = c.shop
