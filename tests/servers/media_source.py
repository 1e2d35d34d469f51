"""A local web server that hands out media the way real hosts do, and misbehaves on demand.

Routes answer a body with a content type, ranges (206 with Content-Range, ETag, If-Range),
redirects, a connection that breaks after some bytes, a slow trickle, a Content-Length that
lies, or no length at all (chunked). Every request is recorded for the tests. ``Sentinel``
is a server that must never be reached: it records every connection and request it gets.
Both bind only to loopback addresses; every loop is bounded by the body being sent.
"""

from __future__ import annotations

import datetime
import socket
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass
class Route:
    body: bytes = b""
    content_type: str = "video/mp4"
    status: int = 200
    location: str | None = None  # answer a redirect to here
    ranges: bool = True  # Accept-Ranges: bytes, honour Range with 206
    etag: str | None = '"v1"'
    break_after: int | None = None  # close the connection after this many body bytes ...
    breaks: int = 1  # ... on this many requests
    chunk_size: int = 16 * 1024
    chunk_delay: float = 0.0  # seconds between chunks (a slow source)
    declared_length: int | None = None  # a Content-Length that differs from the body
    chunked: bool = False  # no Content-Length: Transfer-Encoding chunked
    extra_headers: dict[str, str] = field(default_factory=dict)
    served_breaks: int = 0


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: Any, family: int) -> None:
        self.address_family = family
        super().__init__(address, handler)
        self.connections = 0
        self.lock = threading.Lock()

    def verify_request(self, request: Any, client_address: Any) -> bool:
        with self.lock:
            self.connections += 1
        return True


class _Base:
    def __init__(self, host: str, family: int, handler: type[BaseHTTPRequestHandler]) -> None:
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        setattr(handler, "owner", self)  # noqa: B010 (each server has its own handler class)
        self._server = _Server((host, 0), handler, family)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.host = host

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def connections(self) -> int:
        return self._server.connections

    def record(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            headers = {k.lower(): v for k, v in handler.headers.items()}
            self.requests.append(Seen(handler.command, handler.path, headers))

    def start(self) -> Any:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def _handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        owner: MediaSource

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(head=True)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(head=False)

        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self._serve(head=False)

        def _serve(self, *, head: bool) -> None:
            self.owner.record(self)
            path = self.path.split("?", 1)[0]
            route = self.owner.routes.get(path)
            if route is None:
                self._plain(404, b"not found")
                return
            if route.location is not None:
                self.send_response(route.status if 300 <= route.status < 400 else 302)
                self.send_header("Location", route.location)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if route.status >= 400:
                self._plain(route.status, b"no")
                return
            body, status, start = route.body, 200, 0
            wanted = self.headers.get("Range")
            if_range = self.headers.get("If-Range")
            if wanted and route.ranges and (if_range is None or if_range == route.etag):
                start = int(wanted.removeprefix("bytes=").split("-", 1)[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                status = 206
            self.send_response(status)
            self.send_header("Content-Type", route.content_type)
            if route.ranges:
                self.send_header("Accept-Ranges", "bytes")
            if route.etag:
                self.send_header("ETag", route.etag)
            if status == 206:
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            for name, value in route.extra_headers.items():
                self.send_header(name, value)
            part = body[start:]
            if route.chunked:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                length = route.declared_length if route.declared_length is not None else len(part)
                self.send_header("Content-Length", str(length))
            self.end_headers()
            if head:
                return
            limit = len(part)
            with self.owner.lock:
                if route.break_after is not None and route.served_breaks < route.breaks:
                    route.served_breaks += 1
                    limit = min(limit, route.break_after)
                    self.close_connection = True
            self._send_body(route, part[:limit])
            if route.declared_length is not None:
                self.close_connection = True

        def _send_body(self, route: Route, data: bytes) -> None:
            try:
                for i in range(0, len(data), route.chunk_size):
                    chunk = data[i : i + route.chunk_size]
                    if route.chunked:
                        self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    else:
                        self.wfile.write(chunk)
                    self.wfile.flush()
                    if route.chunk_delay:
                        time.sleep(route.chunk_delay)
                if route.chunked and not self.close_connection:
                    self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
                self.close_connection = True

        def _plain(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


class MediaSource(_Base):
    """``routes[path] = Route(...)``; ``url(path)``; ``requests`` lists what was asked."""

    def __init__(self, host: str = "127.0.0.1", *, tls: ssl.SSLContext | None = None) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(host, family, _handler())
        self.routes: dict[str, Route] = {}
        self.scheme = "https" if tls else "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)

    def url(self, path: str, host: str | None = None) -> str:
        shown = host or (f"[{self.host}]" if ":" in self.host else self.host)
        return f"{self.scheme}://{shown}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [seen.path for seen in self.requests]


def _sentinel_handler() -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        owner: Sentinel

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def _any(self) -> None:
            self.owner.record(self)
            body = b"<html><video src='/v.mp4'></video></html>"
            self.send_response(200)
            self.send_header("Content-Type", "video/mp4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_HEAD = do_PUT = _any  # noqa: N815

        def do_CONNECT(self) -> None:  # noqa: N802
            self._any()

    return Handler


class Sentinel(_Base):
    """A server at an address the guard must refuse: it must see no connection at all."""

    def __init__(self, host: str) -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__(host, family, _sentinel_handler())

    def url(self, path: str = "/v.mp4") -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}{path}"

    def assert_untouched(self) -> None:
        assert self.connections == 0 and not self.requests, (self.connections, self.requests)


def unused_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound, then released): connections to it are refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def self_signed_tls(name: str, directory: Path) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str]]:
    """A certificate for ``name``: (server context, client context trusting it, SNI names seen)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    seen: list[str] = []
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)

    def remember(sock: Any, server_name: str | None, context: Any) -> None:
        seen.append(server_name or "")

    server.sni_callback = remember
    client = ssl.create_default_context(cafile=str(cert_file))
    return server, client, seen
