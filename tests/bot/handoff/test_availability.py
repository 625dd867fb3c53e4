"""Service hours and the expected wait."""
import datetime as dt

from bot.handoff.availability import ServiceHours, availability, expected_wait_minutes

UTC = dt.timezone.utc
HOURS = ServiceHours.load()  # 09:00–21:00 Asia/Shanghai, every day


def test_open_and_closed_follow_the_local_clock():
    assert HOURS.is_open(dt.datetime(2026, 11, 23, 1, 0, tzinfo=UTC))        # 09:00 in Shanghai
    assert not HOURS.is_open(dt.datetime(2026, 11, 23, 0, 59, tzinfo=UTC))   # 08:59
    assert not HOURS.is_open(dt.datetime(2026, 11, 23, 13, 0, tzinfo=UTC))   # 21:00
    late = dt.datetime(2026, 11, 23, 15, 30, tzinfo=UTC)                     # 23:30
    assert HOURS.next_opening(late).strftime("%Y-%m-%d %H:%M") == "2026-11-24 09:00"
    early = dt.datetime(2026, 11, 23, 0, 30, tzinfo=UTC)                     # 08:30
    assert HOURS.next_opening(early).strftime("%Y-%m-%d %H:%M") == "2026-11-23 09:00"


def test_working_days_skip_the_weekend():
    weekdays = ServiceHours(days=(1, 2, 3, 4, 5))
    saturday_noon = dt.datetime(2026, 11, 28, 4, 0, tzinfo=UTC)
    assert not weekdays.is_open(saturday_noon)
    assert weekdays.next_opening(saturday_noon).strftime("%a %H:%M") == "Mon 09:00"


def test_service_hours_can_be_widened_to_the_whole_day():
    always = HOURS.with_hours("00:00-24:00")
    assert always.is_open(dt.datetime(2026, 11, 23, 15, 59, tzinfo=UTC))
    assert HOURS.with_hours("") == HOURS


def test_the_wait_grows_with_the_queue_and_shrinks_with_agents():
    assert expected_wait_minutes(1, 1, [240, 360, 300]) == 5          # the median handle time
    assert expected_wait_minutes(3, 1, [300]) == 15
    assert expected_wait_minutes(3, 3, [300]) == 5
    assert expected_wait_minutes(2, 0, [], default_handle_minutes=6) == 12
    assert expected_wait_minutes(1, 4, [10]) == 1                      # never "0 minutes"


def test_availability_says_when_agents_are_back():
    closed = availability(HOURS, dt.datetime(2026, 11, 23, 15, 30, tzinfo=UTC), agents_online=2)
    assert not closed.can_queue and closed.back_at.hour == 9
    nobody = availability(HOURS, dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC), agents_online=0)
    assert not nobody.can_queue and nobody.back_at is None and nobody.open_now
    assert availability(HOURS, dt.datetime(2026, 11, 23, 2, 0, tzinfo=UTC), agents_online=1).can_queue
