#!/usr/bin/python3
"""sec_burst: the same LOGIN on N connections at the same instant.

usage: sec_burst.py PORT N USER PASS

Opens N connections, waits for every greeting, then sends "a LOGIN USER
PASS" on all of them back to back and waits (up to 30 s) for every tagged
answer.  Prints each answer, one a line ("none" when a connection gave
none).  Exit status 0 when every connection answered.
"""
import sys

from sup_client import Session, greet_all, run_all


def main():
    port, n, user, pw = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ss = [Session(port, timeout=30.0) for _ in range(n)]
    greet_all(ss, 30.0)
    got = run_all(ss, "a", "LOGIN %s %s" % (user, pw), 30.0)
    for line in got:
        print(line.decode("latin-1") if line else "none")
    for s in ss:
        s.close()
    return 0 if all(got) else 1


if __name__ == "__main__":
    sys.exit(main())
