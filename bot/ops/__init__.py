"""Running the product: the launcher, the embedded Redis, the Rasa server, backups, the terminal chat."""
