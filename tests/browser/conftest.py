"""Headless Chromium (Debian's ``chromium``) driven by Playwright, and the pages' screenshots.

Browser tests fail, never skip, when Chromium is missing: install it with
``apt-get install chromium``. With ``UPDATE_SCREENSHOTS=1`` the screenshots meant for the
documentation are also written to ``docs/images/``.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from bot.settings import PROJECT_ROOT
from tests.e2e.conftest import stack, trained_model  # noqa: F401 (fixtures shared with the e2e tests)

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DOCS_IMAGES = PROJECT_ROOT / "docs" / "images"
# The stock Rasa widget the web channel must keep working with (docs/web-widget.md).
RASA_WEBCHAT = "rasa-webchat@1.0.1"

# Bot answers go through NLU, policies and the action server: allow for a slow shared machine.
expect.set_options(timeout=30_000)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for the browser tests; each test opens its own contexts.

    Package-scoped, not session-scoped: Playwright's sync API keeps an event loop running in
    this thread while it is open, which would break the asyncio tests collected after these.
    """
    if not CHROMIUM.is_file():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: apt-get install chromium", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_context(browser: Browser) -> Iterator[Callable[..., BrowserContext]]:
    """Open browser contexts (separate visitors: own storage and cookies); all closed after the test."""
    opened: list[BrowserContext] = []

    def open_context(**options) -> BrowserContext:
        context = browser.new_context(**options)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


class Screenshots:
    """Numbered screenshots under the test's tmp dir; documentation copies on request."""

    def __init__(self, directory: Path, update_docs: bool) -> None:
        self.directory = directory
        self.update_docs = update_docs
        self.taken = 0

    def take(self, page: Page, name: str, docs_name: str | None = None) -> Path:
        """Save ``page`` as ``NN-name.png``; with ``docs_name`` and updates on, copy it into docs/images."""
        self.taken += 1
        path = self.directory / f"{self.taken:02d}-{name}.png"
        page.screenshot(path=str(path))
        if docs_name and self.update_docs:
            DOCS_IMAGES.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_IMAGES / docs_name)
        return path


@pytest.fixture
def screenshots(tmp_path: Path) -> Screenshots:
    """Where this test's screenshots go (kept with pytest's tmp dirs as artefacts)."""
    directory = tmp_path / "screenshots"
    directory.mkdir()
    return Screenshots(directory, update_docs=os.environ.get("UPDATE_SCREENSHOTS") == "1")


@pytest.fixture(scope="session")
def rasa_webchat_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """rasa-webchat's browser bundle (``lib/index.js``, React included), fetched from the npm registry.

    ``npm pack`` fetches the one package (npm checks the registry's integrity hash); the
    bundle needs none of the package's build dependencies, which ``npm install`` would add.
    """
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is not installed: apt-get install nodejs npm", pytrace=False)
    directory = tmp_path_factory.mktemp("rasa-webchat")
    done = subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(directory), RASA_WEBCHAT],
        capture_output=True, text=True, timeout=300, check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm pack {RASA_WEBCHAT} failed: {done.stderr.strip()[-500:]}", pytrace=False)
    [tarball] = directory.glob("rasa-webchat-*.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/lib/index.js")
        assert member is not None
        bundle = directory / "index.js"
        bundle.write_bytes(member.read())
    return bundle
