"""The supervisor restarts real child processes that die, with backoff, and gives up on a crash loop."""
import os
import signal
import sys
import time

import pytest

from bot.ops.stack import Service
from bot.ops.supervisor import CrashLoop, RestartPolicy, Supervisor

SLEEPER = [sys.executable, "-c", "import time; time.sleep(60)"]
CRASHER = [sys.executable, "-c", "import sys; sys.exit(3)"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def started(tmp_path, command, name="worker") -> Service:
    service = Service(name=name, command=command, health_url="http://127.0.0.1:9/unused", log_path=tmp_path / f"{name}.log")
    service.start(dict(os.environ), tmp_path)
    return service


def wait_exit(service: Service) -> int:
    assert service.process is not None
    return service.process.wait(10)


def test_a_killed_child_is_restarted_after_its_delay(tmp_path):
    service = started(tmp_path, SLEEPER)
    clock = Clock()
    supervisor = Supervisor([service], RestartPolicy(first_delay=1.0), clock)
    try:
        first_pid = service.process.pid
        supervisor.check()
        assert supervisor.down() == [] and supervisor.restarts["worker"] == 0
        os.killpg(first_pid, signal.SIGKILL)
        assert wait_exit(service) == -signal.SIGKILL
        supervisor.check()  # noticed: the restart waits for its delay
        assert supervisor.down() == ["worker"] and supervisor.restarts["worker"] == 0
        clock.now += 1.0
        supervisor.check()
        assert supervisor.restarts["worker"] == 1
        assert service.process.pid != first_pid and service.exit_code() is None
    finally:
        service.stop()


def test_backoff_doubles_and_a_crash_loop_gives_up(tmp_path):
    service = started(tmp_path, CRASHER)
    clock = Clock()
    policy = RestartPolicy(first_delay=1.0, max_delay=4.0, max_crashes=4, window_seconds=60.0)
    supervisor = Supervisor([service], policy, clock)
    delays = []
    with pytest.raises(CrashLoop, match="worker crashed 4 times"):
        for _ in range(10):
            wait_exit(service)
            supervisor.check()  # notices the crash and schedules the restart
            before = clock.now
            while supervisor.restarts["worker"] == len(delays):
                clock.now += 0.5
                supervisor.check()
            delays.append(clock.now - before)
    assert delays == [1.0, 2.0, 4.0]
    assert [policy.delay(n) for n in (1, 2, 3, 4, 5)] == [1.0, 2.0, 4.0, 4.0, 4.0]


def test_crashes_outside_the_window_are_forgiven(tmp_path):
    service = started(tmp_path, CRASHER)
    clock = Clock()
    supervisor = Supervisor([service], RestartPolicy(first_delay=0.0, max_crashes=2, window_seconds=10.0), clock)
    for _ in range(4):
        wait_exit(service)
        supervisor.check()  # crash, restart at once (no delay)
        clock.now += 11.0  # the next crash comes after the window
    assert supervisor.restarts["worker"] == 4


def test_a_killed_embedded_redis_is_restarted_with_its_data(embedded_redis, redis_client):
    from bot.ops.stack import _RedisChild

    redis_client.set("cs:probe", "kept")
    redis_client.execute_command("BGREWRITEAOF")
    time.sleep(0.5)
    child = _RedisChild(embedded_redis)
    clock = Clock()
    supervisor = Supervisor([child], RestartPolicy(first_delay=0.0), clock)
    os.kill(embedded_redis._process.pid, signal.SIGKILL)
    embedded_redis._process.wait(10)
    supervisor.check()
    assert supervisor.restarts["embedded Redis"] == 1 and child.exit_code() is None
    assert redis_client.get("cs:probe") == "kept"
