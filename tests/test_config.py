from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, check_local_host, load_settings

PRODUCTION = {
    "TELEGRAM_BOT_TOKEN": "1:abc",
    "TELEGRAM_WEBHOOK_SECRET": "s3cret_-",
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "TWILIOSECRET",
    "TWILIO_FROM": "+46700000001",
    "PUBLIC_BASE_URL": "https://flerpart.example.se/",
}


def settings_from(env: dict[str, str], dotenv: Path | None = None):
    return load_settings(environ=env, dotenv=dotenv)


def test_defaults_run_in_local_mode_on_sqlite():
    s = settings_from({})
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.local_telegram and s.local_twilio and s.local_mode
    assert not s.telegram_webhook
    assert (s.timezone, s.default_locale, s.port) == ("Europe/Stockholm", "sv", 8080)


@pytest.mark.parametrize(
    ("env", "fragment"),
    [
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "not supported"),
        ({"DATABASE_URL": "postgres://"}, "host and a database"),
        ({"DATABASE_URL": "sqlite://"}, "file path"),
        ({"PORT": "eighty"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"TIMEZONE": "Mars/Olympus"}, "TIMEZONE"),
        ({"DEFAULT_LOCALE": "de"}, "DEFAULT_LOCALE"),
        ({"PUBLIC_BASE_URL": "flerpart.example.se"}, "PUBLIC_BASE_URL"),
        ({"TELEGRAM_WEBHOOK_SECRET": "has spaces"}, "TELEGRAM_WEBHOOK_SECRET"),
        (
            {"TELEGRAM_BOT_TOKEN": "1:abc", "PUBLIC_BASE_URL": "https://x.example"},
            "TELEGRAM_WEBHOOK_SECRET",
        ),
        ({"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN"),
        ({"SMS_PER_SECOND": "fast"}, "SMS_PER_SECOND"),
        ({"SMS_PER_SECOND": "nan"}, "SMS_PER_SECOND"),
        ({"TELEGRAM_PER_SECOND": "31"}, "TELEGRAM_PER_SECOND"),  # above Telegram's limit
        ({"TWILIO_TIMEOUT_SECONDS": "0"}, "TWILIO_TIMEOUT_SECONDS"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_FROM"),
    ],
)
def test_bad_configuration_is_one_clear_sentence(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        settings_from(env)


def test_replicas_share_telegrams_pace_by_dividing_it():
    assert settings_from({}).telegram_per_second == 30
    assert settings_from({"TELEGRAM_PER_SECOND": "10"}).telegram_per_second == 10


def test_production_is_every_provider_variable_and_runs_by_webhook():
    s = settings_from(PRODUCTION)
    assert s.telegram_webhook and not s.local_mode
    assert not s.local_telegram and not s.local_twilio
    assert s.public_base_url == "https://flerpart.example.se"
    service = dict(PRODUCTION, TWILIO_MESSAGING_SERVICE_SID="MG1")
    del service["TWILIO_FROM"]
    assert not settings_from(service).local_mode


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        # The case: Twilio and a public address, no bot token -> never local mode.
        (
            {k: v for k, v in PRODUCTION.items() if not k.startswith("TELEGRAM_")},
            "TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET missing",
        ),
        ({"PUBLIC_BASE_URL": "https://x.example"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "1:abc"}, "TWILIO_ACCOUNT_SID"),
        ({"TELEGRAM_API_BASE_URL": "http://botapi:8081/bot"}, "TELEGRAM_BOT_TOKEN"),
        ({"TWILIO_MESSAGING_SERVICE_SID": "MG1"}, "TWILIO_AUTH_TOKEN"),
        (
            {k: v for k, v in PRODUCTION.items() if k != "PUBLIC_BASE_URL"},
            "PUBLIC_BASE_URL missing",
        ),
        (
            {k: v for k, v in PRODUCTION.items() if k != "TWILIO_FROM"},
            "TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID missing",
        ),
    ],
)
def test_half_a_configuration_is_refused_naming_what_is_missing(env, missing):
    with pytest.raises(ConfigError, match=missing) as refused:
        settings_from(env)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1"])
def test_local_mode_may_listen_on_loopback(host):
    check_local_host(settings_from({"HOST": host}), allow_remote_sim=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.5", "flerpart.example.se"])
def test_local_mode_refuses_other_hosts_unless_allowed(host):
    settings = settings_from({"HOST": host})
    with pytest.raises(ConfigError, match="--allow-remote-sim"):
        check_local_host(settings, allow_remote_sim=False)
    check_local_host(settings, allow_remote_sim=True)
    # Production has a login everywhere: any HOST.
    check_local_host(settings_from(dict(PRODUCTION, HOST=host)), allow_remote_sim=False)


def test_secrets_never_show_in_repr():
    s = settings_from(
        dict(
            PRODUCTION,
            DATABASE_URL="postgres://app:hunter2@db:5432/flerpart",
            TELEGRAM_BOT_TOKEN="123:SECRETTOKEN",
        )
    )
    text = repr(s) + str(s)
    for secret in ("hunter2", "SECRETTOKEN", "TWILIOSECRET"):
        assert secret not in text


def test_dotenv_is_read_and_environment_wins(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport PORT=9000\nTIMEZONE="Europe/Helsinki"\n\n')
    s = settings_from({"PORT": "9100"}, dotenv)
    assert s.port == 9100
    assert s.timezone == "Europe/Helsinki"


def test_a_broken_dotenv_line_names_the_line(tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("PORT=1\nthis is not an assignment\n")
    with pytest.raises(ConfigError, match=r"\.env:2"):
        settings_from({}, dotenv)


def test_shared_standins_keep_local_mode_and_take_telegram_by_webhook():
    s = settings_from({"STANDINS_URL": "http://127.0.0.1:8090/"})
    assert s.local_mode and s.standins_url == "http://127.0.0.1:8090"
    assert s.telegram_webhook  # replicas never poll: one poller per bot


@pytest.mark.parametrize(
    "url", ["https://127.0.0.1:8090", "http://10.0.0.5:8090", "http://example.se:80", "127.0.0.1"]
)
def test_standins_url_is_plain_http_on_loopback_only(url):
    with pytest.raises(ConfigError, match="STANDINS_URL must look like"):
        settings_from({"STANDINS_URL": url})


def test_standins_url_is_refused_in_production():
    with pytest.raises(ConfigError, match="STANDINS_URL is for local mode only"):
        settings_from({**PRODUCTION, "STANDINS_URL": "http://127.0.0.1:8090"})
