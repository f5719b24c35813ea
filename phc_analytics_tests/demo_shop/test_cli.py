"""The `shop` click group: generate and advance through the command line."""

from __future__ import annotations

from click.testing import CliRunner

from phc_analytics.demo_shop.cli import shop


def test_generate_then_advance(tmp_path):
    path = tmp_path / "cli.sqlite"
    runner = CliRunner()
    result = runner.invoke(
        shop,
        ["generate", "--shop", str(path), "--orders", "200", "--seed", "5", "--end", "2025-01-01"],
    )
    assert result.exit_code == 0, result.output
    assert "Generated 200 orders" in result.output
    result = runner.invoke(shop, ["advance", "--shop", str(path), "--hours", "48"])
    assert result.exit_code == 0, result.output
    assert "Shop clock now 2025-01-03 00:00:00" in result.output


def test_advance_without_shop_is_an_actionable_error(tmp_path):
    result = CliRunner().invoke(
        shop, ["advance", "--shop", str(tmp_path / "x.sqlite"), "--hours", "1"]
    )
    assert result.exit_code != 0
    assert "phc-analytics shop generate" in str(result.exception)


def test_generate_stores_and_serve_refuses_another_count(tmp_path):
    path = tmp_path / "stores.sqlite"
    runner = CliRunner()
    args = ["--shop", str(path), "--orders", "200", "--seed", "5", "--end", "2025-01-01"]
    result = runner.invoke(shop, ["generate", *args, "--stores", "3"])
    assert result.exit_code == 0, result.output
    assert "200 orders in 3 stores" in result.output
    result = runner.invoke(shop, ["serve", "--shop", str(path), "--port", "0", "--stores", "2"])
    assert result.exit_code != 0
    message = str(result.exception)
    assert "has 3 store(s), not 2" in message and "--stores 2" in message
    assert runner.invoke(shop, ["generate", *args, "--stores", "9"]).exit_code == 2
