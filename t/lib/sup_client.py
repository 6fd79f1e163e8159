"""sup_client: a small IMAP client library for the supervisor and security
helpers (t/lib/sup_*.py, t/lib/sec_*.py).

A Session is one TCP connection to the front end.  Every wait is bounded
by a deadline; a timeout raises Timeout with what was read so far.  Lines
are kept as bytes with CRLF stripped; literals are kept inside the line
they belong to (good enough to find tagged responses and FETCH items in
the small answers these tests look at).
"""
import selectors
import socket
import struct
import sys
import time


_bad = 0


def report(what, why):
    """Print "ok WHAT", or "bad WHAT: WHY" when why is given (counted)."""
    global _bad
    if why:
        _bad += 1
        print("bad %s: %s" % (what, why))
    else:
        print("ok %s" % what)
    sys.stdout.flush()


def failures():
    """How many reports said "bad"."""
    return _bad


class Timeout(Exception):
    pass


class Closed(Exception):
    pass


class Session:
    def __init__(self, port, host="127.0.0.1", timeout=10.0):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = bytearray()
        self.closed = False

    def fileno(self):
        return self.sock.fileno()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def cmd(self, tag, text):
        self.send("%s %s\r\n" % (tag, text))

    def feed(self):
        """Read once (blocking up to the socket timeout); False at EOF."""
        try:
            d = self.sock.recv(65536)
        except socket.timeout:
            raise Timeout(bytes(self.buf[-2000:]))
        except (ConnectionResetError, BrokenPipeError):
            self.closed = True
            return False
        if not d:
            self.closed = True
            return False
        self.buf.extend(d)
        return True

    def lines(self):
        return bytes(self.buf).split(b"\r\n")[:-1]

    def has_tag(self, tag):
        t = tag.encode() + b" "
        return any(l.startswith(t) for l in self.lines())

    def tagged(self, tag):
        t = tag.encode() + b" "
        for l in self.lines():
            if l.startswith(t):
                return l
        return None

    def wait(self, pred, timeout=None):
        deadline = time.time() + (timeout or self.timeout)
        while not pred():
            if time.time() > deadline:
                raise Timeout(bytes(self.buf[-2000:]))
            if not self.feed():
                if pred():
                    return
                raise Closed(bytes(self.buf[-2000:]))

    def wait_tag(self, tag, timeout=None):
        self.wait(lambda: self.has_tag(tag), timeout)
        return self.tagged(tag)

    def greeting(self):
        self.wait(lambda: b"\r\n" in self.buf)
        return self.lines()[0]

    def run(self, tag, text, timeout=None):
        """Send one command, wait for its tagged answer, return
        (tagged line, untagged lines since the command)."""
        start = len(self.buf)
        self.cmd(tag, text)
        line = self.wait_tag(tag, timeout)
        got = bytes(self.buf[start:]).split(b"\r\n")
        return line, [l for l in got if l.startswith(b"* ")]

    def wait_close(self, timeout=None):
        """Read until the peer closes; returns everything read."""
        deadline = time.time() + (timeout or self.timeout)
        while not self.closed:
            if time.time() > deadline:
                raise Timeout(bytes(self.buf[-2000:]))
            self.feed()
        return bytes(self.buf)

    def close(self, reset=False):
        if reset:
            # SO_LINGER 0: close sends RST at once.
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()


def run_all(sessions, tag, text, timeout=10.0):
    """Send the same command on every session back to back, then wait for
    every tagged answer at once.  Returns the list of tagged lines (None
    for a session that closed or timed out)."""
    for s in sessions:
        s.cmd(tag, text)
    return wait_all(sessions, tag, timeout)


def wait_all(sessions, tag, timeout=10.0):
    sel = selectors.DefaultSelector()
    pending = {}
    for i, s in enumerate(sessions):
        if s.has_tag(tag):
            continue
        s.sock.setblocking(False)
        sel.register(s.sock, selectors.EVENT_READ, i)
        pending[i] = s
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        for key, _ in sel.select(max(0.0, deadline - time.time())):
            s = pending.get(key.data)
            if s is None:
                continue
            try:
                d = s.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            if d:
                s.buf.extend(d)
            else:
                s.closed = True
            if s.closed or s.has_tag(tag):
                sel.unregister(s.sock)
                del pending[key.data]
    for s in pending.values():
        sel.unregister(s.sock)
    sel.close()
    for s in sessions:
        s.sock.setblocking(True)
        s.sock.settimeout(s.timeout)
    return [s.tagged(tag) for s in sessions]


def greet_all(sessions, timeout=10.0):
    """Wait for every greeting at once."""
    sel = selectors.DefaultSelector()
    pending = {}
    for i, s in enumerate(sessions):
        s.sock.setblocking(False)
        sel.register(s.sock, selectors.EVENT_READ, i)
        pending[i] = s
    deadline = time.time() + timeout
    while pending and time.time() < deadline:
        for key, _ in sel.select(max(0.0, deadline - time.time())):
            s = pending[key.data]
            try:
                d = s.sock.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                d = b""
            s.buf.extend(d)
            if not d or b"\r\n" in s.buf:
                sel.unregister(s.sock)
                del pending[key.data]
    sel.close()
    for s in sessions:
        s.sock.setblocking(True)
        s.sock.settimeout(s.timeout)
    return [s.lines()[0] if b"\r\n" in s.buf else None for s in sessions]
