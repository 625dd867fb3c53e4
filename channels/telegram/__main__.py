"""``python -m channels.telegram <command>``: register, inspect or remove the webhook."""
import sys

from channels.telegram.cli import main

sys.exit(main())
