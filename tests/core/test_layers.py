"""The import contracts in pyproject.toml ([tool.importlinter]) hold, and they bite: a module
that imports upwards makes `lint-imports` (part of `make lint`, so of CI) fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    # The tree comes first on the path, before the editable install of the real one.
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def copy_of_the_code(tmp_path: Path) -> Path:
    for name in ("backend", "schema"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "wrong_import", "broken"),
    [
        ("backend/core/wrong.py", "from backend.bookings import models", "layered"),
        ("backend/catalog/wrong.py", "import backend.queue.models", "layered"),
        ("backend/availability/wrong.py", "from backend.catalog import models", "leaf"),
        ("backend/notifications/wrong.py", "from schema import build", "composition root"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, wrong_import, broken):
    tree = copy_of_the_code(tmp_path)
    (tree / module).write_text(f"{wrong_import}  # deliberately wrong\n")

    result = lint_imports(tree)

    assert result.returncode != 0
    assert module.removesuffix(".py").replace("/", ".") in result.stdout
    assert broken in result.stdout.split("Broken contracts")[1]


def test_the_code_as_it_is_keeps_every_contract(tmp_path):
    result = lint_imports(copy_of_the_code(tmp_path))

    assert result.returncode == 0, result.stdout
    assert "0 broken" in result.stdout
