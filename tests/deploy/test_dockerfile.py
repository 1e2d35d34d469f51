"""The Dockerfile and .dockerignore, read as Docker would (no engine here to build them)."""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from .loaders import REPO


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs with line continuations joined and comments dropped."""
    text = (REPO / "Dockerfile").read_text()
    logical: list[str] = []
    current = ""
    for line in text.splitlines():
        if not current and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            current += line.rstrip()[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    pairs = []
    for entry in logical:
        word, _, rest = entry.strip().partition(" ")
        pairs.append((word.upper(), rest.strip()))
    return pairs


ALL = instructions()
# The runtime image is the last stage; an earlier one builds GraphiQL's files.
INSTR = ALL[max(i for i, (word, _) in enumerate(ALL) if word == "FROM") :]


def args(name: str) -> list[str]:
    return [a for i, a in INSTR if i == name]


def test_base_image_and_system_packages() -> None:
    assert args("FROM") == ["python:3.11-slim-bookworm"]
    assert [a for i, a in ALL if i == "FROM"][0] == "node:20-bookworm-slim AS graphiql"
    apt = next(a for a in args("RUN") if "apt-get install" in a)
    assert "--no-install-recommends" in apt
    for pkg in ("ffmpeg", "fonts-dejavu-core", "fontconfig"):
        assert re.search(rf"\b{pkg}\b", apt)
    assert "rm -rf /var/lib/apt/lists/*" in apt


def test_dependencies_install_before_the_source_is_copied() -> None:
    order = [(i, a) for i, a in INSTR if i in ("COPY", "RUN")]
    first_copy = next(n for n, (i, _) in enumerate(order) if i == "COPY")
    assert order[first_copy][1].startswith("pyproject.toml constraints.tx[t]")
    full_copy = next(n for n, (i, a) in enumerate(order) if i == "COPY" and a == ". .")
    dep_install = next(n for n, (i, a) in enumerate(order) if i == "RUN" and "pip install -r" in a)
    assert first_copy < dep_install < full_copy
    # Both pip runs honour constraints.txt when it exists.
    pip_runs = [a for i, a in order if i == "RUN" and "pip install" in a]
    assert len(pip_runs) == 2
    assert all("-c constraints.txt" in a for a in pip_runs)
    assert "--no-deps" in pip_runs[1]


def test_dependency_list_extraction_matches_pyproject(tmp_path: Path) -> None:
    run = next(a for i, a in INSTR if i == "RUN" and "tomllib" in a)
    code = re.search(r'python -c "(.+?)" >', run)
    assert code
    (tmp_path / "pyproject.toml").write_bytes((REPO / "pyproject.toml").read_bytes())
    out = subprocess.run(
        [sys.executable, "-c", code.group(1)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    expected = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [line for line in out if line] == expected


def test_graphiql_files_are_built_in_their_own_stage_and_packaged() -> None:
    from graphql_api.ide import page

    first = ALL[: ALL.index(INSTR[0])]
    assert ("RUN", "bash scripts/graphiql-assets.sh") in first
    assert ("COPY", "scripts/graphiql/ scripts/graphiql/") in first
    order = [(i, a) for i, a in INSTR if i in ("COPY", "RUN")]
    copied = order.index(("COPY", "--from=graphiql /build/graphql_api/ide/static "
                          "graphql_api/ide/static"))
    install = next(n for n, (i, a) in enumerate(order) if "--no-deps" in a)
    assert order.index(("COPY", ". .")) < copied < install  # the package includes them
    assert page.STATIC.relative_to(REPO).as_posix() == "graphql_api/ide/static"
    script = (REPO / "scripts" / "graphiql-assets.sh").read_text()
    assert "OUT=graphql_api/ide/static" in script and "npm ci" in script
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "static/*" in data["package-data"]["graphql_api.ide"]


def test_runs_as_unprivileged_clipforge_user() -> None:
    useradd = next(a for a in args("RUN") if "useradd" in a)
    assert "--uid 10001" in useradd and useradd.rstrip().endswith("clipforge")
    assert args("USER") == ["10001:10001"]
    assert args("WORKDIR") == ["/app"]
    env = " ".join(args("ENV"))
    assert "PYTHONUNBUFFERED=1" in env


def test_port_healthcheck_and_default_command() -> None:
    assert args("EXPOSE") == ["8000"]
    (health,) = args("HEALTHCHECK")
    cmd = json.loads(health.split("CMD", 1)[1].strip())
    assert cmd[:2] == ["python", "-c"]
    assert "urllib" in cmd[2] and "http://127.0.0.1:8000/healthz" in cmd[2]
    compile(cmd[2], "healthcheck", "exec")
    assert "curl" not in health
    assert [json.loads(a) for a in args("CMD")] == [["clipforge", "serve", "--host", "0.0.0.0"]]


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last matching pattern wins; ! re-includes."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern[1:] if negate else pattern
        if fnmatch.fnmatch(path, pat) or fnmatch.fnmatch(path, pat.replace("**/", "")):
            result = not negate
    return result


def test_dockerignore_keeps_secrets_and_local_state_out() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (".git", ".venv", ".env", "var", "tests", "node_modules", "core/__pycache__"):
        assert _ignored(path, patterns), path
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    needed = ["pyproject.toml", "README.md", "constraints.txt"]
    needed += [p.rstrip("*") for p in packages["packages"]["find"]["include"]]
    for path in needed:
        assert not _ignored(path, patterns), path
