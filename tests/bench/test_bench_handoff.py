"""The handoff benchmark's statistics."""
from bench.handoff import percentile, summary


def test_percentiles_by_nearest_rank():
    values = [i / 1000 for i in range(1, 101)]  # 1 ms … 100 ms
    assert percentile(values, 50) == 0.050
    assert percentile(values, 99) == 0.099
    assert percentile([0.2], 99) == 0.2
    figures = summary(values)
    assert (figures["runs"], figures["p50_ms"], figures["p99_ms"], figures["max_ms"]) == (100, 50.0, 99.0, 100.0)
