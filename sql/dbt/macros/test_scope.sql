{#- Per-row tests follow the change, not the history.

    A per-row test (not_null, accepted_values, accepted_range, expression_is_true, and unique
    where a unique index already enforces the key) can only change its verdict on a row that a
    build wrote. On an incremental table that marks the rows each build writes, such a test
    reads only the rows marked at or above staging.tested_through.row_mark, which the
    on-run-end hook below moves past the rows every per-row test of that table passed on:

    - staging: `_batch_xmin`, the snapshot xmin of the build (the same for every row it wrote);
    - the facts: `_mart_xid`, the id of the transaction that wrote the row.

    Both are indexed, so the test reads about as many rows as the builds since the last clean
    one wrote. A table with no record (first build, after a full refresh of the bookkeeping, or
    a failed test) is tested whole; a failing test does not move the record, so its rows are read
    again until they are fixed. `--vars '{test_every_row: true}'` (the dbt assets' run config
    `test_every_row`) tests every row, e.g. after a table was edited outside dbt. Tests across rows or tables (relationships, the
    reconciliations with raw, unique without an index) always read everything: a change
    elsewhere, or a lost row, can break them. docs/models.md ("Tests that follow the change").

    dbt passes the `model` argument of every generic test through get_where_subquery (which
    also applies the test's own `where`); this is dbt-postgres' implementation of it. -#}

{%- macro postgres__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set scope = tested_rows_scope(relation) -%}
    {%- if scope -%}
        {%- set where = '(' ~ where ~ ') and ' ~ scope if where else scope -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro -%}

{#- The column marking the rows each build of `node` writes, when it has an index: '' if none. -#}
{%- macro row_mark_column(node) -%}
    {%- if node.resource_type != 'model' or node.config.materialized != 'incremental' -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set indexed = [] -%}
    {%- for index in node.config.get('indexes') or [] -%}
        {%- if index.columns | length == 1 -%}{%- do indexed.append(index.columns[0]) -%}{%- endif -%}
    {%- endfor -%}
    {%- for mark in ('_batch_xmin', '_mart_xid') -%}
        {%- if mark in indexed -%}{%- do return(mark) -%}{%- endif -%}
    {%- endfor -%}
    {%- do return('') -%}
{%- endmacro -%}

{#- Whether `test` (a test node) judges each row of its model on its own. -#}
{%- macro is_per_row_test(test, tested) -%}
    {%- if not test.test_metadata -%}{%- do return(false) -%}{%- endif -%}
    {%- set name = test.test_metadata.name -%}
    {%- if name in ('not_null', 'accepted_values', 'accepted_range', 'expression_is_true') -%}
        {%- do return(true) -%}
    {%- endif -%}
    {#- A key the table's unique index already enforces: a row can only break it by being written. -#}
    {%- set key = none -%}
    {%- if name == 'unique' -%}
        {%- set key = [test.test_metadata.kwargs.get('column_name')] -%}
    {%- elif name == 'unique_combination_of_columns' -%}
        {%- set key = test.test_metadata.kwargs.get('combination_of_columns') -%}
    {%- endif -%}
    {%- if key -%}
        {%- for index in tested.config.get('indexes') or [] -%}
            {%- if index.get('unique') and index.columns | sort == key | sort -%}{%- do return(true) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do return(false) -%}
{%- endmacro -%}

{#- The filter scoping the running test to the rows written since its model last tested clean,
    '' when the test reads everything. Looked up when the test runs, so the planner sees the
    mark as a constant and uses the index. -#}
{%- macro tested_rows_scope(relation) -%}
    {%- if not execute or var('test_every_row', false)
          or model.resource_type != 'test' or not model.attached_node -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set tested = graph.nodes.get(model.attached_node) -%}
    {%- if tested is none -%}{%- do return('') -%}{%- endif -%}
    {%- set mark = row_mark_column(tested) -%}
    {%- if not mark or not is_per_row_test(model, tested) -%}{%- do return('') -%}{%- endif -%}
    {%- set found = run_query(
        "select row_mark from staging.tested_through where relation = '"
        ~ tested.schema ~ "." ~ tested.alias ~ "'") -%}
    {%- if found | length == 0 -%}{%- do return('') -%}{%- endif -%}
    {%- do return(mark ~ ' >= ' ~ found.columns[0].values()[0]) -%}
{%- endmacro -%}

{#- on-run-end: every incremental table whose per-row tests all ran in this invocation and all
    passed is clean up to its highest mark. The next test starts above it when no later build
    can write that mark again, i.e. when the server's oldest running transaction is already
    above it (a later build's _batch_xmin is at least that; a _mart_xid always is), and at it
    otherwise, testing that batch again rather than risk skipping a later one. -#}
{%- macro record_tested_rows(results) -%}
    {%- if not execute -%}{%- do return('') -%}{%- endif -%}
    {%- set passed = [] -%}
    {%- for result in results -%}
        {%- if result.node.resource_type == 'test' and result.status == 'pass' -%}
            {%- do passed.append(result.node.unique_id) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set clean = [] -%}
    {%- for node in graph.nodes.values() -%}
        {%- set mark = row_mark_column(node) -%}
        {%- if mark -%}
            {%- set tests = [] -%}
            {%- for test in graph.nodes.values() -%}
                {%- if test.resource_type == 'test' and test.attached_node == node.unique_id
                      and is_per_row_test(test, node) -%}
                    {%- do tests.append(test.unique_id) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- if tests and tests | reject('in', passed) | list | length == 0 -%}
                {%- do clean.append((node, mark)) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node, mark in clean -%}
        {%- set relation = node.schema ~ '.' ~ node.alias %}
insert into staging.tested_through (relation, row_mark)
select '{{ relation }}', max({{ mark }}) + (pg_snapshot_xmin(pg_current_snapshot())::text::bigint > max({{ mark }}))::int
from {{ relation }} having max({{ mark }}) is not null
on conflict (relation) do update set row_mark = excluded.row_mark, tested_at = clock_timestamp();
    {%- endfor %}
{%- endmacro -%}
