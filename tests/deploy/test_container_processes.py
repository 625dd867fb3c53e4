"""The processes started as the Kubernetes manifests start them — through the image's entry point,
with the manifests' arguments and environment, no launcher — work together, and their probes answer.

Only this machine's paths (the project for /app, the test's var/ and model), free loopback ports
and a local Redis stand in for the image's and the cluster's.
"""
from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import redis

from bot.ops.stack import Service
from bot.settings import PROJECT_ROOT
from tests.conftest import free_port
from tests.deploy.expected import DEPLOY, image, module_of, render
from tests.e2e.conftest import trained_model  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow

PASSED_THROUGH = ("HOME", "LANG", "TMPDIR", "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def manifest_containers() -> dict[str, dict]:
    objects = render("base")
    return {c["name"]: c for o in objects if o["kind"] == "Deployment" for c in o["spec"]["template"]["spec"]["containers"]}


def localised(args: list[str], model: Path, var_dir: Path, port: int) -> list[str]:
    """The container's arguments with this machine's paths, a free port and loopback only."""
    picture = image()
    mapped = []
    for argument in args:
        if argument == str(picture.model):
            argument = str(model)
        elif argument.startswith(picture.env["VAR_DIR"]):
            argument = str(var_dir) + argument[len(picture.env["VAR_DIR"]):]
        elif argument.startswith(f"{picture.workdir}/"):
            argument = str(PROJECT_ROOT / argument[len(str(picture.workdir)) + 1:])
        mapped.append(argument)
    for option, value in (("--port", str(port)), ("--interface", "127.0.0.1")):
        if option in mapped:
            mapped[mapped.index(option) + 1] = value
    return [sys.executable if mapped[0] == "python" else mapped[0], *mapped[1:]]


def container_env(container: dict, var_dir: Path, given: dict[str, str]) -> dict[str, str]:
    """The image's environment, the container's literal values, and ``given`` for the secrets."""
    env = {name: os.environ[name] for name in PASSED_THROUGH if name in os.environ}
    env.update(image().env)
    env.update({
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(PROJECT_ROOT),
        "VAR_DIR": str(var_dir),
        "RASA_CACHE_DIRECTORY": str(var_dir / "rasa-cache"),
        "MPLCONFIGDIR": str(var_dir / "matplotlib"),
        "BIND_HOST": "127.0.0.1",
        "SANIC_HOST": "127.0.0.1",
    })
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif variable["name"] in given:
            env[variable["name"]] = given[variable["name"]]
    return env


def probe_answers(probe: dict, port: int) -> bool:
    if "tcpSocket" in probe:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe['httpGet']['path']}", timeout=10) as response:
        return response.status == 200


@pytest.fixture
def deployed(tmp_path, embedded_redis, trained_model) -> Iterator[dict[str, tuple[dict, int]]]:  # noqa: F811
    """Action server, Rasa server and console, started from the manifests; stopped after the test."""
    containers = manifest_containers()
    ports = {"actions": free_port(), "rasa": free_port(), "console": free_port()}
    given = {
        "REDIS_URL": embedded_redis.url,
        "RASA_API_TOKEN": secrets.token_urlsafe(16),
        "CONSOLE_ADMIN_PASSWORD": secrets.token_urlsafe(12),
    }
    started: list[Service] = []
    try:
        for name in ("actions", "rasa", "console"):
            container, port = containers[name], ports[name]
            var_dir = tmp_path / name
            env = container_env(container, var_dir, given)
            if name == "rasa":
                # The cluster's Service name, here the local action server.
                env["ACTION_ENDPOINT_URL"] = urlparse(env["ACTION_ENDPOINT_URL"])._replace(
                    netloc=f"127.0.0.1:{ports['actions']}").geturl()
            if name == "console":
                env["CONSOLE_PORT"] = str(port)
            command = ["sh", str(DEPLOY / "entrypoint.sh"), *localised(container["args"], trained_model, var_dir, port)]
            readiness = container["readinessProbe"]["httpGet"]["path"]
            service = Service(name, command, f"http://127.0.0.1:{port}{readiness}", tmp_path / f"{name}.log")
            service.start(env, PROJECT_ROOT)
            started.append(service)
            service.wait_healthy(timeout=240, stop_event=threading.Event())
        yield {name: (containers[name], ports[name]) for name in ports}
    finally:
        for service in reversed(started):
            service.stop()


def test_started_as_the_manifests_start_them_they_answer_their_probes_and_a_customer(deployed, embedded_redis):
    for name, (container, port) in deployed.items():
        for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
            if kind in container:
                assert probe_answers(container[kind], port), f"{name} {kind}"
    _, rasa_port = deployed["rasa"]
    request = urllib.request.Request(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": "k8s-user", "message": "密码怎么改"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        replies = [reply.get("text", "") for reply in json.loads(response.read())]
    assert replies and "1." in "\n".join(replies)  # the FAQ answer, built by the action server
    with urllib.request.urlopen(f"http://127.0.0.1:{rasa_port}/healthz", timeout=10) as response:
        health = json.loads(response.read())
    assert health["status"] == "ok" and health["redis"] and health["action_server"], health
    client = redis.Redis.from_url(embedded_redis.url, decode_responses=True)
    assert any("k8s-user" in key for key in client.scan_iter("cs:tracker:*")), "the tracker is in Redis"
    assert module_of(deployed["rasa"][0]["args"]) == "bot.ops.rasa_server"
