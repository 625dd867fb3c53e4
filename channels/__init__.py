"""Rasa input channels, all behind the handoff gate (bot.handoff.gate) and fed by the outbox (bot.handoff.outbox)."""
