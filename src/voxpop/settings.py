"""Every VOXPOP_* environment variable in one place, with its default and meaning.

`load_settings()` reads the environment (and nothing else) each time it is called, so a test's
monkeypatch.setenv is seen. The app, the worker, the vote writer, the database and the embedding code
take a `Settings` (or read one here when given none); `voxpop config` prints them all; docs/settings.md
is generated from the same fields (tests/test_settings.py fails when it is stale).

A new setting: add a field here with a default and a one-line description, then use `settings.field`
where it is needed (never os.environ). The variable is VOXPOP_ + the field name in capitals.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PREFIX = "VOXPOP_"


class SettingsError(ValueError):
    """A VOXPOP_* variable has a value voxpop cannot use; the message names it and says what to write."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=PREFIX, extra="ignore", frozen=True, validate_default=True)

    # where things are kept
    database_url: str = Field("sqlite:///voxpop.db", description=(
        "the database: sqlite:///FILE (one file, the default ./voxpop.db) or postgresql+psycopg://USER@HOST/DB"))
    sqlite_synchronous: Literal["NORMAL", "FULL", "EXTRA"] = Field("NORMAL", description=(
        "SQLite durability: NORMAL survives a killed process; FULL also a power cut (slower writes)"))
    secret_key: str | None = Field(None, description=(
        "signs cookies; unset: a random key kept in the database (set it when several servers share one)"),
        repr=False)
    cache_dir: Path | None = Field(None, description=(
        "where the embedding model and embeddings are cached (unset: ~/.cache/voxpop)"))
    # the web server
    background: Literal["thread", "process", "off"] = Field("thread", description=(
        "where the server runs background jobs (analyses, listening): thread, process (child processes) or off "
        "(a separate `voxpop worker` runs them)"))
    rate_limits: bool = Field(True, description=(
        "per-address request limits (off only for benchmarks from one address; per-participant limits stay)"))
    fast_votes: bool = Field(True, description="the lean vote path in front of FastAPI (off: every vote via FastAPI)")
    trust_proxy: bool = Field(False, description=(
        "a TLS-terminating proxy sets X-Forwarded-Proto/-For (believed only from forwarded_allow_ips)"))
    forwarded_allow_ips: str = Field("127.0.0.1", description=(
        "comma-separated proxy addresses whose X-Forwarded-* headers count when trust_proxy is on"))
    server_processes: int = Field(1, ge=1, le=64, description=(
        "server processes sharing the per-address limits (set by `serve --workers N`): each process allows "
        "1/N of every per-address limit, so an address gets the limit in all, not N times it"))
    writer_threads: int = Field(0, ge=0, description=(
        "vote writer threads (0: 1 on SQLite, 2 on PostgreSQL)"))
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field("INFO", description=(
        "how much `voxpop serve` and `voxpop worker` log"))
    # abuse limits (per address; 0 per hour switches that limit off)
    new_participants_burst: int = Field(60, ge=0, description="new participants an address may create at once")
    new_participants_per_hour: int = Field(600, ge=0, description="then this many per hour (0: no limit)")
    statements_burst: int = Field(20, ge=0, description="participants' statements an address may add at once")
    statements_per_hour: int = Field(120, ge=0, description="then this many per hour (0: no limit)")
    login_free_attempts: int = Field(5, ge=0, description=(
        "sign-in attempts per address (failed ones) and per account before waits start"))
    login_backoff_s: float = Field(1.0, ge=0, description="the first wait in seconds; doubles with each attempt")
    login_backoff_max_s: float = Field(300.0, ge=0, description="the longest wait in seconds")
    # listening
    embed_threads: int = Field(0, ge=0, description="threads for the embedding model (0: every CPU)")
    embed_precision: Literal["auto", "bf16", "int8", "f32"] = Field("auto", description=(
        "embedding inference precision: auto, bf16, int8 or f32 (auto: bf16 where the CPU has it, else int8; "
        "f32 for exact vectors)"))
    demo_listen_model: Literal["auto", "minilm", "tfidf"] = Field("auto", description=(
        "the model `voxpop demo` uses for the demo's testimonies"))
    # background jobs (the worker): analyses and listening
    job_retries: int = Field(3, ge=0, description=(
        "how often a failed job is tried again before it is marked failed for good"))
    job_backoff_s: float = Field(5.0, ge=0, description=(
        "the wait before the first retry of a failed job; doubles with each retry"))
    analysis_snapshot_mb: int = Field(2048, ge=0, description=(
        "memory (MiB) a worker may keep conversations' vote matrices in, so that the next analysis reads only "
        "the votes cast since (about 9 bytes a vote); 0 keeps none and every analysis reads every vote"))
    job_lease_s: float = Field(60.0, gt=0, description=(
        "a running listening job's claim lasts this long unless its worker renews it (every quarter of it); "
        "a killed worker's job is taken over after at most this"))

    @field_validator("sqlite_synchronous", "log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("background", "embed_precision", "demo_listen_model", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    def env_name(self, field: str) -> str:
        return PREFIX + field.upper()

    def describe(self) -> list[dict]:
        """Every setting: variable, current value (the secret masked), default, meaning."""
        out = []
        for name, info in type(self).model_fields.items():
            value = getattr(self, name)
            if name == "secret_key" and value:
                value = "(set)"
            elif name == "database_url":
                value = _hide_password(value)
            out.append({"variable": self.env_name(name), "value": _show(value), "default": _show(info.default),
                        "meaning": info.description or ""})
        return out


def cache_root(settings: Settings | None = None) -> Path:
    """VOXPOP_CACHE_DIR, else ~/.cache/voxpop."""
    return (settings or load_settings()).cache_dir or Path.home() / ".cache" / "voxpop"


def _hide_password(url: str) -> str:
    """postgresql://user:secret@host/db -> postgresql://user:***@host/db"""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    user, colon, _ = userinfo.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{tail}"


def _show(value: object) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def load_settings(**overrides: object) -> Settings:
    """The settings from the environment (overrides win); SettingsError names a bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            field = str(err["loc"][0]) if err["loc"] else "?"
            problems.append(f"{PREFIX}{field.upper()}={err.get('input')!r}: {err['msg']}")
        raise SettingsError("bad setting: " + "; ".join(problems)) from None


def settings_markdown() -> str:
    """docs/settings.md, generated from the fields (defaults, not this machine's values)."""
    lines = ["# Settings", "",
             "Generated from `src/voxpop/settings.py` by `voxpop config --markdown` (a test fails when this file is",
             "stale). Every setting is an environment variable; `voxpop config` prints the values in effect.",
             "Booleans take on/off, 1/0, true/false.", "",
             "| Variable | Default | Meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        default = _show(info.default).replace("|", "\\|")
        lines.append(f"| `{PREFIX}{name.upper()}` | `{default}` | {(info.description or '').replace('|', '/')} |")
    lines += ["", "Test and benchmark runs also read `VOXPOP_TEST_PG_ADMIN_URL` (a PostgreSQL admin URL for",
              "throwaway test databases), `VOXPOP_CHROMIUM` (the browser), `VOXPOP_SHARED` / `VOXPOP_REQUIRE_SHARED`",
              "(the shared data folder), `VOXPOP_REQUIRE_EMBED` and `VOXPOP_SHOTS` (screenshots); the server never",
              "does. `voxpop create-organiser` reads `VOXPOP_PASSWORD` when no password is given.", ""]
    return "\n".join(lines)
