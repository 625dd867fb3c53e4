"""Session tokens: random, stored as digests, expiring, revocable."""
import time

from console.tokens import TokenStore, token_key


def test_issue_lookup_revoke(redis_client):
    tokens = TokenStore(redis_client)
    token = tokens.issue("alice")
    assert tokens.lookup(token) == "alice"
    assert redis_client.get(token_key(token)) == "alice" and token not in token_key(token)
    assert 0 < redis_client.ttl(token_key(token)) <= 8 * 3600
    tokens.revoke(token)
    assert tokens.lookup(token) is None


def test_tokens_expire(redis_client):
    tokens = TokenStore(redis_client, ttl_seconds=1)
    token = tokens.issue("alice")
    redis_client.pexpire(token_key(token), 1)
    time.sleep(0.02)
    assert tokens.lookup(token) is None


def test_malformed_tokens_are_not_looked_up(redis_client):
    tokens = TokenStore(redis_client)
    for token in [None, "", "short", "x" * 500, "has spaces in it and is long enough", "*" * 43]:
        assert tokens.lookup(token) is None


def test_revoke_all_ends_every_session_of_a_user(redis_client):
    tokens = TokenStore(redis_client)
    first, second, other = tokens.issue("bob"), tokens.issue("bob"), tokens.issue("alice")
    assert tokens.revoke_all("bob") == 2
    assert tokens.lookup(first) is None and tokens.lookup(second) is None and tokens.lookup(other) == "alice"
