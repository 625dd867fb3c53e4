"""deploy/compose.yaml and its nginx: the launcher's commands, health checks, Redis with AOF,
secrets from the environment only, and socket.io kept sticky by the proxy."""
from __future__ import annotations

import re
from urllib.parse import urlparse

import pytest
import yaml

from tests.deploy.expected import (
    DEPLOY,
    PLACEHOLDERS,
    as_launched,
    image,
    launcher_services,
    module_exists,
    module_of,
    secret_names,
)


@pytest.fixture(scope="module")
def services() -> dict[str, dict]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def app_services(services: dict[str, dict]) -> dict[str, dict]:
    """The services running the assistant's image."""
    return {name: s for name, s in services.items() if s["image"].startswith("${ASSISTANT_IMAGE")}


def environment(service: dict) -> dict[str, str]:
    """The service's environment as the settings see it, with stand-ins for interpolated values."""
    env = dict(image().env)
    for name, value in (service.get("environment") or {}).items():
        env[name] = PLACEHOLDERS.get(name, "from-the-environment") if str(value).startswith("${") else str(value)
    return env


def health_url(service: dict) -> str:
    return re.search(r"https?://[^'\"]+", " ".join(service["healthcheck"]["test"])).group(0)


def test_every_process_runs_the_launchers_command_and_the_launchers_processes_all_run(services):
    picture = image()
    counts: dict[str, int] = {}
    for name, service in app_services(services).items():
        assert "entrypoint" not in service, f"{name}: the image's entry point writes the credentials first"
        module = module_of(service["command"])
        assert module_exists(module), f"{name}: no module {module} in this tree"
        launcher = launcher_services(environment(service), picture.model)
        if module in launcher:
            assert service["command"] == as_launched(launcher[module]), f"{name} differs from the launcher"
        counts[module] = counts.get(module, 0) + 1
    assert set(launcher_services(picture.env, picture.model)) <= set(counts)
    assert counts["bot.ops.rasa_server"] == 2 and counts["actions.server"] == 2


def test_every_serving_process_has_a_health_check_on_its_own_port(services):
    picture = image()
    for name, service in app_services(services).items():
        launched = launcher_services(environment(service), picture.model)[module_of(service["command"])]
        if not launched.health_url:
            continue
        checked, expected = urlparse(health_url(service)), urlparse(launched.health_url)
        assert checked.port == expected.port, name
        assert checked.path in {expected.path, "/healthz"}, name


def test_each_rasa_server_calls_an_action_server_of_the_file(services):
    called = set()
    for name in rasa_names(services):
        service = services[name]
        action = urlparse(service["environment"]["ACTION_ENDPOINT_URL"])
        assert module_of(services[action.hostname]["command"]) == "actions.server"
        assert action.port == urlparse(health_url(services[action.hostname])).port
        assert action.hostname in service["depends_on"]
        called.add(action.hostname)
    assert len(called) == 2, "each Rasa server has its own action server"


def test_redis_keeps_an_append_only_file_on_a_volume(services):
    redis = services["redis"]
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] == "everysec"
    assert any(volume.endswith(":/data") for volume in redis["volumes"])


def test_secrets_come_from_the_environment_of_compose_only(services):
    secrets = secret_names()
    for name, service in app_services(services).items():
        env = service.get("environment") or {}
        assert "REDIS_URL" in env, name
        for variable, value in env.items():
            if variable in secrets:
                assert re.fullmatch(r"\$\{" + variable + r"(:[-?].*)?\}", str(value)), f"{variable} written in {name}"
                assert "@" not in str(value), f"{variable}: a password in a default"
    required = {"RASA_API_TOKEN", "CONSOLE_ADMIN_PASSWORD"}
    for service in app_services(services).values():
        for variable in required & set(service.get("environment") or {}):
            assert ":?" in service["environment"][variable], f"{variable} must be set, not defaulted"


def test_the_proxy_keeps_socketio_sticky_and_routes_each_path(services):
    proxy = services["proxy"]
    source, target = proxy["volumes"][0].split(":")[:2]
    assert target.startswith("/etc/nginx/") and (DEPLOY / source).is_file()
    config = (DEPLOY / source).read_text()
    upstreams = {name: body for name, body in re.findall(r"upstream (\w+) \{([^}]*)\}", config)}
    locations = dict(re.findall(r"location (\S+) \{[^}]*?proxy_pass http://(\w+);", config))
    rasa = {f"{name}:5005" for name, s in app_services(services).items() if module_of(s["command"]) == "bot.ops.rasa_server"}
    console_port = urlparse(health_url(services["console"])).port

    def servers(upstream: str) -> set[str]:
        return set(re.findall(r"server (\S+);", upstreams[upstream]))

    assert "ip_hash;" in upstreams[locations["/socket.io/"]] and servers(locations["/socket.io/"]) == rasa
    assert servers(locations["/webhooks/"]) == servers(locations["/chat"]) == rasa
    assert servers(locations["/"]) == {f"console:{console_port}"}
    socketio = re.search(r"location /socket.io/ \{([^}]*)\}", config).group(1)
    assert "proxy_set_header Upgrade $http_upgrade;" in socketio
    # The console's live stream carries its token in the query string: logs keep the path only.
    assert "$uri" in config and "$request " not in config and "$request_uri" not in config
    assert set(proxy["depends_on"]) >= rasa_names(services) | {"console"}


def rasa_names(services: dict[str, dict]) -> set[str]:
    return {name for name, s in app_services(services).items() if module_of(s["command"]) == "bot.ops.rasa_server"}
