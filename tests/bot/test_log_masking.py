"""No personal data in logs: the filter, the record factory, and the Rasa processes' logging.yml."""
import logging
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from rasa.__main__ import create_argument_parser as rasa_parser
from rasa_sdk.endpoint import create_argument_parser as actions_parser

from bot import log_masking
from bot.ops.stack import build_services
from bot.settings import PROJECT_ROOT


@pytest.fixture
def record_masking():
    log_masking.install_record_masking()
    yield
    log_masking.uninstall_record_masking()


def test_arguments_messages_and_tracebacks_are_masked(caplog):
    logger = logging.getLogger("test.log_masking.filter")
    logger.addFilter(log_masking.MaskingFilter())
    with caplog.at_level(logging.INFO, logger=logger.name):
        try:
            raise ValueError("bad card 6222021234567890123")
        except ValueError:
            logger.exception("user wrote %s", "mail zhang.san@example.com, 身份证110101199003071234")
    text = caplog.text
    assert "zhang.san@" not in text and "z***@example.com" in text
    assert "19900307" not in text and "6222021234567890123" not in text
    assert "6222***********0123" in text  # the traceback was masked too


def test_the_record_factory_masks_for_handlers_added_later(record_masking, capsys):
    logger = logging.getLogger("test.log_masking.factory")
    handler = logging.StreamHandler(sys.stdout)  # added after masking was installed, without the filter
    logger.addHandler(handler)
    try:
        logger.warning("call me on %s", "13812345678")
    finally:
        logger.removeHandler(handler)
    assert capsys.readouterr().out.strip() == "call me on 138****5678"


def test_install_is_idempotent(record_masking):
    factory = logging.getLogRecordFactory()
    log_masking.install_record_masking()
    assert logging.getLogRecordFactory() is factory


def test_logging_yml_masks_even_after_coloredlogs_replaces_its_handler(tmp_path: Path):
    # The order of Rasa's start-up: dictConfig from --logging-config-file, then coloredlogs.install.
    script = textwrap.dedent(
        f"""
        import logging, logging.config, yaml, coloredlogs
        logging.config.dictConfig(yaml.safe_load(open({str(PROJECT_ROOT / "logging.yml")!r}, encoding="utf-8")))
        coloredlogs.install(level="INFO")
        logging.getLogger("rasa.core.processor").info("user said %s", "我的手机13812345678")
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=PROJECT_ROOT,
                            timeout=60, check=True)
    assert "138****5678" in result.stderr
    assert "13812345678" not in result.stderr


def test_the_launcher_passes_logging_yml_to_rasa_and_the_action_server(settings):
    services = {s.name: s for s in build_services(settings, "token", Path("model.tar.gz"))}
    rasa = rasa_parser().parse_args(services["Rasa server"].command[3:])
    actions = actions_parser().parse_args(services["action server"].command[3:])
    assert Path(rasa.logging_config_file) == PROJECT_ROOT / "logging.yml"
    assert Path(actions.logging_config_file) == PROJECT_ROOT / "logging.yml"
