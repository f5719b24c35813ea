"""One registry of environment variables (settings.SETTINGS): nothing reads a variable it does
not list, and README.md's table is the registry's."""

from __future__ import annotations

import ast
import re

import yaml

from phc_analytics import settings

ROOT = settings.project_root()
SCANNED = ("phc_analytics", "bench", "phc_analytics_tests")
# The process environment passed on to tools, not a setting of this project.
NOT_SETTINGS = {"PATH"}


def _is_environ(node: ast.expr) -> bool:
    """``os.environ`` (or a bare ``environ``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "environ" and isinstance(node.value, ast.Name)
    return isinstance(node, ast.Name) and node.id == "environ"


def _callee(node: ast.Call) -> str | None:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)


def _read_names(tree: ast.AST) -> list[ast.expr]:
    """The name expressions of every read: ``os.environ[...]``, ``os.environ.get(...)``,
    ``os.getenv(...)``, ``... in os.environ`` and ``dg.EnvVar(...)``."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            if _is_environ(node.value):
                found.append(node.slice)
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            environ_get = (
                isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)
            )
            if environ_get or _callee(node) in ("getenv", "EnvVar"):
                found.append(node.args[0])
        elif (
            isinstance(node, ast.Compare)
            and isinstance(node.ops[0], ast.In | ast.NotIn)
            and _is_environ(node.comparators[0])
        ):
            found.append(node.left)
    return found


def _module_constants(tree: ast.Module) -> dict[str, ast.expr]:
    return {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _resolve(node: ast.expr, constants: dict[str, ast.expr]) -> str | None:
    """A literal, a ``settings.ENV_*`` constant, or a module constant set to one of those;
    None for names only known at run time (a loop over registered constants, say)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "settings":
        return getattr(settings, node.attr)
    if isinstance(node, ast.Name) and node.id in constants:
        return _resolve(constants.pop(node.id), constants)
    return None


def variables_read(source: str) -> set[str]:
    tree = ast.parse(source)
    names = set()
    for node in _read_names(tree):
        name = _resolve(node, _module_constants(tree))
        if name is not None:
            names.add(name)
    return names


def _yaml_env_references(value) -> set[str]:
    """``{env: NAME}`` entries of a Dagster instance file."""
    if isinstance(value, dict):
        if set(value) == {"env"}:
            return {value["env"]}
        return set().union(*(_yaml_env_references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_yaml_env_references(v) for v in value))
    return set()


def every_variable_read() -> dict[str, set[str]]:
    """Variable name -> files that read it."""
    readers: dict[str, set[str]] = {}
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name in variables_read(path.read_text()):
                readers.setdefault(name, set()).add(str(path.relative_to(ROOT)))
    profiles = (ROOT / "sql" / "dbt" / "profiles.yml").read_text()
    for name in re.findall(r"env_var\(\s*['\"]([^'\"]+)['\"]", profiles):
        readers.setdefault(name, set()).add("sql/dbt/profiles.yml")
    for name in _yaml_env_references(yaml.safe_load((ROOT / "dagster.yaml").read_text())):
        readers.setdefault(name, set()).add("dagster.yaml")
    return readers


def test_the_scanner_finds_reads_of_every_form_and_ignores_writes():
    source = """
import os
import dagster as dg
from phc_analytics import settings
KEY = settings.ENV_PRESTASHOP_WS_KEY
ALIAS = "PHC_ALIASED"
os.environ["PHC_SUBSCRIPT"]
os.environ.get("PHC_GET", "default")
os.getenv(ALIAS)
dg.EnvVar(settings.ENV_DATABASE_URL)
if "PHC_MEMBER" not in os.environ:
    os.environ["PHC_WRITTEN"] = os.environ[KEY]
for name in ("PHC_DYNAMIC",):
    os.environ.get(name)
"""
    assert variables_read(source) == {
        "PHC_SUBSCRIPT",
        "PHC_GET",
        "PHC_ALIASED",
        "PHC_DATABASE_URL",
        "PHC_MEMBER",
        "PRESTASHOP_WS_KEY",
    }


def test_every_environment_variable_the_project_reads_is_in_the_registry():
    readers = every_variable_read()
    # The scan sees the code, dbt's profile and dagster.yaml (or it would prove nothing).
    assert {"PHC_START_DATE", "PHC_DBT_THREADS", "PHC_DAGSTER_STORAGE"} <= set(readers)
    unregistered = {
        name: sorted(files)
        for name, files in readers.items()
        if name not in settings.BY_NAME and name not in NOT_SETTINGS
    }
    assert not unregistered, (
        f"add these to settings.SETTINGS (then README.md's table): {unregistered}"
    )


def test_the_registry_names_each_variable_once_with_a_default_and_a_meaning():
    names = [s.name for s in settings.SETTINGS]
    assert len(names) == len(set(names))
    for setting in settings.SETTINGS:
        assert setting.default and setting.meaning, setting.name
        assert "|" not in setting.default + setting.meaning, setting.name  # table cells


def test_the_readme_table_is_the_registry():
    readme = (ROOT / "README.md").read_text()
    assert settings.markdown_table() in readme, (
        "README.md's table of environment variables is out of date: replace it with the"
        " output of `python -m phc_analytics.settings`"
    )


def test_every_registered_variable_is_used_somewhere():
    constants = {value: key for key, value in vars(settings).items() if key.startswith("ENV_")}
    texts = [
        path.read_text()
        for folder in SCANNED
        for path in (ROOT / folder).rglob("*.py")
        if path != ROOT / "phc_analytics" / "settings.py"
    ]
    texts += [(ROOT / name).read_text() for name in ("sql/dbt/profiles.yml", "dagster.yaml")]
    corpus = "\n".join(texts)
    unused = [
        s.name
        for s in settings.SETTINGS
        if s.name not in corpus and f"settings.{constants.get(s.name)}" not in corpus
    ]
    assert not unused, f"registered but read nowhere (remove them from settings.SETTINGS): {unused}"
