#!/usr/bin/python3
"""bench/mail.py: asimap next to Dovecot on one large folder.

    mail.py --manifest FILE --user U --password PW
            --asimap-port P --asimap-world DIR --asimap-folder DIR
            --dovecot-port P --dovecot-dir DIR --maildir DIR
            [--runs R] [--seconds S] [--sessions K] [--drop-caches] [--renice]
            [--timeout S] [--only store,imap,mixed]

bench/mail.sh sets the world up and runs this; see bench/README.md.  Both
servers serve the same generated messages (bench/gen_mail.py): asimap the
MH folder inbox (its mail root holds work, a copy for the mixed
workload), Dovecot the Maildir INBOX (and .work).  Every figure is taken
with a raw-socket client on 127.0.0.1, plain TCP, reading whole responses;
a command's time runs from sending it to its tagged OK.  The two servers
take turns, line by line, so a change in the machine's load hits both.

1. store: SELECT INBOX, UID FETCH 1:* (UID FLAGS) and FETCH 1:* (UID
   RFC822.SIZE INTERNALDATE ENVELOPE), in one session, in three
   conditions: (a) the first open ever (asimap: no supervisor, no
   .asimap-* files in the folder; Dovecot: restarted without its index
   files), (b) a reopen by a fresh server (asimap: the supervisor
   stopped, state and cache on disk; Dovecot restarted, indexes on disk),
   (c) a reopen in the running server (a new connection).  Also VmRSS of
   asimap's supervisor and of Dovecot's imap process after the FETCHes.
   R rounds of (a), two untimed opens, R rounds of (b) and (c); the
   median of each line.
2. imap: on the open INBOX of the running servers, R times each: FETCH
   1:* (ENVELOPE), FETCH of 1,000 messages' BODY.PEEK[], SEARCH BODY of
   the planted word, SEARCH FROM the planted sender (both counts checked
   against the manifest).
3. mixed: K sessions (default 20) for S seconds (default 60) on the
   folder "work", each a loop of a random mix of SELECT/EXAMINE, FETCH of
   a few messages' flags and envelopes, FETCH of a body, STORE of flags,
   SEARCH, APPEND of a generated message, and UID EXPUNGE of messages it
   appended; commands per second and latency percentiles.

Checks, never timed: both servers see N messages; the flags, the sum of
RFC822.SIZE and the bodies' bytes match what was generated; ENVELOPE and
INTERNALDATE are the same from both; SEARCH finds the planted counts.  A
difference is listed under the tables (and the first few on stderr); it
does not stop the benchmark.

Prints Markdown tables on stdout, progress on stderr.  Exit: 0 done, 1 a
benchmark failed (a command refused, a wrong message count, a lost
connection, the time limit), 100 usage.
"""
import argparse
import calendar
import glob
import json
import multiprocessing
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in bench/
import gen_mail  # noqa: E402  (the APPENDed messages come from the generator)

SCAN = re.compile(rb"\{(\d+)\+?\}\r\n|\r\n([A-Za-z]\d+) ")
SCAN_MARGIN = 40  # longer than any match of SCAN
DEADLINE = [float("inf")]
CMD_TIMEOUT_S = 900.0


class BenchError(Exception):
    pass


def remaining():
    left = DEADLINE[0] - time.monotonic()
    if left <= 0:
        raise BenchError("the time limit (--timeout) is reached")
    return left


def log(msg):
    print("mail: " + msg, file=sys.stderr, flush=True)


class Conn:
    """One IMAP connection.  Responses are read whole; literals are skipped
    by their length, so their bytes are never taken for a tagged line."""

    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=min(30, remaining()))
        self.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.n = 0
        self._line()  # greeting

    def _fill(self):
        self.s.settimeout(min(CMD_TIMEOUT_S, remaining()))
        try:
            d = self.s.recv(1 << 20)
        except socket.timeout:
            raise BenchError("no answer from the server in time")
        if not d:
            raise BenchError("connection closed by the server")
        self.buf += d

    def _line(self):
        while True:
            e = self.buf.find(b"\r\n")
            if e >= 0:
                line = bytes(self.buf[:e])
                del self.buf[:e + 2]
                return line
            self._fill()

    def _tagged(self, tag):
        """Reads up to the tagged line of tag: (status word, all the bytes)."""
        buf, tagb = self.buf, tag.encode()
        while len(buf) < len(tagb) + 1:
            self._fill()
        if buf.startswith(tagb + b" "):
            t = 0
        else:
            p = 0
            while True:
                m = SCAN.search(buf, p)
                if m is None:
                    p = max(p, len(buf) - SCAN_MARGIN)
                    self._fill()
                    continue
                if m.group(1) is not None:
                    end = m.end() + int(m.group(1))
                    while len(buf) < end:
                        self._fill()
                    p = end
                    continue
                if m.group(2) != tagb:
                    p = m.end()
                    continue
                t = m.start() + 2
                break
        e = buf.find(b"\r\n", t)
        while e < 0:
            self._fill()
            e = buf.find(b"\r\n", t)
        data = bytes(buf[:e + 2])
        del buf[:e + 2]
        words = data[t:e].split(b" ", 2)
        return words[1].decode() if len(words) > 1 else "", data

    def tag(self):
        self.n += 1
        return "a%d" % self.n

    def cmd(self, text):
        """Sends one command: (status, seconds to its tagged line, bytes)."""
        tag = self.tag()
        t0 = time.monotonic()
        self.s.sendall(("%s %s\r\n" % (tag, text)).encode())
        st, data = self._tagged(tag)
        return st, time.monotonic() - t0, data

    def must(self, text):
        st, sec, data = self.cmd(text)
        if st != "OK":
            raise BenchError("%s: %s" % (text[:60], data[-300:].decode("latin-1").strip()))
        return sec, data

    def append(self, mailbox, flags, msg):
        """APPEND with a synchronising literal: (status, seconds, bytes)."""
        tag = self.tag()
        t0 = time.monotonic()
        self.s.sendall(("%s APPEND %s (%s) {%d}\r\n" % (tag, mailbox, flags, len(msg))).encode())
        seen = bytearray()
        while True:
            while len(self.buf) < 2:
                self._fill()
            if self.buf.startswith(b"+"):
                self._line()
                break
            if self.buf.startswith(tag.encode() + b" "):
                st, data = self._tagged(tag)
                return st, time.monotonic() - t0, bytes(seen) + data
            seen += self._line() + b"\r\n"
        self.s.sendall(msg + b"\r\n")
        st, data = self._tagged(tag)
        return st, time.monotonic() - t0, bytes(seen) + data

    def login(self, user, pw):
        self.must('LOGIN "%s" "%s"' % (user, pw))

    def close(self):
        try:
            self.cmd("LOGOUT")
        except (OSError, BenchError):
            pass
        self.s.close()


# --- reading FETCH responses (for the checks, never timed) ---

ATOM = re.compile(rb"[^\s()\"{\[\]]+(?:\[[^\]]*\](?:<[\d.]+>)?)?")
QUOTED = re.compile(rb'"((?:[^"\\]|\\.)*)"')
LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n")
FETCH_AT = re.compile(rb"\* (\d+) FETCH ")


def parse_list(data, i):
    """The parenthesised list at data[i]: (Python list, index after it)."""
    out, stack = [], []
    i += 1
    while True:
        c = data[i]
        if c == 32:
            i += 1
        elif c == 41:  # )
            i += 1
            if not stack:
                return out, i
            done, out = out, stack.pop()
            out.append(done)
        elif c == 40:  # (
            stack.append(out)
            out = []
            i += 1
        elif c == 34:  # "
            m = QUOTED.match(data, i)
            out.append(re.sub(rb"\\(.)", rb"\1", m.group(1)))
            i = m.end()
        elif c == 123:  # {
            m = LITERAL.match(data, i)
            n = int(m.group(1))
            out.append(data[m.end():m.end() + n])
            i = m.end() + n
        else:
            m = ATOM.match(data, i)
            if not m:
                raise BenchError("unreadable FETCH response near %r" % data[i:i + 40])
            tok = m.group(0)
            out.append(None if tok.upper() == b"NIL" else tok)
            i = m.end()


def parse_fetch(data):
    """{sequence number: {ITEM: value}} of the FETCH responses in data."""
    res, i, n = {}, 0, len(data)
    while i < n:
        m = FETCH_AT.match(data, i)
        if m and data[m.end()] == 40:
            items, i = parse_list(data, m.end())
            d = res.setdefault(int(m.group(1)), {})
            for k in range(0, len(items) - 1, 2):
                d[items[k].upper()] = items[k + 1]
        e = data.find(b"\r\n", i)
        if e < 0:
            break
        lm = LITERAL.search(data, i, e + 2)
        if lm and lm.end() == e + 2:  # a line ending in a literal outside a FETCH
            i = lm.end() + int(lm.group(1))
            continue
        i = e + 2
    return res


def search_hits(data):
    for line in data.split(b"\r\n"):
        if line.startswith(b"* SEARCH"):
            return [int(x) for x in line.split()[2:]]
    raise BenchError("no SEARCH response")


# --- the servers ---

def read_proc(pid, what):
    try:
        with open("/proc/%d/%s" % (pid, what), "rb") as f:
            return f.read()
    except OSError:
        return None


def vm(pid):
    """(VmRSS in MiB, nice) of pid."""
    st = read_proc(pid, "status") or b""
    rss = float("nan")
    for line in st.split(b"\n"):
        k, _, v = line.partition(b":")
        if k == b"VmRSS":
            rss = int(v.split()[0]) / 1024
    stat = read_proc(pid, "stat") or b""
    fields = stat[stat.rfind(b")") + 2:].split()
    nice = int(fields[16]) if len(fields) > 16 else float("nan")
    return rss, nice


def pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def drop_caches():
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")


class Asimap:
    name = "asimap"

    def __init__(self, a):
        self.port, self.world, self.folder = a.asimap_port, a.asimap_world, a.asimap_folder
        self.user = a.user
        self.renice = a.renice

    def after_login(self):
        """With --renice, puts the supervisor back at nice 0: asimap-accept
        lowers its own priority for the password check, and the supervisor
        it starts inherits that (a bug; see bench/README.md)."""
        if self.renice:
            for p in self.supervisors():
                os.setpriority(os.PRIO_PROCESS, p, 0)

    def supervisors(self):
        out = []
        for p in pids():
            argv = (read_proc(p, "cmdline") or b"").split(b"\0")
            if (len(argv) >= 3 and argv[0].endswith(b"asimap-user") and argv[1] == self.user.encode()
                    and argv[2].startswith(self.world.encode() + b"/")):
                out.append(p)
        return out

    def stop(self):
        """Stops the user's supervisor (TERM, then KILL after 10 s)."""
        ps = self.supervisors()
        for p in ps:
            os.kill(p, signal.SIGTERM)
        t0 = time.monotonic()
        while ps and time.monotonic() - t0 < 10:
            time.sleep(0.02)
            ps = [p for p in ps if os.path.exists("/proc/%d" % p) and
                  b"Z" not in (read_proc(p, "stat") or b"Z").split(b")")[-1][:3]]
        for p in ps:
            log("asimap-user %d ignored TERM for 10 s; killed" % p)
            os.kill(p, signal.SIGKILL)

    def restart(self, wipe):
        self.stop()
        if wipe:
            for f in glob.glob(os.path.join(self.folder, ".asimap-*")):
                os.unlink(f)

    def server_pid(self):
        ps = self.supervisors()
        return ps[0] if len(ps) == 1 else None


class Dovecot:
    name = "Dovecot"

    def __init__(self, a):
        self.port, self.dir, self.maildir = a.dovecot_port, a.dovecot_dir, a.maildir

    def ctl(self, what):
        subprocess.run(["sh", os.path.join(HERE, "dovecot.sh"), what, self.dir], check=True,
                       timeout=min(60, remaining()))

    def restart(self, wipe):
        self.ctl("stop")
        if wipe:
            for f in glob.glob(os.path.join(self.maildir, "dovecot*")):
                if os.path.isfile(f):
                    os.unlink(f)
        self.ctl("start")

    def after_login(self):
        pass

    def server_pid(self):
        try:
            with open(os.path.join(self.dir, "run", "master.pid")) as f:
                master = int(f.read())
        except (OSError, ValueError):
            return None
        for p in pids():
            st = read_proc(p, "stat") or b""
            comm = st[st.find(b"(") + 1:st.rfind(b")")]
            rest = st[st.rfind(b")") + 2:].split()
            if comm == b"imap" and len(rest) > 1 and int(rest[1]) == master:
                return p
        return None


# --- 1. store ---

STORE_CMDS = [("SELECT", "SELECT INBOX"),
              ("UID FETCH 1:* (UID FLAGS)", "UID FETCH 1:* (UID FLAGS)"),
              ("FETCH 1:* (UID RFC822.SIZE INTERNALDATE ENVELOPE)",
               "FETCH 1:* (UID RFC822.SIZE INTERNALDATE ENVELOPE)")]
CONDS = [("a", "first open"), ("b", "fresh server"), ("c", "running server")]
SETTLE_SESSIONS = 2  # untimed opens between the last (a) and the first (b)


def store_round(srv, cond, a):
    if cond == "a":
        srv.restart(wipe=True)
    elif cond == "b":
        srv.restart(wipe=False)
    if a.drop_caches and cond in ("a", "b"):
        drop_caches()
    c = Conn(srv.port)
    c.login(a.user, a.password)
    srv.after_login()
    times, datas = [], []
    for _, text in STORE_CMDS:
        sec, data = c.must(text)
        times.append(sec)
        datas.append(data)
    pid = srv.server_pid()
    rss = vm(pid) if pid else (float("nan"), float("nan"))  # (VmRSS, nice)
    c.close()
    return times, rss, datas


def check_store(datas, man, name):
    """Checks one server's answers against the manifest: (the parsed FETCH,
    notes on what differs).  A wrong message count is a failure."""
    n = man["count"]
    notes = []
    exists = re.search(rb"\* (\d+) EXISTS", datas[0])
    if not exists or int(exists.group(1)) != n:
        raise BenchError("%s: SELECT says %s messages, not %d" %
                         (name, exists and exists.group(1).decode(), n))
    flags = parse_fetch(datas[1])
    full = parse_fetch(datas[2])
    if len(flags) != n or len(full) != n:
        raise BenchError("%s: FETCH answered for %d and %d messages, not %d" %
                         (name, len(flags), len(full), n))

    def count(flag):
        return sum(1 for d in flags.values() if flag in (d.get(b"FLAGS") or []))

    got = (n - count(b"\\Seen"), count(b"\\Flagged"), count(b"\\Answered"))
    want = (man["unseen"], man["flagged"], man["answered"])
    if got != want:
        notes.append("%s: unseen/flagged/answered %d/%d/%d, not %d/%d/%d" % ((name,) + got + want))
    size = sum(int(d[b"RFC822.SIZE"]) for d in full.values())
    if size != man["crlf_bytes"]:
        notes.append("%s: the RFC822.SIZEs add up to %d, not %d" % (name, size, man["crlf_bytes"]))
    return full, notes


MONTHS = {m.encode(): i for i, m in enumerate(gen_mail.MONTHS, 1)}


def idate(v):
    """An INTERNALDATE as seconds since the epoch ("dd-Mon-yyyy hh:mm:ss
    +zzzz"; the day may be space- or zero-padded, both legal)."""
    try:
        d, t, z = v.strip().split(b" ")
        day, mon, year = d.split(b"-")
        hh, mm, ss = (int(x) for x in t.split(b":"))
        off = (int(z[1:3]) * 60 + int(z[3:5])) * (-1 if z[:1] == b"-" else 1)
        return calendar.timegm((int(year), MONTHS[mon], int(day), hh, mm, ss)) - off * 60
    except (ValueError, KeyError, AttributeError):
        return v


def compare_fetch(fa, fd):
    """Differences between the two servers' ENVELOPE and INTERNALDATE."""
    notes = []
    for item, norm in ((b"ENVELOPE", lambda v: v), (b"INTERNALDATE", idate)):
        diff = [k for k in fa if norm(fa[k].get(item)) != norm(fd.get(k, {}).get(item))]
        if diff:
            notes.append("%s differs for %d of %d messages" % (item.decode(), len(diff), len(fa)))
            for k in diff[:3]:
                log("%s of message %d: asimap %r" % (item.decode(), k, fa[k].get(item)))
                log("%s of message %d: Dovecot %r" % (item.decode(), k, fd[k].get(item)))
    return notes


def bench_store(servers, a, man):
    runs = {s.name: {c: [] for c, _ in CONDS} for s in servers}
    keep = {}

    def one(r, cond, what, s):
        log("store round %d, (%s) %s, %s" % (r + 1, cond, what, s.name))
        times, rss, datas = store_round(s, cond, a)
        log("  %s ms, VmRSS %.1f MiB, nice %g" % (" ".join("%.1f" % (t * 1e3) for t in times),
                                                rss[0], rss[1]))
        runs[s.name][cond].append((times, rss))
        if cond == "c" and s.name not in keep:
            keep[s.name] = datas

    for r in range(a.runs):
        for s in servers:
            one(r, "a", CONDS[0][1], s)
    # Dovecot reads its dovecot-uidlist again, and settles what it caches,
    # in the first sessions after it rebuilt its index: (b) and (c) are
    # reopens of a folder the server has served before.
    for s in servers:
        for k in range(SETTLE_SESSIONS):
            c = Conn(s.port)
            c.login(a.user, a.password)
            s.after_login()
            t = [c.must(text)[0] for _, text in STORE_CMDS]
            c.close()
            log("store settling %s: %s ms" % (s.name, " ".join("%.1f" % (x * 1e3) for x in t)))
    for r in range(a.runs):
        for cond, what in CONDS[1:]:
            for s in servers:
                one(r, cond, what, s)
    parsed, notes = {}, []
    for s in servers:
        parsed[s.name], more = check_store(keep[s.name], man, s.name)
        notes += more
    notes += compare_fetch(parsed["asimap"], parsed["Dovecot"])
    rows = []
    for i, (label, _) in enumerate(STORE_CMDS):
        for cond, what in CONDS:
            v = [statistics.median(t[i] for t, _ in runs[s.name][cond]) * 1e3 for s in servers]
            rows.append(("%s, (%s) %s" % (label, cond, what), v[0], v[1], "ms"))
    for cond, what in CONDS:
        v = [statistics.median(x[0] for _, x in runs[s.name][cond]) for s in servers]
        rows.append(("VmRSS after the FETCHes, (%s) %s" % (cond, what), v[0], v[1], "MiB"))
    nices = {s.name: sorted({x[1] for c, _ in CONDS for _, x in runs[s.name][c]}) for s in servers}
    if any(v != [0] for v in nices.values()):
        notes.append("the serving processes ran at nice %s (asimap-user) and %s (Dovecot's imap);"
                     " on a busy machine a positive nice value slows every figure of that server" %
                     tuple(",".join("%g" % x for x in nices[s.name]) for s in servers))
    return rows, notes, parsed["asimap"]


# --- 2. imap ---

def bench_imap(servers, a, man, full):
    n = man["count"]
    k = min(1000, n)
    lo = max(1, n // 2 - k // 2)
    hi = lo + k - 1
    want_bytes = sum(int(full[i][b"RFC822.SIZE"]) for i in range(lo, hi + 1))
    tests = [
        ("FETCH 1:* (ENVELOPE)", "FETCH 1:* (ENVELOPE)", None),
        ("FETCH %d:%d (BODY.PEEK[]), %d messages, %.1f MB" % (lo, hi, k, want_bytes / 1e6),
         "FETCH %d:%d (BODY.PEEK[])" % (lo, hi), "bodies"),
        ('SEARCH BODY "%s"' % man["planted_word"], 'SEARCH BODY "%s"' % man["planted_word"],
         man["planted_word_count"]),
        ('SEARCH FROM "%s"' % man["planted_from"], 'SEARCH FROM "%s"' % man["planted_from"],
         man["planted_from_count"]),
    ]
    conns = {}
    for s in servers:
        c = Conn(s.port)
        c.login(a.user, a.password)
        s.after_login()
        c.must("SELECT INBOX")
        conns[s.name] = c
    rows, notes = [], []
    for label, text, check in tests:
        secs = {s.name: [] for s in servers}
        found = {}
        for s in servers:  # one untimed run first: the files' first read is not timed
            conns[s.name].must(text)
        for r in range(a.runs):
            for s in servers:
                sec, data = conns[s.name].must(text)
                secs[s.name].append(sec)
                log("imap %s, %s: %.1f ms" % (label, s.name, sec * 1e3))
                if r == 0 and check == "bodies":
                    got = parse_fetch(data)
                    total = sum(len(d.get(b"BODY[]") or b"") for d in got.values())
                    if len(got) != k or total != want_bytes:
                        raise BenchError("%s: %d bodies of %d bytes, not %d of %d" %
                                         (s.name, len(got), total, k, want_bytes))
                elif r == 0 and isinstance(check, int):
                    found[s.name] = len(search_hits(data))
        if found:
            label += " (found: %s; planted %d)" % (
                ", ".join("%s %d" % (nm, v) for nm, v in found.items()), check)
            for nm, v in found.items():
                if v != check:
                    notes.append("%s: %s found %d messages, not the %d planted" % (
                        text, nm, v, check))
        v = [statistics.median(secs[s.name]) * 1e3 for s in servers]
        rows.append((label, v[0], v[1], "ms"))
    for c in conns.values():
        c.close()
    return rows, notes


# --- 3. mixed ---

SEARCHES = ["UNSEEN", "FLAGGED", "SINCE 1-Jun-2025", 'FROM "smith"', 'SUBJECT "budget"',
            "ANSWERED UNSEEN"]
OPS = [("select", 8), ("fetch", 25), ("body", 15), ("store", 20), ("search", 12),
       ("append", 12), ("expunge", 8)]


def session(job):
    """One workload session: ([(op, seconds, status)], [errors], end time)."""
    port, user, pw, idx, n, start, stop, seed, deadline = job
    DEADLINE[0] = deadline
    r = random.Random("session-%d" % idx)
    ops = [o for o, w in OPS for _ in range(w)]
    done, errors, mine = [], [], []
    try:
        c = Conn(port)
        c.login(user, pw)
        while time.monotonic() < start:
            time.sleep(0.001)
        writable = False
        first = True
        seq = 0
        while time.monotonic() < stop:
            op = "select" if first else r.choice(ops)
            first = False
            if op in ("store", "expunge") and not writable:
                op = "fetch"
            if op == "expunge" and not mine:
                op = "fetch"
            if op == "select":
                writable = r.random() < 0.7
                cmds = [("SELECT/EXAMINE", "%s work" % ("SELECT" if writable else "EXAMINE"))]
            elif op == "fetch":
                x = r.randint(1, n)
                cmds = [("FETCH (UID FLAGS ENVELOPE), 1-10 messages",
                         "FETCH %d:%d (UID FLAGS ENVELOPE)" % (x, min(n, x + r.randint(0, 9))))]
            elif op == "body":
                cmds = [("FETCH (BODY.PEEK[]), 1 message", "FETCH %d (BODY.PEEK[])" % r.randint(1, n))]
            elif op == "store":
                flag = r.choice(["\\Flagged", "\\Seen", "\\Answered", "$Label1"])
                cmds = [("STORE +/-FLAGS", "STORE %d %sFLAGS (%s)" % (r.randint(1, n), r.choice("+-"), flag))]
            elif op == "search":
                cmds = [("SEARCH", "SEARCH " + r.choice(SEARCHES))]
            elif op == "expunge":
                uids = ",".join(str(u) for u in mine)
                cmds = [("UID STORE +FLAGS.SILENT (\\Deleted)",
                         "UID STORE %s +FLAGS.SILENT (\\Deleted)" % uids),
                        ("UID EXPUNGE", "UID EXPUNGE %s" % uids)]
                mine = []
            if op == "append":
                seq += 1
                msg = gen_mail.message(seed, 10_000_000 + idx * 100_000 + seq,
                                       int(time.time()), 0, "S", None, False, None)
                st, sec, data = c.append("work", "\\Seen", msg.replace(b"\n", b"\r\n"))
                m = re.search(rb"\[APPENDUID \d+ (\d+)\]", data)
                if st == "OK" and m:
                    mine.append(int(m.group(1)))
                done.append(("APPEND", sec, st))
                if st != "OK":
                    errors.append("APPEND: " + data[-200:].decode("latin-1").strip())
                continue
            for label, text in cmds:
                st, sec, data = c.cmd(text)
                done.append((label, sec, st))
                if st != "OK":
                    errors.append("%s: %s" % (text[:40], data[-200:].decode("latin-1").strip()))
        c.close()
    except (OSError, BenchError) as e:
        errors.append("session %d: %s" % (idx, e))
    return done, errors, time.monotonic()


def pct(xs, q):
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def bench_mixed(servers, a, man):
    n = man["count"]
    out = {}
    for s in servers:
        log("mixed: %s, warming up the folder work" % s.name)
        c = Conn(s.port)
        c.login(a.user, a.password)
        s.after_login()
        c.must("SELECT work")
        c.must("FETCH 1:* (UID FLAGS RFC822.SIZE ENVELOPE)")
        c.close()
        log("mixed: %s, %d sessions for %g s" % (s.name, a.sessions, a.seconds))
        start = time.monotonic() + 1.0 + a.sessions * 0.05
        stop = start + a.seconds
        jobs = [(s.port, a.user, a.password, i, n, start, stop, man["seed"], DEADLINE[0])
                for i in range(a.sessions)]
        with multiprocessing.get_context("fork").Pool(a.sessions) as pool:
            res = pool.map(session, jobs)
        done = [d for r in res for d in r[0]]
        errors = [e for r in res for e in r[1]]
        wall = max(r[2] for r in res) - start
        for e in errors[:5]:
            log("mixed: %s: %s" % (s.name, e))
        out[s.name] = (done, errors, wall)
    return out


def mixed_tables(out, a):
    lines = ["| server | commands | seconds | commands/s | p50 ms | p95 ms | p99 ms | NO/BAD/failed |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    figs = {}
    for name, (done, errors, wall) in out.items():
        lat = sorted(d[1] for d in done)
        f = (len(done) / wall, pct(lat, 0.5) * 1e3, pct(lat, 0.95) * 1e3, pct(lat, 0.99) * 1e3)
        figs[name] = f
        lines.append("| %s | %d | %.1f | %.1f | %.2f | %.2f | %.2f | %d |" % (
            name, len(done), wall, f[0], f[1], f[2], f[3], len(errors)))
    fa, fd = figs["asimap"], figs["Dovecot"]
    lines.append("| asimap/Dovecot | | | %s | %s | %s | %s | |" % tuple(ratio(x, y) for x, y in zip(fa, fd)))
    lines += ["", "Per command (latency from sending to the tagged response):", "",
              "| command | asimap n | asimap p50 ms | asimap p95 ms | Dovecot n | Dovecot p50 ms | Dovecot p95 ms | p50 asimap/Dovecot |",
              "|---|---:|---:|---:|---:|---:|---:|---:|"]
    kinds = sorted({d[0] for done, _, _ in out.values() for d in done})
    for k in kinds:
        cells = []
        p50s = []
        for name in ("asimap", "Dovecot"):
            lat = sorted(d[1] for d in out[name][0] if d[0] == k)
            cells += ["%d" % len(lat), "%.2f" % (pct(lat, 0.5) * 1e3), "%.2f" % (pct(lat, 0.95) * 1e3)]
            p50s.append(pct(lat, 0.5))
        lines.append("| %s | %s | %s |" % (k, " | ".join(cells), ratio(*p50s)))
    return lines, sum(len(e) for _, e, _ in out.values())


# --- output ---

def ratio(x, y):
    if not (x == x and y == y) or y <= 0:
        return "-"
    r = x / y
    return "%.0f" % r if r >= 100 else "%.1f" % r if r >= 10 else "%.2f" % r


def fmt(v, unit):
    if v != v:
        return "-"
    if unit == "MiB":
        return "%.1f MiB" % v
    return "%.0f" % v if v >= 1000 else "%.1f" % v if v >= 10 else "%.2f" % v


def table(rows):
    lines = ["| line | asimap | Dovecot | asimap/Dovecot |", "|---|---:|---:|---:|"]
    for label, x, y, unit in rows:
        lines.append("| %s | %s | %s | %s |" % (label, fmt(x, unit), fmt(y, unit), ratio(x, y)))
    return lines


def busy_cpus(seconds):
    """CPUs busy on average over the next seconds (all processes)."""
    def busy():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v[:8]) - v[3] - v[4], sum(v[:8])
    b0, t0 = busy()
    time.sleep(seconds)
    b1, t1 = busy()
    return (b1 - b0) / max(1, t1 - t0) * os.cpu_count()


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--asimap-port", type=int, required=True)
    ap.add_argument("--asimap-world", required=True)
    ap.add_argument("--asimap-folder", required=True)
    ap.add_argument("--dovecot-port", type=int, required=True)
    ap.add_argument("--dovecot-dir", required=True)
    ap.add_argument("--maildir", required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--sessions", type=int, default=20)
    ap.add_argument("--drop-caches", action="store_true")
    ap.add_argument("--renice", action="store_true")
    ap.add_argument("--timeout", type=float, default=0)
    ap.add_argument("--only", default="store,imap,mixed")
    a = ap.parse_args()
    # Stopped from outside (mail.sh's trap, timeout): leave through the
    # Pool's exit, which stops the workload's sessions too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(111))
    if a.runs < 1 or a.sessions < 1 or a.seconds <= 0:
        ap.error("--runs, --sessions and --seconds must be positive")
    if a.timeout > 0:
        DEADLINE[0] = time.monotonic() + a.timeout
    with open(a.manifest) as f:
        man = json.load(f)
    only = set(a.only.split(","))
    servers = [Asimap(a), Dovecot(a)]
    gen_mail.setup(man["seed"])
    rc = 0
    notes = []
    print("Folder: %d messages, %.1f MB as files (%.1f MB with CRLF); %d round%s per line, "
          "the median shown; page cache %s; %sload average at the start %s, CPUs busy "
          "just before (servers idle) %.2f of %d." % (
              man["count"], man["bytes"] / 1e6, man["crlf_bytes"] / 1e6, a.runs,
              "s" if a.runs > 1 else "",
              "dropped before each (a) and (b) open" if a.drop_caches else "warm",
              "asimap's supervisor reniced to 0 (--renice); " if a.renice else "",
              loadavg(), busy_cpus(2.0), os.cpu_count()))
    full = None
    try:
        if "store" in only or "imap" in only:
            t0 = time.monotonic()
            rows, more, full = bench_store(servers, a, man)
            notes += more
            if "store" in only:
                print("\n### Opening the folder: SELECT and FETCH of every message (ms)\n")
                print("\n".join(table(rows)))
                print("\n(%.0f s; load average %s)" % (time.monotonic() - t0, loadavg()))
        if "imap" in only:
            t0 = time.monotonic()
            rows, more = bench_imap(servers, a, man, full)
            notes += more
            print("\n### Commands on the open folder, running servers (ms)\n")
            print("\n".join(table(rows)))
            print("\n(%.0f s; load average %s)" % (time.monotonic() - t0, loadavg()))
        if "mixed" in only:
            t0 = time.monotonic()
            out = bench_mixed(servers, a, man)
            lines, nerr = mixed_tables(out, a)
            print("\n### Mixed workload: %d session%s for %g s on a copy of the folder\n" % (
                a.sessions, "s" if a.sessions > 1 else "", a.seconds))
            print("\n".join(lines))
            print("\n(%.0f s; load average %s)" % (time.monotonic() - t0, loadavg()))
            if nerr:
                notes.append("the mixed workload had %d failed commands (see stderr)" % nerr)
    except BenchError as e:
        print("\nmail: failed: %s" % e)
        log("failed: %s" % e)
        rc = 1
    if notes:
        print("\nWhere the servers' answers differ (or differ from what was generated):\n")
        for note in notes:
            print("- " + note)
    sys.stdout.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
