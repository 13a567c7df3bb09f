"""The `flerpart` command as a person runs it: in a subprocess, with its exit code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


def flerpart(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=clean_env(env),
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def clean_env(extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "TWILIO_"))}
    env.pop("DATABASE_URL", None)
    env.pop("PUBLIC_BASE_URL", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra or {})
    return env


def test_help_lists_the_subcommands():
    result = flerpart("--help")
    assert result.returncode == 0
    for command in ("run", "migrate", "invite", "demo"):
        assert command in result.stdout


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"PORT": "http"}, "PORT"),
        ({"TWILIO_ACCOUNT_SID": "AC123"}, "TWILIO_AUTH_TOKEN"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(tmp_path, env, message):
    result = flerpart("migrate", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("flerpart: error:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


TWILIO_AND_PUBLIC_URL = {
    "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
    "TWILIO_AUTH_TOKEN": "secret",
    "TWILIO_FROM": "+46700000001",
    "PUBLIC_BASE_URL": "https://flerpart.example.se",
}


@pytest.mark.parametrize(
    ("env", "message"),
    [
        # Once this started in local mode, /sim and all (issue 13).
        (TWILIO_AND_PUBLIC_URL, "TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET missing"),
        # The Docker image's HOST: no credentials there is a mistake, not local mode.
        ({"HOST": "0.0.0.0"}, "--allow-remote-sim"),
    ],
)
def test_run_refuses_half_a_configuration_and_a_public_simulator(tmp_path, env, message):
    result = flerpart("run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("flerpart: error:") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (tmp_path / "data").exists()  # refused before touching anything


def test_unreachable_database_is_a_clear_error(tmp_path):
    result = flerpart(
        "migrate", env={"DATABASE_URL": "postgres://nobody@127.0.0.1:1/none"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "did not answer" in result.stderr


def test_migrate_creates_the_default_sqlite_file(tmp_path):
    result = flerpart("migrate", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    migrations = sorted(p.stem for p in (ROOT / "storage" / "migrations").glob("0*.py"))
    assert f"applied {len(migrations)} migration" in result.stdout
    assert all(f"models.{name}" in result.stdout for name in migrations)
    assert (tmp_path / "data" / "flerpart.sqlite3").exists()
    again = flerpart("migrate", cwd=tmp_path)
    assert "applied 0 migration" in again.stdout


def test_invite_prints_a_one_time_link(tmp_path):
    result = flerpart("invite", "--role", "coordinator", "--team", "Team Öst", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "https://t.me/flerpart_local_bot?start=" in result.stdout
    assert "/start " in result.stdout
    bad = flerpart("invite", "--role", "boss", "--team", "T", cwd=tmp_path)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_demo_creates_a_meeting_in_preparation(tmp_path):
    result = flerpart("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "in preparation" in result.stdout and "/start " in result.stdout


def _start_run(tmp_path: Path, port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        env=clean_env({"PORT": str(port)}),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_healthy(url: str, process: subprocess.Popen[str], seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                return {"status": response.status, "body": response.read().decode()}
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the process did not become healthy")


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_run_serves_health_and_stops_cleanly_on_signal(tmp_path, stop_signal):
    port = free_port()
    process = _start_run(tmp_path, port)
    try:
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz", process)
        assert health == {"status": 200, "body": '{"status": "ok"}'}
        process.send_signal(stop_signal)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "local mode" in stdout and f"http://127.0.0.1:{port}" in stdout
    assert "Demo data created" in stdout  # first start on an empty database
    assert "stopped cleanly" in stderr


def test_standins_refuse_to_run_with_production_credentials_in_one_line():
    production = {
        "TELEGRAM_BOT_TOKEN": "123:abc",
        "TELEGRAM_WEBHOOK_SECRET": "s3cret",
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "t",
        "TWILIO_FROM": "+46700000001",
        "PUBLIC_BASE_URL": "https://flerpart.example.se",
    }
    result = flerpart("standins", "--port", "0", env=production, timeout=20)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert "local mode only" in result.stderr


def test_standins_refuse_a_host_that_is_not_loopback():
    result = flerpart("standins", "--port", "0", "--host", "0.0.0.0", timeout=20)
    assert result.returncode == 2
    assert "not loopback" in result.stderr and "--allow-remote" in result.stderr
