"""Routing a waiting handoff to agents: each rule of data/service/routing.yml, the rules file, the user's place."""
import textwrap

import pytest

from bot.datafiles.config_files import ConfigFileError
from bot.handoff.presence import AgentPresence, OnlineAgent
from bot.handoff.routing import (
    DEDICATED_AGENT,
    NO_SPEAKER_ONLINE,
    NOT_OFFERED,
    SPEAKS_LANGUAGE,
    WAITED,
    HandoffFacts,
    RoutingRules,
    place_in_queue,
    route,
)

RULES = RoutingRules(fallback_seconds=120, dedicated_agent_seconds=60, default_agent_languages=("zh",))
EN_AGENT = OnlineAgent("emma", ("en", "zh"))
ZH_AGENT = OnlineAgent("li")  # names no languages: the default, Chinese
AGENTS = [EN_AGENT, ZH_AGENT]


def facts(language="en", created_at=1000.0, dedicated="", handoff_id="h1"):
    return HandoffFacts(handoff_id, language, created_at, dedicated)


def test_an_english_handoff_is_offered_first_to_the_agents_who_speak_english():
    routing = route(facts("en"), AGENTS, RULES, now=1010)
    assert dict(routing.offers) == {"emma": SPEAKS_LANGUAGE}
    assert routing.reason_for("li") == NOT_OFFERED
    assert routing.open_to_all_at == 1120


def test_an_agent_with_no_languages_speaks_the_default_so_chinese_goes_to_both():
    routing = route(facts("zh"), AGENTS, RULES, now=1010)
    assert dict(routing.offers) == {"emma": SPEAKS_LANGUAGE, "li": SPEAKS_LANGUAGE}


def test_after_the_fallback_wait_everyone_online_is_offered_it_keeping_the_stronger_reason():
    assert not route(facts("en"), AGENTS, RULES, now=1119.9).offered_to("li")
    routing = route(facts("en"), AGENTS, RULES, now=1120)
    assert dict(routing.offers) == {"emma": SPEAKS_LANGUAGE, "li": WAITED}


def test_the_fallback_wait_can_differ_by_language():
    rules = RoutingRules(fallback_seconds=120, fallback_by_language={"en": 30})
    assert route(facts("en"), AGENTS, rules, now=1030).offers["li"] == WAITED
    assert rules.fallback_for("zh") == 120


def test_with_nobody_online_who_speaks_the_language_everyone_is_offered_it_at_once():
    routing = route(facts("en"), [ZH_AGENT, OnlineAgent("wang", ("zh",))], RULES, now=1001)
    assert dict(routing.offers) == {"li": NO_SPEAKER_ONLINE, "wang": NO_SPEAKER_ONLINE}
    assert routing.open_to_all_at == 1001


def test_a_vip_dedicated_agent_online_has_it_alone_first_then_with_the_speakers():
    vip = facts("zh", dedicated="emma")
    alone = route(vip, AGENTS, RULES, now=1059)
    assert dict(alone.offers) == {"emma": DEDICATED_AGENT}
    shared = route(vip, AGENTS, RULES, now=1060)
    assert dict(shared.offers) == {"emma": DEDICATED_AGENT, "li": SPEAKS_LANGUAGE}


def test_a_dedicated_agent_who_does_not_speak_the_language_still_gets_it_first():
    vip = facts("en", dedicated="li")
    assert dict(route(vip, AGENTS, RULES, now=1070).offers) == {"emma": SPEAKS_LANGUAGE, "li": DEDICATED_AGENT}


def test_a_dedicated_agent_offline_changes_nothing():
    vip = facts("en", dedicated="zhou")
    assert dict(route(vip, AGENTS, RULES, now=1001).offers) == {"emma": SPEAKS_LANGUAGE}
    assert route(vip, AGENTS, RULES, now=1001).view_for("li") == {
        "offered": False, "reason": NOT_OFFERED, "language": "en", "open_to_all_at": 1120, "dedicated_agent": "zhou",
    }


def test_the_dedicated_stage_never_outlasts_the_fallback():
    rules = RoutingRules(fallback_seconds=10, dedicated_agent_seconds=60)
    routing = route(facts("zh", dedicated="emma"), AGENTS, rules, now=1011)
    assert dict(routing.offers) == {"emma": DEDICATED_AGENT, "li": SPEAKS_LANGUAGE}


def test_nobody_online_means_nobody_is_offered_it():
    assert dict(route(facts("en"), [], RULES, now=1001).offers) == {}


def test_the_place_in_the_queue_counts_only_handoffs_the_same_agents_may_take():
    # Two Chinese handoffs wait before an English one: only li (Chinese only) and emma (both) are online.
    queue = [facts("zh", 900, handoff_id="z1"), facts("zh", 950, handoff_id="z2"), facts("en", 990, handoff_id="e1")]
    only_english_speakers = [OnlineAgent("emma", ("en",)), ZH_AGENT]
    assert place_in_queue(queue, "e1", only_english_speakers, RULES, now=1000).position == 1
    assert place_in_queue(queue, "e1", only_english_speakers, RULES, now=1000).agents == 1
    assert place_in_queue(queue, "e1", AGENTS, RULES, now=1000).position == 3
    assert place_in_queue(queue, "z2", only_english_speakers, RULES, now=1000).position == 2
    assert place_in_queue(queue, "gone", AGENTS, RULES, now=1000) is None
    assert place_in_queue(queue, "e1", [], RULES, now=1000).position == 3


def write(tmp_path, text):
    path = tmp_path / "routing.yml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_the_rules_file_is_read_and_the_setting_overrides_every_fallback(tmp_path):
    rules = RoutingRules.load(write(tmp_path, """
        fallback_seconds: 90
        fallback_seconds_by_language: {en: 45}
        dedicated_agent_seconds: 30
        default_agent_languages: [zh, en]
    """))
    assert (rules.fallback_for("en"), rules.fallback_for("zh"), rules.dedicated_agent_seconds) == (45, 90, 30)
    assert rules.languages_of(OnlineAgent("x")) == ("zh", "en")
    assert rules.with_fallback(5).fallback_for("en") == 5
    assert rules.with_fallback(None) is rules
    assert RoutingRules.load().fallback_for("zh") > 0  # the project's own file


@pytest.mark.parametrize("text, line, message", [
    ("fallback_seconds: -1\n", 1, "0 or more"),
    ("fallback_seconds_by_language:\n  fr: 10\n", 2, "unknown language 'fr'"),
    ("dedicated_agent_seconds: soon\n", 1, "must be a number"),
    ("default_agent_languages: [zh, de]\n", 1, "unknown language 'de'"),
])
def test_a_wrong_rule_is_a_file_line_problem(tmp_path, text, line, message):
    path = write(tmp_path, text)
    with pytest.raises(ConfigFileError) as error:
        RoutingRules.load(path)
    assert error.value.where == f"{path}:{line}" and message in error.value.message


def test_presence_keeps_the_languages_of_the_online_agents(redis_client):
    now = [1000.0]
    presence = AgentPresence(redis_client, clock=lambda: now[0])
    presence.touch("emma", ("en", "zh"))
    presence.touch("li", ())
    presence.touch("emma")  # a live-stream tick keeps the languages
    assert sorted(presence.online_agents(), key=lambda a: a.username) == [OnlineAgent("emma", ("en", "zh")), OnlineAgent("li", ())]
    presence.leave("emma")
    now[0] += 200
    presence.touch("wang")
    assert presence.online_agents() == [OnlineAgent("wang", ())]
