"""nmh_imap: a small IMAP client and nmh runner for t/nmh.bats and t/crash.bats.

Used from Python snippets in the suites (sys.path has t/lib):

    from nmh_imap import Conn, mh, fail
    a = Conn(port); a.login()
    a.cmd("SELECT INBOX")
    mh("inc", "+inbox", "-file", mbox)
    a.poll(lambda: a.exists == 14)

Conn keeps every response it read: responses are parsed into nested lists
(atoms and strings as bytes, literals as bytes, parenthesised lists as
lists), and the client follows what the server says about the selected
mailbox: EXISTS, EXPUNGE (a list of UIDs by sequence number, when the
session fetched them) and FETCH FLAGS pushes are recorded.  Every wait is
bounded: a read waits at most `timeout` seconds, poll() at most `limit`.

mh(PROGRAM, ARGS...) runs /usr/bin/mh/PROGRAM as the owner of the mail
root (SVC_UID/SVC_GID from the environment) with the private profile
$W/mh_profile and context $W/mh_context (written by nmh_common.sh), and
returns (status, stdout, stderr) as text.
"""
import os
import re
import socket
import subprocess
import sys
import time


class Fail(Exception):
    pass


def fail(msg):
    raise Fail(msg)


def check(cond, msg):
    if not cond:
        raise Fail(msg)


# --- responses -----------------------------------------------------------

def tokenize(segs):
    """segs: [text, literal, text, literal, ..., text] -> flat token list."""
    toks = []
    for i in range(0, len(segs), 2):
        text = segs[i]
        lit = segs[i + 1] if i + 1 < len(segs) else None
        p, n = 0, len(text)
        while p < n:
            c = text[p:p + 1]
            if c == b" ":
                p += 1
            elif c in (b"(", b")"):
                toks.append(c)
                p += 1
            elif c == b'"':
                q, out = p + 1, bytearray()
                while q < n and text[q:q + 1] != b'"':
                    if text[q:q + 1] == b"\\":
                        q += 1
                    out += text[q:q + 1]
                    q += 1
                toks.append(("S", bytes(out)))
                p = q + 1
            elif c == b"{" and lit is not None and re.fullmatch(rb"\{\d+\+?\}", text[p:]):
                toks.append(("S", lit))
                p = n
            else:
                q, depth = p, 0
                while q < n:
                    d = text[q:q + 1]
                    if d == b"[":
                        depth += 1
                    elif d == b"]":
                        depth -= 1
                    elif depth == 0 and d in (b" ", b"(", b")"):
                        break
                    q += 1
                toks.append(text[p:q])
                p = q
    return toks


def nest(toks):
    stack = [[]]
    for t in toks:
        if t == b"(":
            stack.append([])
        elif t == b")":
            if len(stack) > 1:
                done = stack.pop()
                stack[-1].append(done)
        elif isinstance(t, tuple):
            stack[-1].append(t[1])
        else:
            stack[-1].append(t)
    while len(stack) > 1:
        done = stack.pop()
        stack[-1].append(done)
    return stack[0]


class Resp:
    def __init__(self, segs):
        self.segs = segs
        self.line = b"".join(s if i % 2 == 0 else b"<literal>" for i, s in enumerate(segs))
        self.words = nest(tokenize(segs))

    def __repr__(self):
        return "Resp(%r)" % self.line[:300]

    @property
    def text(self):
        return self.line.decode("latin-1")

    def fetch(self):
        """For '* N FETCH (...)': (N, {NAME: value}), else None."""
        w = self.words
        if (len(w) >= 4 and w[0] == b"*" and isinstance(w[2], bytes) and w[1].isdigit()
                and w[2].upper() == b"FETCH" and isinstance(w[3], list)):
            items = w[3]
            d = {}
            for k in range(0, len(items) - 1, 2):
                d[items[k].upper().decode("latin-1")] = items[k + 1]
            return int(w[1]), d
        return None


def flags_of(v):
    """A FLAGS value as a set of str, without \\Recent."""
    return {f.decode() for f in v if f.lower() != b"\\recent"}


# --- the client ----------------------------------------------------------

class Conn:
    def __init__(self, port, timeout=10.0, name="c"):
        self.name = name
        self.timeout = timeout
        self.s = socket.create_connection(("127.0.0.1", int(port)), timeout=timeout)
        self.buf = bytearray()
        self.log = []          # every Resp
        self.untagged = []     # every untagged Resp
        self.exists = None
        self.uids = None       # UIDs by sequence number, when known
        self.pushes = []       # (seq, flags set) from FETCH responses with FLAGS
        self.expunged = []     # sequence numbers of EXPUNGE, in order
        self.n = 0
        self.closed = False
        self.greeting = self.read()

    # reading
    def _fill(self, deadline):
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise Fail("%s: timeout waiting for the server (have %r)" % (self.name, bytes(self.buf[:200])))
            self.s.settimeout(left)
            try:
                d = self.s.recv(1 << 16)
            except socket.timeout:
                continue
            except ConnectionResetError:
                d = b""
            if not d:
                self.closed = True
                raise EOFError("%s: connection closed" % self.name)
            self.buf += d
            return

    def _line(self, deadline):
        while True:
            i = self.buf.find(b"\r\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[:i + 2]
                return line
            self._fill(deadline)

    def _bytes(self, k, deadline):
        while len(self.buf) < k:
            self._fill(deadline)
        d = bytes(self.buf[:k])
        del self.buf[:k]
        return d

    def read(self, timeout=None):
        deadline = time.time() + (self.timeout if timeout is None else timeout)
        segs = []
        while True:
            line = self._line(deadline)
            m = re.search(rb"\{(\d+)\+?\}$", line)
            if m:
                segs.append(line)
                segs.append(self._bytes(int(m.group(1)), deadline))
                continue
            segs.append(line)
            break
        r = Resp(segs)
        self.log.append(r)
        if r.words[:1] == [b"*"]:
            self.untagged.append(r)
            self._track(r)
        return r

    def _track(self, r):
        w = r.words
        kind = w[2].upper() if len(w) >= 3 and isinstance(w[2], bytes) and w[1].isdigit() else b""
        if kind == b"EXISTS":
            n = int(w[1])
            if self.uids is not None and n < len(self.uids):
                raise Fail("%s: EXISTS %d below the %d messages known" % (self.name, n, len(self.uids)))
            self.exists = n
            if self.uids is not None:
                self.uids += [None] * (n - len(self.uids))
        elif kind == b"EXPUNGE":
            n = int(w[1])
            self.expunged.append(n)
            if self.exists is not None:
                if not 1 <= n <= self.exists:
                    raise Fail("%s: * %d EXPUNGE with %d messages" % (self.name, n, self.exists))
                self.exists -= 1
            if self.uids is not None:
                del self.uids[n - 1]
        else:
            f = r.fetch()
            if f:
                n, d = f
                if self.exists is not None and not 1 <= n <= self.exists:
                    raise Fail("%s: * %d FETCH with %d messages" % (self.name, n, self.exists))
                if "UID" in d and self.uids is not None and n <= len(self.uids):
                    u = int(d["UID"])
                    if self.uids[n - 1] not in (None, u):
                        raise Fail("%s: message %d was UID %s, now UID %d" % (self.name, n, self.uids[n - 1], u))
                    self.uids[n - 1] = u
                if "FLAGS" in d:
                    self.pushes.append((n, flags_of(d["FLAGS"])))

    # commands
    def tag(self):
        self.n += 1
        return "%s%d" % (self.name, self.n)

    def send(self, data):
        self.s.sendall(data)

    def start(self, text, literal=None):
        """Send a command (with one LITERAL+ literal at its end); returns the tag."""
        t = self.tag()
        if literal is None:
            self.send(("%s %s\r\n" % (t, text)).encode())
        else:
            self.send(("%s %s {%d+}\r\n" % (t, text, len(literal))).encode() + literal + b"\r\n")
        return t

    def finish(self, t, timeout=None):
        """Read until the tagged response of t: (untagged list, tagged Resp)."""
        got = []
        while True:
            r = self.read(timeout)
            if r.words[:1] == [t.encode()]:
                return got, r
            got.append(r)

    def cmd(self, text, literal=None, ok=True, timeout=None):
        t = self.start(text, literal)
        got, r = self.finish(t, timeout)
        if ok and not r.line.startswith(("%s OK" % t).encode()):
            raise Fail("%s: %s -> %s" % (self.name, text[:80], r.text))
        return got, r

    def login(self, user="u1", pw="pw1"):
        return self.cmd("LOGIN %s %s" % (user, pw))

    def select(self, box, examine=False):
        self.exists, self.uids = None, None
        got, r = self.cmd(("EXAMINE " if examine else "SELECT ") + box)
        self.uidvalidity = None
        for g in got:
            m = re.search(rb"\[UIDVALIDITY (\d+)\]", g.line)
            if m:
                self.uidvalidity = int(m.group(1))
        self.uids = [None] * (self.exists or 0)
        if self.exists:
            self.cmd("FETCH 1:* (UID)")
        check(None not in self.uids, "%s: some messages have no UID: %r" % (self.name, self.uids))
        return got, r

    def fetch(self, what, items, uid=False):
        """{seq: {ITEM: value}} of a FETCH (UID FETCH when uid)."""
        got, r = self.cmd("%sFETCH %s %s" % ("UID " if uid else "", what, items))
        out = {}
        for g in got:
            f = g.fetch()
            if f:
                out.setdefault(f[0], {}).update(f[1])
        return out

    def noop(self):
        return self.cmd("NOOP")

    def poll(self, cond, limit=5.0, what="a change"):
        """NOOP until cond() holds, at most limit seconds."""
        deadline = time.time() + limit
        while True:
            self.noop()
            if cond():
                return
            if time.time() > deadline:
                raise Fail("%s: no %s within %.1f s (exists=%s, uids=%s)"
                           % (self.name, what, limit, self.exists, self.uids))
            time.sleep(0.05)

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


# --- nmh -----------------------------------------------------------------

def mh(prog, *args, check_ok=True, stdin=None):
    w = os.environ["W"]
    env = dict(os.environ, MH=w + "/mh_profile", MHCONTEXT=w + "/mh_context")
    cmd = ["setpriv", "--reuid=" + os.environ["SVC_UID"], "--regid=" + os.environ["SVC_GID"],
           "--clear-groups", "/usr/bin/mh/" + prog] + [str(a) for a in args]
    p = subprocess.run(cmd, env=env, input=stdin, capture_output=True, timeout=30)
    out, err = p.stdout.decode("latin-1"), p.stderr.decode("latin-1")
    if check_ok and (p.returncode != 0 or err):
        raise Fail("%s %s: status %d, stderr %r, stdout %r" % (prog, " ".join(map(str, args)), p.returncode, err, out[:500]))
    return p.returncode, out, err


def crlf(b):
    """A message file's bytes as IMAP sends them."""
    return re.sub(rb"\r?\n", b"\r\n", b)


def run(main):
    """Run a test body: exit 1 with the message on a failure."""
    try:
        main()
    except (Fail, EOFError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
