"""One child process, timed, with its peak memory.

The peak is the child's maximum resident set size from `wait4`, and Linux carries that figure
across fork and exec: a child forked from a benchmark that has just generated a million-row list
in memory reports the benchmark's own peak if it never grows past it (a `true` forked from a
400 MiB Python process reports 400 MiB). So the command is started by a fresh, small Python
process, which times it and reads its `wait4` figures, and passes them back in a file.

A command that starts processes of its own (the import's workers) is measured whole too: the
starter samples its process tree every 0.1 s and keeps the largest sum of their proportional set
sizes (PSS: a page that several processes share counts once, in shares).
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
import json, os, subprocess, sys, threading, time

def tree(root):
    children = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found

def pss(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

peak, done = [0], threading.Event()

def sample(pid):
    while not done.wait(0.1):
        peak[0] = max(peak[0], sum(pss(p) for p in tree(pid)))

start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
sampler = threading.Thread(target=sample, args=(child.pid,), daemon=True)
sampler.start()
_, status, usage = os.wait4(child.pid, 0)
seconds = time.perf_counter() - start
done.set()
sampler.join()
with open(sys.argv[1], "w") as out:
    json.dump([seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status),
               peak[0] / 1024], out)
"""


def measured(
    command: list[str], *, stdin: IO[Any] | None = None, quiet_stderr: bool = False
) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB and exit status of `command` (its output discarded)."""
    seconds, peak, code, _ = measured_tree(command, stdin=stdin, quiet_stderr=quiet_stderr)
    return seconds, peak, code


def measured_tree(
    command: list[str],
    *,
    stdin: IO[Any] | None = None,
    quiet_stderr: bool = False,
    stderr_on_failure: bool = False,
) -> tuple[float, float, int, float]:
    """`measured`, and the peak of the command's process tree (sum of PSS, in MiB). With
    `stderr_on_failure`, the command's stderr is shown only if it fails (an import's hints
    would otherwise interleave with the benchmark's table)."""
    with tempfile.TemporaryDirectory() as folder:
        figures = Path(folder) / "figures.json"
        held = Path(folder) / "stderr.txt"
        with held.open("w") as errors:
            quiet = quiet_stderr or stderr_on_failure
            subprocess.run(
                [sys.executable, "-c", _STARTER, str(figures), *command],
                stdin=stdin,
                stdout=subprocess.DEVNULL,
                stderr=errors if quiet else None,
                check=False,
                env=os.environ,
            )
        seconds, peak, code, tree = json.loads(figures.read_text())
        if code != 0 and stderr_on_failure:
            sys.stderr.write(held.read_text())
    return float(seconds), float(peak), int(code), float(tree)
