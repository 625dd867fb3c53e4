"""scrypt password hashes: salted, verifiable, never equal for the same password."""
from console.passwords import hash_password, verify_password


def test_a_hash_verifies_only_its_password():
    stored = hash_password("correct horse", cost=2 ** 8)
    assert stored.startswith("scrypt$256$8$1$")
    assert verify_password("correct horse", stored)
    assert not verify_password("correct horsE", stored)


def test_the_salt_is_random():
    assert hash_password("same", cost=2 ** 8) != hash_password("same", cost=2 ** 8)


def test_malformed_stored_values_never_verify():
    for stored in ["", "plain", "md5$1$2$3$4$5", "scrypt$x$8$1$AAAA$AAAA", "scrypt$256$8$1$!!$!!", "scrypt$3$8$1$AAAA$AAAA"]:
        assert not verify_password("anything", stored)


def test_the_default_cost_is_for_interactive_logins():
    assert hash_password("pw").split("$")[1] == str(2 ** 14)
