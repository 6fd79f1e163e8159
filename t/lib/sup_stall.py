#!/usr/bin/python3
"""sup_stall: a client that stops reading during large FETCHes must not
stop another session of the same user.

usage: sup_stall.py PORT USER PASS BIGFOLDER REPEATS [--hold FILE]

Session A logs in, selects BIGFOLDER and sends REPEATS times
FETCH 1:* BODY.PEEK[] in one write, then reads nothing.  After a second,
session B connects, logs in, selects INBOX (12 messages), fetches
1:12 (UID RFC822.SIZE) and NOOPs, each within the client timeout.  Then
"stalled" is printed; with --hold FILE, A stays stalled until FILE exists
(bounded).  Finally A reads everything and must find every tagged OK.
Prints "ok WHAT" / "bad WHAT: ..." lines; exit status 0 when all are ok.
"""
import os
import sys
import time

from sup_client import Closed, Session, Timeout, failures, report



def session_b(port, user, pw):
    s = Session(port, timeout=10.0)
    try:
        s.greeting()
        line, _ = s.run("a", "LOGIN %s %s" % (user, pw))
        if not line.startswith(b"a OK"):
            return "LOGIN -> %r" % line
        line, un = s.run("b", "SELECT INBOX")
        if not line.startswith(b"b OK") or b"* 12 EXISTS" not in un:
            return "SELECT -> %r" % line
        line, un = s.run("c", "FETCH 1:12 (UID RFC822.SIZE)")
        if not line.startswith(b"c OK") or len([l for l in un if b" FETCH (UID " in l]) != 12:
            return "FETCH -> %r" % line
        line, _ = s.run("d", "NOOP")
        if not line.startswith(b"d OK"):
            return "NOOP -> %r" % line
        s.run("e", "LOGOUT")
        return None
    except (Timeout, Closed) as e:
        return "%s after %r" % (type(e).__name__, e.args[0][-300:])
    finally:
        s.close()


def drain(a, repeats, timeout):
    """Read A to its last tagged answer; returns the tags seen OK."""
    want = {b"\r\nf%d OK" % k: k for k in range(1, repeats + 1)}
    seen = set()
    tail = bytes(a.buf[-64:])
    a.sock.settimeout(timeout)
    deadline = time.time() + timeout
    while len(seen) < repeats and time.time() < deadline:
        d = a.sock.recv(1 << 20)
        if not d:
            break
        w = tail + d
        for pat, k in want.items():
            if k not in seen and pat in w:
                seen.add(k)
        tail = w[-64:]
    return seen


def main():
    args = sys.argv[1:]
    hold = None
    if "--hold" in args:
        i = args.index("--hold")
        hold = args[i + 1]
        del args[i : i + 2]
    port, user, pw, big, repeats = int(args[0]), args[1], args[2], args[3], int(args[4])
    a = Session(port, timeout=10.0)
    a.greeting()
    line, _ = a.run("a", "LOGIN %s %s" % (user, pw))
    report("A login", None if line.startswith(b"a OK") else repr(line))
    line, _ = a.run("b", "SELECT %s" % big)
    report("A select", None if line.startswith(b"b OK") else repr(line))
    a.send(b"".join(b"f%d FETCH 1:* BODY.PEEK[]\r\n" % k for k in range(1, repeats + 1)))
    time.sleep(1.0)
    report("B served while A stalls", session_b(port, user, pw))
    print("stalled")
    sys.stdout.flush()
    if hold:
        deadline = time.time() + 20
        while not os.path.exists(hold) and time.time() < deadline:
            time.sleep(0.05)
    seen = drain(a, repeats, 60.0)
    report("A drained", None if len(seen) == repeats else "tagged OK for %s of %d" % (sorted(seen), repeats))
    a.close()
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
