"""All configuration in one place: environment variables (prefix CLIPFORGE_) and an optional .env.

Every field here is documented in README.md (the configuration table) and .env.example;
tests/test_config_docs.py fails when one of them drifts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CreditPack(BaseModel):
    """A credit pack sold through Stripe Checkout."""

    id: str
    minutes: int
    price_cents: int
    currency: str = "usd"


DEFAULT_PACKS = [
    CreditPack(id="minutes_100", minutes=100, price_cents=900),
    CreditPack(id="minutes_500", minutes=500, price_cents=3900),
    CreditPack(id="minutes_2000", minutes=2000, price_cents=12900),
]


class Settings(BaseSettings):
    """Process configuration. Unset URLs mean: use the embedded real server."""

    model_config = SettingsConfigDict(
        env_prefix="CLIPFORGE_", env_file=".env", extra="ignore", env_file_encoding="utf-8"
    )

    # --- process
    env: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: int = 8000
    public_base_url: str = "http://127.0.0.1:8000"
    var_dir: Path = Path("var")
    log_level: str = "INFO"
    log_json: bool = True

    # --- backing services (None: embedded server under var_dir)
    database_url: str | None = None
    redis_url: str | None = None
    storage_backend: Literal["local", "s3"] = "local"
    storage_dir: Path | None = None
    s3_endpoint_url: str | None = None
    s3_bucket: str = "clipforge"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    s3_region: str = "us-east-1"
    presign_ttl_seconds: int = 24 * 3600

    # --- secrets and auth
    secret_key: str = "dev-insecure-change-me"
    jwt_keys_file: Path | None = None
    jwt_key_max_age_days: int = 30
    jwt_key_retire_days: int = 60
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    oauth_providers: str = ""
    google_client_id: str | None = None
    google_client_secret: str | None = None
    github_client_id: str | None = None
    github_client_secret: str | None = None
    oauth_redirect_url: str = "http://127.0.0.1:8000/auth/done"
    admin_emails: str = ""

    # --- API protection
    rate_limit_per_minute: int = 100
    trusted_proxies: str = "127.0.0.1"
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_aliases: int = 30
    max_query_cost: int = 50000
    max_page_size: int = 100
    max_query_nodes: int = 5000
    validation_timeout_ms: int = 200
    persisted_queries: bool = True
    trusted_documents: Path | None = None
    graphiql: bool = True
    introspection: bool = True

    # --- uploads and credits
    max_upload_bytes: int = 10 * 1024**3
    max_duration_seconds: int = 10 * 3600
    signup_grant_minutes: int = 30
    multipart_part_bytes: int = 64 * 1024**2
    probe_timeout_seconds: int = 60
    probe_concurrency: int = 4
    upload_cleanup_every_minutes: int = 15

    # --- Stripe
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    checkout_success_url: str = "http://127.0.0.1:8000/billing/success"
    checkout_cancel_url: str = "http://127.0.0.1:8000/billing/cancel"
    credit_packs: str = ""

    # --- pipeline
    whisper_model: str = "tiny.en"
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = 5
    whisper_cpu_threads: int = 0
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    clip_min_seconds: float = 20.0
    clip_max_seconds: float = 60.0
    clip_count: int = 0
    ffmpeg_timeout_seconds: int = 3600
    ffmpeg_memory_mb: int = 2048

    # --- worker and operations
    worker_poll_delay: float = 0.05
    worker_max_jobs: int = 2
    worker_shutdown_grace_seconds: int = 60
    retry_transcribe: str = "5,30,300"
    retry_clip: str = "10,120"
    retry_captions: str = "20,180"
    retry_export: str = "30"
    alert_webhook_url: str | None = None
    dead_letter_alert_threshold: int = 5
    job_timeouts: str = ""
    worker_metrics_port: int = 0
    worker_extra_tasks: str = ""

    # --- live progress (WebSocket subscriptions)
    ws_keep_alive_seconds: float = 15.0
    ws_init_timeout_seconds: float = 10.0
    ws_queue_size: int = 256
    ws_slow_consumer_seconds: float = 30.0
    ws_shutdown_grace_seconds: float = 5.0

    # ---------------------------------------------------------------- derived
    @property
    def storage_root(self) -> Path:
        return self.storage_dir or self.var_dir / "storage"

    @property
    def packs(self) -> list[CreditPack]:
        if not self.credit_packs:
            return list(DEFAULT_PACKS)
        return [CreditPack(**p) for p in json.loads(self.credit_packs)]

    @property
    def admin_email_set(self) -> set[str]:
        return {e.strip().lower() for e in self.admin_emails.split(",") if e.strip()}

    @property
    def trusted_proxy_set(self) -> set[str]:
        return {p.strip() for p in self.trusted_proxies.split(",") if p.strip()}

    def retry_delays(self, job: str) -> list[int]:
        """Back-off delays (seconds) per retry for a job; their count is the number of retries."""
        raw: str = getattr(self, f"retry_{job}")
        return [int(x) for x in raw.split(",") if x.strip()]

    @property
    def job_timeout_overrides(self) -> dict[str, int]:
        """`transcribe=3600,clip=900`: per-job time limits replacing the tasks' own."""
        pairs = (p.split("=", 1) for p in self.job_timeouts.split(",") if "=" in p)
        return {name.strip(): int(value) for name, value in pairs}

    @property
    def is_production(self) -> bool:
        return self.env == "production"


_overrides: dict[str, object] = {}
_current: Settings | None = None


def get_settings() -> Settings:
    """The process's settings object (one object, so every holder sees a reconfiguration)."""
    global _current
    if _current is None:
        _current = Settings(**_overrides)  # type: ignore[arg-type]
    return _current


def configure(**overrides: object) -> Settings:
    """Replace settings for this process (CLI flags, tests), updating the one object in place."""
    global _current
    _overrides.clear()
    _overrides.update(overrides)
    fresh = Settings(**_overrides)  # type: ignore[arg-type]
    if _current is None:
        _current = fresh
    else:
        for name in Settings.model_fields:
            setattr(_current, name, getattr(fresh, name))
    return _current


__all__ = ["CreditPack", "Settings", "configure", "get_settings", "Field"]
