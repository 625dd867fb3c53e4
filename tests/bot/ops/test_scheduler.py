"""The ticket scheduler on a real Redis: one round's jobs, a simulated day, one holder of the lease."""
import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from bot.handoff.outbox import Outbox, stream_key
from bot.handoff.reach import UserReach
from bot.ops.scheduler import Lease, Scheduler, TicketJobs
from bot.service import ticket_tags
from bot.service.labels import Labels
from bot.service.ticket_messages import ResponseTemplates
from bot.service.ticket_rules import TicketRules
from bot.service.ticket_updates import TicketUpdates
from bot.service.tickets import TicketStore
from bot.settings import PROJECT_ROOT
from tests.bot.settable_clock import Clock


@pytest.fixture
def parts(redis_client):
    clock = Clock()
    rules = TicketRules.load()
    tickets = TicketStore(redis_client, clock, rules)
    reach = UserReach(redis_client, clock)
    outbox = Outbox(redis_client)
    updates = TicketUpdates(tickets, outbox, reach, ResponseTemplates.load(PROJECT_ROOT / "domain.yml"),
                            Labels.load(), clock=clock)
    return clock, tickets, reach, TicketJobs(tickets, updates, rules, clock)


def _outbox(redis_client, channel):
    return [fields for _id, fields in redis_client.xrange(stream_key(channel))]


def test_a_day_passes_in_a_second_follow_ups_reminders_escalation_and_the_return_visit(parts, redis_client):
    clock, tickets, reach, jobs = parts
    reach.user_wrote("tg-42", "telegram", "en")
    late = tickets.create("tg-42", "complaint", "normal", "parcel lost", dt.timedelta(hours=24), tags=(ticket_tags.COMPLAINT,))
    fixed = tickets.create("tg-42", "complaint", "normal", "wrong size", dt.timedelta(hours=24), tags=(ticket_tags.COMPLAINT,))
    tickets.change_status(fixed.ticket_id, "resolved", "qa1", note="exchanged")
    assert jobs.run_once().follow_ups_due == []

    clock.at(24 * 3600 + 1)  # a day later
    first = jobs.run_once()
    assert first.follow_ups_due == [late.ticket_id] and first.reminded == [late.ticket_id]
    assert first.return_visits == [fixed.ticket_id]
    again = jobs.run_once()  # the next round, or a restarted scheduler, repeats nothing
    assert again.follow_ups_due == again.reminded == again.return_visits == again.escalated == []
    sent = _outbox(redis_client, "telegram")
    texts = [m for m in sent if '"kind": "text"' in m["message"]]
    visits = [m for m in sent if '"kind": "return_visit"' in m["message"]]
    assert len(texts) == 1 and late.ticket_id in texts[0]["message"] and "still following up" in texts[0]["message"]
    assert len(visits) == 1

    clock.at(28 * 3600 + 2)  # four hours overdue: a supervisor hears of it
    raised = jobs.run_once()
    assert raised.escalated == [late.ticket_id] and raised.reminded == [late.ticket_id]
    assert [c.action for c in tickets.history(late.ticket_id)][-1] == "escalated"


def test_wechat_outside_its_window_asks_an_agent_to_call_and_the_web_keeps_news_for_the_next_visit(parts, redis_client):
    clock, tickets, reach, jobs = parts
    reach.user_wrote("wx-openid1", "wechat", "zh")
    reach.user_wrote("web-1", "socketio", "zh")
    wechat = tickets.create("wx-openid1", "complaint", "normal", "a", dt.timedelta(hours=24), tags=(ticket_tags.COMPLAINT,))
    web = tickets.create("web-1", "complaint", "normal", "b", dt.timedelta(hours=24), tags=(ticket_tags.COMPLAINT,))
    clock.at(49 * 3600)
    jobs.run_once()
    assert _outbox(redis_client, "wechat") == [] and _outbox(redis_client, "socketio") == []
    assert any("call the user" in c.note for c in tickets.history(wechat.ticket_id))
    held = reach.take_for_visit("web-1")
    assert len(held) == 1 and web.ticket_id in held[0].text and "仍在跟进" in held[0].text
    assert reach.take_for_visit("web-1") == []


def test_two_instances_run_one_scheduler_and_the_second_takes_over_when_the_first_stops(parts, redis_client):
    _clock, _tickets, _reach, jobs = parts
    first = Scheduler(Lease(redis_client, "one", ttl=1.0), jobs, interval=0.02)
    second = Scheduler(Lease(redis_client, "two", ttl=1.0), jobs, interval=0.02)
    stops = [threading.Event(), threading.Event()]
    threads = [threading.Thread(target=s.run, args=(stop,)) for s, stop in zip((first, second), stops, strict=True)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    assert sorted([first.rounds > 0, second.rounds > 0]) == [False, True]
    holder, waiting = (first, second) if first.rounds else (second, first)
    stop_holder = stops[0] if holder is first else stops[1]
    stop_holder.set()  # it gives the lease up as it stops
    time.sleep(0.5)
    assert waiting.rounds > 0
    for stop in stops:
        stop.set()
    for thread in threads:
        thread.join(timeout=5)


def test_a_lost_lease_stops_the_jobs(parts, redis_client):
    _clock, _tickets, _reach, jobs = parts
    scheduler = Scheduler(Lease(redis_client, "one", ttl=10.0), jobs)
    assert scheduler.step() is not None
    redis_client.set("cs:scheduler:lease", "someone-else")  # it expired and another instance took it
    assert scheduler.step() is None and scheduler.rounds == 1


def test_the_command_holds_the_lease_until_sigterm_then_gives_it_up(embedded_redis, redis_client, settings):
    env = {**os.environ, "REDIS_URL": embedded_redis.url, "VAR_DIR": str(settings.var_dir), "SCHEDULER_INTERVAL_SECONDS": "0.2"}
    process = subprocess.Popen([sys.executable, "-m", "bot.ops.scheduler"], cwd=PROJECT_ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while redis_client.get("cs:scheduler:lease") is None:
            assert process.poll() is None, process.stdout.read().decode(errors="replace")
            assert time.monotonic() < deadline, "the scheduler never took the lease"
            time.sleep(0.1)
        assert redis_client.get("cs:scheduler:lease").endswith(f"-{process.pid}")
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(20) == 0
    assert redis_client.get("cs:scheduler:lease") is None
