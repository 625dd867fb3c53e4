"""Identity before private data (身份核实): who may see an order, and limits on trying.

An order's details go only to its owner. The owner is known either from the channel — a
WeChat openid or a Telegram user, which the platform signs, mapped to a customer by the
customer backend — or by the last four digits of the phone on the order, with a few attempts.
Order look-ups are limited per conversation and per client address, so order numbers cannot be
enumerated. Owns every ``cs:identity:*`` key.
"""
from __future__ import annotations

from dataclasses import dataclass

import redis

from bot.backends.customers import CustomerDirectory
from bot.backends.orders import Order

# Metadata key a channel sets on each message to the client's network address (never taken from
# the user's own metadata), for the per-address look-up limit.
CLIENT_ADDRESS = "client_address"
# Channels whose conversation ids come from the platform's signed payloads, not from the user.
# REST and the web chat take the id the client sends, so they prove nothing about who writes.
IDENTIFIED_CHANNELS = frozenset({"wechat", "telegram"})


# Atomic, so parallel requests cannot slip past a limit: refuse if any set is full (and the number
# new to it), else add the number to every set. KEYS: the sets; ARGV: number, ttl, the limits.
_LOOKUP_SCRIPT = """
for i, key in ipairs(KEYS) do
  if redis.call('SISMEMBER', key, ARGV[1]) == 0 and redis.call('SCARD', key) >= tonumber(ARGV[i + 2]) then
    return 0
  end
end
for _, key in ipairs(KEYS) do
  redis.call('SADD', key, ARGV[1])
  redis.call('EXPIRE', key, ARGV[2])
end
return 1
"""


@dataclass(frozen=True)
class AccessLimits:
    """How many tries, for how long a verification holds."""

    phone_attempts: int = 3
    attempts_window_seconds: int = 24 * 3600
    verified_seconds: int = 24 * 3600
    lookups_per_conversation: int = 5
    lookups_per_address: int = 20
    lookups_window_seconds: int = 3600


@dataclass(frozen=True)
class PhoneCheck:
    """The outcome of one try at the phone's last four digits."""

    verified: bool
    attempts_left: int


class OrderAccess:
    """Decides who may see which order, and remembers verifications and look-ups in Redis."""

    def __init__(self, client: redis.Redis, customers: CustomerDirectory, limits: AccessLimits = AccessLimits()) -> None:
        self._redis = client
        self._customers = customers
        self.limits = limits

    def is_owner(self, conversation_id: str, channel: str | None, order: Order) -> bool:
        """The channel vouches for who writes, and the customer backend says the order is theirs."""
        if channel not in IDENTIFIED_CHANNELS:
            return False
        return self._customers.profile(conversation_id).customer_id == order.customer_id

    def may_see(self, conversation_id: str, channel: str | None, order: Order) -> bool:
        """The owner by channel, or verified by phone in this conversation recently."""
        if self.is_owner(conversation_id, channel, order):
            return True
        return bool(self._redis.sismember(self._verified_key(conversation_id), order.order_number))

    def check_phone(self, conversation_id: str, order: Order, digits: str) -> PhoneCheck:
        """Count one try; verified when ``digits`` ("5678", "尾号5678", the whole number) end the order's phone."""
        attempts_key = f"cs:identity:attempts:{conversation_id}:{order.order_number}"
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(attempts_key)
        pipe.expire(attempts_key, self.limits.attempts_window_seconds)
        used = int(pipe.execute()[0])
        left = max(0, self.limits.phone_attempts - used)
        if used > self.limits.phone_attempts or not order.phone_last4 or _last4(digits) != order.phone_last4:
            return PhoneCheck(verified=False, attempts_left=left)
        pipe = self._redis.pipeline(transaction=True)
        pipe.sadd(self._verified_key(conversation_id), order.order_number)
        pipe.expire(self._verified_key(conversation_id), self.limits.verified_seconds)
        pipe.delete(attempts_key)
        pipe.execute()
        return PhoneCheck(verified=True, attempts_left=self.limits.phone_attempts)

    def allow_lookup(self, conversation_id: str, address: str | None, order_number: str) -> bool:
        """Count a look-up of ``order_number``; False once this conversation or address looked up too many.

        A number already looked up is always allowed again; a refused one is not counted.
        """
        keys = [f"cs:identity:lookups:conversation:{conversation_id}"]
        limits = [self.limits.lookups_per_conversation]
        if address:
            keys.append(f"cs:identity:lookups:address:{address}")
            limits.append(self.limits.lookups_per_address)
        allowed = self._redis.eval(_LOOKUP_SCRIPT, len(keys), *keys, order_number, self.limits.lookups_window_seconds, *limits)
        return bool(allowed)

    @staticmethod
    def _verified_key(conversation_id: str) -> str:
        return f"cs:identity:verified:{conversation_id}"


def _last4(text: str) -> str:
    """The four digits the user gave, alone ("5678", "尾号5678") or ending a whole mobile number."""
    digits = "".join(ch for ch in text if ch.isascii() and ch.isdigit())
    return digits[-4:] if len(digits) in (4, 11) else ""
