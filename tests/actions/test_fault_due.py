"""A fault ticket is due when its known incident should be fixed (the incident's ETA)."""
import datetime as dt

from actions.fault import FAULT_FOLLOW_UP, fault_follow_up
from bot.service.incidents import IncidentBoard


def test_a_fault_ticket_is_due_when_its_incident_should_be_fixed(tmp_path):
    incidents = tmp_path / "incidents.yml"
    incidents.write_text(
        "incidents:\n  - id: sms\n    eta: 2026-11-29 18:00:00+08:00\n    keywords: {zh: [短信]}\n"
        "    zh: {impact: a, recovery: b, workaround: c}\n    en: {impact: a, recovery: b, workaround: c}\n",
        encoding="utf-8")
    [incident] = IncidentBoard.load(incidents).incidents
    morning = dt.datetime(2026, 11, 29, 1, 0, tzinfo=dt.timezone.utc)  # 09:00 in China
    assert fault_follow_up(incident, morning) == dt.timedelta(hours=9)
    assert fault_follow_up(incident, morning + dt.timedelta(days=1)) == FAULT_FOLLOW_UP  # the ETA passed
    assert fault_follow_up(None, morning) == FAULT_FOLLOW_UP
