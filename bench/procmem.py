"""Resident memory of a process and its descendants, from Linux's ``/proc``.

``VmRSS`` is what a process holds now, ``VmHWM`` the most it ever held (the kernel's
high-water mark), both in KiB in ``/proc/<pid>/status``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessMemory:
    """One process's resident memory in MiB."""

    pid: int
    name: str
    rss_mib: float
    peak_mib: float


def memory_of(pid: int) -> ProcessMemory | None:
    """VmRSS and VmHWM of ``pid``, or None if it is gone."""
    try:
        status = (PROC / str(pid) / "status").read_text()
    except OSError:
        return None
    fields: dict[str, str] = {}
    for line in status.splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    kib = lambda key: int(fields.get(key, "0 kB").split()[0])  # noqa: E731
    return ProcessMemory(pid, fields.get("Name", "?"), round(kib("VmRSS") / 1024, 1), round(kib("VmHWM") / 1024, 1))


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, parents first."""
    children: dict[int, list[int]] = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            # The command name is in parentheses and may hold spaces: the fields after it are fixed.
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(after_name[1]), []).append(int(stat.parent.name))
    tree, queue = [], [pid]
    while queue:
        current = queue.pop(0)
        tree.append(current)
        queue.extend(sorted(children.get(current, [])))
    return tree


def tree_memory(pid: int) -> list[ProcessMemory]:
    """Memory of ``pid`` and each of its descendants still alive."""
    return [m for m in (memory_of(p) for p in descendants(pid)) if m is not None]
