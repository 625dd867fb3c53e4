"""NLU benchmark: train the project's pipeline on any Rasa NLU data and score a test file."""
