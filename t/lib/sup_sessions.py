#!/usr/bin/python3
"""sup_sessions: N concurrent sessions of one user.

usage: sup_sessions.py PORT USER PASS N [--hold FILE] [--timeout S]

Opens N connections and waits for every greeting, then sends LOGIN on all
of them back to back (so the logins race), then SELECT INBOX, then
FETCH 1 UID, each time waiting for every answer at once.  Prints one line
per session that did not get what it should ("bad N: ...") and then
"answered K/N".  With --hold FILE it then keeps every session open until
FILE exists (bounded by the timeout), and finally sends NOOP and LOGOUT on
every session and prints "alive K/N".  Exit status 0 when every session
got every answer.
"""
import os
import sys
import time

from sup_client import Session, greet_all, run_all


def main():
    args = sys.argv[1:]
    hold, timeout = None, 20.0
    while "--hold" in args:
        i = args.index("--hold")
        hold = args[i + 1]
        del args[i : i + 2]
    while "--timeout" in args:
        i = args.index("--timeout")
        timeout = float(args[i + 1])
        del args[i : i + 2]
    port, user, pw, n = int(args[0]), args[1], args[2], int(args[3])
    ss = [Session(port, timeout=timeout) for _ in range(n)]
    bad = set()
    for i, g in enumerate(greet_all(ss, timeout)):
        if not g or not g.startswith(b"* OK"):
            print("bad %d: greeting %r" % (i, g))
            bad.add(i)
    steps = [
        ("a", "LOGIN %s %s" % (user, pw), b"a OK", None),
        ("b", "SELECT INBOX", b"b OK", b"* 12 EXISTS"),
        ("c", "FETCH 1 UID", b"c OK", b"* 1 FETCH (UID 1)"),
    ]
    for tag, text, want, untagged in steps:
        live = [s for i, s in enumerate(ss) if i not in bad]
        got = run_all(live, tag, text, timeout)
        for s, line in zip(live, got):
            i = ss.index(s)
            if not line or not line.startswith(want):
                print("bad %d: %s -> %r" % (i, text, line))
                bad.add(i)
            elif untagged and untagged not in s.lines():
                print("bad %d: %s without %r" % (i, text, untagged))
                bad.add(i)
    print("answered %d/%d" % (n - len(bad), n))
    sys.stdout.flush()
    if hold:
        deadline = time.time() + timeout
        while not os.path.exists(hold) and time.time() < deadline:
            time.sleep(0.05)
        live = [s for i, s in enumerate(ss) if i not in bad]
        got = run_all(live, "d", "NOOP", timeout)
        ok = [s for s, l in zip(live, got) if l and l.startswith(b"d OK")]
        got = run_all(ok, "e", "LOGOUT", timeout)
        ok = [s for s, l in zip(ok, got) if l and l.startswith(b"e OK") and b"* BYE Logging out" in s.lines()]
        print("alive %d/%d" % (len(ok), n))
        if len(ok) != n:
            bad.add(-1)
    for s in ss:
        s.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
