"""The page: served with a strict CSP, its script only ever writes text, its ids are stable."""
import re

from console.pages import STATIC_DIR

SCRIPT = (STATIC_DIR / "console.js").read_text(encoding="utf-8")
PAGE = (STATIC_DIR / "index.html").read_text(encoding="utf-8")


async def test_the_page_and_its_files_are_served_with_security_headers(client):
    page = await client.get("/")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Content-Type-Options"] == "nosniff" and page.headers["X-Frame-Options"] == "DENY"
    for name in ("console.js", "console.css"):
        assert (await client.get(f"/static/{name}")).status == 200
    assert (await client.get("/static/../app.py")).status in (403, 404)
    assert (await client.get("/api/login")).headers.get("Cache-Control") == "no-store"


async def test_healthz_is_unchanged(client):
    response = await client.get("/healthz")
    assert response.status == 200 and await response.json() == {"status": "ok", "redis": True}


def test_the_script_never_writes_html():
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "srcdoc"):
        assert sink not in SCRIPT, sink


def test_the_page_has_no_inline_script_or_handlers():
    assert not re.search(r"<script(?![^>]*\bsrc=)", PAGE)
    assert not re.search(r"\son[a-z]+=", PAGE)


def test_every_element_the_script_looks_up_is_on_the_page():
    ids = set(re.findall(r'\bid="([^"]+)"', PAGE))
    wanted = set(re.findall(r'\$\("#([A-Za-z0-9_-]+)', SCRIPT))
    assert wanted and wanted <= ids, wanted - ids


def test_the_ids_browser_tests_rely_on():
    for element_id in ("login-username", "login-password", "login-submit", "claim", "reply-text", "reply-send",
                       "reply-send-anyway", "reply-warnings", "note-text", "note-save", "transfer-to",
                       "transfer-submit", "resolve-outcome", "follow-up-at", "resolve", "queue-list", "transcript",
                       "customer-alerts", "suggestions", "stat-cards", "tab-stats", "tab-analytics", "analytics-since",
                       "analytics-until", "analytics-load", "logout"):
        assert f'id="{element_id}"' in PAGE, element_id
    for testid in ("queue-item", "transcript-turn", "suggestion-insert", "reply-warning", "stat-card", "repeat-complaints",
                   "analytics-card", "volume-day", "volume-segment", "bar"):
        assert f'"{testid}"' in SCRIPT, testid
