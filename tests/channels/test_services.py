"""channels.services: the wiring the Rasa server process installs for the channels Rasa builds."""
from __future__ import annotations

import pytest

from channels import services as channel_services
from channels.services import ChannelServices


def test_the_channels_share_the_wirings_redis_outbox_and_settings(wiring, redis_client):
    found = channel_services.current()
    assert found.redis is wiring.redis is redis_client
    assert found.outbox is wiring.outbox and found.settings is wiring.settings


def test_installing_returns_what_was_installed_before(wiring):
    other = ChannelServices.of(wiring)
    assert channel_services.install(None) is wiring
    with pytest.raises(RuntimeError, match=r"python -m bot\.ops\.rasa_server"):
        channel_services.current()
    assert channel_services.install(wiring) is None
    assert channel_services.current().redis is other.redis
