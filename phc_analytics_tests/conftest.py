"""Shared fixtures: a real PostgreSQL for every test that needs one.

By default the tests use their own embedded server (``.phc/test_pg``), separate from the one
``make demo`` fills. With ``PHC_TEST_DATABASE_URL`` (an admin URL, e.g.
postgresql://postgres@127.0.0.1:5432/postgres) they run against that server instead. Each test
that asks for ``empty_database`` gets a database of its own, dropped afterwards;
``migrated_database`` and ``built_copy`` copy a template built once per session
(support/databases.py says why and how).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings as hypothesis_settings
from hypothesis.database import DirectoryBasedExampleDatabase

from phc_analytics import settings
from phc_analytics.warehouse.embedded import EmbeddedPostgres
from phc_analytics_tests.support.databases import (
    copy_database,
    create_database,
    drop_database,
    session_name,
    with_database,
    with_user,
)

# Property tests (hypothesis). The default profile is what CI runs: derandomized, so a run is
# reproducible from the commit alone, no example database, and a deadline per example that
# keeps each property to seconds. HYPOTHESIS_PROFILE=explore searches with fresh randomness and
# more examples, and keeps the failures it finds under .phc/hypothesis to replay them first.
hypothesis_settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=500,
    max_examples=100,
    print_blob=True,
)
hypothesis_settings.register_profile(
    "explore",
    max_examples=1000,
    deadline=2000,
    database=DirectoryBasedExampleDatabase(str(settings.project_root() / ".phc" / "hypothesis")),
)
hypothesis_settings.load_profile(os.environ.get(settings.ENV_HYPOTHESIS_PROFILE, "ci"))

# shop_template, shop_path, shop_server, client: shared by the ingestion, quality and
# reliability tests (a folder's own conftest may override them, as demo_shop/ does).
pytest_plugins = [
    "phc_analytics_tests.support.shop_fixtures",
    "phc_analytics_tests.support.built_warehouse",
]

__all__ = ["create_database", "drop_database", "with_database", "with_user"]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    external = os.environ.get(settings.ENV_TEST_DATABASE_URL)
    if external:
        return external
    server = EmbeddedPostgres(settings.project_root() / ".phc" / "test_pg").ensure_running()
    return server.url("postgres")


@pytest.fixture
def empty_database(pg_admin_url: str) -> Iterator[str]:
    """The URL of a new, empty database."""
    name = create_database(pg_admin_url)
    try:
        yield with_database(pg_admin_url, name)
    finally:
        drop_database(pg_admin_url, name)


@pytest.fixture(scope="session")
def migrated_template(pg_admin_url: str) -> Iterator[str]:
    """A database with every migration applied, copied by ``migrated_database``."""
    from phc_analytics.warehouse.migrations import apply_migrations

    name = session_name("migrated")
    create_database(pg_admin_url, name=name)
    try:
        apply_migrations(with_database(pg_admin_url, name), settings.migrations_dir())
        yield name
    finally:
        drop_database(pg_admin_url, name)


@pytest.fixture
def migrated_database(pg_admin_url: str, migrated_template: str) -> Iterator[str]:
    """The URL of a migrated warehouse of the test's own (a copy of the template)."""
    name = copy_database(pg_admin_url, migrated_template, session_name("migrated_copy"))
    try:
        yield with_database(pg_admin_url, name)
    finally:
        drop_database(pg_admin_url, name)


# With pytest-xdist (``make test`` runs two workers), tests that share an expensive session
# fixture run on one worker, so it is built once; so do the tests of one module. The groups
# below are scheduled longest first: the UI tests mostly wait (on `dagster dev`, sensors and
# automation ticks) while the other worker computes, and the property test is the longest.
XDIST_GROUPS = (
    ("ui", lambda item: item.path.parent.name == "ui"),
    # Each chain of the property test on a worker of its own.
    ("slow", lambda item: item.get_closest_marker("slow") is not None),
    ("built_warehouse", lambda item: "built_template" in item.fixturenames),
    ("e2e_pipeline", lambda item: "pipeline" in item.fixturenames),
)


# tryfirst: xdist's own hook turns the xdist_group markers into scheduling groups after this.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Markers that choose a tier: ``-m unit`` (no database: no PostgreSQL, no dbt, seconds),
    ``-m ui`` (``dagster dev`` and a browser); ``server`` and ``slow`` are set by the modules.
    Then the xdist groups, first in the collection (``--no-loadscope-reorder`` keeps it)."""
    rank: dict[str, int] = {}
    for item in items:
        fixtures = getattr(item, "fixturenames", ())
        if "pg_admin_url" not in fixtures:
            item.add_marker(pytest.mark.unit)
        if item.path.parent.name == "ui":
            item.add_marker(pytest.mark.ui)
        for position, (group, belongs) in enumerate(XDIST_GROUPS):
            if belongs(item):
                name = item.nodeid if group == "slow" else group
                item.add_marker(pytest.mark.xdist_group(name))
                rank[item.nodeid] = position
                break
        else:
            # Any other module is one unit: its module-scoped fixtures are built once, and its
            # tests run in their order (some build on what the previous one left).
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
    items.sort(key=lambda item: rank.get(item.nodeid, len(XDIST_GROUPS)))
