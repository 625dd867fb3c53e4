"""Console users in Redis, and the admin bootstrapped from the configured password."""
import pytest

from bot.settings import Secret
from console.users import UserError, UserStore, user_key


@pytest.fixture
def store(redis_client):
    return UserStore(redis_client, cost=2 ** 8)


def test_add_get_verify_list_remove(store, redis_client):
    added = store.add("Carol", "secret-pw", "supervisor", "组长")
    assert added.username == "carol" and added.is_supervisor
    assert redis_client.hget(user_key("carol"), "password").startswith("scrypt$")
    assert store.verify("carol", "secret-pw") == added
    assert store.verify("carol", "wrong") is None and store.verify("nobody", "secret-pw") is None
    store.add("dave", "secret-pw", "agent")
    assert [u.username for u in store.all()] == ["carol", "dave"]
    assert store.remove("carol") and not store.remove("carol")
    assert store.get("carol") is None and [u.username for u in store.all()] == ["dave"]


@pytest.mark.parametrize("name,password,role", [
    ("bad name", "pw", "agent"), ("", "pw", "agent"), ("a:b", "pw", "agent"), ("x" * 40, "pw", "agent"),
    ("ok", "pw", "boss"), ("ok", "", "agent"),
])
def test_invalid_users_are_refused(store, name, password, role):
    with pytest.raises(UserError):
        store.add(name, password, role)


def test_a_name_is_taken_once(store):
    store.add("erin", "pw-pw-pw", "agent")
    with pytest.raises(UserError, match="already exists"):
        store.add("ERIN", "other", "supervisor")
    assert store.get("erin").role == "agent"


def test_set_password(store):
    store.add("finn", "old-password", "agent")
    store.set_password("finn", "new-password")
    assert store.verify("finn", "new-password") and not store.verify("finn", "old-password")
    with pytest.raises(UserError):
        store.set_password("ghost", "whatever")


def test_admin_bootstrap_creates_keeps_and_follows_the_configured_password(store):
    assert store.bootstrap_admin(Secret("first-password")) == "created"
    assert store.get("admin").is_supervisor and store.verify("admin", "first-password")
    assert store.bootstrap_admin(Secret("first-password")) == "unchanged"
    store.set_password("admin", "changed-by-hand")  # survives restarts while the setting is unchanged
    assert store.bootstrap_admin(Secret("first-password")) == "unchanged"
    assert store.verify("admin", "changed-by-hand")
    assert store.bootstrap_admin(Secret("second-password")) == "updated"
    assert store.verify("admin", "second-password") and not store.verify("admin", "changed-by-hand")
