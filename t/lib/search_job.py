#!/usr/bin/python3
"""search_job: a long SEARCH in one session must not hold up the other
sessions of the same user (t/search_job.bats).

usage: search_job.py MODE PORT USER PASS FOLDER EXPECT [DIR]

EXPECT is the output of search_job_gen.py ("body N ..." and "text N ...").

latency     A quiet session times SEARCH BODY alone (the reference answer).
            Then session A sends SEARCH BODY and, while it runs, session B
            of the same user sends NOOP and FETCH, one after the other,
            timing each answer.  A's answer must equal the quiet one and
            EXPECT's, B must have been answered at least 5 times and its
            slowest answer must take less than a quarter of A's search.
            Then A runs SEARCH RETURN (COUNT SAVE) TEXT and UID SEARCH $
            while B keeps going: the ESEARCH and SEARCHRES paths.
mutate      A sends UID SEARCH BODY; meanwhile B marks the last two
            matching messages \\Deleted and expunges them, and a new
            matching message is written into DIR as nmh would.  A's
            answer lacks the expunged and the new message and has every
            other match, with no EXPUNGE or EXISTS before it; A's NOOP
            then tells of both, and a search finds the new message.
fetchmeta   A fetches the BODYSTRUCTURE of every message of FOLDER, big
            messages no cache knows yet (each is read whole for it), while
            B is timed as in latency: B's slowest answer must take less
            than a quarter of A's FETCH.  (EXPECT is not used.)
disconnect  A pipelines four SEARCH TEXT commands and closes; A2 sends one
            and resets the connection.  Prints "closed" when both are
            gone; the caller then checks the supervisor stopped working.
            B must still be answered promptly.

Prints "ok WHAT" / "bad WHAT: ..." lines and "time WHAT S" lines; the exit
status is 0 when all are ok.
"""
import os
import re
import sys
import threading
import time

from sup_client import Closed, Session, Timeout, failures, report

NEEDLE = "zebracorn"
# Words no message has: each one more pass over every decoded body, so
# that the search takes long without a huge folder.
DECOYS = int(os.environ.get("SEARCH_JOB_DECOYS", "200"))
tags = 0


def body_key(key="BODY"):
    """key NEEDLE, ORed with DECOYS keys that match nothing (as a balanced
    tree: SEARCH_DEPTH_MAX bounds the nesting)."""
    keys = ["%s %s" % (key, "qx%dvj%dwz" % (k, k * 7)) for k in range(DECOYS)]
    keys.insert(len(keys) // 2, "%s %s" % (key, NEEDLE))

    def tree(ks):
        if len(ks) == 1:
            return ks[0]
        m = len(ks) // 2
        return "OR (%s) (%s)" % (tree(ks[:m]), tree(ks[m:]))

    return tree(keys)


def note(what, secs):
    print("time %s %.3f" % (what, secs))
    sys.stdout.flush()


def login(port, user, pw, folder, timeout=60.0):
    s = Session(port, timeout=timeout)
    s.greeting()
    line, _ = s.run("a", "LOGIN %s %s" % (user, pw))
    if not line.startswith(b"a OK"):
        raise SystemExit("bad login: %r" % line)
    line, un = s.run("b", "SELECT %s" % folder)
    if not line.startswith(b"b OK"):
        raise SystemExit("bad select: %r" % line)
    s.exists = next(int(l.split()[1]) for l in un if l.endswith(b" EXISTS"))
    return s


def numbers(untagged, word=b"SEARCH"):
    """The numbers of the "* SEARCH" line among untagged lines."""
    for l in untagged:
        if l.startswith(b"* " + word):
            return [int(x) for x in l.split()[2:]]
    return None


class Background:
    """Send one command on s and wait for its answer in a thread."""

    def __init__(self, s, tag, text):
        self.s, self.tag = s, tag
        self.start_at = len(s.buf)
        self.error = None
        self.t0 = time.monotonic()
        s.cmd(tag, text)
        self.th = threading.Thread(target=self.run)
        self.th.start()

    def run(self):
        try:
            self.line = self.s.wait_tag(self.tag)
        except (Timeout, Closed) as e:
            self.error = "%s after %r" % (type(e).__name__, e.args[0][-300:])
        self.secs = time.monotonic() - self.t0

    def done(self):
        return not self.th.is_alive()

    def join(self):
        self.th.join()
        got = bytes(self.s.buf[self.start_at :]).split(b"\r\n")
        return [l for l in got if l.startswith(b"* ")]


def hammer(b, bg, what):
    """B's NOOP and FETCH, one at a time, until bg is done; returns the
    latencies."""
    global tags
    lat = []
    while not bg.done():
        tags += 1
        k = tags
        tag = "n%d" % k
        text = "NOOP" if k % 2 else "FETCH 1:3 (UID FLAGS)"
        t0 = time.monotonic()
        line, un = b.run(tag, text)
        lat.append(time.monotonic() - t0)
        if not line.startswith(tag.encode() + b" OK"):
            report(what, "B %s -> %r" % (text, line))
            break
        if k % 2 == 0 and len([l for l in un if b" FETCH (UID " in l]) != 3:
            report(what, "B FETCH answered %r" % un)
            break
    return lat


def check_latency(what, bg, lat):
    worst = max(lat) if lat else 0.0
    note("%s A" % what, bg.secs)
    note("%s B worst" % what, worst)
    if lat:
        note("%s B median" % what, sorted(lat)[len(lat) // 2])
    print("count %s B %d" % (what, len(lat)))
    report(
        "%s: B answered %d times while A searched" % (what, len(lat)),
        None if len(lat) >= 5 else "only %d" % len(lat),
    )
    report(
        "%s: B's slowest answer under a quarter of A's search" % what,
        None if worst < 0.25 * bg.secs else "%.3f s of %.3f s" % (worst, bg.secs),
    )


def latency(port, user, pw, folder, expect):
    q = login(port, user, pw, folder)
    t0 = time.monotonic()
    line, un = q.run("q", "SEARCH " + body_key())
    quiet = time.monotonic() - t0
    note("quiet SEARCH BODY", quiet)
    ref = numbers(un)
    report("quiet SEARCH BODY", None if line.startswith(b"q OK") and ref == expect["body"] else "%r %r" % (line, ref))
    report("the search takes long enough to measure", None if quiet >= 0.4 else "%.3f s" % quiet)
    q.run("z", "LOGOUT")
    q.close()

    a = login(port, user, pw, folder)
    b = login(port, user, pw, folder, timeout=30.0)
    bg = Background(a, "s1", "SEARCH " + body_key())
    lat = hammer(b, bg, "SEARCH BODY")
    un = bg.join()
    report("A's SEARCH BODY", bg.error or (None if bg.line.startswith(b"s1 OK SEARCH completed") else repr(bg.line)))
    got = numbers(un)
    report("A's answer is the quiet one", None if got == ref else "%r" % got)
    check_latency("SEARCH BODY", bg, lat)

    # ESEARCH with SAVE, then "$": the job writes and saves as before.
    text = expect["text"]
    bg = Background(a, "s2", "SEARCH RETURN (COUNT SAVE) " + body_key("TEXT"))
    lat = hammer(b, bg, "SEARCH TEXT")
    un = bg.join()
    want = b'* ESEARCH (TAG "s2") COUNT %d' % len(text)
    report("A's ESEARCH COUNT", bg.error or (None if want in un else "%r" % un))
    check_latency("SEARCH TEXT", bg, lat)
    line, un = a.run("s3", "UID SEARCH $")
    got = numbers(un)
    uids = fetch_uids(a, text)
    report("UID SEARCH $ gives the saved TEXT matches", None if got == uids else "%r, want %r" % (got, uids))
    for s in (a, b):
        s.run("z", "LOGOUT")
        s.close()


def fetchmeta(port, user, pw, folder):
    a = login(port, user, pw, folder)
    b = login(port, user, pw, folder, timeout=30.0)
    bg = Background(a, "f1", "FETCH 1:* (BODYSTRUCTURE)")
    lat = hammer(b, bg, "FETCH BODYSTRUCTURE")
    un = bg.join()
    got = len([l for l in un if b" FETCH (BODYSTRUCTURE (" in l])
    report("A's FETCH", bg.error or (None if bg.line.startswith(b"f1 OK") and got == a.exists else "%r, %d answers of %d" % (bg.line, got, a.exists)))
    report("the FETCH takes long enough to measure", None if bg.secs >= 0.3 else "%.3f s" % bg.secs)
    check_latency("FETCH BODYSTRUCTURE", bg, lat)
    for s in (a, b):
        s.run("z", "LOGOUT")
        s.close()


def fetch_uids(s, seqs):
    if not seqs:
        return []
    line, un = s.run("f", "FETCH %s (UID)" % ",".join(map(str, seqs)))
    return sorted(int(re.search(rb"UID (\d+)", l).group(1)) for l in un if b" FETCH " in l)


def mutate(port, user, pw, folder, expect, d):
    a = login(port, user, pw, folder)
    b = login(port, user, pw, folder, timeout=30.0)
    body = expect["body"]
    uids = fetch_uids(a, body)
    n = a.exists
    gone = uids[-2:]
    bg = Background(a, "s1", "UID SEARCH " + body_key())
    t0 = time.monotonic()
    line, _ = b.run("d1", "UID STORE %s +FLAGS.SILENT (\\Deleted)" % ",".join(map(str, gone)))
    line2, un = b.run("d2", "UID EXPUNGE %s" % ",".join(map(str, gone)))
    report(
        "B expunges while A searches",
        None if line.startswith(b"d1 OK") and line2.startswith(b"d2 OK") and len([l for l in un if l.endswith(b" EXPUNGE")]) == 2 else "%r %r %r" % (line, line2, un),
    )
    # A message delivered as nmh does: a new numbered file.
    new = n + 1
    while os.path.exists(os.path.join(d, str(new))):
        new += 1
    tmp = os.path.join(d, ",new")
    with open(tmp, "w") as f:
        f.write("From: late@example.org\nSubject: late\n\nA late %s.\n" % NEEDLE)
    os.rename(tmp, os.path.join(d, str(new)))
    line, un = b.run("d3", "NOOP")
    report("B sees the new message", None if any(l.endswith(b" EXISTS") for l in un) else "%r" % un)
    early = time.monotonic() - t0
    lat = hammer(b, bg, "mutate")
    un = bg.join()
    note("mutate B's changes done after", early)
    note("mutate A", bg.secs)
    report("the changes came before A's search ended", None if early < 0.5 * bg.secs else "%.3f of %.3f s" % (early, bg.secs))
    report("A's UID SEARCH", bg.error or (None if bg.line.startswith(b"s1 OK UID SEARCH completed") else repr(bg.line)))
    report("no EXPUNGE or EXISTS during A's SEARCH", None if not [l for l in un if l.endswith((b" EXPUNGE", b" EXISTS"))] else "%r" % un)
    got = numbers(un)
    report("A's answer lacks the expunged and the new message", None if got == uids[:-2] else "%r, want %r" % (got, uids[:-2]))
    line, un = a.run("s2", "NOOP")
    exp = [l for l in un if l.endswith(b" EXPUNGE")]
    report("A's NOOP tells of both changes", None if len(exp) == 2 and (b"* %d EXISTS" % (n - 1)) in un else "%r" % un)
    line, un = a.run("s3", "UID SEARCH UID %d:* BODY %s" % (uids[-1] + 1, NEEDLE))
    got = numbers(un)
    report("the new message is found after", None if got and len(got) == 1 and got[0] > uids[-1] else "%r %r" % (line, un))
    for s in (a, b):
        s.run("z", "LOGOUT")
        s.close()


def disconnect(port, user, pw, folder, expect):
    a = login(port, user, pw, folder)
    a2 = login(port, user, pw, folder)
    b = login(port, user, pw, folder, timeout=30.0)
    a.send("".join("s%d SEARCH %s\r\n" % (k, body_key("TEXT")) for k in range(1, 5)))
    a2.cmd("s1", "SEARCH " + body_key())
    time.sleep(0.2)
    a.close()
    a2.close(reset=True)
    print("closed")
    sys.stdout.flush()
    worst = 0.0
    for k in range(1, 11):
        t0 = time.monotonic()
        line, _ = b.run("n%d" % k, "NOOP")
        worst = max(worst, time.monotonic() - t0)
        if not line.startswith(b"n%d OK" % k):
            report("B after the disconnects", repr(line))
            break
    note("disconnect B worst", worst)
    report("B answered after the disconnects", None if worst < 1.0 else "%.3f s" % worst)
    # Keep B until the caller has looked at the supervisor.
    sys.stdin.readline()
    line, _ = b.run("z", "LOGOUT")
    report("B logs out", None if line.startswith(b"z OK") else repr(line))
    b.close()


def main():
    mode, port, user, pw, folder, expfile = sys.argv[1:7]
    expect = {}
    for l in open(expfile):
        w = l.split()
        expect[w[0]] = [int(x) for x in w[1:]]
    port = int(port)
    try:
        if mode == "latency":
            latency(port, user, pw, folder, expect)
        elif mode == "mutate":
            mutate(port, user, pw, folder, expect, sys.argv[7])
        elif mode == "fetchmeta":
            fetchmeta(port, user, pw, folder)
        elif mode == "disconnect":
            disconnect(port, user, pw, folder, expect)
    except (Timeout, Closed) as e:
        report(mode, "%s after %r" % (type(e).__name__, e.args[0][-300:]))
    return 1 if failures() else 0


if __name__ == "__main__":
    sys.exit(main())
