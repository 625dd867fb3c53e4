"""Rasa input channels, all behind the handoff gate (bot.gate) and fed by the outbox (bot.outbox)."""
