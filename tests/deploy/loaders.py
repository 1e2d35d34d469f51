"""Reading the deployment files the way their consumers do (kubectl, docker compose)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from core.config import Settings

REPO = Path(__file__).resolve().parents[2]
K8S_DIR = REPO / "deploy" / "k8s"
CRD_DIR = K8S_DIR / "crds"
COMPOSE_FILE = REPO / "docker-compose.yml"
PROMETHEUS_DIR = REPO / "deploy" / "prometheus"
GRAFANA_DIR = REPO / "deploy" / "grafana"

Doc = dict[str, Any]


def manifest_files() -> list[Path]:
    """The k8s manifests kubectl applies (kustomization.yaml is kustomize's, not the API's)."""
    return sorted(p for p in K8S_DIR.glob("*.yaml") if p.name != "kustomization.yaml")


def load_manifests() -> list[tuple[Path, Doc]]:
    docs: list[tuple[Path, Doc]] = []
    for path in manifest_files():
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs.append((path, doc))
    return docs


def find(docs: list[tuple[Path, Doc]], kind: str, name: str) -> Doc:
    matches = [d for _, d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def load_compose() -> Doc:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


_VAR = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose's ${VAR}, ${VAR:-default} and $$ substitution, with an empty shell env."""
    env = env or {}

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, arg = m.group("name"), m.group("op"), m.group("arg")
        if name in env and (env[name] or op not in (":-", ":?")):
            return env[name]
        if op in (":-", "-"):
            return arg or ""
        if op in (":?", "?"):
            raise ValueError(f"{name} must be set: {arg}")
        return ""

    return _VAR.sub(sub, value)


def settings_from_env(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings exactly as a process started with this environment (and no .env) reads them."""
    for key in list(os.environ):
        if key.startswith("CLIPFORGE_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return Settings(_env_file=None)  # type: ignore[call-arg]


def settings_env_names() -> set[str]:
    return {f"CLIPFORGE_{name.upper()}" for name in Settings.model_fields}
