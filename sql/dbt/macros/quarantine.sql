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

    The verdict (checked_payloads, at the end) is a pure function of the payload (and, for
    orders, of raw.customers): the staging models and stg_quarantine all judge through it, so
    they agree on which ids are out. NULL when the record is fine, otherwise the reasons joined
    with '; '. Each payload is parsed once (jsonb_to_record) and every typed staging column is
    the value the rules already read. With the readers' fast paths (ps_cast.sql) this took a
    full build of stg_orders at 100k orders from 36 s to 16 s. -#}

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

{#- How a value of `kind` is read from its text `t`: NULL when unreadable. A text field has no
    typed value. -#}
{%- macro quarantine_readable(t, label, kind) -%}
    {%- if kind in ('id', 'int') -%}{{ ps_int(t) }}
    {%- elif kind == 'num' -%}{{ ps_num(t) }}
    {%- elif kind == 'bool' -%}{{ ps_bool(t) }}
    {%- elif kind == 'timestamp' and label in quarantine_date_fields() -%}{{ ps_date(t) }}
    {%- elif kind == 'timestamp' -%}{{ ps_timestamp(t) }}
    {%- endif -%}
{%- endmacro -%}

{#- Timestamps PrestaShop fills with a date only: read as a date. -#}
{%- macro quarantine_date_fields() -%}{{ return(['birthday', 'available_date']) }}{%- endmacro -%}

{#- The reason a field is bad, or NULL, from its JSON type `typ`, its text `t` and its value as
    read (`readable`, see quarantine_readable; unused for text), each an SQL expression. kind is
    one of id, int, num, bool, timestamp, text. A lenient value is only checked for its type and
    sign: unreadable, it becomes NULL in staging. -#}
{%- macro quarantine_field_reason(typ, t, readable, label, kind, lenient=false) -%}
    {%- set types = "'string', 'number', 'null'" ~ (", 'boolean'" if kind == 'bool' else '') -%}
    (case
        when {{ typ }} not in ({{ types }})
            then 'unexpected ' || {{ typ }} || ' in {{ label }}'
        {%- if kind == 'text' %}
        when length({{ t }}) > {{ quarantine_max_text_chars() }}
            then 'oversized {{ label }} (' || length({{ t }}) || ' characters)'
        when strpos({{ t }}, U&'\FFFD') > 0
            then '{{ label }} holds U+FFFD (text that was not UTF-8 in the shop)'
        {%- else %}
        {%- if not lenient %}
        when {{ typ }} in ('string', 'number') and trim({{ t }}) <> ''
             {%- if kind == 'timestamp' %} and {{ t }} !~ '^0000-00-00'{% endif %}
             and {{ readable }} is null
            then 'unreadable {{ label }}: "' || left({{ t }}, 40) || '"'
        {%- endif %}
        {%- if kind in ('num', 'int') %}
        {#- strpos first: a negative number holds a '-', and most values don't. #}
        when (case when strpos({{ t }}, '-') > 0 then {{ readable }} < 0 end)
            then 'negative {{ label }}: ' || {{ t }}
        {%- endif %}
        {%- endif %}
    end)
{%- endmacro -%}

{#- The same for a jsonb expression `j` (for values the one-parse path below does not cover). -#}
{%- macro quarantine_value_reason(j, label, kind, lenient=false) -%}
    {%- set t = '(' ~ j ~ ' #>> \'{}\')' -%}
    {{ quarantine_field_reason('jsonb_typeof(' ~ j ~ ')', t, quarantine_readable(t, label, kind), label, kind, lenient) }}
{%- endmacro -%}

{#- One parse per JSON object: `rows` is a FROM item aliased `r` (a table, a subquery, a set
    returning function) and `doc` the jsonb object of each row. Returns every column of `r`, and
    for each (name, kind) of `fields`: <name>__type (its JSON type), <name>__text and, but for
    text fields, <name>__value (read as quarantine_readable does; NULL when unreadable).

    jsonb_to_record reads the object once; the alternative, one `doc -> 'name'` per use, looked
    the key up again at every reference (the timestamp reader alone references its text a dozen
    times). A JSON null and a missing key both give NULLs here: test key presence on `doc`. The
    OFFSET 0 fences keep the planner from pulling the subqueries up, which would repeat each
    expression at every reference. -#}
{%- macro parsed_fields(fields, rows, doc) -%}
select v.*
    {%- for name, kind in fields if kind != 'text' %},
    {{ quarantine_readable('v.' ~ name ~ '__text', name, kind) }} as {{ name }}__value
    {%- endfor %}
from (
    select r.*
        {%- for name, kind in fields %},
        jsonb_typeof(j."{{ name }}") as {{ name }}__type, (j."{{ name }}" #>> '{}') as {{ name }}__text
        {%- endfor %}
    from {{ rows }}
    cross join lateral jsonb_to_record(
        case when jsonb_typeof({{ doc }}) = 'object' then {{ doc }} else '{}'::jsonb end
    ) as j ({% for name, kind in fields %}"{{ name }}" jsonb{{ ', ' if not loop.last }}{% endfor %})
    offset 0
) as v
offset 0
{%- endmacro -%}

{#- The (name, kind) pairs of an entity's scalar fields, in the order their reasons are listed. -#}
{%- macro quarantine_fields(entity) -%}
    {%- set spec = quarantine_spec(entity) -%}
    {%- set fields = [] -%}
    {%- for kind, names in [('id', spec.ids), ('int', spec.ints), ('num', spec.nums), ('bool', spec.bools), ('timestamp', spec.timestamps), ('text', spec.texts)] -%}
        {%- for name in names -%}{%- do fields.append((name, kind)) -%}{%- endfor -%}
    {%- endfor -%}
    {{ return(fields) }}
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

{#- Order lines: the first bad line field, e.g. 'order line 3: unreadable product_quantity'.
    A line that is not a JSON object has no field to check (as `row_json -> 'name'` reads it). -#}
{%- macro quarantine_order_rows_reason(p) -%}
    {%- set fields = [('product_id', 'id'), ('product_quantity', 'int'),
                      ('unit_price_tax_excl', 'num'), ('unit_price_tax_incl', 'num'),
                      ('product_price', 'num'), ('product_name', 'text')] -%}
    {%- set rows -%}
    jsonb_array_elements(
        case when jsonb_typeof({{ p }} -> 'associations' -> 'order_rows') = 'array'
             then {{ p }} -> 'associations' -> 'order_rows' else '[]'::jsonb end
    ) with ordinality as r (row_json, n)
    {%- endset -%}
    (select min('order line ' || l.n || ': ' || l.r) from (
        select f.n, unnest(array[
            {%- for name, kind in fields %}
            {{ quarantine_field_reason('f.' ~ name ~ '__type', 'f.' ~ name ~ '__text', 'f.' ~ name ~ '__value', name, kind) }}{{ ',' if not loop.last }}
            {%- endfor %}
        ]) as r
        from ({{ parsed_fields(fields, rows, 'r.row_json') }}) as f
    ) as l)
{%- endmacro -%}

{#- The reason a record is bad, or NULL, over the columns of parsed_fields(quarantine_fields(
    entity), ...) aliased `c`, whose `payload` column is the record. -#}
{%- macro quarantine_reason_of(entity, c) -%}
    {%- set spec = quarantine_spec(entity) -%}
    {%- set reasons = [] -%}
    {%- for f in spec.required -%}
        {%- do reasons.append("case when not (" ~ c ~ ".payload ? '" ~ f ~ "') then 'missing field " ~ f ~ "' end") -%}
    {%- endfor -%}
    {%- for name, kind in quarantine_fields(entity) -%}
        {%- do reasons.append(quarantine_field_reason(
            c ~ '.' ~ name ~ '__type', c ~ '.' ~ name ~ '__text', c ~ '.' ~ name ~ '__value',
            name, kind, name in spec.lenient)) -%}
    {%- endfor -%}
    {%- for f in spec.i18n -%}
        {%- do reasons.append(quarantine_i18n_reason(c ~ '.payload', f)) -%}
    {%- endfor -%}
    {%- if entity == 'orders' -%}
        {%- do reasons.append(quarantine_order_rows_reason(c ~ '.payload')) -%}
        {%- do reasons.append(
            "case when nullif(" ~ c ~ ".id_customer__value, 0) is not null and not exists ("
            ~ "select 1 from " ~ source('prestashop', 'customers') ~ " as qc where qc.id = "
            ~ "nullif(" ~ c ~ ".id_customer__value, 0) and qc.shop = " ~ c ~ ".shop)"
            ~ " then 'customer ' || " ~ c ~ ".id_customer__text"
            ~ " || ' does not exist' end") -%}
    {%- endif -%}
    nullif(array_to_string(array[
        {{ reasons | join(',\n        ') }}
    ]::text[], '; '), '')
{%- endmacro -%}

{#- The records of `versions` (a FROM item with an `id` and a `payload` column, e.g. a CTE name
    or a parenthesized subquery), each parsed once: their columns, the <field>__type/__text/
    __value columns of every scalar field of the entity's spec, and quarantine_reason (NULL when
    the record is fine). Every staging model and stg_quarantine judge records through this one
    macro, so they agree on which ids are out. -#}
{%- macro checked_payloads(entity, versions) -%}
select c.*, {{ quarantine_reason_of(entity, 'c') }} as quarantine_reason
from ({{ parsed_fields(quarantine_fields(entity), versions ~ ' as r', 'r.payload') }}) as c
offset 0
{%- endmacro -%}

{#- Orders a staging model left out because their customer did not exist yet, whose customer has
    arrived since the model's last build: they are evaluated again (an order is never re-staged
    by its own payload alone then). Returns (id, shop) pairs. Uses the raw_orders_id_customer
    index. -#}
{%- macro orders_waiting_for_their_customer(key) -%}
select r.id, r.shop
from {{ source('prestashop', 'orders') }} as r
where ((r.payload ->> 'id_customer'), r.shop) in (
        select c.id::text, c.shop from {{ source('prestashop', 'customers') }} as c
        where c.load_xid >= {{ staging_watermark() }}
    )
  and not exists (select 1 from {{ this }} as s where s.{{ key }} = r.id and s.shop = r.shop)
{%- endmacro -%}
