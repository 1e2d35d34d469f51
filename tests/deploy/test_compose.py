"""docker-compose.yml: the services start in order, on real backing services, unprivileged."""

from __future__ import annotations

from typing import Any

import pytest

from .loaders import REPO, interpolate, load_compose, settings_env_names, settings_from_env

COMPOSE = load_compose()
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
APP = ("migrate", "api", "worker")


def depends(service: str) -> dict[str, str]:
    deps = SERVICES[service].get("depends_on", {})
    assert isinstance(deps, dict), "use the long depends_on form with conditions"
    return {name: spec["condition"] for name, spec in deps.items()}


def has_healthcheck(service: str) -> bool:
    check = SERVICES[service].get("healthcheck") or {}
    return not check.get("disable") and bool(check.get("test"))


def test_expected_services() -> None:
    assert {"postgres", "redis", "minio", "minio-init", *APP} <= set(SERVICES)
    assert SERVICES["postgres"]["image"] == "postgres:16"
    assert SERVICES["redis"]["image"] == "redis:7"
    assert SERVICES["minio"]["image"].startswith("minio/minio")
    assert SERVICES["minio"]["command"][:2] == ["server", "/data"]
    assert SERVICES["minio"]["command"][2:] == ["--console-address", ":9001"]
    assert SERVICES["minio-init"]["image"].startswith("minio/mc")


def test_every_dependency_exists_and_is_waited_for_properly() -> None:
    for name in SERVICES:
        for target, condition in depends(name).items():
            assert target in SERVICES, f"{name} depends on missing {target}"
            assert condition in (
                "service_started",
                "service_healthy",
                "service_completed_successfully",
            )
            if condition == "service_healthy":
                assert has_healthcheck(target), f"{name} waits on {target}, which has no check"
            if condition == "service_completed_successfully":
                assert SERVICES[target].get("restart", "no") == "no", f"{target} must exit"


def test_start_order() -> None:
    assert depends("minio-init") == {"minio": "service_healthy"}
    assert depends("migrate") == {"postgres": "service_healthy"}
    for name in ("api", "worker"):
        assert depends(name) == {
            "migrate": "service_completed_successfully",
            "redis": "service_healthy",
            "minio-init": "service_completed_successfully",
        }


def test_healthchecks() -> None:
    for name in ("postgres", "redis", "minio", "api"):
        assert has_healthcheck(name), name
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    api_check = SERVICES["api"]["healthcheck"]["test"]
    assert api_check[:3] == ["CMD", "python", "-c"]
    assert "/readyz" in api_check[3] and ":8000" in api_check[3]
    compile(api_check[3], "api-healthcheck", "exec")
    # The image's /healthz check would fail on processes that serve no HTTP.
    for name in ("migrate", "worker"):
        assert SERVICES[name]["healthcheck"] == {"disable": True}


def test_app_services_share_one_build_and_env() -> None:
    builds = [SERVICES[n]["build"] for n in APP]
    images = {SERVICES[n]["image"] for n in APP}
    envs = [SERVICES[n]["environment"] for n in APP]
    assert all(b == builds[0] for b in builds) and builds[0]["context"] == "."
    assert (REPO / builds[0]["dockerfile"]).is_file()
    assert len(images) == 1
    # every app service gets the shared env; the worker adds only its metrics port
    shared = COMPOSE["x-clipforge-env"]
    for name, env in zip(APP, envs, strict=True):
        extra = {k: v for k, v in env.items() if k not in shared}
        assert {k: env[k] for k in shared} == shared, name
        assert extra == ({"CLIPFORGE_WORKER_METRICS_PORT": "9100"} if name == "worker" else {})
    assert SERVICES["api"]["command"] == ["clipforge", "serve", "--host", "0.0.0.0"]
    assert SERVICES["worker"]["command"] == ["clipforge", "worker"]
    assert SERVICES["migrate"]["command"] == ["clipforge", "migrate"]
    assert "8000:8000" in SERVICES["api"]["ports"]


def test_shared_env_configures_real_services(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {k: interpolate(str(v)) for k, v in COMPOSE["x-clipforge-env"].items()}
    settings_env = settings_env_names()
    assert set(env) <= settings_env, set(env) - settings_env
    assert env["CLIPFORGE_STORAGE_BACKEND"] == "s3"
    assert env["CLIPFORGE_S3_ENDPOINT_URL"] == "http://minio:9000"
    assert env["CLIPFORGE_DATABASE_URL"] == "postgres://clipforge:clipforge@postgres:5432/clipforge"
    assert env["CLIPFORGE_REDIS_URL"].startswith("redis://redis:6379")
    for key in ("CLIPFORGE_SECRET_KEY", "CLIPFORGE_PUBLIC_BASE_URL", "CLIPFORGE_S3_BUCKET"):
        assert env[key]
    # The S3 keys are MinIO's root credentials, whatever the operator sets them to.
    minio = SERVICES["minio"]["environment"]
    shell = {"MINIO_ROOT_USER": "ops", "MINIO_ROOT_PASSWORD": "s3cret-s3cret"}
    assert interpolate(COMPOSE["x-clipforge-env"]["CLIPFORGE_S3_ACCESS_KEY_ID"], shell) == "ops"
    assert interpolate(minio["MINIO_ROOT_USER"], shell) == "ops"
    assert interpolate(minio["MINIO_ROOT_PASSWORD"], shell) == interpolate(
        COMPOSE["x-clipforge-env"]["CLIPFORGE_S3_SECRET_ACCESS_KEY"], shell
    )
    # The process accepts the values.
    settings = settings_from_env(env, monkeypatch)
    assert settings.storage_backend == "s3" and settings.s3_endpoint_url == "http://minio:9000"


def test_minio_init_creates_the_configured_bucket() -> None:
    init = SERVICES["minio-init"]
    script = interpolate(" ".join(init["command"]))
    bucket = interpolate(init["environment"]["BUCKET"])
    assert bucket == interpolate(COMPOSE["x-clipforge-env"]["CLIPFORGE_S3_BUCKET"])
    assert "mc mb --ignore-existing" in script and '"local/$BUCKET"' in script
    assert "http://minio:9000" in script


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_no_service_is_privileged(name: str) -> None:
    service = SERVICES[name]
    assert not service.get("privileged")
    assert service.get("network_mode") != "host"
    assert service.get("pid") != "host"
    assert not service.get("cap_add")
    for volume in service.get("volumes", []):
        assert "docker.sock" not in volume


def test_app_services_drop_capabilities() -> None:
    for name in APP:
        assert SERVICES[name]["cap_drop"] == ["ALL"]
        assert "no-new-privileges:true" in SERVICES[name]["security_opt"]


def test_named_volumes_are_declared_and_bind_mounts_exist() -> None:
    declared = set(COMPOSE["volumes"])
    for service in SERVICES.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (REPO / source).exists(), source
            else:
                assert source in declared, source


def test_worker_gets_time_to_finish_jobs() -> None:
    grace = SERVICES["worker"]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) >= 60
