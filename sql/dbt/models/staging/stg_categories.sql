{{ config(
    unique_key=['category_id', 'shop'],
    indexes=[{'columns': ['category_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

with latest as (
    {{ latest_raw_versions('categories', restage_all_when=configuration_changed(['PS_LANG_DEFAULT'])) }}
),

lang as (
    {{ default_language() }}
)

select
    id as category_id,
    shop,
    {{ ps_i18n('name') }} as category_name,
    -- id_parent "0" is the root's parent: no parent.
    {{ ps_id(ps_field('id_parent')) }} as parent_category_id,
    {{ ps_int(ps_field('level_depth')) }} as level_depth,
    {{ ps_bool(ps_field('is_root_category')) }} as is_root_category,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ ps_int(ps_field('position')) }} as position,
    {{ ps_timestamp(ps_field('date_add')) }} as date_add,
    {{ ps_timestamp(ps_field('date_upd')) }} as date_upd,
    -- Gone from the shop (a hard delete, found by the delete sweep): the row keeps the last
    -- values the shop sent.
    removed_at is not null as is_removed,
    removed_at,
    {{ batch_xmin() }} as _batch_xmin
from latest
left join lang using (shop)
