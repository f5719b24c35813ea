{#- What the marts leave out, for the people who read them: every order, customer and product
    each shop sent that staging could not type (see staging.stg_quarantine), with the reason.
    Empty when the shops' data is clean. A record is (entity, id, shop): ids are an
    installation's own. -#}
{{ config(indexes=[
    {'columns': ['entity', 'record_id', 'shop'], 'unique': True},
]) }}

select
    entity,
    shop,
    record_id,
    reason,
    first_seen_at,
    cursor_value as source_updated_at,
    raw_run_id
from {{ ref('stg_quarantine') }}
