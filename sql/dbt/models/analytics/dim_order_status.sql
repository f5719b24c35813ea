{{ config(indexes=[{'columns': ['order_state_id', 'shop'], 'unique': True}]) }}

-- Per installation: state ids and their PS_OS_* meaning are each installation's own.

select
    order_state_id,
    shop,
    order_state_name,
    status_group,
    config_keys,
    module_name,
    color,
    coalesce(is_logable, false) as is_logable,
    coalesce(is_paid, false) as is_paid,
    coalesce(is_shipped, false) as is_shipped,
    coalesce(is_delivery, false) as is_delivery,
    coalesce(is_invoice, false) as is_invoice,
    coalesce(is_deleted, false) as is_deleted,
    is_delivered_state,
    is_cancelled_state,
    is_refunded_state,
    is_payment_error_state,
    is_backorder_state
from {{ ref('stg_order_states') }}
