"""Settings are typed and checked at start-up; production refuses unsafe values."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from core.config import DEFAULT_SECRET_KEY, Settings, SettingsError, _load, check_for_start

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    "env, variable",
    [
        ({"retry_delays": '{"clip": "soon"}'}, "CLIPFORGE_RETRY_DELAYS"),
        ({"retry_delays": '{"regenerate_captions": [5]}'}, "CLIPFORGE_RETRY_DELAYS"),
        ({"retry_delays": '{"transcribe": [-1]}'}, "CLIPFORGE_RETRY_DELAYS"),
        ({"job_timeouts": "transcribe"}, "CLIPFORGE_JOB_TIMEOUTS"),
        ({"job_timeouts": "transcribe=0"}, "CLIPFORGE_JOB_TIMEOUTS"),
        (
            {"credit_packs": '[{"id": "x", "minutes": 0, "price_cents": 100}]'},
            "CLIPFORGE_CREDIT_PACKS",
        ),
        ({"credit_packs": "not json"}, "CLIPFORGE_CREDIT_PACKS"),
        ({"trusted_proxies": "10.0.0.0/8,a-host"}, "CLIPFORGE_TRUSTED_PROXIES"),
        ({"oauth_providers": '{"acme": {"client_id": "x"}}'}, "CLIPFORGE_OAUTH_PROVIDERS"),
        ({"import_allowed_hosts": "media.example.com, a b"}, "CLIPFORGE_IMPORT_ALLOWED_HOSTS"),
        ({"import_allowed_hosts": "user@host"}, "CLIPFORGE_IMPORT_ALLOWED_HOSTS"),
        ({"import_timeout_seconds": "0"}, "CLIPFORGE_IMPORT_TIMEOUT_SECONDS"),
        ({"import_resolve_timeout_seconds": "-5"}, "CLIPFORGE_IMPORT_RESOLVE_TIMEOUT_SECONDS"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        _load(**env)


def test_lists_and_tables_are_parsed_once() -> None:
    s = _load(
        retry_delays='{"clip": [1, 2]}',
        job_timeouts="transcribe=60, clip=30",
        admin_emails="Ops@Example.com, b@example.com",
        trusted_proxies="127.0.0.1, 10.0.0.0/8",
        worker_extra_tasks="a.b, c",
    )
    assert s.retries("clip") == (1, 2) and s.retries("transcribe") == (5, 30, 300)
    assert s.job_timeouts == {"transcribe": 60, "clip": 30}
    assert s.admin_emails == {"ops@example.com", "b@example.com"}
    assert [str(n) for n in s.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert s.worker_extra_tasks == ("a.b", "c")


def test_import_exceptions_and_previous_secrets_are_parsed_at_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ipaddress

    from core.netguard import NO_EXCEPTIONS

    assert _load().import_allowed_hosts == NO_EXCEPTIONS
    monkeypatch.setenv("CLIPFORGE_IMPORT_ALLOWED_HOSTS", "Media.Example.com., 10.20.0.0/16, [::1]")
    monkeypatch.setenv("CLIPFORGE_SECRET_KEY_PREVIOUS", "first-old-key, second-old-key")
    s = _load()
    allowance = s.import_allowed_hosts
    assert allowance.allows_name("media.example.com")
    assert allowance.allows_address(ipaddress.ip_address("10.20.3.4"))
    assert allowance.allows_address(ipaddress.ip_address("::1"))
    assert not allowance.allows_address(ipaddress.ip_address("10.21.0.1"))
    assert s.secret_key_previous == ("first-old-key", "second-old-key")


def test_production_refuses_default_secrets_and_turns_off_the_ide() -> None:
    prod = Settings(env="production")
    assert not prod.graphiql_enabled and not prod.introspection_enabled
    assert Settings(env="production", graphiql=True).graphiql_enabled
    with pytest.raises(SettingsError, match="CLIPFORGE_SECRET_KEY"):
        check_for_start(prod)
    strong = "k" * 40
    with pytest.raises(SettingsError, match="CLIPFORGE_STRIPE_WEBHOOK_SECRET"):
        check_for_start(Settings(env="production", secret_key=strong, stripe_api_key="sk_x"))
    check_for_start(Settings(env="production", secret_key=strong))
    check_for_start(Settings(env="development", secret_key=DEFAULT_SECRET_KEY))


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_the_processes_refuse_to_start(command: str, tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "CLIPFORGE_ENV": "production",
        "CLIPFORGE_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "CLIPFORGE_REDIS_URL": "redis://127.0.0.1:1/0",
        "CLIPFORGE_VAR_DIR": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "refusing to start in production" in done.stderr
    assert "CLIPFORGE_SECRET_KEY" in done.stderr and "Traceback" not in done.stderr


def test_a_bad_variable_stops_a_command_with_its_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "migrate"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "CLIPFORGE_JOB_TIMEOUTS": "transcribe=soon"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "CLIPFORGE_JOB_TIMEOUTS" in done.stderr and "Traceback" not in done.stderr
