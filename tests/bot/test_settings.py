from pathlib import Path

import pytest

from bot.settings import RedisAddress, Secret, Settings, SettingsError


def test_defaults_match_the_readme():
    settings = Settings.from_env({})
    assert (settings.rasa_port, settings.actions_port, settings.console_port) == (5005, 5055, 8000)
    assert settings.redis_url is None
    assert settings.tracker_retention_days == 180


def test_tracker_retention_reaches_rasa_as_seconds():
    from bot.ops.stack import service_environment

    settings = Settings.from_env({"TRACKER_RETENTION_DAYS": "30"})
    assert service_environment(settings, "redis://127.0.0.1:6390/0")["TRACKER_RECORD_EXP"] == str(30 * 86400)


def test_ports_and_redis_url_come_from_the_environment():
    settings = Settings.from_env({"RASA_PORT": "6005", "REDIS_URL": "redis://:pw@db.local:7000/3"})
    assert settings.rasa_port == 6005
    assert settings.redis_url == "redis://:pw@db.local:7000/3"


@pytest.mark.parametrize(
    "env, message",
    [
        ({"RASA_PORT": "abc"}, "RASA_PORT must be a whole number"),
        ({"CONSOLE_PORT": "70000"}, "CONSOLE_PORT must be a port number"),
        ({"REDIS_URL": "http://x"}, "REDIS_URL must look like"),
        ({"REDIS_URL": "redis://h:1/notanumber"}, "bad port or db"),
        ({"TRACKER_RETENTION_DAYS": "0"}, "TRACKER_RETENTION_DAYS must be at least 1 day"),
        ({"TRACKER_RETENTION_DAYS": "a year"}, "TRACKER_RETENTION_DAYS must be a whole number"),
    ],
)
def test_bad_values_are_clear_errors(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_secrets_never_show_in_repr():
    settings = Settings.from_env({"TELEGRAM_TOKEN": "123:very-secret", "REDIS_URL": "redis://:hunter2@h:1/0"})
    text = repr(settings) + str(settings.telegram_token)
    assert "very-secret" not in text
    assert settings.telegram_token.reveal() == "123:very-secret"
    assert Secret("a") == Secret("a") and Secret("a") != Secret("b")


def test_redis_address_splits_the_url_for_rasa_stores():
    address = RedisAddress.from_url("redis://:pw@10.0.0.5:6380/2")
    assert (address.host, address.port, address.db, address.password.reveal()) == ("10.0.0.5", 6380, 2, "pw")


def test_generated_tokens_are_stable_and_private(tmp_path: Path):
    settings = Settings.from_env({"VAR_DIR": str(tmp_path)})
    first = settings.resolved_rasa_api_token().reveal()
    assert len(first) >= 32
    assert settings.resolved_rasa_api_token().reveal() == first
    assert (tmp_path / "rasa_api_token").stat().st_mode & 0o077 == 0
    assert Settings.from_env({"VAR_DIR": str(tmp_path), "RASA_API_TOKEN": "t"}).resolved_rasa_api_token().reveal() == "t"


def test_service_hours_are_checked_when_read():
    assert Settings.from_env({"SERVICE_HOURS": "08:00-22:00"}).service_hours == "08:00-22:00"
    with pytest.raises(SettingsError):
        Settings.from_env({"SERVICE_HOURS": "all day"})


def test_the_routing_fallback_is_optional_and_checked():
    assert Settings.from_env({}).routing_fallback_seconds is None
    assert Settings.from_env({"ROUTING_FALLBACK_SECONDS": "8"}).routing_fallback_seconds == 8
    for bad in ("soon", "-1", "nan", "100000"):
        with pytest.raises(SettingsError, match="ROUTING_FALLBACK_SECONDS"):
            Settings.from_env({"ROUTING_FALLBACK_SECONDS": bad})
