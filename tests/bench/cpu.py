"""cpu.py - CPU time of a process tree, and of the machine, for benchmarks.

Wall-clock throughput on a shared machine moves by a factor of two from
one hour to the next; the CPU a piece of work costs moves much less, and
it is also what a user pays for. This module reads it from /proc:

  tree_cpu(pid)   user + system seconds of a server process, of its live
                  children, and of the children it has already reaped
                  (cutime + cstime). PostgreSQL's postmaster reaps the
                  backend of each connection that ended, so the delta of
                  tree_cpu(postmaster) over a round is every backend's,
                  the WAL writer's, the checkpointer's and the background
                  writer's CPU in that round; Dovecot's master likewise
                  for its imap processes.
  steal()         seconds of CPU the hypervisor gave to someone else
                  (the `steal` column of /proc/stat, all CPUs).
  run_cpu(argv)   runs a command to its end and returns its wall seconds,
                  user + system seconds (wait4's rusage) and stderr.
"""

import os
import subprocess
import tempfile
import threading
import time

HZ = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid):
    with open("/proc/%d/stat" % pid) as f:
        data = f.read()
    # The command name is in parentheses and may hold spaces.
    return data[data.rindex(")") + 2:].split()


def _children(pid):
    out = []
    try:
        tasks = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return out
    for tid in tasks:
        try:
            with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
                out += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def _own(pid, reaped):
    """utime + stime (+ cutime + cstime when reaped) of pid, in ticks."""
    try:
        f = _stat_fields(pid)
    except OSError:
        return 0
    # After the ")": state is field 3 of stat(5), so field n is f[n - 3].
    ticks = int(f[14 - 3]) + int(f[15 - 3])
    if reaped:
        ticks += int(f[16 - 3]) + int(f[17 - 3])
    return ticks


def tree_cpu(pid):
    """Seconds of CPU used so far by pid, its descendants alive now, and
    the descendants they reaped."""
    if not pid:
        return 0.0
    ticks, todo, seen = 0, [pid], set()
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        ticks += _own(p, True)
        todo += _children(p)
    return ticks / HZ


def steal():
    """Seconds of steal time reported by the machine, all CPUs."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu "):
                cols = line.split()
                return int(cols[8]) / HZ if len(cols) > 8 else 0.0
    return 0.0


def run_cpu(argv, timeout=600, env=None):
    """Run argv (stdout to /dev/null) to its end; return (wall seconds,
    cpu seconds of the process and what it reaped, its stderr as text).
    A non-zero exit raises RuntimeError. The wait blocks in wait4 (a
    timer kills the command at the timeout): a polling loop would add up
    to its sleep to every wall time."""
    errf = tempfile.TemporaryFile()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=errf, env=env)
    timer = threading.Timer(timeout, proc.kill)
    timer.start()
    try:
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    wall = time.perf_counter() - t0
    errf.seek(0)
    err = errf.read()
    errf.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode == -9 and wall >= timeout:
        raise RuntimeError("%s: timed out" % argv)
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d:\n%s" % (argv, proc.returncode,
                                                  err.decode(errors="replace")))
    return wall, ru.ru_utime + ru.ru_stime, err.decode(errors="replace")
