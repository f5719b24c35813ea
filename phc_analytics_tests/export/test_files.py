"""An output file appears whole, or not at all."""

import os

import pytest

from phc_analytics.export.files import atomic_path


def test_the_file_appears_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "out" / "fct_orders.csv"
    with atomic_path(target) as partial:
        assert partial.parent == target.parent and partial.name.startswith(".fct_orders.csv.")
        partial.write_text("a,b\n1,2\n")
        assert not target.exists()
    assert target.read_text() == "a,b\n1,2\n"
    assert [p.name for p in target.parent.iterdir()] == ["fct_orders.csv"]


def test_a_failure_keeps_the_previous_file_and_leaves_no_partial_one(tmp_path):
    target = tmp_path / "dim_date.csv"
    target.write_text("previous export\n")
    with pytest.raises(RuntimeError), atomic_path(target) as partial:
        partial.write_text("half a fi")
        raise RuntimeError("the connection dropped")
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["dim_date.csv"]


def test_the_file_gets_the_mode_the_umask_gives_not_a_private_one(tmp_path):
    previous = os.umask(0o022)
    try:
        with atomic_path(tmp_path / "fct_orders.parquet") as partial:
            partial.write_bytes(b"PAR1")
    finally:
        os.umask(previous)
    assert (tmp_path / "fct_orders.parquet").stat().st_mode & 0o777 == 0o644
