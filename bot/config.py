"""Settings from the environment (and an optional `.env`), validated once at start.

A user mistake becomes a `ConfigError` with one clear sentence; the CLI prints it
and exits non-zero, never a traceback.

Two modes, never a mix. **Local mode**: not one provider variable is set
(`PROVIDER_VARIABLES`); built-in stand-ins play Telegram and Twilio and /sim is
served, on loopback only. **Production**: every variable of `REQUIRED_IN_PRODUCTION`
is set. Anything in between is a `ConfigError` naming what is missing.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flows.outbox.team_settings import FALLBACK_TIMEZONE
from storage.db import DatabaseUrlError, normalise_database_url

DEFAULT_DATABASE_URL = "sqlite://data/flerpart.sqlite3"
SUPPORTED_LOCALES = ("sv", "en")
_WEBHOOK_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")

# Setting any of these leaves local mode; production then needs all of the next list.
PROVIDER_VARIABLES = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_WEBHOOK_SECRET",
    "TELEGRAM_API_BASE_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_FROM",
    "TWILIO_MESSAGING_SERVICE_SID",
    "TWILIO_API_BASE_URL",
    "PUBLIC_BASE_URL",
)
# Each entry: one of these names must be set. PUBLIC_BASE_URL is where Telegram's
# webhook and Twilio's inbound SMS and delivery reports reach us, so it is required.
REQUIRED_IN_PRODUCTION = (
    ("TELEGRAM_BOT_TOKEN",),
    ("TELEGRAM_WEBHOOK_SECRET",),
    ("TWILIO_ACCOUNT_SID",),
    ("TWILIO_AUTH_TOKEN",),
    ("TWILIO_FROM", "TWILIO_MESSAGING_SERVICE_SID"),
    ("PUBLIC_BASE_URL",),
)


class ConfigError(Exception):
    """A configuration mistake the person starting the service can fix."""


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    telegram_bot_token: str | None = None
    telegram_webhook_secret: str | None = None
    telegram_api_base_url: str | None = None  # a self-hosted Bot API server
    twilio_api_base_url: str | None = None  # another Messages API host (a proxy, a bench)
    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = field(default=None, repr=False)
    twilio_from: str | None = None
    twilio_messaging_service_sid: str | None = None
    public_base_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8080
    timezone: str = FALLBACK_TIMEZONE
    default_locale: str = "sv"
    sms_per_second: float = 1.0  # Twilio long codes send 1 SMS/s
    telegram_per_second: float = 30.0  # Telegram's overall limit for a bot; per replica
    twilio_timeout: float = 10.0  # seconds before a Twilio request counts as failed
    retention_days: int = 180  # closed meetings' personal data is anonymised after this
    outcome_days: int = 90  # the outcome question, this long after the latest closed meeting
    # Local mode only: the stand-ins served by `flerpart standins`, shared by several replicas.
    standins_url: str | None = None

    @property
    def local_mode(self) -> bool:
        """No provider variable at all: the built-in stand-ins play Telegram and Twilio.
        `load_settings` refuses any half of a configuration, so this is all or nothing."""
        return not any(self._provider_values().values())

    # Both providers are simulated together or not at all (see local_mode).
    local_telegram = local_mode
    local_twilio = local_mode

    def _provider_values(self) -> dict[str, str | None]:
        return {
            "TELEGRAM_BOT_TOKEN": self.telegram_bot_token,
            "TELEGRAM_WEBHOOK_SECRET": self.telegram_webhook_secret,
            "TELEGRAM_API_BASE_URL": self.telegram_api_base_url,
            "TWILIO_ACCOUNT_SID": self.twilio_account_sid,
            "TWILIO_AUTH_TOKEN": self.twilio_auth_token,
            "TWILIO_FROM": self.twilio_from,
            "TWILIO_MESSAGING_SERVICE_SID": self.twilio_messaging_service_sid,
            "TWILIO_API_BASE_URL": self.twilio_api_base_url,
            "PUBLIC_BASE_URL": self.public_base_url,
        }

    @property
    def telegram_webhook(self) -> bool:
        """Telegram pushes updates to us only when it can reach us. Shared stand-ins push
        too: replicas take updates by webhook, never by polling (one poller per bot)."""
        if self.local_telegram:
            return bool(self.standins_url)
        return bool(self.public_base_url)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def __repr__(self) -> str:  # secrets never end up in logs or tracebacks
        return (
            f"Settings(database={_redact_url(self.database_url)!r}, "
            f"local_mode={self.local_mode}, "
            f"public_base_url={self.public_base_url!r}, host={self.host!r}, port={self.port})"
        )

    __str__ = __repr__


def _redact_url(url: str) -> str:
    return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", url)


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments and blank lines skipped, quotes stripped."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :]
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(
    environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")
) -> Settings:
    """Environment variables win over `.env`; empty values count as unset."""
    env = dict(read_dotenv(dotenv)) if dotenv else {}
    env.update(os.environ if environ is None else environ)

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    try:
        database_url = normalise_database_url(get("DATABASE_URL") or DEFAULT_DATABASE_URL)
    except DatabaseUrlError as error:
        raise ConfigError(f"DATABASE_URL: {error}") from None

    port_text = get("PORT") or "8080"
    if not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        # 0 asks the system for any free port (tests, several local copies).
        raise ConfigError(f"PORT must be a number from 0 to 65535, not {port_text!r}")

    timezone = get("TIMEZONE") or FALLBACK_TIMEZONE
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"TIMEZONE {timezone!r} is not a known time zone") from None

    locale = get("DEFAULT_LOCALE") or "sv"
    if locale not in SUPPORTED_LOCALES:
        raise ConfigError(f"DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}")

    public_base_url = get("PUBLIC_BASE_URL")
    if public_base_url:
        if not re.match(r"^https?://[^/\s]+(/\S*)?$", public_base_url):
            raise ConfigError("PUBLIC_BASE_URL must look like https://flerpart.example.se")
        public_base_url = public_base_url.rstrip("/")

    secret = get("TELEGRAM_WEBHOOK_SECRET")
    if secret and not _WEBHOOK_SECRET.match(secret):
        raise ConfigError("TELEGRAM_WEBHOOK_SECRET may only hold A-Z a-z 0-9 _ - (1-256 chars)")

    sms_per_second = _number(get("SMS_PER_SECOND"), "SMS_PER_SECOND", 1.0, 0.01, 1000)
    telegram_per_second = _number(get("TELEGRAM_PER_SECOND"), "TELEGRAM_PER_SECOND", 30.0, 0.1, 30)
    twilio_timeout = _number(get("TWILIO_TIMEOUT_SECONDS"), "TWILIO_TIMEOUT_SECONDS", 10, 0.1, 120)
    retention_days = int(_number(get("RETENTION_DAYS"), "RETENTION_DAYS", 180, 1, 3650))
    outcome_days = int(_number(get("OUTCOME_DAYS"), "OUTCOME_DAYS", 90, 1, 3650))

    standins_url = _standins_url(get("STANDINS_URL"))
    settings = Settings(
        database_url=database_url,
        telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
        telegram_webhook_secret=secret,
        telegram_api_base_url=get("TELEGRAM_API_BASE_URL"),
        twilio_account_sid=get("TWILIO_ACCOUNT_SID"),
        twilio_auth_token=get("TWILIO_AUTH_TOKEN"),
        twilio_from=get("TWILIO_FROM"),
        twilio_messaging_service_sid=get("TWILIO_MESSAGING_SERVICE_SID"),
        twilio_api_base_url=get("TWILIO_API_BASE_URL"),
        public_base_url=public_base_url,
        host=get("HOST") or "127.0.0.1",
        port=int(port_text),
        timezone=timezone,
        default_locale=locale,
        sms_per_second=sms_per_second,
        telegram_per_second=telegram_per_second,
        twilio_timeout=twilio_timeout,
        retention_days=retention_days,
        outcome_days=outcome_days,
        standins_url=standins_url,
    )
    _check_providers(settings)
    if standins_url and not settings.local_mode:
        raise ConfigError(
            "STANDINS_URL is for local mode only: unset it, or unset the production variables"
        )
    return settings


def _standins_url(text: str | None) -> str | None:
    """http://127.0.0.1:N of `flerpart standins`: plain HTTP on loopback, nothing else."""
    if text is None:
        return None
    found = re.match(r"^http://(\[[0-9a-fA-F:]+\]|[^/:\s]+):(\d{1,5})/?$", text)
    if not found or not is_loopback(found.group(1)):
        raise ConfigError(
            f"STANDINS_URL must look like http://127.0.0.1:8090 (loopback only), not {text!r}"
        )
    return text.rstrip("/")


def _number(text: str | None, name: str, default: float, low: float, high: float) -> float:
    if text is None:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also refuses nan and inf
        raise ConfigError(f"{name} must be a number from {low:g} to {high:g}, not {text!r}")
    return value


def _check_providers(s: Settings) -> None:
    """Local mode or production, nothing in between: one line naming what is missing."""
    values = s._provider_values()
    given = [name for name in PROVIDER_VARIABLES if values[name]]
    if not given:
        return
    missing = [
        " or ".join(names) for names in REQUIRED_IN_PRODUCTION if not any(values[n] for n in names)
    ]
    if missing:
        raise ConfigError(
            f"half a configuration: {', '.join(given)} set, but {', '.join(missing)} "
            f"missing (set all of them for production, or none for local mode)"
        )


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name could resolve to anything


def check_local_host(s: Settings, allow_remote_sim: bool) -> None:
    """Local mode serves /sim and the stand-ins without login: loopback only, unless asked."""
    if s.local_mode and not allow_remote_sim and not is_loopback(s.host):
        raise ConfigError(
            f"HOST={s.host} is not loopback, and with no Telegram or Twilio variables set "
            "this is local mode, whose simulator has no login: set the production variables "
            "(README: Configuration), use HOST=127.0.0.1, or run with --allow-remote-sim"
        )
