{{ config(
    unique_key=['order_history_id', 'shop'],
    indexes=[{'columns': ['order_history_id', 'shop'], 'unique': True}, {'columns': ['_batch_xmin']}, {'columns': ['order_id']}],
) }}

with latest as (
    {{ latest_raw_versions('order_histories') }}
)

select
    id as order_history_id,
    shop,
    {{ ps_id(ps_field('id_order')) }} as order_id,
    {{ ps_id(ps_field('id_order_state')) }} as order_state_id,
    {{ ps_id(ps_field('id_employee')) }} as employee_id,
    {{ ps_timestamp(ps_field('date_add')) }} as date_add,
    {{ batch_xmin() }} as _batch_xmin
from latest
