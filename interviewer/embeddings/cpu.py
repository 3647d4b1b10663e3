"""CPU feature detection, so a missing instruction set is a clear error instead of SIGILL."""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str] | None:
    """The CPU's feature flags, or None when this platform does not expose them."""
    try:
        text = cpuinfo.read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.split(":", 1)[1].split())
    return None


def missing_cpu_features(required: tuple[str, ...], cpuinfo: Path = Path("/proc/cpuinfo")) -> list[str]:
    """Which of ``required`` this CPU lacks (empty when all present or the CPU cannot be inspected on x86)."""
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return list(required)
    flags = cpu_flags(cpuinfo)
    if flags is None:
        return []
    return [f for f in required if f not in flags]
