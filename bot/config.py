"""Configuration: one validated object, read from TOML and overridden by the environment."""

from __future__ import annotations

import difflib
import json
import os
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    SettingsError,
    TomlConfigSettingsSource,
)

from digests.sources.http import FetchPolicy

PLACEHOLDER_TOKENS = frozenset({"", "PUT-YOUR-BOT-TOKEN-HERE", "changeme", "123456:ABC"})
ENV_PREFIX = "CHAIKHANA_"
ENV_DELIMITER = "__"


class ConfigError(Exception):
    """A configuration problem, said in one line that names the key."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TelegramConfig(_Section):
    token: str = ""
    base_url: str = "https://api.telegram.org/bot"
    base_file_url: str = "https://api.telegram.org/file/bot"
    admins: list[int] = Field(default_factory=list)
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str = ""
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_secret: str = ""
    connect_timeout: float = Field(default=10.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    poll_timeout: int = Field(default=30, ge=0, le=50, description="getUpdates long-poll seconds")
    max_retries: int = Field(default=3, ge=0, le=10, description="retries of a 429 answer")
    page_size: int = Field(default=5, ge=1, le=10, description="stories per lookup reply")
    inline_cache_time: int = Field(default=30, ge=0, le=3600, description="inline answer cache")


def _at_least_base(value: float, info: ValidationInfo) -> float:
    """Refuse a backoff ceiling below its base: the schedule would shrink, not grow."""
    base = info.data.get("backoff_base")
    if base is not None and value < base:
        raise ValueError(f"must be at least backoff_base ({base:g}), got {value:g}")
    return value


class DatabaseConfig(_Section):
    url: str = "sqlite:///chaikhana.db"
    echo: bool = False

    @field_validator("url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        scheme, sep, _ = value.partition("://")
        if not sep or scheme.partition("+")[0] not in ("sqlite", "postgresql", "postgres"):
            raise ValueError(f"not a sqlite:/// or postgresql:// URL: {value.split('@')[-1]!r}")
        return value


class IngestConfig(_Section):
    interval: int = Field(default=900, ge=30, description="seconds between source polls")
    timeout: float = Field(default=20.0, gt=0)
    max_bytes: int = Field(default=5_000_000, ge=10_000)
    max_redirects: int = Field(default=5, ge=0, le=20)
    per_host: int = Field(default=2, ge=1, le=32)
    concurrency: int = Field(default=8, ge=1, le=256)
    user_agent: str = "ChaikhanaBot/0.1 (+https://github.com/chaikhana/chaikhana)"
    fetch_full_text: bool = True
    poll: bool = True
    backoff_base: int = Field(default=300, ge=1)
    backoff_max: int = Field(default=86_400, ge=1)
    lease: int = Field(default=600, ge=10, description="seconds an instance holds a source")
    workers: int = Field(
        default=0,
        ge=0,
        le=64,
        description="processes extracting and understanding a bulk ingest (0: one per core)",
    )

    _backoff_max = field_validator("backoff_max")(_at_least_base)


class DigestsConfig(_Section):
    size: int = Field(default=10, ge=1, le=30, description="stories in a digest")
    send_empty: bool = False
    plan_interval: float = Field(default=60.0, ge=0.2, le=3600)
    grace: float = Field(default=60.0, ge=0, le=3600)
    instant_lookback: int = Field(default=3600, ge=60, le=86_400)
    events_days: int = Field(default=7, ge=0, le=60)


class DeliveryConfig(_Section):
    rate: float = Field(default=30.0, gt=0, le=1000, description="messages/s to all chats")
    interval: float = Field(default=2.0, ge=0.1, le=600)
    batch: int = Field(default=200, ge=1, le=10_000)
    concurrency: int = Field(default=64, ge=1, le=1000)
    lease: float = Field(default=120.0, ge=1)
    max_attempts: int = Field(default=5, ge=1, le=50)
    backoff_base: float = Field(default=30.0, ge=0.1)
    backoff_max: float = Field(default=3600.0, ge=1)
    # While the Bot API cannot be reached, the sender asks again at these doubling waits.
    outage_backoff_base: float = Field(default=1.0, gt=0, le=600)
    outage_backoff_max: float = Field(default=60.0, gt=0, le=3600)
    # One 30/s budget for every instance of the bot, kept in Redis ("redis://host:6379/0");
    # empty: this instance paces alone (one instance, or a test).
    shared_budget: str = Field(default="", pattern=r"^$|^(redis|rediss|unix)://")

    _backoff_max = field_validator("backoff_max")(_at_least_base)


class ChannelConfig(_Section):
    chat: str = Field(description="@username or numeric id of the channel")
    countries: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)
    cadence: Literal["daily", "weekly", "instant"] = "daily"
    weekday: int | None = Field(default=None, ge=0, le=6)
    time: str = Field(default="09:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    timezone: str = "Asia/Tashkent"
    lang: Literal["en", "ru", "uz", "kk", "ky", "tg"] = "ru"

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r} (e.g. Asia/Almaty)") from None
        return value


class MetricsConfig(_Section):
    enabled: bool = True
    listen: str = Field(default="127.0.0.1", description="address of /metrics, /healthz, /readyz")
    port: int = Field(default=9464, ge=0, le=65535, description="0: any free port")
    refresh: float = Field(default=15.0, ge=0.1, le=3600, description="seconds between DB checks")


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class Config(BaseSettings):
    """Every setting Chaikhana reads; see config.example.toml for each key."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=ENV_DELIMITER,
        extra="forbid",
        case_sensitive=False,
    )

    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    database: DatabaseConfig = Field(default_factory=DatabaseConfig)
    ingest: IngestConfig = Field(default_factory=IngestConfig)
    digests: DigestsConfig = Field(default_factory=DigestsConfig)
    delivery: DeliveryConfig = Field(default_factory=DeliveryConfig)
    channels: list[ChannelConfig] = Field(default_factory=list)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = _toml_path()
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if toml_path is not None:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=toml_path))
        return tuple(sources)

    def require_token(self) -> str:
        """Return the bot token, or refuse a missing or placeholder one."""
        token = self.telegram.token.strip()
        if token in PLACEHOLDER_TOKENS or ":" not in token:
            raise ConfigError(
                "telegram.token: set a real bot token (from @BotFather) in config.toml "
                "or CHAIKHANA_TELEGRAM__TOKEN"
            )
        return token


def fetch_policy(cfg: Config) -> FetchPolicy:
    """Return the HTTP policy for reading sources that the config asks for."""
    return FetchPolicy(
        timeout=cfg.ingest.timeout,
        max_bytes=cfg.ingest.max_bytes,
        max_redirects=cfg.ingest.max_redirects,
        per_host=cfg.ingest.per_host,
        user_agent=cfg.ingest.user_agent,
    )


def _toml_path() -> Path | None:
    named = os.environ.get("CHAIKHANA_CONFIG")
    if named:
        return Path(named)
    local = Path("config.toml")
    return local if local.is_file() else None


def _check_env_sections() -> None:
    """Refuse ``CHAIKHANA_<SECTION>__<KEY>`` whose section does not exist.

    pydantic-settings reads only the variables of known sections, so a typo in the section
    (``CHAIKHANA_DATABSE__URL``) would be ignored silently, while one in the key is refused.
    """
    sections = sorted(Config.model_fields)
    for name in sorted(os.environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or ENV_DELIMITER not in upper[len(ENV_PREFIX) :]:
            continue
        section = upper[len(ENV_PREFIX) :].split(ENV_DELIMITER, 1)[0].lower()
        if section in sections:
            continue
        close = difflib.get_close_matches(section, sections, n=1)
        hint = f" (did you mean {ENV_PREFIX}{close[0].upper()}{ENV_DELIMITER}…?)" if close else ""
        raise ConfigError(f"{name}: no section [{section}] in the configuration{hint}")


def _unparsable_env(exc: SettingsError) -> str:
    """Name the variable whose value is not the JSON its key needs (a list, a table)."""
    for name in sorted(os.environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or ENV_DELIMITER not in upper:
            continue
        section, _, key = upper[len(ENV_PREFIX) :].lower().partition(ENV_DELIMITER)
        model = Config.model_fields.get(section)
        if model is None or not isinstance(model.annotation, type):
            continue
        field = getattr(model.annotation, "model_fields", {}).get(key)
        if field is None or field.annotation in (str, int, float, bool):
            continue
        try:
            json.loads(os.environ[name])
        except ValueError:
            return f"{name}: not valid JSON (a list is written [1, 2])"
    return " ".join(str(exc).split())


def _error_line(error: Any) -> str:
    """Say one validation error in one line: the dotted key, then what is wrong."""
    key = ".".join(str(part) for part in error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    return f"{key}: {' '.join(message.split())}"


def load_config() -> Config:
    """Read and validate the configuration, or raise ConfigError naming the bad key."""
    named = os.environ.get("CHAIKHANA_CONFIG")
    if named and not Path(named).is_file():
        raise ConfigError(f"CHAIKHANA_CONFIG: no such file: {named}")
    _check_env_sections()
    try:
        return Config()
    except ValidationError as exc:
        raise ConfigError(_error_line(exc.errors()[0])) from None
    except SettingsError as exc:  # an environment value that does not parse
        raise ConfigError(_unparsable_env(exc)) from None
    except ValueError as exc:  # TOML syntax errors surface as ValueError subclasses
        raise ConfigError(f"{named or 'config.toml'}: {' '.join(str(exc).split())}") from None
