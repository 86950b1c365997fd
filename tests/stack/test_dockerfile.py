"""ops/Dockerfile and .dockerignore, read as text (no Docker daemon here, no hadolint): the
properties an operator relies on and a build would only show on another machine.

- two stages; the final one runs as an unprivileged user and has no compiler;
- the image starts through ops/entrypoint.sh and checks liveness with Python (no curl in a
  slim image);
- every path the final image copies is let through by .dockerignore (an allow-list), so the
  build cannot miss a file the entrypoint needs."""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    text = (ROOT / "ops" / "Dockerfile").read_text().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def final_stage() -> list[tuple[str, str]]:
    steps = instructions()
    last_from = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[last_from:]


def test_the_image_is_built_in_stages_and_runs_unprivileged():
    steps = instructions()
    assert sum(keyword == "FROM" for keyword, _ in steps) >= 2
    final = final_stage()
    users = [rest for keyword, rest in final if keyword == "USER"]
    assert users and users[-1] not in ("root", "0", "0:0")
    runs = " ".join(rest for keyword, rest in final if keyword == "RUN")
    assert not re.search(r"build-essential|gcc|apt-get install", runs)
    from_builder = [rest for keyword, rest in final if keyword == "COPY" and "--from" in rest]
    assert from_builder  # the virtualenv, not a second pip install


def test_the_image_starts_through_the_entrypoint_and_checks_itself_with_python():
    final = dict((keyword, rest) for keyword, rest in final_stage())
    assert json.loads(final["ENTRYPOINT"]) == ["/app/ops/entrypoint.sh"]
    check = final["HEALTHCHECK"]
    assert "/api/health/live" in check and '"python"' in check and "curl" not in check


def test_dockerignore_lets_through_everything_the_image_copies():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]

    def included(path: str) -> bool:
        verdict = True
        for pattern in patterns:
            negated = pattern.startswith("!")
            bare = pattern.lstrip("!")
            if fnmatch.fnmatch(path, bare) or path.startswith(bare.rstrip("/") + "/"):
                verdict = negated
        return verdict

    sources = []
    for keyword, rest in instructions():
        if keyword == "COPY" and "--from" not in rest:
            parts = [p for p in rest.split() if not p.startswith("--")]
            sources += parts[:-1]
    assert "ops/entrypoint.sh" in sources
    for source in sources:
        assert (ROOT / source).exists(), source
        assert included(source), f".dockerignore leaves out {source}, which ops/Dockerfile copies"
    assert not included("var/secret_key") and not included(".venv/bin/python")
