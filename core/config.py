"""All configuration in one place: environment variables (prefix CLIPFORGE_) and an optional .env.

Every field here is documented in README.md (the configuration table) and .env.example;
tests/test_config_docs.py fails when one of them drifts. Lists, tables and packs are typed
fields, parsed and checked when the settings are read at start-up: a bad value stops the
process with a message naming the variable, never a request halfway through.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.netguard.allowance import NO_EXCEPTIONS, HostAllowance
from core.pipeline import SPECS, Job, Latency

DEFAULT_SECRET_KEY = "dev-insecure-change-me"


class CreditPack(BaseModel):
    """A credit pack sold through Stripe Checkout."""

    id: str
    minutes: int = Field(gt=0)
    price_cents: int = Field(gt=0)
    currency: str = "usd"


DEFAULT_PACKS = (
    CreditPack(id="minutes_100", minutes=100, price_cents=900),
    CreditPack(id="minutes_500", minutes=500, price_cents=3900),
    CreditPack(id="minutes_2000", minutes=2000, price_cents=12900),
)


def _csv(value: Any) -> Any:
    """`a,b, c` -> ["a", "b", "c"] (other values pass through to the field's own type)."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


def _pairs(value: Any) -> Any:
    """`transcribe=3600,clip=900` -> {"transcribe": "3600", "clip": "900"}."""
    if isinstance(value, str):
        pairs = [part.split("=", 1) for part in value.split(",") if part.strip()]
        if any(len(pair) != 2 for pair in pairs):
            raise ValueError("expected name=value pairs separated by commas")
        return {name.strip(): number.strip() for name, number in pairs}
    return value


def _json(value: Any) -> Any:
    """A JSON document given as text (the environment's form) -> its value."""
    return json.loads(value) if isinstance(value, str) else value


def _lower_csv(value: Any) -> Any:
    return [v.lower() for v in _csv(value)] if isinstance(value, str) else value


Csv = Annotated[tuple[str, ...], NoDecode, BeforeValidator(_csv)]
Latencies = Annotated[tuple[Latency, ...], NoDecode, BeforeValidator(_lower_csv)]
LowerCsvSet = Annotated[frozenset[str], NoDecode, BeforeValidator(_lower_csv)]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Networks = Annotated[tuple[Network, ...], NoDecode, BeforeValidator(_csv)]
Seconds = Annotated[dict[str, int], NoDecode, BeforeValidator(_pairs)]
Json = BeforeValidator(_json)


def _allowance(value: Any) -> Any:
    """`media.example.com, 10.20.0.0/16` -> the guard's HostAllowance (ValueError on nonsense)."""
    return HostAllowance.parse(value) if isinstance(value, str) else value


Allowance = Annotated[HostAllowance, NoDecode, BeforeValidator(_allowance)]


class OAuthProvider(BaseModel, extra="allow"):
    """An extra OAuth/OIDC provider: discovery URL or explicit endpoints (authlib's names)."""

    client_id: str
    client_secret: str
    scope: str = "openid email profile"


class Settings(BaseSettings):
    """Process configuration. Unset URLs mean: use the embedded real server."""

    # validate_assignment: a value set later (tests, configure) is parsed like the environment's.
    model_config = SettingsConfigDict(
        env_prefix="CLIPFORGE_",
        env_file=".env",
        extra="ignore",
        env_file_encoding="utf-8",
        validate_assignment=True,
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
    secret_key: str = DEFAULT_SECRET_KEY
    # Earlier values of secret_key: webhook secrets sealed with them still open (rotation).
    secret_key_previous: Csv = ()
    jwt_keys_file: Path | None = None
    jwt_key_max_age_days: int = 30
    jwt_key_retire_days: int = 60
    access_token_ttl_seconds: int = 15 * 60
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    refresh_reuse_grace_seconds: int = 30
    oauth_providers: Annotated[dict[str, OAuthProvider], NoDecode, Json] = Field(
        default_factory=dict
    )
    google_client_id: str | None = None
    google_client_secret: str | None = None
    github_client_id: str | None = None
    github_client_secret: str | None = None
    oauth_redirect_url: str = "http://127.0.0.1:8000/auth/done"
    admin_emails: LowerCsvSet = frozenset()
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_lockout_seconds: int = 900

    # --- API protection
    rate_limit_per_minute: int = 100
    trusted_proxies: Networks = ()
    cors_origins: Csv = ()
    max_body_bytes: int = 1024 * 1024
    max_query_depth: int = 12
    max_query_tokens: int = 2000
    max_aliases: int = 30
    max_query_cost: int = 50000
    max_page_size: int = 100
    max_query_nodes: int = 5000
    validation_timeout_ms: int = 200
    persisted_queries: bool = True
    trusted_documents: Path | None = None
    graphiql: bool | None = None  # unset: on, except in production
    introspection: bool | None = None  # unset: on, except in production

    # --- uploads and credits
    max_upload_bytes: int = 10 * 1024**3
    max_duration_seconds: int = 10 * 3600
    signup_grant_minutes: int = 30
    multipart_part_bytes: int = 64 * 1024**2
    probe_timeout_seconds: int = 60
    probe_concurrency: int = 4
    upload_cleanup_every_minutes: int = 15

    # --- imports from links and webhooks (outbound requests through core.netguard)
    import_allowed_hosts: Allowance = NO_EXCEPTIONS
    import_timeout_seconds: int = Field(default=30 * 60, gt=0)
    import_resolve_timeout_seconds: int = Field(default=120, gt=0)

    # --- Stripe
    stripe_api_key: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    checkout_success_url: str = "http://127.0.0.1:8000/billing/success"
    checkout_cancel_url: str = "http://127.0.0.1:8000/billing/cancel"
    credit_packs: Annotated[tuple[CreditPack, ...], NoDecode, Json] = DEFAULT_PACKS

    # --- pipeline
    whisper_model: str = "tiny.en"
    # Used instead of an English-only whisper_model when the speech is not English.
    whisper_multilingual_model: str = "base"
    whisper_device: str = "cpu"
    whisper_compute_type: str = "int8"
    whisper_beam_size: int = 5
    whisper_cpu_threads: int = 0
    whisper_verbatim: bool = True
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str = "gpt-4o-mini"
    clip_min_seconds: float = 20.0
    clip_max_seconds: float = 60.0
    clip_count: int = 0
    ffmpeg_timeout_seconds: int = 3600
    ffmpeg_memory_mb: int = 2048
    caption_fonts: Csv = ()
    transcribe_chunk_seconds: float = Field(default=300.0, ge=10.0)

    # --- worker and operations
    worker_poll_delay: float = 0.05
    worker_max_jobs: int = Field(default=2, ge=1)
    worker_interactive_jobs: int = Field(default=2, ge=1)
    worker_queues: Latencies = (Latency.LONG, Latency.INTERACTIVE)
    lease_seconds: float = Field(default=30.0, gt=0)
    lease_renew_seconds: float = Field(default=10.0, gt=0)
    reconcile_every_seconds: float = Field(default=60.0, gt=0)
    worker_shutdown_grace_seconds: int = 60
    retry_delays: Annotated[dict[Job, tuple[int, ...]], NoDecode, Json] = Field(
        default_factory=dict
    )
    alert_webhook_url: str | None = None
    dead_letter_alert_threshold: int = 5
    job_timeouts: Seconds = Field(default_factory=dict)
    worker_metrics_port: int = 0
    worker_extra_tasks: Csv = ()

    # --- live progress (WebSocket subscriptions)
    ws_keep_alive_seconds: float = 15.0
    ws_init_timeout_seconds: float = 10.0
    ws_queue_size: int = 256
    ws_slow_consumer_seconds: float = 30.0
    ws_shutdown_grace_seconds: float = 5.0

    # ---------------------------------------------------------------- checks
    @field_validator("retry_delays")
    @classmethod
    def _retried_jobs_only(cls, value: dict[Job, tuple[int, ...]]) -> dict[Job, tuple[int, ...]]:
        for job, delays in value.items():
            if SPECS[job].queue is None:
                raise ValueError(f"{job} is not in the retry table")
            if any(d < 0 for d in delays):
                raise ValueError("delays are seconds >= 0")
        return value

    @field_validator("worker_queues")
    @classmethod
    def _some_queue(cls, value: tuple[Latency, ...]) -> tuple[Latency, ...]:
        if not value:
            raise ValueError(f"name at least one of {', '.join(q.value for q in Latency)}")
        return value

    @field_validator("lease_renew_seconds")
    @classmethod
    def _renewed_in_time(cls, value: float, info: Any) -> float:
        lease = info.data.get("lease_seconds")
        if lease is not None and value * 2 > lease:
            raise ValueError("renew at least twice per lease (at most half of LEASE_SECONDS)")
        return value

    @field_validator("job_timeouts")
    @classmethod
    def _positive(cls, value: dict[str, int]) -> dict[str, int]:
        if any(seconds <= 0 for seconds in value.values()):
            raise ValueError("time limits are seconds > 0")
        return value

    # ---------------------------------------------------------------- derived
    @property
    def storage_root(self) -> Path:
        return self.storage_dir or self.var_dir / "storage"

    def retries(self, job: Job | str) -> tuple[int, ...]:
        """Back-off delays (seconds) per retry of a job: its count is the number of retries."""
        name = Job(job)
        return self.retry_delays.get(name, SPECS[name].retries)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def graphiql_enabled(self) -> bool:
        return self.graphiql if self.graphiql is not None else not self.is_production

    @property
    def introspection_enabled(self) -> bool:
        return self.introspection if self.introspection is not None else not self.is_production

    def production_problems(self) -> list[str]:
        """What makes these settings unsafe to serve the public with (empty: none)."""
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append(
                "CLIPFORGE_SECRET_KEY is the default or shorter than 32 characters: anyone "
                "could sign storage URLs"
            )
        if self.stripe_api_key and not self.stripe_webhook_secret:
            problems.append(
                "CLIPFORGE_STRIPE_WEBHOOK_SECRET is empty while a Stripe key is set: "
                "payments could never be credited safely"
            )
        return problems


class SettingsError(Exception):
    """Settings that cannot be used; the message names the variables."""


def check_for_start(settings: Settings) -> None:
    """What the api and the worker call before serving: refuses unsafe production settings."""
    if settings.is_production and (problems := settings.production_problems()):
        raise SettingsError("refusing to start in production: " + "; ".join(problems))


def _load(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else "?"
            lines.append(f"CLIPFORGE_{name.upper()}: {error['msg']}")
        raise SettingsError("invalid settings: " + "; ".join(lines)) from None


_overrides: dict[str, object] = {}
_current: Settings | None = None


def get_settings() -> Settings:
    """The process's settings object (one object, so every holder sees a reconfiguration)."""
    global _current
    if _current is None:
        _current = _load(**_overrides)
    return _current


def configure(**overrides: object) -> Settings:
    """Replace settings for this process (CLI flags, tests), updating the one object in place."""
    global _current
    _overrides.clear()
    _overrides.update(overrides)
    fresh = _load(**_overrides)
    if _current is None:
        _current = fresh
    else:
        for name in Settings.model_fields:
            setattr(_current, name, getattr(fresh, name))
    return _current


__all__ = [
    "CreditPack",
    "Settings",
    "SettingsError",
    "check_for_start",
    "configure",
    "get_settings",
]
