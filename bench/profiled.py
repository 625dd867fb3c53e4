"""Run a Python module under cProfile and write its stats when it exits.

``python -m bench.profiled OUT MODULE [ARGS…]`` runs ``python -m MODULE ARGS…`` with the
profiler on and dumps the stats to OUT when the module returns, e.g. after a server's own
SIGTERM handler stopped it. ``bench.profile`` uses it for the action server.
"""
from __future__ import annotations

import cProfile
import runpy
import sys


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) < 2:
        print("usage: python -m bench.profiled OUT MODULE [ARGS…]", file=sys.stderr)
        return 2
    out, module, rest = args[0], args[1], args[2:]
    sys.argv = [module, *rest]
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit:
        pass  # a server ending with sys.exit still gets its profile written
    finally:
        profiler.disable()
        profiler.dump_stats(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
