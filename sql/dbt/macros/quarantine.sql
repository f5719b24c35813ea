{#- Quarantine: a record staging cannot type faithfully is routed to staging.stg_quarantine with
    the reason, instead of entering stg_orders / stg_customers / stg_products with NULLs (the
    ps_cast macros stay as the safety net for everything the rules do not cover).

    A field is bad when it is
      - missing (only the fields listed as required: the marts cannot do without them);
      - of an unexpected JSON type (an object or a list where PrestaShop sends a string);
      - present, not empty, not PrestaShop's zero date, and unreadable ('abc' in an amount,
        '2024-13-45 99:00:00' in a date), for the fields the marts compute with; the
        informative ones listed as `lenient` (invoice and delivery dates, date_upd, carrier tax
        rate, birthday, wholesale price...) become NULL instead, as everywhere else in staging;
      - negative where PrestaShop never writes a negative number (amounts, prices, quantities);
      - text longer than max_text_chars (every PrestaShop column read here is varchar(255) or
        shorter: a megabyte name is a broken import, and would break BI tools);
      - text holding U+FFFD, the replacement character: bytes that were not UTF-8 in the shop
        were replaced on the way, the original text is lost.
    An order is also quarantined when its id_customer names a customer the shop never sent.

    quarantine_reason(entity, p) is a pure function of the payload `p` (and, for orders, of
    raw.customers): every model evaluates it the same way, so stg_orders, stg_order_rows and
    stg_quarantine agree on which ids are out. NULL when the record is fine, otherwise the
    reasons joined with '; '. `p` must be qualified ('latest.payload'): the customer lookup is a
    subquery on raw.customers, which has a payload column of its own. -#}

{%- macro quarantine_max_text_chars() -%}4000{%- endmacro -%}

{%- macro quarantine_spec(entity) -%}
    {%- set specs = {
        'orders': {
            'required': ['id_customer', 'current_state', 'date_add', 'total_paid_tax_excl',
                         'total_paid_tax_incl', 'total_products', 'total_shipping_tax_excl'],
            'ids': ['id_customer', 'id_address_delivery', 'id_address_invoice', 'id_cart',
                    'id_currency', 'id_lang', 'id_carrier', 'id_shop', 'id_shop_group',
                    'current_state'],
            'ints': ['invoice_number', 'round_mode', 'round_type'],
            'nums': ['total_products', 'total_products_wt', 'total_discounts_tax_excl',
                     'total_discounts_tax_incl', 'total_shipping_tax_excl',
                     'total_shipping_tax_incl', 'total_wrapping_tax_excl',
                     'total_wrapping_tax_incl', 'total_paid_tax_excl', 'total_paid_tax_incl',
                     'total_paid_real', 'carrier_tax_rate', 'conversion_rate'],
            'bools': ['valid', 'gift'],
            'timestamps': ['invoice_date', 'delivery_date', 'date_add', 'date_upd'],
            'texts': ['reference', 'module', 'payment'],
            'i18n': [],
            'lenient': ['invoice_date', 'delivery_date', 'date_upd', 'carrier_tax_rate',
                        'invoice_number', 'round_mode', 'round_type', 'gift', 'total_paid_real',
                        'id_cart', 'id_lang', 'id_carrier', 'id_shop_group'],
        },
        'customers': {
            'required': ['email', 'date_add'],
            'ids': ['id_gender', 'id_lang', 'id_default_group', 'id_shop'],
            'ints': [],
            'nums': [],
            'bools': ['is_guest', 'active', 'deleted', 'newsletter', 'optin'],
            'timestamps': ['birthday', 'newsletter_date_add', 'date_add', 'date_upd'],
            'texts': ['email', 'firstname', 'lastname', 'company'],
            'i18n': [],
            'lenient': ['birthday', 'newsletter_date_add', 'date_upd'],
        },
        'products': {
            'required': ['name', 'price', 'date_add'],
            'ids': ['id_category_default', 'id_manufacturer', 'id_supplier'],
            'ints': [],
            'nums': ['price', 'wholesale_price'],
            'bools': ['active', 'on_sale', 'available_for_order'],
            'timestamps': ['available_date', 'date_add', 'date_upd'],
            'texts': ['reference', 'product_type'],
            'i18n': ['name'],
            'lenient': ['wholesale_price', 'available_date', 'date_upd'],
        },
    } -%}
    {{ return(specs[entity]) }}
{%- endmacro -%}

{#- The reason a scalar value `j` (a jsonb expression) named `label` is bad, or NULL. kind is
    one of id, int, num, bool, timestamp, text. A lenient value is only checked for its type
    and sign: unreadable, it becomes NULL in staging. -#}
{%- macro quarantine_value_reason(j, label, kind, lenient=false) -%}
    {%- set t = '(' ~ j ~ ' #>> \'{}\')' -%}
    {%- set readable = {
        'id': ps_int(t), 'int': ps_int(t), 'num': ps_num(t), 'bool': ps_bool(t),
        'timestamp': ps_timestamp(t) if label not in ('birthday', 'available_date') else ps_date(t),
    } -%}
    {%- set types = "'string', 'number', 'null'" ~ (", 'boolean'" if kind == 'bool' else '') -%}
    (case
        when jsonb_typeof({{ j }}) not in ({{ types }})
            then 'unexpected ' || jsonb_typeof({{ j }}) || ' in {{ label }}'
        {%- if kind == 'text' %}
        when length({{ t }}) > {{ quarantine_max_text_chars() }}
            then 'oversized {{ label }} (' || length({{ t }}) || ' characters)'
        when strpos({{ t }}, U&'\FFFD') > 0
            then '{{ label }} holds U+FFFD (text that was not UTF-8 in the shop)'
        {%- else %}
        {%- if not lenient %}
        when jsonb_typeof({{ j }}) in ('string', 'number') and trim({{ t }}) <> ''
             {%- if kind == 'timestamp' %} and {{ t }} !~ '^0000-00-00'{% endif %}
             and {{ readable[kind] }} is null
            then 'unreadable {{ label }}: "' || left({{ t }}, 40) || '"'
        {%- endif %}
        {%- if kind in ('num', 'int') %}
        {#- strpos first: a negative number holds a '-', and most values don't, which spares
            them a second regex match (regex matches are most of the cost of these rules). #}
        when (case when strpos({{ t }}, '-') > 0 then {{ readable[kind] }} < 0 end)
            then 'negative {{ label }}: ' || {{ t }}
        {%- endif %}
        {%- endif %}
    end)
{%- endmacro -%}

{#- The reason a multilingual field is bad: a list of {"id", "value"} or a plain string. -#}
{%- macro quarantine_i18n_reason(p, field) -%}
    (case
        when jsonb_typeof({{ p }} -> '{{ field }}') not in ('array', 'string', 'null')
            then 'unexpected ' || jsonb_typeof({{ p }} -> '{{ field }}') || ' in {{ field }}'
        else (
            select min(r) from (
                select {{ quarantine_value_reason("e.v", field, 'text') }} as r
                from jsonb_array_elements(
                    case jsonb_typeof({{ p }} -> '{{ field }}')
                        when 'array' then {{ p }} -> '{{ field }}'
                        when 'string' then jsonb_build_array(jsonb_build_object('value', {{ p }} -> '{{ field }}'))
                        else '[]'::jsonb
                    end) as a (elem)
                cross join lateral (select case when jsonb_typeof(a.elem) = 'object'
                                                then a.elem -> 'value' else a.elem end as v) as e
            ) as reasons
        )
    end)
{%- endmacro -%}

{#- Order lines: the first bad line field, e.g. 'order line 3: unreadable product_quantity'. -#}
{%- macro quarantine_order_rows_reason(p) -%}
    (select min('order line ' || l.n || ': ' || l.r) from (
        select o.n, unnest(array[
            {{ quarantine_value_reason("o.row_json -> 'product_id'", 'product_id', 'id') }},
            {{ quarantine_value_reason("o.row_json -> 'product_quantity'", 'product_quantity', 'int') }},
            {{ quarantine_value_reason("o.row_json -> 'unit_price_tax_excl'", 'unit_price_tax_excl', 'num') }},
            {{ quarantine_value_reason("o.row_json -> 'unit_price_tax_incl'", 'unit_price_tax_incl', 'num') }},
            {{ quarantine_value_reason("o.row_json -> 'product_price'", 'product_price', 'num') }},
            {{ quarantine_value_reason("o.row_json -> 'product_name'", 'product_name', 'text') }}
        ]) as r
        from jsonb_array_elements(
            case when jsonb_typeof({{ p }} -> 'associations' -> 'order_rows') = 'array'
                 then {{ p }} -> 'associations' -> 'order_rows' else '[]'::jsonb end
        ) with ordinality as o (row_json, n)
    ) as l)
{%- endmacro -%}

{%- macro quarantine_reason(entity, p) -%}
    {%- set spec = quarantine_spec(entity) -%}
    {%- set reasons = [] -%}
    {%- for f in spec.required -%}
        {%- do reasons.append("case when not (" ~ p ~ " ? '" ~ f ~ "') then 'missing field " ~ f ~ "' end") -%}
    {%- endfor -%}
    {%- for kind, fields in [('id', spec.ids), ('int', spec.ints), ('num', spec.nums), ('bool', spec.bools), ('timestamp', spec.timestamps), ('text', spec.texts)] -%}
        {%- for f in fields -%}
            {%- do reasons.append(quarantine_value_reason(p ~ " -> '" ~ f ~ "'", f, kind, f in spec.lenient)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for f in spec.i18n -%}
        {%- do reasons.append(quarantine_i18n_reason(p, f)) -%}
    {%- endfor -%}
    {%- if entity == 'orders' -%}
        {%- do reasons.append(quarantine_order_rows_reason(p)) -%}
        {%- do reasons.append(
            "case when " ~ ps_id("(" ~ p ~ " ->> 'id_customer')") ~ " is not null and not exists ("
            ~ "select 1 from " ~ source('prestashop', 'customers') ~ " as qc where qc.id = "
            ~ ps_id("(" ~ p ~ " ->> 'id_customer')") ~ ") then 'customer ' || ("
            ~ p ~ " ->> 'id_customer') || ' does not exist' end") -%}
    {%- endif -%}
    nullif(array_to_string(array[
        {{ reasons | join(',\n        ') }}
    ]::text[], '; '), '')
{%- endmacro -%}

{#- Orders a staging model left out because their customer did not exist yet, whose customer has
    arrived since the model's last build: they are evaluated again (an order is never re-staged
    by its own payload alone then). Uses the raw_orders_id_customer index. -#}
{%- macro orders_waiting_for_their_customer(key) -%}
select r.id
from {{ source('prestashop', 'orders') }} as r
where (r.payload ->> 'id_customer') in (
        select c.id::text from {{ source('prestashop', 'customers') }} as c
        where c.load_xid >= {{ staging_watermark() }}
    )
  and not exists (select 1 from {{ this }} as s where s.{{ key }} = r.id)
{%- endmacro -%}
