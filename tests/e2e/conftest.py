"""End-to-end fixtures: a real server for the Node client, and the Node packages."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.config import Settings
from tests.events.conftest import Server, start_server, ws_settings

E2E = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def node_client() -> Path:
    """The Node script, with its packages installed from npm (the test command does it too)."""
    node, npm = shutil.which("node"), shutil.which("npm")
    assert node and npm, "Node.js and npm are needed for the end-to-end tests"
    if not (E2E / "node_modules" / "@apollo" / "client").exists():
        subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=E2E, check=True)
    return E2E / "subscribe.mjs"


@pytest.fixture
async def e2e_server(db: None, settings: Settings) -> AsyncIterator[Server]:
    server = await start_server(ws_settings(settings))
    yield server
    await server.stop()
