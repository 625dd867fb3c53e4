"""The publish gate, the job in Redis, override, rollback and the audit log; training and scoring are
stand-ins (a model file written by the test, given scores), Redis is real."""
from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest

from bot.knowledge.models import BASE_ID, LiveKnowledge, ModelRegistry, NoPreviousModel
from bot.knowledge.publish import Publisher, PublishError, Scores, gate
from bot.knowledge.training import model_path

LIVE = Scores({"zh": 0.90, "en": 0.88}, {"zh": 0.95, "en": 0.90}, 0.97)


def scores(**changes) -> Scores:
    intent = {**LIVE.intent_accuracy, **changes.get("intent", {})}
    complaint = {**LIVE.complaint_recall, **changes.get("complaint", {})}
    return Scores(intent, complaint, changes.get("high", LIVE.high_recall))


def test_a_model_as_good_or_slightly_lower_in_accuracy_passes():
    assert gate(LIVE, LIVE) == []
    assert gate(LIVE, scores(intent={"zh": 0.896})) == []  # 0.4 point down
    assert gate(LIVE, scores(intent={"zh": 0.95}, high=0.99)) == []


@pytest.mark.parametrize(("candidate", "wording"), [
    (scores(intent={"en": 0.87}), "intent accuracy (en) down 1.0 points"),
    (scores(complaint={"zh": 0.94}), "complaint recall (zh) down"),
    (scores(high=0.96), "high-priority recall down"),
    (Scores({"zh": 0.90}, {"zh": 0.95}, 0.97), "intent accuracy (en)"),  # a language no longer scored
])
def test_a_worse_model_is_refused_with_the_reason(candidate, wording):
    problems = gate(LIVE, candidate)
    assert len(problems) >= 1 and wording in problems[0]


@pytest.fixture
def registry(redis_client, settings) -> ModelRegistry:
    base = model_path(settings)
    base.parent.mkdir(parents=True, exist_ok=True)
    base.write_bytes(b"base model")
    return ModelRegistry(redis_client, settings)


def fake_train(settings, out_dir: Path, name: str) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{name}.tar.gz"
    path.write_bytes(f"model {name}".encode())
    return path


def publisher_with(redis_client, settings, registry, candidate: Scores, train=fake_train) -> Publisher:
    def evaluate(model: Path) -> Scores:
        return LIVE if model == registry.path_of(BASE_ID) else candidate

    return Publisher(redis_client, settings, registry, train=train, evaluate=evaluate)


def test_a_good_candidate_goes_live_and_the_audit_log_says_who_with_which_scores(redis_client, settings, registry):
    publisher = publisher_with(redis_client, settings, registry, scores(high=0.98))
    model_id = publisher.begin("ed")
    status = publisher.run(model_id, "ed")
    assert status["job"]["state"] == "live" and status["live"] == model_id and status["previous"] == BASE_ID
    assert status["job"]["live_scores"]["high_recall"] == 0.97
    assert status["job"]["candidate_scores"]["high_recall"] == 0.98
    assert registry.path_of(model_id).read_bytes() == f"model {model_id}".encode()
    assert sorted(p.name for p in registry.knowledge_dir_of(model_id).iterdir()) == sorted(
        p.name for p in (settings.project_root / "data" / "faq").iterdir())
    assert model_path(settings).read_bytes() == b"base model"  # the file make train writes is never touched
    [entry] = registry.audit()
    assert (entry.who, entry.action, entry.model, entry.previous) == ("ed", "publish", model_id, BASE_ID)
    assert entry.scores["high_recall"] == 0.98
    assert not publisher.is_running()


def test_a_worse_candidate_is_refused_until_a_supervisor_overrides_with_a_note(redis_client, settings, registry):
    publisher = publisher_with(redis_client, settings, registry, scores(complaint={"en": 0.80}))
    model_id = publisher.begin("ed")
    status = publisher.run(model_id, "ed")
    assert status["job"]["state"] == "refused" and status["live"] == BASE_ID
    assert "complaint recall (en) down" in status["job"]["problems"][0]
    with pytest.raises(PublishError) as no_note:
        publisher.override("boss", "   ")
    assert no_note.value.status == 400 and registry.live_id() == BASE_ID
    status = publisher.override("boss", "the en test set is being relabelled")
    assert status["live"] == model_id and status["job"]["overridden_by"] == "boss"
    actions = [(e.action, e.who, e.note) for e in registry.audit()]
    assert actions[0] == ("override", "boss", "the en test set is being relabelled")
    assert actions[1][0] == "refused" and "complaint recall" in actions[1][2]
    with pytest.raises(PublishError) as twice:
        publisher.override("boss", "again")
    assert twice.value.status == 409


def test_a_second_publish_while_one_runs_is_refused_and_changes_nothing(redis_client, settings, registry):
    release = threading.Event()

    def slow_train(settings, out_dir, name):
        release.wait(10)
        return fake_train(settings, out_dir, name)

    publisher = publisher_with(redis_client, settings, registry, LIVE, train=slow_train)
    first = publisher.begin("ed")
    worker = threading.Thread(target=publisher.run, args=(first, "ed"))
    worker.start()
    try:
        with pytest.raises(PublishError) as busy:
            publisher.begin("other")
        assert busy.value.status == 409 and first in busy.value.message
        assert publisher.status()["job"]["id"] == first and publisher.status()["job"]["started_by"] == "ed"
    finally:
        release.set()
        worker.join(10)
    assert publisher.status()["job"]["state"] == "live"


def test_a_running_publish_keeps_its_lease_and_a_dead_ones_runs_out(redis_client, settings, registry):
    release = threading.Event()

    def slow_train(settings, out_dir, name):
        release.wait(10)
        return fake_train(settings, out_dir, name)

    publisher = Publisher(redis_client, settings, registry, train=slow_train, evaluate=lambda _: LIVE, lease_seconds=1)
    first = publisher.begin("ed")
    worker = threading.Thread(target=publisher.run, args=(first, "ed"))
    worker.start()
    try:
        time.sleep(2.0)  # twice the lease: still held, renewed by the running publish
        with pytest.raises(PublishError) as busy:
            publisher.begin("other")
        assert busy.value.status == 409
    finally:
        release.set()
        worker.join(10)
    orphan = publisher.begin("ed")  # begun, then its process "died": nobody runs or renews it
    with pytest.raises(PublishError):
        publisher.begin("other")
    time.sleep(1.5)
    assert not publisher.is_running() and publisher.begin("other") != orphan


def test_a_failed_training_ends_the_job_and_frees_the_lease(redis_client, settings, registry):
    def broken(settings, out_dir, name):
        raise RuntimeError("rasa train exited with 1")

    publisher = publisher_with(redis_client, settings, registry, LIVE, train=broken)
    status = publisher.run(publisher.begin("ed"), "ed")
    assert status["job"]["state"] == "failed" and "rasa train exited" in status["job"]["error"]
    assert status["live"] == BASE_ID and not publisher.is_running()


def test_the_live_model_is_scored_once(redis_client, settings, registry):
    calls = []

    def evaluate(model):
        calls.append(model)
        return LIVE

    publisher = Publisher(redis_client, settings, registry, train=fake_train, evaluate=evaluate)
    publisher.run(publisher.begin("ed"), "ed")
    publisher.run(publisher.begin("ed"), "ed")
    assert calls.count(registry.path_of(BASE_ID)) == 1 and len(calls) == 3


def test_the_base_model_is_scored_again_once_make_train_rewrote_it(redis_client, settings, registry):
    calls = []
    base = registry.path_of(BASE_ID)

    def evaluate(model):
        calls.append(model)
        return LIVE if model == base else scores(high=0.5)  # every candidate refused: the base stays live

    publisher = Publisher(redis_client, settings, registry, train=fake_train, evaluate=evaluate)
    publisher.run(publisher.begin("ed"), "ed")
    publisher.run(publisher.begin("ed"), "ed")
    assert calls.count(base) == 1
    base.with_suffix("").with_suffix(".fingerprint").write_text("other inputs")  # what make train writes
    publisher.run(publisher.begin("ed"), "ed")
    assert calls.count(base) == 2


def test_rollback_puts_the_previous_model_back_in_one_step(redis_client, settings, registry):
    with pytest.raises(NoPreviousModel):
        registry.rollback("boss")
    publisher = publisher_with(redis_client, settings, registry, LIVE)
    model_id = publisher.begin("ed")
    publisher.run(model_id, "ed")
    entry = registry.rollback("boss", "answers looked wrong")
    assert registry.live_id() == BASE_ID and registry.previous_id() == model_id
    assert (entry.action, entry.model, entry.previous, entry.note) == ("rollback", BASE_ID, model_id, "answers looked wrong")


def test_the_model_server_etag_follows_the_live_model(redis_client, settings, registry):
    stamp = model_path(settings).with_suffix("").with_suffix(".fingerprint")
    stamp.write_text("0123456789abcdef0123")
    assert registry.etag_of(registry.live_id()) == "base-0123456789abcdef"
    publisher = publisher_with(redis_client, settings, registry, LIVE)
    model_id = publisher.begin("ed")
    publisher.run(model_id, "ed")
    assert registry.etag_of(registry.live_id()) == model_id


def test_the_action_servers_knowledge_follows_the_live_model_checking_redis_only_every_few_seconds(
        redis_client, settings, registry):
    now = [0.0]
    live = LiveKnowledge(registry, check_seconds=5, clock=lambda: now[0])
    before = live.current()
    assert live.by_response_key("faq/no_such_entry") is None
    snapshot = registry.candidates_dir / "m1.faq"
    snapshot.mkdir(parents=True)
    shutil.copy(settings.project_root / "data" / "faq" / "account.yml", snapshot)
    registry.path_of("m1").write_bytes(b"m1")
    registry.go_live("m1", "ed", "publish", {})
    now[0] = 4.0
    assert live.current() is before  # not asked yet
    now[0] = 5.0
    assert 0 < len(live.current()) < len(before)
    assert live.by_response_key("faq/change_password") is not None


def test_the_command_line_says_clearly_what_it_cannot_do(redis_client, embedded_redis, settings, monkeypatch, capsys):
    from bot.knowledge.publish import LEASE, main

    monkeypatch.setenv("REDIS_URL", embedded_redis.url)
    monkeypatch.setenv("VAR_DIR", str(settings.var_dir))
    assert main(["--status"]) == 0
    assert '"live": "base"' in capsys.readouterr().out
    assert main(["--rollback"]) == 1
    assert "no previous model" in capsys.readouterr().err
    redis_client.set(LEASE, "m-running")
    assert main(["--rollback"]) == 1
    assert "a publish is running" in capsys.readouterr().err
    assert main(["--override", "because"]) == 1
    assert "a publish is running" in capsys.readouterr().err
    assert redis_client.get("cs:models:live") is None  # nothing changed


def test_without_a_live_model_file_a_publish_is_refused_before_training(redis_client, settings):
    registry = ModelRegistry(redis_client, settings)  # no make train here: no base model file
    publisher = Publisher(redis_client, settings, registry, train=fake_train, evaluate=lambda _: LIVE)
    with pytest.raises(PublishError) as missing:
        publisher.begin("ed")
    assert missing.value.status == 409 and "make train" in missing.value.message
    assert not publisher.is_running() and publisher.status()["job"] is None


def test_a_knowledge_base_that_does_not_read_keeps_the_one_answering(redis_client, settings, registry):
    now = [0.0]
    live = LiveKnowledge(registry, check_seconds=5, clock=lambda: now[0])
    before = live.current()
    broken = registry.candidates_dir / "m2.faq"
    broken.mkdir(parents=True)
    (broken / "bad.yml").write_text("faqs: [oops\n", encoding="utf-8")
    registry.path_of("m2").write_bytes(b"m2")
    registry.go_live("m2", "ed", "publish", {})
    now[0] = 10.0
    assert live.current() is before
