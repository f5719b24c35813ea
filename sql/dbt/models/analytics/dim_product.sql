{{ config(indexes=[
    {'columns': ['product_id', 'shop'], 'unique': True},
    {'columns': ['category_id']},
    {'columns': ['top_category_id']},
]) }}

-- The top-level category is the ancestor at level_depth 2 (level 0 = Root, 1 = Home), found by
-- walking id_parent; a product filed directly under Home is its own top category's child.
-- Per installation: product and category ids are its own, so the key is (product_id, shop) and
-- the walk stays within the shop.
with recursive ancestry as (
    select category_id, shop, category_id as ancestor_id, level_depth, 0 as steps
    from {{ ref('stg_categories') }}
    union all
    select a.category_id, a.shop, c.parent_category_id, p.level_depth, a.steps + 1
    from ancestry as a
    join {{ ref('stg_categories') }} as c on c.category_id = a.ancestor_id and c.shop = a.shop
    join {{ ref('stg_categories') }} as p on p.category_id = c.parent_category_id and p.shop = c.shop
    where a.level_depth > 2 and a.steps < 20
),

top_category as (
    select distinct on (category_id, shop) category_id, shop, ancestor_id as top_category_id
    from ancestry
    where level_depth <= 2
    order by category_id, shop, level_depth desc
),

products as (
    select product_id, shop, product_name, reference, price, wholesale_price, product_type,
           is_active and not is_removed as is_active, is_removed, category_id, date_add
    from {{ ref('stg_products') }}
    union all
    -- The facts' unknown product (-1) is per shop: one for each installation.
    select -1, s.shop, 'Unknown product', null, null, null, null, null, null, null, null
    from ({{ warehouse_shops() }}) as s
    where not exists (select 1 from {{ ref('stg_products') }} as sp where sp.product_id = -1 and sp.shop = s.shop)
)

select
    p.product_id,
    p.shop,
    p.product_name,
    p.reference,
    p.price,
    p.wholesale_price,
    case when p.price > 0 and p.wholesale_price > 0 then 1 - p.wholesale_price / p.price end as catalogue_margin_pct,
    p.product_type,
    p.is_active,
    -- Deleted in the shop: out of the current catalogue (not active), while its past order
    -- lines keep their name and revenue.
    p.is_removed,
    coalesce(p.category_id, -1) as category_id,
    c.category_name,
    c.level_depth as category_level_depth,
    coalesce(t.top_category_id, p.category_id, -1) as top_category_id,
    coalesce(tc.category_name, c.category_name) as top_category_name,
    p.date_add as created_at
from products as p
left join {{ ref('stg_categories') }} as c on c.category_id = p.category_id and c.shop = p.shop
left join top_category as t on t.category_id = p.category_id and t.shop = p.shop
left join {{ ref('stg_categories') }} as tc on tc.category_id = t.top_category_id and tc.shop = t.shop
