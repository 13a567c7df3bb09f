from pathlib import Path

import pytest

from bot.config import DEFAULT_DATABASE_URL, ConfigError, load_settings


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
        ({"TWILIO_TIMEOUT_SECONDS": "0"}, "TWILIO_TIMEOUT_SECONDS"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_FROM"),
    ],
)
def test_bad_configuration_is_one_clear_sentence(env, fragment):
    with pytest.raises(ConfigError, match=fragment):
        settings_from(env)


def test_webhook_mode_needs_a_token_and_a_public_url():
    s = settings_from(
        {
            "TELEGRAM_BOT_TOKEN": "1:abc",
            "TELEGRAM_WEBHOOK_SECRET": "s3cret_-",
            "PUBLIC_BASE_URL": "https://flerpart.example.se/",
        }
    )
    assert s.telegram_webhook and not s.local_telegram
    assert s.public_base_url == "https://flerpart.example.se"


def test_secrets_never_show_in_repr():
    s = settings_from(
        {
            "DATABASE_URL": "postgres://app:hunter2@db:5432/flerpart",
            "TELEGRAM_BOT_TOKEN": "123:SECRETTOKEN",
            "TWILIO_ACCOUNT_SID": "AC123",
            "TWILIO_AUTH_TOKEN": "TWILIOSECRET",
            "TWILIO_FROM": "+46700000001",
        }
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
