"""What the bot knows and how it is checked: the FAQ knowledge base, training data, content
checks, validation and evaluation of the model."""
