"""The publish benchmark's counting: what a message got, the counts over a window, the phases of a publish."""
import math

from bench.publish import NEW_ENTRY, PROBES, Message, Tally, classify, phase_seconds


def test_a_message_is_answered_failed_or_lost():
    assert classify(200, ["您好", ""]) == "answered"
    assert classify(200, []) == "lost"  # the bot said nothing
    assert classify(200, ["  "]) == "lost"
    assert classify(None, None, "timeout") == "lost"  # no reply in time
    assert classify(500, None) == "failed"
    assert classify(503, None) == "failed"
    assert classify(404, None) == "failed"
    assert classify(None, None, "ClientConnectorError: refused") == "failed"


def test_counts_and_latency_over_a_window():
    tally = Tally()
    for second in range(10):
        tally.add(Message(float(second), "answered", 0.1 * (second + 1), right=second % 2 == 0))
    tally.add(Message(4.5, "failed", 0.01, detail="rasa-b 'q': HTTP 500"))
    tally.add(Message(20.0, "lost", 30.0, detail="rasa-a 'q': timeout"))

    everything = tally.report()
    assert (everything["sent"], everything["answered"], everything["failed"], everything["lost"]) == (12, 10, 1, 1)
    assert everything["right_answer"] == 5
    assert everything["problems"] == ["failed: rasa-b 'q': HTTP 500", "lost: rasa-a 'q': timeout"]
    assert everything["latency"]["max_ms"] == 1000  # only answered messages count for latency
    assert everything["latency"]["p50_ms"] == 500

    window = tally.report(3.0, 6.0)  # sent at 3, 4, 4.5, 5, 6
    assert (window["sent"], window["answered"], window["failed"], window["lost"]) == (5, 4, 1, 0)
    assert tally.report(100.0, 200.0) == {"sent": 0, "answered": 0, "failed": 0, "lost": 0, "right_answer": 0,
                                          "latency": {}, "problems": []}


def test_phases_from_the_moments_they_began():
    job = {"training": 102.0, "evaluating the candidate": 150.0, "evaluating the live model": 170.0}
    servers = {"rasa-b": {"loaded": 186.0, "answering": 187.5}, "rasa-a": {"loaded": 183.0, "answering": 184.0}}
    seconds = phase_seconds(saved=100.0, saved_done=101.0, job_phases=job, went_live=180.0, servers=servers)
    assert seconds["save (checks and write)"] == 1.0
    assert seconds["publish start"] == 1.0
    assert (seconds["training"], seconds["evaluating the candidate"], seconds["evaluating the live model"]) == (48.0, 20.0, 10.0)
    assert seconds["per server"] == {"rasa-a": {"go-live → model loaded": 3.0, "go-live → new answer": 4.0},
                                     "rasa-b": {"go-live → model loaded": 6.0, "go-live → new answer": 7.5}}
    assert list(seconds["per server"]) == ["rasa-a", "rasa-b"]
    assert seconds["save → live on every server"] == 87.5


def test_a_phase_not_seen_took_no_time():
    # The live model's scores were in Redis already: that phase passed between two looks.
    job = {"training": 102.0, "evaluating the candidate": 150.0}
    servers = {"rasa-a": {"loaded": 172.0, "answering": 173.0}}
    seconds = phase_seconds(100.0, 101.0, job, 170.0, servers)
    assert seconds["evaluating the candidate"] == 20.0 and seconds["evaluating the live model"] == 0.0
    assert not any(isinstance(v, float) and math.isnan(v) for v in seconds.values())


def test_the_new_entry_and_its_probes_are_two_languages_of_one_answer():
    assert len(NEW_ENTRY.zh_questions) >= 8 and len(NEW_ENTRY.en_questions) >= 8
    assert PROBES["zh"][1] == NEW_ENTRY.zh_conclusion and PROBES["en"][1] == NEW_ENTRY.en_conclusion
    assert PROBES["zh"][0] not in NEW_ENTRY.zh_questions and PROBES["en"][0] not in NEW_ENTRY.en_questions
