"""deploy/k8s, rendered offline by kustomize (kubectl from requirements/test.txt): every container
runs the launcher's command with probes, resources and a non-root user; secrets only by reference."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from bot.ops.rasa_server import fill_endpoint_variables
from tests.deploy.expected import (
    PLACEHOLDERS,
    as_launched,
    endpoints_variables,
    image,
    launcher_services,
    module_exists,
    module_of,
    render,
    secret_names,
)

KUSTOMIZATIONS = ["base", "overlays/example"]


@pytest.fixture(scope="module", params=KUSTOMIZATIONS)
def rendered(request) -> list[dict]:
    return render(request.param)


def of_kind(objects: list[dict], kind: str) -> dict[str, dict]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(objects: list[dict]) -> list[tuple[dict, dict]]:
    """(pod spec, container) of every Deployment, init containers included."""
    found = []
    for deployment in of_kind(objects, "Deployment").values():
        pod = deployment["spec"]["template"]["spec"]
        found += [(pod, c) for c in pod.get("initContainers", []) + pod["containers"]]
    return found


def environment(objects: list[dict], container: dict) -> dict[str, str]:
    """The container's environment as the settings see it: the image's, config maps, literal values,
    and placeholders for what comes from a Secret."""
    maps = of_kind(objects, "ConfigMap")
    env = dict(image().env)
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(maps[source["configMapRef"]["name"]].get("data", {}))
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif "secretKeyRef" in variable.get("valueFrom", {}):
            env[variable["name"]] = PLACEHOLDERS.get(variable["name"], "from-a-secret")
    return env


def test_every_process_of_the_launcher_is_deployed_with_its_command(rendered):
    picture = image()
    deployed = set()
    for _, container in containers(rendered):
        assert "command" not in container, "give args only: the image's entry point writes the credentials first"
        args = container["args"]
        module = module_of(args)
        assert module_exists(module), f"{container['name']}: no module {module} in this tree"
        launcher = launcher_services(environment(rendered, container), picture.model)
        if module in launcher:
            assert args == as_launched(launcher[module]), f"{container['name']} differs from the launcher"
        deployed.add(module)
    assert set(launcher_services(picture.env, picture.model)) <= deployed


def test_every_serving_container_has_readiness_and_liveness_probes_on_its_port(rendered):
    picture = image()
    for _, container in containers(rendered):
        service = launcher_services(environment(rendered, container), picture.model).get(module_of(container["args"]))
        if service is None or not service.health_url:
            # Serves nothing (the scheduler): its liveness is its process, restarted by the kubelet.
            assert "ports" not in container, container["name"]
            continue
        health = urlparse(service.health_url)
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert list(ports.values()) == [health.port], container["name"]
        for kind in ("readinessProbe", "livenessProbe"):
            probe = container[kind]
            check = probe.get("httpGet") or probe.get("tcpSocket")
            assert check is not None, f"{container['name']}: {kind} neither HTTP nor TCP"
            assert ports.get(check["port"], check["port"]) == health.port
            if "httpGet" in probe:
                assert check["path"] in {health.path, "/healthz", "/health"}
        assert container["readinessProbe"].get("httpGet", {}).get("path") == "/healthz", container["name"]


def test_every_container_has_resources_and_runs_as_the_images_non_root_user(rendered):
    uid = int(image().user.split(":")[0])
    assert uid != 0
    for pod, container in containers(rendered):
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{container['name']}: {bound}"
        security = container["securityContext"]
        assert security["runAsNonRoot"] is True
        assert security["allowPrivilegeEscalation"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == uid


def test_secrets_come_only_from_secret_references_and_none_is_written(rendered):
    secrets = secret_names()
    assert not of_kind(rendered, "Secret"), "a Secret is written into the manifests"
    for config_map in of_kind(rendered, "ConfigMap").values():
        assert not secrets & set(config_map.get("data", {})), "a secret in a ConfigMap"
    referenced = {}
    for _, container in containers(rendered):
        assert all("secretRef" not in source for source in container.get("envFrom", [])), "name each secret"
        for variable in container.get("env", []):
            if variable["name"] in secrets:
                assert "value" not in variable, f"{variable['name']} written in {container['name']}"
                referenced[variable["name"]] = variable["valueFrom"]["secretKeyRef"]
        names = {v["name"] for v in container.get("env", [])}
        assert "REDIS_URL" in names, f"{container['name']} has no Redis"
    rasa = next(c for _, c in containers(rendered) if module_of(c["args"]) == "bot.ops.rasa_server")
    rasa_env = {v["name"] for v in rasa["env"]}
    assert secrets - {"CONSOLE_ADMIN_PASSWORD", "REDIS_PASSWORD"} <= rasa_env, "a channel cannot be switched on"
    assert not referenced["REDIS_URL"].get("optional") and not referenced["RASA_API_TOKEN"].get("optional")


def test_rasa_finds_the_action_servers_and_redis_from_its_environment(rendered):
    rasa = next(c for _, c in containers(rendered) if module_of(c["args"]) == "bot.ops.rasa_server")
    env = environment(rendered, rasa)
    fill_endpoint_variables(env)
    assert endpoints_variables() <= set(env)
    action = urlparse(env["ACTION_ENDPOINT_URL"])
    service = of_kind(rendered, "Service")[action.hostname]
    actions = of_kind(rendered, "Deployment")["actions"]
    assert service["spec"]["selector"].items() <= actions["spec"]["template"]["metadata"]["labels"].items()
    assert [p["port"] for p in service["spec"]["ports"]] == [action.port]


def test_the_rasa_servers_autoscale_and_each_replicated_process_keeps_one_pod_in_a_disruption(rendered):
    deployments = of_kind(rendered, "Deployment")
    hpa = of_kind(rendered, "HorizontalPodAutoscaler")["rasa"]["spec"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "rasa"}
    assert hpa["minReplicas"] >= 2 and hpa["maxReplicas"] > hpa["minReplicas"]
    assert "replicas" not in deployments["rasa"]["spec"], "the autoscaler sets the Rasa servers' count"
    budgets = of_kind(rendered, "PodDisruptionBudget").values()
    for name, deployment in deployments.items():
        if deployment["spec"].get("replicas", 2) < 2:
            continue
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert any(b["spec"]["selector"]["matchLabels"].items() <= labels.items() and b["spec"]["minAvailable"] >= 1
                   for b in budgets), f"no disruption budget for {name}"
    for service in of_kind(rendered, "Service").values():
        selected = [d for d in deployments.values()
                    if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        assert len(selected) == 1, service["metadata"]["name"]


def test_the_ingress_routes_each_path_and_keeps_only_socketio_sticky(rendered):
    routes = {}
    for ingress in of_kind(rendered, "Ingress").values():
        sticky = ingress["metadata"].get("annotations", {}).get("nginx.ingress.kubernetes.io/affinity") == "cookie"
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                routes[path["path"]] = (path["backend"]["service"]["name"], sticky)
    assert routes == {
        "/socket.io": ("rasa", True),
        "/webhooks": ("rasa", False),
        "/chat": ("rasa", False),
        "/": ("console", False),
    }
