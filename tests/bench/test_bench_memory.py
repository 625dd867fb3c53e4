"""The memory bench's readings: /proc, process trees, the timeline, the texts it sends."""
import os
import subprocess
import sys

from bench.memory import Sampler
from bench.procmem import descendants, memory_of, tree_memory
from bench.texts import held_out_questions


def test_a_process_and_its_child_are_read_from_proc():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        assert child.pid in descendants(os.getpid())
        tree = tree_memory(os.getpid())
        assert next(m.pid for m in tree) == os.getpid()
        mine = memory_of(os.getpid())
        assert mine is not None and 0 < mine.rss_mib <= mine.peak_mib
    finally:
        child.kill()
        child.wait()
    assert memory_of(child.pid) is None


def test_the_timeline_is_thinned_to_about_ten_points_ending_with_the_last():
    sampler = Sampler({}, interval=1.0)
    sampler.timeline = [{"s": float(n)} for n in range(95)]
    points = sampler.thinned()
    assert 9 <= len(points) <= 11
    assert points[-1] == {"s": 94.0}


def test_the_held_out_questions_are_many_and_distinct():
    for language, at_least in (("zh", 100), ("en", 60)):
        questions = held_out_questions(language)
        assert len(questions) >= at_least
        assert len(set(questions)) == len(questions)
