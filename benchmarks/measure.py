"""One child process, timed, with its peak memory.

The peak is the child's maximum resident set size from `wait4`, and Linux carries that figure
across fork and exec: a child forked from a benchmark that has just generated a million-row list
in memory reports the benchmark's own peak if it never grows past it (a `true` forked from a
400 MiB Python process reports 400 MiB). So the command is started by a fresh, small Python
process, which times it and reads its `wait4` figures, and passes them back in a file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

_STARTER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump([seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)], out)
"""


def measured(
    command: list[str], *, stdin: IO[Any] | None = None, quiet_stderr: bool = False
) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit status of `command` (its output discarded)."""
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures.json"
        subprocess.run(
            [sys.executable, "-c", _STARTER, str(figures), *command],
            stdin=stdin,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL if quiet_stderr else None,
            check=False,
            env=os.environ,
        )
        seconds, peak, code = json.loads(figures.read_text())
    return float(seconds), float(peak), int(code)
