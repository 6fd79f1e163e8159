#!/usr/bin/python3
"""sec_handoff: speak the hand-off protocol (lib/handoff.h) to a
supervisor's rendezvous socket directly, as a front end would.

usage: sec_handoff.py [--may-refuse] SOCKPATH USER MODE...

Each MODE is one connection to SOCKPATH carrying one message, with the
two descriptors (both the same end B of a fresh socketpair, as for a
plaintext connection) attached by SCM_RIGHTS unless the mode says
otherwise.  USER is the user name put in well-formed messages.

  valid       a well-formed hand-off for USER with pending input "p NOOP";
              must be acknowledged with 'K', then the supervisor must
              answer "T1 OK [CAPABILITY" and "p OK" on the socketpair and
              serve SELECT INBOX
  foreign     the same well-formed message, which must be dropped (send it
              to the socket of a user other than USER, or as a stranger)
  badversion  version 2, otherwise well-formed
  oversized   length prefix 0xffffffff, then a little data
  toolong     length prefix just above the largest message, with all its bytes
  zerolen     length prefix 0
  random      4 KiB of random bytes, then end of stream
  truncated   the first half of a well-formed message, then end of stream
  nofds       well-formed, no descriptors
  onefd       well-formed, one descriptor
  pipefds     well-formed, with the two ends of a pipe instead of sockets
  nulfield    user field "USER\\0x"
  badproto    protocol "smtp"
  longfield   a 256-byte remote address field
  badlengths  a field length running past the end of the message

With --may-refuse a refused connect() counts as dropped; without it,
failing to connect is an error.
Every mode but valid must be dropped: the supervisor closes the
connection without writing the ack, and the passed socket sees end of
stream (the supervisor closed its copies) without a single byte.  Prints
"MODE: ok ..." or "MODE: BAD ..." per mode; exit status 0 when all are ok.
"""
import os
import random
import socket
import struct
import sys
import time

FIELD_MAX = 255
PENDING_MAX = 65536
MAX_BYTES = 1 + 8 * (2 + FIELD_MAX) + 4 + PENDING_MAX
WAIT = 5.0


def field(b):
    return struct.pack(">H", len(b)) + b


def message(user, proto=b"imap", version=1, remote=b"127.0.0.1", pending=b"p NOOP\r\n",
            fields=None):
    fs = fields or [proto, user, remote, b"40000", b"127.0.0.1", b"143", b"", b"T1"]
    body = bytes([version]) + b"".join(field(f) for f in fs)
    body += struct.pack(">I", len(pending)) + pending
    return struct.pack(">I", len(body)) + body


def build(mode, user):
    """Returns (bytes, fds kind, shut down writing afterwards)."""
    u = user.encode()
    if mode in ("valid", "foreign"):
        return message(u), "sock", False
    if mode == "badversion":
        return message(u, version=2), "sock", False
    if mode == "oversized":
        return struct.pack(">I", 0xFFFFFFFF) + b"\x01" + b"A" * 100, "sock", False
    if mode == "toolong":
        return struct.pack(">I", MAX_BYTES + 1) + b"\x01" * (MAX_BYTES + 1), "sock", False
    if mode == "zerolen":
        return struct.pack(">I", 0), "sock", False
    if mode == "random":
        r = random.Random(4242)
        return bytes(r.getrandbits(8) for _ in range(4096)), "sock", True
    if mode == "truncated":
        m = message(u)
        return m[: len(m) // 2], "sock", True
    if mode == "nofds":
        return message(u), "none", False
    if mode == "onefd":
        return message(u), "one", False
    if mode == "pipefds":
        return message(u), "pipe", False
    if mode == "nulfield":
        return message(u + b"\0x"), "sock", False
    if mode == "badproto":
        return message(u, proto=b"smtp"), "sock", False
    if mode == "longfield":
        return message(u, remote=b"1" * 256), "sock", False
    if mode == "badlengths":
        m = bytearray(message(u))
        m[5:7] = struct.pack(">H", 60000)  # the protocol field's length
        return bytes(m), "sock", False
    raise SystemExit("unknown mode %s" % mode)


def read_until(sock, pred, timeout):
    got = bytearray()
    sock.settimeout(0.2)
    deadline = time.time() + timeout
    while not pred(got) and time.time() < deadline:
        try:
            d = sock.recv(65536)
        except socket.timeout:
            continue
        except OSError:
            break
        if not d:
            break
        got.extend(d)
    return bytes(got)


def one(path, user, mode, expect_drop, may_refuse):
    data, kind, shut = build(mode, user)
    a, b = socket.socketpair()
    extra = []
    if kind == "sock":
        fds = [b.fileno(), b.fileno()]
    elif kind == "one":
        fds = [b.fileno()]
    elif kind == "pipe":
        r, w = os.pipe()
        extra = [r, w]
        fds = [r, w]
    else:
        fds = []
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(WAIT)
    try:
        c.connect(path)
    except OSError as e:
        if may_refuse:
            return "ok refused: cannot connect: %s" % e.strerror, True
        return "BAD: cannot connect: %s" % e.strerror, False
    try:
        if fds:
            n = socket.send_fds(c, [data[:65536]], fds)
            c.sendall(data[n:])
        else:
            c.sendall(data)
        if shut:
            c.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the supervisor may close on us while we write
    b.close()
    for fd in extra:
        os.close(fd)
    # The control connection: an ack, or a close.
    ack = read_until(c, lambda g: len(g) >= 1, WAIT)
    closed = False
    if not ack:
        try:
            c.settimeout(0.1)
            closed = c.recv(1) == b""
        except socket.timeout:
            closed = False
        except OSError:
            closed = True
    if expect_drop:
        if ack:
            return "BAD: answered %r" % ack, False
        if not closed:
            return "BAD: the connection stayed open for %.0f s" % WAIT, False
        if kind in ("sock", "one"):
            leak = read_until(a, lambda g: False, WAIT)
            a.settimeout(0.1)
            try:
                eof = a.recv(1) == b""
            except socket.timeout:
                eof = False
            except OSError:
                eof = True
            if leak:
                return "BAD: wrote %r on the passed socket" % leak[:200], False
            if not eof:
                return "BAD: the passed socket is still held by the supervisor", False
        return "ok dropped", True
    if ack != b"K":
        return "BAD: no ack (got %r, closed %s)" % (ack, closed), False
    out = read_until(a, lambda g: b"\r\np OK" in g, WAIT)
    if not out.startswith(b"T1 OK [CAPABILITY") or b"\r\np OK" not in out:
        return "BAD: acked, but the session said %r" % out[:300], False
    a.sendall(b"x SELECT INBOX\r\n")
    out = read_until(a, lambda g: b"\r\nx " in b"\r\n" + g, WAIT)
    if b"x OK" not in out:
        return "BAD: SELECT INBOX -> %r" % out[-300:], False
    a.sendall(b"y LOGOUT\r\n")
    read_until(a, lambda g: b"y OK" in g, WAIT)
    a.close()
    c.close()
    return "ok acked and served", True


def main():
    args = sys.argv[1:]
    may_refuse = False
    if args and args[0] == "--may-refuse":
        may_refuse = True
        args.pop(0)
    path, user, modes = args[0], args[1], args[2:]
    good = True
    for m in modes:
        msg, ok = one(path, user, m, m != "valid", may_refuse)
        print("%s: %s" % (m, msg))
        sys.stdout.flush()
        good = good and ok
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
