"""bot.ops.rasa_server: the channels' services, and Rasa's check of action-server replies (schema checked once)."""
import pytest
from jsonschema import ValidationError, validators
from rasa.core.actions.action import RemoteAction

from bot.ops import rasa_server

GOOD = {"events": [{"event": "slot", "name": "language", "value": "en", "timestamp": None}],
        "responses": [{"response": "utter_greet"}]}
BAD = [{"events": "not a list"}, {"events": [{"event": "no_such_event"}]}, {"responses": [42]}]


@pytest.fixture
def rasas_own(monkeypatch):
    """Rasa's own check; ours installed in its place, both put back after the test."""
    original = RemoteAction._validate_action_result
    monkeypatch.setattr(RemoteAction, "_validate_action_result", original)
    monkeypatch.setattr(rasa_server, "_installed", False)
    rasa_server.install()
    return original


def message_of(check, result) -> str:
    with pytest.raises(ValidationError) as raised:
        check(RemoteAction("action_x", None), result)
    return raised.value.message


def test_replies_are_accepted_and_refused_as_rasa_does_with_the_same_message(rasas_own):
    ours = RemoteAction._validate_action_result
    assert ours is not rasas_own
    assert ours(RemoteAction("action_x", None), GOOD) is rasas_own(RemoteAction("action_x", None), GOOD) is True
    for result in BAD:
        assert message_of(ours, result) == message_of(rasas_own, result)
        assert "Failed to validate Action server response from API" in message_of(ours, result)


def test_the_schema_itself_is_not_checked_again_on_each_reply(rasas_own, monkeypatch):
    schema_class = validators.validator_for(RemoteAction.action_response_format_spec())
    checks = []
    monkeypatch.setattr(schema_class, "check_schema", classmethod(lambda cls, schema, **_: checks.append(schema)))
    for _ in range(3):
        RemoteAction("action_x", None)._validate_action_result(GOOD)
    assert checks == []


def test_openmp_gets_one_thread_unless_the_operator_chose():
    environ = {}
    rasa_server.limit_openmp_threads(environ)
    assert environ == {"OMP_NUM_THREADS": "1"}
    chosen = {"OMP_NUM_THREADS": "4"}
    rasa_server.limit_openmp_threads(chosen)
    assert chosen == {"OMP_NUM_THREADS": "4"}


def test_the_channels_get_one_wiring_of_the_process_built_from_the_environment(monkeypatch):
    from channels import services

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/2")
    previous = services.install(None)
    try:
        rasa_server.install_services()
        first, second = services.current(), services.current()
        assert first.settings.redis_url == "redis://127.0.0.1:6390/2"
        assert first.redis is second.redis  # one connection pool for every channel
    finally:
        services.install(previous)


def test_started_without_the_launcher_it_derives_what_endpoints_yml_reads_from_the_settings():
    import re

    from bot.settings import PROJECT_ROOT

    environ = {"REDIS_URL": "redis://:pw@redis.example:6380/3", "ACTION_ENDPOINT_URL": "http://actions:5055/webhook",
               "TRACKER_RETENTION_DAYS": "2"}
    rasa_server.fill_endpoint_variables(environ)
    assert environ["REDIS_HOST"] == "redis.example" and environ["REDIS_PORT"] == "6380"
    assert (environ["REDIS_DB"], environ["REDIS_PASSWORD"]) == ("3", "pw")
    assert environ["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook"
    assert environ["TRACKER_RECORD_EXP"] == str(2 * 86400)
    wanted = set(re.findall(r"\$\{([A-Z0-9_]+)\}", (PROJECT_ROOT / "endpoints.yml").read_text()))
    assert wanted <= set(environ)


def test_what_the_launcher_or_operator_set_is_kept_and_the_action_server_defaults_to_this_host():
    environ = {"ACTIONS_PORT": "6055", "REDIS_URL": "redis://r:6379/0", "REDIS_HOST": "chosen"}
    rasa_server.fill_endpoint_variables(environ)
    assert environ["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:6055/webhook"
    assert environ["REDIS_HOST"] == "chosen"
