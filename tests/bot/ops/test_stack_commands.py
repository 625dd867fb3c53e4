"""The launcher's command lines parse as Rasa's own CLI parses them."""
from dataclasses import replace
from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from bot.ops.rasa_server import with_token_from_env
from bot.ops.stack import build_services
from bot.settings import Secret


@pytest.mark.parametrize("token", ["plain-token", "-starts-with-a-dash", "--looks-like-an-option"])
def test_the_rasa_server_gets_any_generated_token_without_it_on_the_command_line(settings, token):
    services = build_services(replace(settings, rasa_api_token=Secret(token)), token, Path("model.tar.gz"))
    rasa = next(s for s in services if s.name == "Rasa server")
    assert not any(token in arg for arg in rasa.command)  # `ps` shows the command line to every user
    assert rasa.extra_env == {"RASA_API_TOKEN": token}
    argv = with_token_from_env(rasa.command[2:], rasa.extra_env)  # as sys.argv inside "python -m bot.ops.rasa_server"
    arguments = create_argument_parser().parse_args(argv[1:])
    assert arguments.auth_token == token
    assert arguments.enable_api is True
    assert arguments.port == settings.rasa_port


def test_a_token_given_on_the_command_line_wins():
    assert with_token_from_env(["rasa", "run", "--auth-token=cli"], {"RASA_API_TOKEN": "env"}) == ["rasa", "run", "--auth-token=cli"]
    assert with_token_from_env(["rasa", "run"], {}) == ["rasa", "run"]
