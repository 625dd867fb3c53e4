"""wechatpy's client against the local WeChat stand-in: one token for every instance, renewed once."""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from wechatpy.exceptions import WeChatClientException

from channels.wechat.api import SESSION_PREFIX, WeChatUnavailable, build_client
from tests.channels.wechat.wechat_support import APP_ID, APP_SECRET, OPENID, WeChatStandIn
from tests.conftest import free_port


@pytest.fixture
def standin() -> Iterator[WeChatStandIn]:
    running = WeChatStandIn().start()
    yield running
    running.stop()


def test_the_token_is_fetched_once_and_shared_through_redis(standin, redis_client):
    first = build_client(APP_ID, APP_SECRET, redis_client, standin.url)
    second = build_client(APP_ID, APP_SECRET, redis_client, standin.url)  # another server instance
    first.message.send_text(OPENID, "一")
    second.message.send_text(OPENID, "二")
    assert standin.token_requests == 1
    assert standin.texts() == ["一", "二"] and standin.sent[0]["touser"] == OPENID
    key = f"{SESSION_PREFIX}:{APP_ID}_access_token"
    assert redis_client.get(key) == '"ACCESS-TOKEN-1"'
    # Kept a little shorter than WeChat's 7200 s, so it is renewed before WeChat expires it.
    assert 6000 < redis_client.ttl(key) < 7200


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
def test_a_rejected_token_is_renewed_once_and_the_message_sent(standin, redis_client, errcode):
    client = build_client(APP_ID, APP_SECRET, redis_client, standin.url)
    client.message.send_text(OPENID, "before")
    standin.reject_next_send(errcode)
    client.message.send_text(OPENID, "after")
    assert standin.texts() == ["before", "after"]
    assert standin.token_requests == 2


def test_an_instance_with_a_stale_token_takes_the_one_another_renewed(standin, redis_client):
    first = build_client(APP_ID, APP_SECRET, redis_client, standin.url)
    second = build_client(APP_ID, APP_SECRET, redis_client, standin.url)
    first.message.send_text(OPENID, "1")
    assert second.renew_access_token(rejected="ACCESS-TOKEN-0") == "ACCESS-TOKEN-1"  # already renewed
    assert standin.token_requests == 1


def test_a_token_rejected_again_after_renewal_is_an_error_not_a_loop(standin, redis_client):
    client = build_client(APP_ID, APP_SECRET, redis_client, standin.url)
    for _ in range(5):
        standin.reject_next_send(40001)
    with pytest.raises(WeChatClientException) as error:
        client.message.send_text(OPENID, "x")
    assert error.value.errcode == 40001
    assert standin.token_requests == 2 and standin.sent == []


def test_a_wrong_secret_is_reported_with_wechats_code(standin, redis_client):
    client = build_client(APP_ID, "wrong-secret", redis_client, standin.url)
    with pytest.raises(WeChatClientException) as error:
        client.message.send_text(OPENID, "x")
    assert error.value.errcode == 40125


def test_an_unreachable_api_names_neither_the_secret_nor_the_token(redis_client, caplog):
    client = build_client(APP_ID, APP_SECRET, redis_client, f"http://127.0.0.1:{free_port()}/cgi-bin/")
    with caplog.at_level(logging.DEBUG), pytest.raises(WeChatUnavailable) as error:
        client.message.send_text(OPENID, "x")
    assert error.value.__cause__ is None and error.value.__suppress_context__
    assert APP_SECRET not in str(error.value) and APP_SECRET not in caplog.text
    redis_client.set(f"{SESSION_PREFIX}:{APP_ID}_access_token", '"SECRET-TOKEN"')
    with pytest.raises(WeChatUnavailable) as error:
        client.message.send_text(OPENID, "x")
    assert "SECRET-TOKEN" not in str(error.value) and "SECRET-TOKEN" not in caplog.text


def test_debug_logs_of_the_http_library_do_not_show_the_secret_or_the_token(standin, redis_client, caplog):
    client = build_client(APP_ID, APP_SECRET, redis_client, standin.url)
    with caplog.at_level(logging.DEBUG):
        client.message.send_text(OPENID, "x")
    assert "/cgi-bin/token" in caplog.text  # urllib3 did log the requests
    assert APP_SECRET not in caplog.text and "ACCESS-TOKEN-1" not in caplog.text
