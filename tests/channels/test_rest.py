"""The REST channel's request parser: any body gives a message or a clear error, never an exception."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from channels.messages import MAX_MESSAGE_CHARS, TRUNCATED
from channels.rest import BadRequest, parse_request

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(body=st.binary(max_size=300) | JSON.map(lambda v: json.dumps(v).encode()))
def test_any_body_is_a_message_or_a_bad_request(body):
    try:
        message = parse_request(body)
    except BadRequest as error:
        assert str(error)
        return
    assert message.sender.strip() and message.text.strip()
    assert len(message.text) <= MAX_MESSAGE_CHARS


@settings(max_examples=100, deadline=None)
@given(sender=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=200).filter(str.strip), text=st.text(min_size=1).filter(lambda t: t.replace("\x00", "").strip()))
def test_a_well_formed_request_keeps_sender_and_text(sender, text):
    message = parse_request(json.dumps({"sender": sender, "message": text, "message_id": "m1"}).encode())
    assert message.sender == sender and message.message_id == "m1"
    assert message.text == text.replace("\x00", "").strip()[:MAX_MESSAGE_CHARS]


@pytest.mark.parametrize("body", [b"[" * 100_000, b"", b"null", b'{"sender": "x"}', b'{"sender": 1, "message": "hi"}'])
def test_hostile_and_incomplete_bodies_are_bad_requests(body):
    with pytest.raises(BadRequest):
        parse_request(body)


def test_long_messages_are_cut_and_marked_so_the_bot_can_say_so():
    message = parse_request(json.dumps({"sender": "u", "message": "好" * 10_000, "metadata": {"page": "help"}}).encode())
    assert len(message.text) == MAX_MESSAGE_CHARS
    assert message.metadata == {"page": "help", TRUNCATED: True}


def test_a_message_of_exactly_the_limit_is_not_marked():
    message = parse_request(json.dumps({"sender": "u", "message": " " + "好" * MAX_MESSAGE_CHARS + " "}).encode())
    assert len(message.text) == MAX_MESSAGE_CHARS and message.metadata is None


def test_lone_surrogates_are_replaced_in_text_and_metadata_and_refused_in_ids():
    body = '{"sender": "u1", "message": "hi \\ud800 there", "metadata": {"page": "\\udfff", "client_address": "1.2.3.4"}}'
    message = parse_request(body.encode())
    assert message.text == "hi \ufffd there"
    assert message.metadata == {"page": "\ufffd"}  # and a user cannot claim a client address
    message.text.encode("utf-8")
    for bad in ('{"sender": "u\\ud800", "message": "hi"}', '{"sender": "u1", "message": "hi", "message_id": "\\ud800"}',
                '{"sender": "line\\nbreak", "message": "hi"}'):
        with pytest.raises(BadRequest):
            parse_request(bad.encode())
