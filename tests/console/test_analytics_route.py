"""GET /api/analytics: supervisors only, the figures of bot.analytics.figures for the period asked."""
from bot.knowledge.base import KnowledgeBase, first_questions
from bot.settings import PROJECT_ROOT
from tests.bot.analytics.history_builder import build_week
from tests.console.conftest import bearer, login


async def test_agents_are_refused_and_anonymous_callers_must_log_in(client):
    assert (await client.get("/api/analytics")).status == 401
    response = await client.get("/api/analytics", headers=bearer(await login(client, "alice")))
    assert response.status == 403
    assert "supervisors" in (await response.json())["error"]


async def test_a_supervisor_gets_the_figures_of_the_week(client, redis_client):
    build_week(redis_client)
    token = await login(client, "boss")
    response = await client.get("/api/analytics?since=2026-11-02&until=2026-11-08", headers=bearer(token))
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["period"]["days"][0] == "2026-11-02" and body["period"]["days"][-1] == "2026-11-08"
    assert body["totals"] == {"contacts": 7, "handoffs": 3, "tickets": 3, "ratings": 3}
    assert body["handoffs"]["rate"] == 0.429 and body["first_contact_resolution"]["rate"] == 0.286
    assert body["csat"]["average"] == 3.67 and body["times"]["avg_handle_seconds"] == 1200.0
    questions = {p["problem"]: p["question"] for p in body["top_problems"]}
    expected = first_questions(KnowledgeBase.load(PROJECT_ROOT / "data" / "faq"))["faq/change_password"]
    assert questions["faq/change_password"] == expected and questions["complaint"] == ""
    assert response.headers["Cache-Control"] == "no-store"


async def test_the_default_period_is_the_last_seven_days(client):
    body = await (await client.get("/api/analytics", headers=bearer(await login(client, "boss")))).json()
    assert len(body["period"]["days"]) == 7


async def test_bad_periods_are_400(client):
    token = await login(client, "boss")
    for query in ["since=yesterday", "since=2026-11-08&until=2026-11-01", "since=2026-01-01&until=2026-12-31"]:
        response = await client.get(f"/api/analytics?{query}", headers=bearer(token))
        assert response.status == 400, query
        assert "error" in await response.json()
