#!/usr/bin/python3
"""append_stream: big APPENDs over a raw socket, for t/append.bats.

usage: append_stream.py MODE ARGS...      (environment: W, PORT)

  big MB            APPEND INBOX a message of MB MiB (CRLF lines, with a
                    few lone CRs, bare LFs and CR CR LF), generated on the
                    fly, then print what the file on disk must be:
                    stored_size, stored_sha256, wire_size (RFC822.SIZE),
                    and the supervisor's memory (vmhwm_kb, vmrss_kb, from
                    /proc)
  roundtrip MB      APPEND INBOX such a message of MB MiB (streamed), then
                    FETCH it: RFC822.SIZE must be the size of BODY[], and
                    BODY[] the stored form with every bare LF as CRLF
  slow MB           APPEND INBOX MB MiB slowly (a MiB every 0.1 s) while a
                    second session of the user sends NOOP and FETCH and
                    times each answer; prints rounds, max_latency
  cut MB HOW        start an APPEND INBOX of MB MiB, send half, then end it:
                    HOW=close (the client closes), HOW=kill (the client
                    process gets SIGKILL), HOW=supervisor (the supervisor
                    gets SIGKILL); prints what the server said before
  toobig_plus       APPEND INBOX {APPEND_MAX+1+} (LITERAL+), send every byte
                    of it, then NOOP; prints the answers and the memory

Every line printed is "key value"; answers are "answer TEXT".  Exit 1 with
"FAIL: ..." when the server does not behave as the protocol says.
"""
import hashlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

W = os.environ.get("W", "")
PORT = int(os.environ.get("PORT", "0"))
MIB = 1 << 20
APPEND_MAX = 1073741824


def fail(msg):
    print("FAIL: %s" % msg, flush=True)
    sys.exit(1)


def supervisor():
    p = subprocess.run(["pgrep", "-f", "asimap-user [^ ]+ %s/" % W], capture_output=True, text=True)
    pids = [int(x) for x in p.stdout.split()]
    if len(pids) != 1:
        fail("supervisors: %r" % pids)
    return pids[0]


def memory(pid):
    out = {}
    with open("/proc/%d/status" % pid) as fh:
        for line in fh:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS"):
                out[k.lower() + "_kb"] = int(v.split()[0])
    return out


class Client:
    def __init__(self, timeout=60):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
        self.buf = b""
        self.line()  # greeting

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed; had %r" % self.buf[:200])
            self.buf += d
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line.decode("latin-1")

    def until(self, tag):
        """Lines up to the one tagged tag."""
        lines = []
        while True:
            line = self.line()
            lines.append(line)
            if line.startswith(tag + " "):
                return lines

    def cmd(self, tag, text):
        self.s.sendall(("%s %s\r\n" % (tag, text)).encode())
        return self.until(tag)

    def login(self):
        r = self.cmd("L", "LOGIN u1 pw1")
        if not r[-1].startswith("L OK"):
            fail("login: %r" % r)


def message_blocks(mb):
    """mb blocks of one MiB each: (wire bytes, what MH stores)."""
    body = bytearray()
    i = 0
    while len(body) < MIB - 200:
        if i % 97 == 13:
            line = b"line %05d has a lone\rCR and ends in CR CR LF\r\r\n" % i
        elif i % 89 == 7:
            line = b"line %05d ends in a bare LF\n" % i
        else:
            line = b"line %05d of block BLOCKNR: abcdefghijklmnopqrstuvwxyz0123456789\r\n" % i
        body += line
        i += 1
    body += b"x" * (MIB - 2 - len(body)) + b"\r\n"
    head = (b"From: Big Sender <big@example.org>\r\nTo: u1@example.org\r\n"
            b"Subject: a big one\r\nMessage-ID: <big@example.org>\r\n\r\n")
    for k in range(mb):
        blk = bytes(body).replace(b"BLOCKNR", b"%07d" % k)
        if k == 0:
            blk = head + blk[len(head):]
        yield blk


def stored_form(blk):
    return blk.replace(b"\r\n", b"\n")


def wire_size(stored):
    return len(stored) + stored.count(b"\n") - stored.count(b"\r\n")


def append_start(c, mb, tag="A", flags="(\\Seen)"):
    flags = flags + " " if flags else ""
    c.s.sendall(("%s APPEND INBOX %s{%d}\r\n" % (tag, flags, mb * MIB)).encode())
    r = c.line()
    if not r.startswith("+"):
        fail("no continuation for the APPEND: %r" % r)


def mode_big(mb):
    c = Client()
    c.login()
    pid = supervisor()
    before = memory(pid)
    append_start(c, mb)
    h, size, wire = hashlib.sha256(), 0, 0
    for blk in message_blocks(mb):
        c.s.sendall(blk)
        st = stored_form(blk)
        h.update(st)
        size += len(st)
        wire += wire_size(st)
    c.s.sendall(b"\r\n")
    r = c.until("A")
    print("answer %s" % r[-1])
    print("sent %d" % (mb * MIB))
    print("stored_size %d" % size)
    print("stored_sha256 %s" % h.hexdigest())
    print("wire_size %d" % wire)
    print("rss_before_kb %d" % before["vmrss_kb"])
    for k, v in memory(pid).items():
        print("%s %d" % (k, v))
    c.cmd("Z", "LOGOUT")


def fetch_literal(c, tag, text):
    """The first literal of the answer to a FETCH, and the lines around it."""
    c.s.sendall(("%s %s\r\n" % (tag, text)).encode())
    lines, data = [], None
    while True:
        line = c.line()
        lines.append(line)
        if data is None and line.endswith("}") and "{" in line:
            n = int(line[line.rindex("{") + 1:-1])
            while len(c.buf) < n:
                d = c.s.recv(1 << 20)
                if not d:
                    fail("closed in a literal")
                c.buf += d
            data, c.buf = c.buf[:n], c.buf[n:]
        if line.startswith(tag + " "):
            return lines, data


def mode_roundtrip(mb):
    c = Client()
    c.login()
    append_start(c, mb, flags="")
    stored = b""
    for blk in message_blocks(mb):
        c.s.sendall(blk)
        stored += stored_form(blk)
    c.s.sendall(b"\r\n")
    print("answer %s" % c.until("A")[-1])
    c.cmd("S", "SELECT INBOX")
    lines, data = fetch_literal(c, "F", "FETCH 13 (RFC822.SIZE BODY.PEEK[])")
    print("answer %s" % lines[-1])
    want = re.sub(rb"(?<!\r)\n", b"\r\n", stored)
    m = re.search(r"RFC822\.SIZE (\d+)", lines[0])
    if not m or data is None:
        fail("FETCH answered %r" % lines[:3])
    print("rfc822_size %s" % m.group(1))
    print("body_size %d" % len(data))
    print("body_ok %s" % ("yes" if data == want else "no"))
    with open(os.path.join(W, "mail/u1/inbox/13"), "rb") as fh:
        print("file_ok %s" % ("yes" if fh.read() == stored else "no"))


def mode_slow(mb):
    a, b = Client(), Client()
    a.login()
    b.login()
    b.cmd("S", "SELECT INBOX")
    done = threading.Event()
    lat, errors = [], []

    def other():
        n = 0
        try:
            while not done.is_set() or n < 3:
                n += 1
                t = time.time()
                cmd = "NOOP" if n % 2 else "FETCH 1:3 (FLAGS RFC822.SIZE BODY.PEEK[HEADER])"
                r = b.cmd("B%d" % n, cmd)
                lat.append(time.time() - t)
                if not r[-1].startswith("B%d OK" % n):
                    errors.append(r[-1])
                time.sleep(0.05)
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    th = threading.Thread(target=other)
    th.start()
    start = time.time()
    append_start(a, mb)
    for blk in message_blocks(mb):
        a.s.sendall(blk)
        time.sleep(0.1)
    a.s.sendall(b"\r\n")
    r = a.until("A")
    took = time.time() - start
    done.set()
    th.join(30)
    print("answer %s" % r[-1])
    print("append_seconds %.1f" % took)
    print("rounds %d" % len(lat))
    print("max_latency %.3f" % max(lat))
    for e in errors:
        print("error %s" % e)


def mode_cut(mb, how):
    if how == "kill":
        # the client is another process, killed in the middle of the literal
        child = subprocess.Popen([sys.executable, __file__, "cut_child", str(mb)],
                                 stdout=subprocess.PIPE, text=True)
        line = child.stdout.readline()
        if not line.startswith("half"):
            fail("the child client said %r" % line)
        child.kill()
        child.wait()
        print("killed client")
        return
    c = Client()
    c.login()
    append_start(c, mb)
    blocks = message_blocks(mb)
    for _ in range(mb // 2):
        c.s.sendall(next(blocks))
    time.sleep(0.3)
    if how == "close":
        c.s.close()
        print("closed")
    elif how == "supervisor":
        pid = supervisor()
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 5
        while subprocess.run(["pgrep", "-f", "asimap-user [^ ]+ %s/" % W],
                             capture_output=True).returncode == 0:
            if time.time() > deadline:
                fail("the supervisor did not die")
            time.sleep(0.02)
        print("killed supervisor")
    else:
        fail("how %r" % how)


def mode_cut_child(mb):
    c = Client()
    c.login()
    append_start(c, mb)
    blocks = message_blocks(mb)
    for _ in range(mb // 2):
        c.s.sendall(next(blocks))
    print("half", flush=True)
    time.sleep(60)


def mode_toobig_plus():
    c = Client(timeout=120)
    c.login()
    pid = supervisor()
    n = APPEND_MAX + 1
    # fake commands inside the literal must not be taken for commands
    c.s.sendall(b"T APPEND INBOX {%d+}\r\nX LOGOUT\r\n" % n)
    left = n - len(b"X LOGOUT\r\n")
    zeros = bytes(MIB)
    while left:
        k = min(left, len(zeros))
        c.s.sendall(zeros[:k])
        left -= k
    c.s.sendall(b"\r\nN NOOP\r\n")
    for line in c.until("T") + c.until("N"):
        print("answer %s" % line)
    for k, v in memory(pid).items():
        print("%s %d" % (k, v))


def main():
    mode = sys.argv[1]
    if mode == "big":
        mode_big(int(sys.argv[2]))
    elif mode == "roundtrip":
        mode_roundtrip(int(sys.argv[2]))
    elif mode == "slow":
        mode_slow(int(sys.argv[2]))
    elif mode == "cut":
        mode_cut(int(sys.argv[2]), sys.argv[3])
    elif mode == "cut_child":
        mode_cut_child(int(sys.argv[2]))
    elif mode == "toobig_plus":
        mode_toobig_plus()
    else:
        fail("mode %r" % mode)


if __name__ == "__main__":
    main()
