"""``python -m bench.nlu convert …`` and ``python -m bench.nlu run …``: see --help."""
from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path

from bench.nlu.convert import csv_to_rasa
from bench.nlu.run import run
from bot.settings import PROJECT_ROOT


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.nlu", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    convert = commands.add_parser("convert", help="CSV text,label → Rasa NLU YAML")
    convert.add_argument("--csv", type=Path, required=True)
    convert.add_argument("--out", type=Path, required=True)
    convert.add_argument("--text-column", default="text")
    convert.add_argument("--label-column", default="category")
    bench = commands.add_parser("run", help="train the project's pipeline and score a test file")
    bench.add_argument("--train", type=Path, required=True)
    bench.add_argument("--test", type=Path, required=True)
    bench.add_argument("--config", type=Path, default=PROJECT_ROOT / "config.yml")
    bench.add_argument("--out", type=Path, default=PROJECT_ROOT / "var" / "bench" / "nlu")
    bench.add_argument("--drop", nargs="*", default=[], metavar="COMPONENT",
                       help="leave these pipeline components out (their name in config.yml), e.g. DIETClassifier")
    args = parser.parse_args(argv)

    if args.command == "convert":
        counts = csv_to_rasa(args.csv, args.out, args.text_column, args.label_column)
        print(f"{sum(counts.values())} examples, {len(counts)} intents → {args.out}")
        return 0
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    result = run(args.train, args.test, args.config, args.out, drop=args.drop)
    print(json.dumps(asdict(result), indent=2))
    (args.out / "result.json").write_text(json.dumps(asdict(result), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
