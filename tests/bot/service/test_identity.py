"""OrderAccess on a real Redis: verification holds for a while, look-up limits hold under parallel requests."""
from concurrent.futures import ThreadPoolExecutor

from bot.backends.customers import DemoCustomerDirectory
from bot.backends.orders import DemoOrderBackend
from bot.service.identity import AccessLimits, OrderAccess

ORDER = DemoOrderBackend().get_order("DD2026110500123")


def test_parallel_lookups_never_pass_the_limit(redis_client):
    access = OrderAccess(redis_client, DemoCustomerDirectory(), AccessLimits(lookups_per_conversation=5))
    numbers = [f"DD20261105{n:05d}" for n in range(60)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        allowed = list(pool.map(lambda number: access.allow_lookup("c1", None, number), numbers))
    assert sum(allowed) == 5
    assert redis_client.scard("cs:identity:lookups:conversation:c1") == 5
    assert 0 < redis_client.ttl("cs:identity:lookups:conversation:c1") <= 3600


def test_a_verification_is_remembered_per_conversation_and_expires(redis_client):
    access = OrderAccess(redis_client, DemoCustomerDirectory(), AccessLimits(verified_seconds=60))
    assert access.check_phone("c1", ORDER, "5678").verified
    assert access.may_see("c1", "rest", ORDER) and not access.may_see("c2", "rest", ORDER)
    assert 0 < redis_client.ttl("cs:identity:verified:c1") <= 60


def test_an_order_without_a_phone_can_never_be_verified_by_digits(redis_client):
    from dataclasses import replace

    access = OrderAccess(redis_client, DemoCustomerDirectory())
    no_phone = replace(ORDER, phone="")
    assert not access.check_phone("c1", no_phone, "").verified
    assert not access.check_phone("c1", no_phone, "5678").verified


def test_the_owner_is_known_only_on_channels_that_vouch_for_the_sender(redis_client):
    access = OrderAccess(redis_client, DemoCustomerDirectory())
    assert access.is_owner("demo-user", "wechat", ORDER) and access.is_owner("demo-user", "telegram", ORDER)
    assert not access.is_owner("demo-user", "rest", ORDER) and not access.is_owner("demo-user", "socketio", ORDER)
    assert not access.is_owner("vip-user", "wechat", ORDER)


def test_the_digits_may_come_with_words_or_as_the_whole_number(redis_client):
    access = OrderAccess(redis_client, DemoCustomerDirectory())
    assert access.check_phone("c1", ORDER, "尾号5678").verified
    assert access.check_phone("c2", ORDER, "13812345678").verified
    assert not access.check_phone("c3", ORDER, "45678").verified
