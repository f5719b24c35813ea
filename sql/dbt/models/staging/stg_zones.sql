{{ config(
    unique_key=['zone_id', 'shop'],
    indexes=[{'columns': ['zone_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}],
) }}

with latest as (
    {{ latest_raw_versions('zones') }}
)

select
    id as zone_id,
    shop,
    {{ ps_field('name') }} as zone_name,
    {{ ps_bool(ps_field('active')) }} as is_active,
    {{ batch_xmin() }} as _batch_xmin
from latest
