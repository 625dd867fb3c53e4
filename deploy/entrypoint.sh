#!/bin/sh
# The image's entry point, for every process: the channels the Rasa server serves are written
# from the environment into $VAR_DIR/credentials.yml (bot/ops/credentials.py: a channel is on
# exactly when its secrets are set), then the command given runs in this process's place.
set -e
python -m bot.ops.credentials >/dev/null
exec "$@"
