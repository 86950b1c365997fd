"""Every setting is documented where operators look: each environment variable
backend/settings.py reads is in the README's configuration tables and in ops/.env.example,
and neither lists a name nothing reads (a name the app ignores must not look as if it
worked). ops/.env.example may also hold the deployment's own names, which the deployment
files read (ops/entrypoint.sh, ops/compose.yaml, ops/nginx/render.sh).

Fast and without services: it reads the files (settings.py with ast), runs in every suite."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "backend" / "settings.py"
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / "ops" / ".env.example"
DEPLOYMENT_FILES = [
    ROOT / "ops" / "entrypoint.sh",
    ROOT / "ops" / "compose.yaml",
    ROOT / "ops" / "nginx" / "render.sh",
]
READERS = {"env_bool", "env_int", "env_list"}
NAME = re.compile(r"[A-Z][A-Z0-9_]*[A-Z0-9]")


def _is_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def settings_names() -> set[str]:
    """Names settings.py reads: os.environ.get("X"), os.environ["X"], env_*("X"), and the
    RATE_LIMIT_<ACTION>_<DIMENSION> overrides it builds from RATE_LIMIT_DEFAULTS."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        first = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (isinstance(func, ast.Name) and func.id in READERS) or (
                isinstance(func, ast.Attribute)
                and func.attr in ("get", "setdefault")
                and _is_environ(func.value)
            ):
                first = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_environ(node.value):
            first = node.slice
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    names |= {"RATE_LIMIT_" + key.upper().replace(".", "_") for key in settings.RATE_LIMIT_DEFAULTS}
    return names


def readme_names(known: set[str]) -> set[str]:
    """Names in the first column of the README's tables: `SMTP_HOST` / `_PORT` means SMTP_PORT
    (the suffix replaces the first name's last parts; the known name wins when several fit)."""
    names: set[str] = set()
    for line in README.read_text().splitlines():
        if not line.startswith("| `"):
            continue
        cells = re.findall(r"`([^`]+)`", line.split("|")[1])
        if not cells or "<" in cells[0]:
            continue  # a pattern such as RATE_LIMIT_<ACTION>_<DIMENSION>
        first = cells[0]
        names.add(first)
        parts = first.split("_")
        for suffix in cells[1:]:
            if not suffix.startswith("_"):
                names.add(suffix)
                continue
            candidates = ["_".join(parts[:cut]) + suffix for cut in range(len(parts) - 1, 0, -1)]
            names.add(next((c for c in candidates if c in known), candidates[0]))
    return names


def env_example_names() -> set[str]:
    """`NAME=value` lines, commented out (a default) or not."""
    found = set()
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.match(r"^#?\s?([A-Z][A-Z0-9_]*)=", line)
        if match:
            found.add(match.group(1))
    return found


def deployment_names() -> set[str]:
    """Names the deployment files read (${NAME}, ${NAME:-default}, $NAME)."""
    names: set[str] = set()
    for path in DEPLOYMENT_FILES:
        names |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", path.read_text()))
    return names


def test_every_setting_is_in_the_readme_table():
    read = settings_names()
    missing = sorted(read - readme_names(read))
    assert missing == [], f"settings.py reads these, the README's tables lack them: {missing}"


def test_the_readme_table_names_only_settings_the_app_reads():
    read = settings_names()
    unknown = sorted(readme_names(read) - read)
    assert unknown == [], f"the README documents these, settings.py never reads them: {unknown}"


def test_every_setting_is_in_the_env_example():
    missing = sorted(settings_names() - env_example_names())
    assert missing == [], f"settings.py reads these, ops/.env.example lacks them: {missing}"


def test_the_env_example_names_only_what_something_reads():
    unknown = sorted(env_example_names() - settings_names() - deployment_names())
    assert unknown == [], (
        f"ops/.env.example lists these, but neither settings.py nor the deployment files "
        f"read them: {unknown}"
    )
