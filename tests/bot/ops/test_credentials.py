"""Channels are on exactly when their secrets are set."""
import stat

import yaml

from bot.ops.credentials import disabled_channels, enabled_channels, write_credentials

CONFIG = {
    "channels.rest.GatedRestInput": None,
    "channels.telegram.channel.TelegramInput": {"token": "${TELEGRAM_TOKEN}", "secret_token": "${TELEGRAM_SECRET_TOKEN}"},
}


def test_a_channel_is_on_only_with_all_its_secrets():
    assert list(enabled_channels(CONFIG, {})) == ["channels.rest.GatedRestInput"]
    assert list(enabled_channels(CONFIG, {"TELEGRAM_TOKEN": "123:abc"})) == ["channels.rest.GatedRestInput"]
    both = enabled_channels(CONFIG, {"TELEGRAM_TOKEN": "123:abc", "TELEGRAM_SECRET_TOKEN": "s3cret"})
    assert both["channels.telegram.channel.TelegramInput"] == {"token": "123:abc", "secret_token": "s3cret"}
    assert disabled_channels(CONFIG, {"TELEGRAM_TOKEN": "x"}) == {"channels.telegram.channel.TelegramInput": ["TELEGRAM_SECRET_TOKEN"]}


def test_the_file_for_rasa_is_private_and_has_the_values(settings):
    path = write_credentials(settings, {"TELEGRAM_TOKEN": "t", "TELEGRAM_SECRET_TOKEN": "s", "WECHAT_TOKEN": ""})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    written = yaml.safe_load(path.read_text())
    assert "channels.rest.GatedRestInput" in written and "channels.web.WebChatInput" in written


def test_the_command_writes_the_file_into_var_dir_and_names_the_channels_left_off(tmp_path, capsys):
    from bot.ops.credentials import main

    assert main({"VAR_DIR": str(tmp_path), "TELEGRAM_TOKEN": "t", "TELEGRAM_SECRET_TOKEN": "s"}) == 0
    out, err = capsys.readouterr()
    assert out.strip() == str(tmp_path / "credentials.yml")
    assert "channels.telegram.channel.TelegramInput" in yaml.safe_load((tmp_path / "credentials.yml").read_text())
    assert "WeChatInput is off: WECHAT_APP_ID, WECHAT_APP_SECRET, WECHAT_TOKEN not set" in err
    assert "Telegram" not in err
