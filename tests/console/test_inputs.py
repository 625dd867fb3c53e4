"""Times from callers: ISO 8601 or epoch seconds, never a crash."""
import datetime as dt

import pytest

from console.errors import ApiError
from console.inputs import checked_handoff_id, parse_time

UTC_NOON = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.timezone.utc).timestamp()


@pytest.mark.parametrize("value", [UTC_NOON, int(UTC_NOON), str(UTC_NOON), "2026-11-23T12:00:00Z",
                                   "2026-11-23T20:00:00+08:00", "2026-11-23T12:00:00", "2026-11-23 12:00"])
def test_times(value):
    assert parse_time(value, "t") == UTC_NOON


@pytest.mark.parametrize("value", [None, "", "tomorrow", True, [1], {"a": 1}, "nan", float("inf"), "2026-13-01"])
def test_bad_times_are_400(value):
    with pytest.raises(ApiError) as error:
        parse_time(value, "t")
    assert error.value.status == 400 and "'t'" in error.value.message


@pytest.mark.parametrize("value", ["", "a:b", "a b", "x" * 65, "../x"])
def test_impossible_ids_are_404(value):
    with pytest.raises(ApiError) as error:
        checked_handoff_id(value)
    assert error.value.status == 404
