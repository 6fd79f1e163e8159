#!/usr/bin/python3
"""sup_idle_race: logins at moments around a supervisor's idle deadline.

usage: sup_idle_race.py PORT USER PASS EXISTS DELAY...

For each DELAY (seconds): connect, LOGIN, SELECT INBOX (which must report
EXISTS messages), FETCH 1 UID, LOGOUT, then sleep DELAY before the next
round, so that the next login lands at that distance after the last
session ended.  Prints "round I DELAY: ok" or "round I DELAY: bad ..."
and at the end "ok K/N".  Exit status 0 when every round was ok.
"""
import sys
import time

from sup_client import Closed, Session, Timeout


def one(port, user, pw, exists):
    s = Session(port, timeout=10.0)
    try:
        g = s.greeting()
        if not g.startswith(b"* OK"):
            return "greeting %r" % g
        line, _ = s.run("a", "LOGIN %s %s" % (user, pw))
        if not line.startswith(b"a OK"):
            return "LOGIN -> %r" % line
        line, un = s.run("b", "SELECT INBOX")
        if not line.startswith(b"b OK") or ("* %d EXISTS" % exists).encode() not in un:
            return "SELECT -> %r %r" % (line, un)
        line, un = s.run("c", "FETCH 1 UID")
        if not line.startswith(b"c OK") or b"* 1 FETCH (UID 1)" not in un:
            return "FETCH -> %r %r" % (line, un)
        line, _ = s.run("d", "LOGOUT")
        if not line.startswith(b"d OK"):
            return "LOGOUT -> %r" % line
        return None
    except (Timeout, Closed) as e:
        return "%s after %r" % (type(e).__name__, e.args[0][-300:])
    except OSError as e:
        return "error %s" % e
    finally:
        s.close()


def main():
    port, user, pw, exists = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
    delays = [float(d) for d in sys.argv[5:]]
    ok = 0
    for i, d in enumerate(delays):
        why = one(port, user, pw, exists)
        if why:
            print("round %d %.2f: bad %s" % (i, d, why))
        else:
            print("round %d %.2f: ok" % (i, d))
            ok += 1
        sys.stdout.flush()
        time.sleep(d)
    # The last delay is followed by one more login.
    why = one(port, user, pw, exists)
    print("round %d final: %s" % (len(delays), "bad " + why if why else "ok"))
    ok += why is None
    print("ok %d/%d" % (ok, len(delays) + 1))
    return 0 if ok == len(delays) + 1 else 1


if __name__ == "__main__":
    sys.exit(main())
