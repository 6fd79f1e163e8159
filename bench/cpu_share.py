#!/usr/bin/python3
"""bench/cpu_share.py: run a benchmark and say how busy the machine was.

    bench/cpu_share.py COMMAND [ARG...]

Runs COMMAND (its output passes through), then prints one line: the CPUs
that COMMAND and the processes it waited for used on average, and the CPUs
that everything else on the machine used meanwhile (all busy time from
/proc/stat, less ours).  A benchmark's figures are only worth comparing
when the second number is near 0.  Exits with COMMAND's status.
"""
import os
import resource
import subprocess
import sys
import time

BUSY_OTHERS_CPUS = 0.25


def busy_seconds():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)  # idle + iowait
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def ours():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 100
    b0, o0, t0 = busy_seconds(), ours(), time.monotonic()
    rc = subprocess.call(argv[1:])
    wall = time.monotonic() - t0
    mine = (ours() - o0) / wall
    others = max(0.0, (busy_seconds() - b0) / wall - mine)
    note = ""
    if others > BUSY_OTHERS_CPUS:
        note = " (a busy machine: these figures are slower and noisier than an idle one's)"
    print()
    print("CPU over %.0f s: this benchmark %.2f of %d CPUs, other processes %.2f%s." %
          (wall, mine, os.cpu_count(), others, note))
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
