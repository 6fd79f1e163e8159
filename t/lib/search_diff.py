#!/usr/bin/python3
"""search_diff: run the same SEARCH queries against asimap and Dovecot,
which serve the same messages (t/lib/search_diff_gen.py) in the same
order, and compare the answers.

usage: search_diff.py [--folders ASIMAP_FOLDER DOVECOT_FOLDER]
                      [--deliver CMD EXISTS] ASIMAP_PORT DOVECOT_PORT QUERIES ALLOWED

asimap: user u1, password pw1; Dovecot: user u, password p
(t/lib/dovecot_start.sh); the folder is "search" on both unless --folders
names them.  Dovecot's folder is first selected once by another session,
so that no message is \\Recent there when the comparison starts (as for
asimap, which has no per-session \\Recent yet).  With --deliver, CMD (a
shell command) runs once both folders are selected, and both sessions
NOOP until they have EXISTS messages (at most 20 s): the messages CMD
delivered arrive during the sessions.

First both folders are checked to hold the same messages: FETCH 1:* (UID
FLAGS INTERNALDATE RFC822.SIZE) must be equal (\\Recent left out).  Then
every query of QUERIES is sent as "SEARCH <query>" and "UID SEARCH
<query>" to both.  A quoted string with 8-bit characters is sent as a
literal.  The answer is the tagged status (OK, NO, BAD) and, with OK, the
set of numbers (from "* SEARCH", or the items of "* ESEARCH" when the
query starts with RETURN).

QUERIES: one query a line; "#" lines and empty lines are skipped.  A query
whose (equal) answer is every message or none is TRIVIAL and fails, unless
the line starts with "=all " or "=none " saying that this is what it must
be; an error answer must be declared with "=NO " or "=BAD ".  For an
allowed difference (below) the marker is what asimap must answer.

ALLOWED: one "RELATION QUERY" a line ("#" comment lines): RELATION is
"asimap<dovecot" (asimap's set is a proper subset of Dovecot's),
"asimap>dovecot" (a proper superset), "status" (asimap answers NO or BAD
where Dovecot answers OK) or "differ"; the query must then differ in
exactly that way, and an allowed difference that does not occur is STALE
and fails.

Prints one line per query (SAME, ALLOWED, DIFF, TRIVIAL) and ends with
"search_diff: N queries, N passed, N failed (N allowed differences)";
exits 1 when something failed, 2 on a protocol error.
"""
import re
import socket
import subprocess
import sys
import time

TIMEOUT = 60


class Imap:
    def __init__(self, port, user, password):
        self.s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        self.f = self.s.makefile("rb")
        self.n = 0
        self.n_exists = -1
        greeting = self.f.readline()
        if not greeting.startswith(b"* OK"):
            raise RuntimeError("greeting %r" % greeting)
        status, _ = self.cmd(b"LOGIN " + user + b" " + password)
        if status != b"OK":
            raise RuntimeError("LOGIN failed on port %d" % port)

    def read_response(self):
        """One response, literals included."""
        cur = b""
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("connection closed")
            cur += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return cur
            cur += self.f.read(int(m.group(1)))

    def cmd(self, line):
        """Send a command (parts that are bytes; a list item ("lit", b)
        is sent as a synchronizing literal).  Returns (status, untagged)."""
        self.n += 1
        tag = b"t%d" % self.n
        parts = line if isinstance(line, list) else [line]
        out = tag + b" "
        untagged = []
        for p in parts:
            if isinstance(p, tuple):
                self.s.sendall(out + b"{%d}\r\n" % len(p[1]))
                while True:
                    r = self.read_response()
                    if r.startswith(b"+"):
                        break
                    if r.startswith(tag + b" "):
                        return r.split()[1], untagged
                    untagged.append(r)
                out = p[1]
            else:
                out += p
        self.s.sendall(out + b"\r\n")
        while True:
            r = self.read_response()
            if r.startswith(tag + b" "):
                return r.split()[1], untagged
            untagged.append(r)

    def exists(self):
        """NOOP; the last EXISTS seen so far."""
        for r in self.ok(b"NOOP"):
            m = re.match(rb"\* (\d+) EXISTS", r)
            if m:
                self.n_exists = int(m.group(1))
        return self.n_exists

    def ok(self, line):
        status, untagged = self.cmd(line)
        if status != b"OK":
            raise RuntimeError("%r: %s" % (line, status))
        return untagged


def command_parts(text):
    """The query as command parts: quoted strings with 8-bit characters
    become literals."""
    parts, i = [], 0
    raw = text.encode("utf-8")
    for m in re.finditer(rb'"((?:[^"\\]|\\.)*)"', raw):
        if all(b < 128 for b in m.group(1)):
            continue
        parts.append(raw[i:m.start()])
        parts.append(("lit", re.sub(rb"\\(.)", rb"\1", m.group(1))))
        i = m.end()
    parts.append(raw[i:])
    return parts


def parse_set(s):
    out = set()
    for r in s.split(b","):
        a, _, b = r.partition(b":")
        lo, hi = int(a), int(b or a)
        out.update(range(min(lo, hi), max(lo, hi) + 1))
    return out


def answer(imap, prefix, query):
    status, untagged = imap.cmd([prefix] + command_parts(query))
    if status != b"OK":
        return (status.decode(), None)
    nums = set()
    esearch = {}
    for r in untagged:
        m = re.match(rb"\* SEARCH((?: \d+)*) ?\r\n$", r)
        if m:
            nums.update(int(x) for x in m.group(1).split())
            continue
        m = re.match(rb"\* ESEARCH(?: \(TAG \"[^\"]*\"\))?(?: UID)?((?: [A-Z]+ [0-9:,]+)*)\r\n$", r)
        if m:
            items = m.group(1).split()
            for k in range(0, len(items), 2):
                key = items[k].decode()
                esearch[key] = parse_set(items[k + 1]) if key == "ALL" else int(items[k + 1])
    if query.upper().startswith("RETURN"):
        return ("OK", tuple(sorted((k, tuple(sorted(v)) if isinstance(v, set) else v)
                                   for k, v in esearch.items())))
    return ("OK", frozenset(nums))


def show(ans):
    status, v = ans
    if v is None:
        return status
    if isinstance(v, tuple):
        return " ".join("%s=%s" % (k, compress(x) if isinstance(x, tuple) else x) for k, x in v)
    return "%d: %s" % (len(v), compress(v))


def compress(nums):
    out, nums = [], sorted(nums)
    k = 0
    while k < len(nums):
        j = k
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        out.append(str(nums[k]) if j == k else "%d:%d" % (nums[k], nums[j]))
        k = j + 1
    return ",".join(out)


def relation(a, d):
    (sa, va), (sd, vd) = a, d
    if sa != "OK" and sd == "OK":
        return "status"
    if sa == "OK" and sd == "OK" and isinstance(va, frozenset):
        if va < vd:
            return "asimap<dovecot"
        if va > vd:
            return "asimap>dovecot"
    return "differ"


def load_queries(path):
    qs = []
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        expect = None
        m = re.match(r"=(all|none|NO|BAD) (.*)", line)
        if m:
            expect, line = m.group(1), m.group(2)
        qs.append((expect, line))
    return qs


def load_allowed(path):
    allowed = {}
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        rel, query = line.split(None, 1)
        if rel not in ("asimap<dovecot", "asimap>dovecot", "status", "differ"):
            raise RuntimeError("bad relation in allowed list: %r" % line)
        allowed[query] = [rel, 0]
    return allowed


def fetch_items(imap):
    """Message number -> (UID, flags without \\Recent, internal date, size)."""
    rows = {}
    for r in imap.ok(b"FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)"):
        m = re.match(rb"\* (\d+) FETCH \((.*)\)\r\n$", r)
        uid = m and re.search(rb"UID (\d+)", m.group(2))
        fl = m and re.search(rb"FLAGS \(([^)]*)\)", m.group(2))
        # date-day-fixed is " 1" or "01" (RFC 3501 9): the same day
        date = m and re.search(rb'INTERNALDATE "([^"]*)"', m.group(2))
        size = m and re.search(rb"RFC822.SIZE (\d+)", m.group(2))
        if not (uid and fl and date and size):
            continue  # an unsolicited FLAGS update, say
        flags = b" ".join(sorted(f for f in fl.group(1).split() if f != b"\\Recent"))
        rows[int(m.group(1))] = (uid.group(1), flags, date.group(1).strip().lstrip(b"0"),
                                 size.group(1))
    return rows


def same_messages(a, d):
    """The two folders hold the same messages with the same flags and dates."""
    ra, rd = fetch_items(a), fetch_items(d)
    if ra != rd:
        for k in sorted(set(ra) | set(rd)):
            if ra.get(k) != rd.get(k):
                print("SETUP message %d: asimap %r, dovecot %r" % (k, ra.get(k), rd.get(k)))
        raise RuntimeError("the two folders do not hold the same messages")
    return len(ra)


def check_expect(expect, ans, n):
    """None when asimap's answer ans is what the marker expect says."""
    status, v = ans
    if expect in ("NO", "BAD"):
        return None if status == expect else "expected %s" % expect
    if status != "OK":
        return "answers %s" % status
    if isinstance(v, frozenset):
        trivial = "none" if not v else "all" if len(v) == n else None
        if trivial != expect:
            return "matches %s" % (trivial or "some") if expect else \
                "matches %s messages" % trivial
    return None


def select(imap, folder):
    for r in imap.ok(b"SELECT " + folder):
        m = re.match(rb"\* (\d+) EXISTS", r)
        if m:
            imap.n_exists = int(m.group(1))


def deliver(cmd, want, a, d):
    """Run cmd; wait until both sessions see want messages with the same
    flags (a delivery may add the file and its flags in two steps)."""
    subprocess.run(cmd, shell=True, check=True)
    deadline = time.time() + 20
    while True:
        if a.exists() == want and d.exists() == want and \
                fetch_items(a) == fetch_items(d):
            return
        if time.time() > deadline:
            raise RuntimeError("after delivery: asimap EXISTS %d, dovecot EXISTS %d, want %d"
                               " (or their flags differ)" % (a.n_exists, d.n_exists, want))
        time.sleep(0.1)


def main():
    args = sys.argv[1:]
    afolder = dfolder = b"search"
    cmd = None
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--folders":
            afolder, dfolder = args.pop(0).encode(), args.pop(0).encode()
        elif opt == "--deliver":
            cmd, want = args.pop(0), int(args.pop(0))
        else:
            raise RuntimeError("unknown option %s" % opt)
    aport, dport, qpath, apath = int(args[0]), int(args[1]), args[2], args[3]
    queries, allowed = load_queries(qpath), load_allowed(apath)
    # A first session takes Dovecot's \Recent away, as a previous session
    # would have on asimap's side.
    prime = Imap(dport, b"u", b"p")
    prime.ok(b"SELECT " + dfolder)
    prime.ok(b"LOGOUT")
    a = Imap(aport, b"u1", b"pw1")
    d = Imap(dport, b"u", b"p")
    select(a, afolder)
    select(d, dfolder)
    if cmd:
        deliver(cmd, want, a, d)
    n = same_messages(a, d)
    print("setup: %d messages with the same UIDs, flags, internal dates and sizes" % n)
    passed = failed = nallowed = 0
    for expect, q in queries:
        for prefix in (b"SEARCH ", b"UID SEARCH "):
            label = prefix.decode() + q
            ra, rd = answer(a, prefix, q), answer(d, prefix, q)
            if ra == rd:
                bad = check_expect(expect, ra, n)
                if bad:
                    failed += 1
                    print("TRIVIAL %s: %s (%s)" % (label, bad, show(ra)))
                else:
                    passed += 1
                    print("SAME %s -> %s" % (label, show(ra)))
                continue
            rel = relation(ra, rd)
            al = allowed.get(q)
            bad = check_expect(expect, ra, n) if expect else None
            if al and al[0] == rel and not bad:
                al[1] += 1
                passed += 1
                nallowed += 1
                print("ALLOWED %s (%s)\n  asimap:  %s\n  dovecot: %s" % (label, rel, show(ra),
                                                                        show(rd)))
            else:
                failed += 1
                print("DIFF %s (%s%s)\n  asimap:  %s\n  dovecot: %s"
                      % (label, rel, ", asimap " + bad if bad else "", show(ra), show(rd)))
    for q, (rel, seen) in allowed.items():
        if not seen:
            failed += 1
            print("STALE allowed difference that did not occur: %s %s" % (rel, q))
    a.ok(b"LOGOUT")
    d.ok(b"LOGOUT")
    print("search_diff: %d queries, %d passed, %d failed (%d allowed differences)"
          % (len(queries), passed, failed, nallowed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, ValueError) as e:
        print("search_diff: error: %s" % e)
        sys.exit(2)
