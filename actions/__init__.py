"""Custom Rasa actions: thin adapters, one module per feature, that call into bot/."""
