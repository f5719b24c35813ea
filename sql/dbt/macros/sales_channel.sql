{#- PrestaShop has no sales-channel entity: a channel here is the shop (multistore) and the
    payment module the order went through, e.g. '1:ps_wirepayment'. Unknown parts become
    'unknown' so the key is never NULL (it is part of unique indexes). -#}
{%- macro sales_channel_key(shop_id, module) -%}
(coalesce({{ shop_id }}::text, 'unknown') || ':' || coalesce(nullif({{ module }}, ''), 'unknown'))
{%- endmacro -%}
