{#- What the marts leave out, for the people who read them: every order, customer and product
    the shop sent that staging could not type (see staging.stg_quarantine), with the reason.
    Empty when the shop's data is clean. -#}
{{ config(indexes=[
    {'columns': ['entity', 'record_id'], 'unique': True},
]) }}

select
    entity,
    record_id,
    reason,
    first_seen_at,
    cursor_value as source_updated_at,
    raw_run_id
from {{ ref('stg_quarantine') }}
