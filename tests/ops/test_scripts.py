"""The operator scripts parse, and pass shellcheck (Debian's, installed by
ops/install-test-tools.sh, which `make test` runs)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Every shell script an operator or CI runs: update, kiosk, entrypoint, installers, nginx render.
SCRIPTS = sorted([*(REPO / "ops").rglob("*.sh"), REPO / ".ci" / "run"])


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(REPO)))
def test_script_syntax(script):
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert script.stat().st_mode & 0o111, f"{script} is not executable"


def test_shellcheck():
    result = subprocess.run(
        ["shellcheck", "--severity=info", *map(str, SCRIPTS)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_setup_refuses_bad_arguments_before_changing_anything(tmp_path):
    """Argument checks come first (also before the root check), so nothing is half set up."""
    setup = REPO / "ops" / "kiosk" / "setup.sh"
    cases = {
        ("--server", "termine.example.de", "--role", "display", "--location", "rathaus"): (
            "--server must be the server's address"
        ),
        ("--server", "https://t.example.de", "--role", "tv", "--location", "rathaus"): (
            "--role must be display or kiosk"
        ),
        ("--server", "https://t.example.de", "--role", "kiosk"): "--location is needed",
        (
            "--server",
            "https://t.example.de",
            "--role",
            "kiosk",
            "--location",
            "rathaus",
            "--pair-code",
            "12345678",
        ): "a kiosk is paired on its own screen",
        (
            "--server",
            "https://t.example.de",
            "--role",
            "display",
            "--pair-code",
            "1234",
        ): "the pairing code has 8 digits",
    }
    for args, message in cases.items():
        result = subprocess.run([str(setup), *args], capture_output=True, text=True)
        assert result.returncode == 1, args
        assert message in result.stderr, (args, result.stderr)


def test_update_refuses_bad_arguments_before_changing_anything(tmp_path):
    update = REPO / "ops" / "update.sh"
    cases = {
        ("bare-metal", "--base", str(tmp_path)): "bare-metal mode needs --ref REF",
        ("compose",): "compose mode needs either --ref REF",
        ("compose", "--ref", "v1", "--image", "reg/vorzimmer:1"): "compose mode needs either",
        ("bare-metal", "--ref", "HEAD", "--timeout", "soon"): "--timeout must be a number",
        ("bare-metal", "--ref", "HEAD", "--base", str(tmp_path)): f"{tmp_path}/app is no symlink",
        ("rolling", "--ref", "HEAD"): "unknown mode 'rolling'",
        ("bare-metal", "--ref"): "option --ref needs a value",
    }
    for args, message in cases.items():
        result = subprocess.run([str(update), *args], capture_output=True, text=True)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert message in result.stderr, (args, result.stderr)
        assert result.stdout == ""  # no step started
    assert list(tmp_path.iterdir()) == []


def test_the_kiosk_units_verify():
    """systemd parses the units (unknown keys, bad values, wrong sections). The programs they
    run exist only on the Pi (cage from Debian, the scripts setup.sh installs): those
    complaints are expected here, and only those."""
    units = sorted((REPO / "ops" / "kiosk" / "systemd").glob("vorzimmer-kiosk*"))
    assert [u.name for u in units] == [
        "vorzimmer-kiosk-watchdog.service",
        "vorzimmer-kiosk-watchdog.timer",
        "vorzimmer-kiosk.service",
    ]
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True
    )
    installed_on_the_pi = (
        "/usr/bin/cage",
        "/usr/local/lib/vorzimmer-kiosk/kiosk-browser.sh",
        "/usr/local/lib/vorzimmer-kiosk/kiosk-watchdog.sh",
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if not any(f"Command {path} is not executable" in line for path in installed_on_the_pi)
    ]
    assert problems == []


def test_the_server_units_verify_and_outlast_the_drain():
    """systemd parses the bare-metal units; the only complaint here is that the install path
    (/srv/vorzimmer/app) does not exist on this machine. A web unit's stop timeout must outlast
    the drain (WEB_SHUTDOWN_GRACE_SECONDS) plus the bounded stop after it (10 s), or systemd
    would SIGKILL a process still answering requests."""
    from django.conf import settings

    units = sorted((REPO / "ops" / "systemd").iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", *map(str, units)], capture_output=True, text=True
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if "Command /srv/vorzimmer/app/ops/entrypoint.sh is not executable" not in line
    ]
    assert problems == []
    web = (REPO / "ops" / "systemd" / "vorzimmer-web@.service").read_text()
    assert "ExecStart=/srv/vorzimmer/app/ops/entrypoint.sh web" in web.splitlines()
    timeout = int(re.search(r"^TimeoutStopSec=(\d+)$", web, re.M).group(1))  # type: ignore[union-attr]
    assert timeout > settings.WEB_SHUTDOWN_GRACE_SECONDS + 10
