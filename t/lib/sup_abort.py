#!/usr/bin/python3
"""sup_abort: clients that vanish in the middle of a large FETCH.

usage: sup_abort.py PORT USER PASS BIGFOLDER

Session B logs in and selects INBOX (12 messages) and stays.  Then, three
times, a session A logs in, selects BIGFOLDER, sends FETCH 1:* BODY.PEEK[]
and goes away mid-answer: after reading part of it (plain close), with a
TCP reset, and without reading anything.  After each, B must still get
NOOP and FETCH 1:12 (UID RFC822.SIZE) answered.  Finally a new session
must log in and be served.  Prints "ok WHAT" / "bad WHAT: ..." lines and
exits 0 when all are ok.
"""
import sys
import time

from sup_client import Closed, Session, Timeout, failures, report



def login(port, user, pw, folder):
    s = Session(port, timeout=10.0)
    s.greeting()
    line, _ = s.run("a", "LOGIN %s %s" % (user, pw))
    if not line.startswith(b"a OK"):
        raise RuntimeError("LOGIN -> %r" % line)
    line, _ = s.run("b", "SELECT %s" % folder)
    if not line.startswith(b"b OK"):
        raise RuntimeError("SELECT %s -> %r" % (folder, line))
    return s


def check_b(b, n):
    try:
        line, _ = b.run("n%d" % n, "NOOP")
        if not line.startswith(b"n%d OK" % n):
            return "NOOP -> %r" % line
        line, un = b.run("u%d" % n, "FETCH 1:12 (UID RFC822.SIZE)")
        fetches = [l for l in un if b" FETCH (UID " in l]
        if not line.startswith(b"u%d OK" % n) or len(fetches) != 12:
            return "FETCH -> %r with %d FETCH lines" % (line, len(fetches))
    except (Timeout, Closed, OSError) as e:
        return "%s: %r" % (type(e).__name__, e.args[0][-300:] if e.args else "")
    return None


def main():
    port, user, pw, big = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    b = login(port, user, pw, "INBOX")
    for n, how in enumerate(["partial-close", "partial-reset", "no-read-close"]):
        a = login(port, user, pw, big)
        a.cmd("f", "FETCH 1:* BODY.PEEK[]")
        if how.startswith("partial"):
            # Wait until the answer is flowing, then leave.
            a.wait(lambda: len(a.buf) > 300000)
            if a.has_tag("f"):
                report(how, "the FETCH was over before the client left; make the folder bigger")
                continue
        else:
            time.sleep(0.2)
        a.close(reset=how.endswith("reset"))
        time.sleep(0.3)
        report("B after " + how, check_b(b, n))
    try:
        c = login(port, user, pw, big)
        line, un = c.run("s", "FETCH * RFC822.SIZE")
        report("new session", None if line.startswith(b"s OK") and un else "FETCH -> %r" % line)
        c.close()
    except (RuntimeError, Timeout, Closed, OSError) as e:
        report("new session", repr(e)[:300])
    b.close()
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
