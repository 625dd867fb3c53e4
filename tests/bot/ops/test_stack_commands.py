"""The launcher's command lines parse as Rasa's own CLI parses them."""
from dataclasses import replace
from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser

from bot.ops.stack import build_services
from bot.settings import Secret


@pytest.mark.parametrize("token", ["plain-token", "-starts-with-a-dash", "--looks-like-an-option"])
def test_the_rasa_command_keeps_any_generated_token(settings, token):
    services = build_services(replace(settings, rasa_api_token=Secret(token)), token, Path("model.tar.gz"))
    rasa = next(s for s in services if s.name == "Rasa server")
    arguments = create_argument_parser().parse_args(rasa.command[3:])  # after "python -m bot.ops.rasa_server"
    assert arguments.auth_token == token
    assert arguments.enable_api is True
    assert arguments.port == settings.rasa_port
