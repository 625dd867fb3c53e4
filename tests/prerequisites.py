"""What `make test` needs besides Python 3.10, checked before the tests run (the Makefile runs this).

- Debian's ``chromium`` at /usr/bin/chromium (or ``$CHROMIUM``): the browser tests drive it
  (tests/browser/conftest.py);
- a Chinese font that fontconfig knows (``fc-list :lang=zh``): the weekly report's charts
  (tests/bot/analytics/test_report.py);
- ``npm``: it fetches the stock rasa-webchat widget from the npm registry
  (tests/browser/test_stock_widget.py).

As root it installs what is missing with apt-get, as .ci/run does; otherwise it names the
packages and exits 1, before a long run fails on them.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

FONT_PACKAGES = ["fontconfig", "fonts-wqy-microhei"]


def missing_packages(environ: Mapping[str, str]) -> list[str]:
    """The Debian packages to install for the tests, in install order (none: all there)."""
    missing = []
    if not Path(environ.get("CHROMIUM", "/usr/bin/chromium")).is_file():
        missing.append("chromium")
    fc_list = shutil.which("fc-list", path=environ.get("PATH", os.defpath))
    if fc_list is None:
        missing += FONT_PACKAGES
    else:
        fonts = subprocess.run([fc_list, ":lang=zh"], capture_output=True, text=True, check=False).stdout
        if not fonts.strip():
            missing.append("fonts-wqy-microhei")
    if shutil.which("npm", path=environ.get("PATH", os.defpath)) is None:
        missing += ["nodejs", "npm"]
    return missing


def install(packages: list[str], environ: Mapping[str, str]) -> None:
    """``apt-get install`` the packages (as root), non-interactively."""
    env = {**environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def main(environ: Mapping[str, str] | None = None, is_root: bool | None = None) -> int:
    """0 when everything is there (after installing it, as root); 1 with one message otherwise."""
    env = os.environ if environ is None else environ
    root = os.geteuid() == 0 if is_root is None else is_root
    missing = missing_packages(env)
    if missing and root and shutil.which("apt-get", path=env.get("PATH", os.defpath)):
        print(f"make test: installing {' '.join(missing)} for the browser and report tests", flush=True)
        try:
            install(missing, env)
        except subprocess.CalledProcessError as error:
            print(f"make test: apt-get failed ({error}); install {' '.join(missing)} yourself", file=sys.stderr)
            return 1
        missing = missing_packages(env)
    if missing:
        print(
            "make test needs Debian's chromium and npm (the browser tests) and a Chinese font (the report's charts): "
            f"run `sudo apt-get install {' '.join(missing)}`, then `make test` again",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
