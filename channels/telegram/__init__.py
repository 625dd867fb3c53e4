"""Telegram (python-telegram-bot) behind the gated pipeline."""
