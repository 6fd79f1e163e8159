#!/usr/bin/python3
"""clients_direct: a raw, script-driven IMAP client that can also start the
server itself on a socketpair, the way inetd hands a connection over (fds 0
and 1), so that the connection facts (TCPREMOTEIP, ...) are whatever the
caller's environment says.

usage: clients_direct.py [--tls] [--show-cr] [--timeout S] PORT < script
       clients_direct.py [--tls] [--show-cr] [--timeout S] -- PROGRAM [ARG...] < script

The script holds lines to send; lines in a row are sent in one write
(pipelining).  Directives:
  !wait TAG     flush, then wait for a line starting with "TAG " received
                after the previous !wait matched ("!wait +" waits for a new
                continuation request)
  !quiet S      flush, then wait S seconds; the server must send nothing
  !starttls     flush, then start TLS on the connection (client side)
  !raw HEX      bytes as they are, without CRLF
  !read         flush, then read until the server closes
Everything received is printed as it came, CRLF as LF (with --show-cr,
every CR as the four characters "<CR>", so that line ends can be checked).  Before the first
line the greeting is awaited.  With a PROGRAM, its exit status is printed
last as "[exit N]" once the client has closed its end.
Exit status: 0 when the script ran to its end; 2 on a timeout or when the
server spoke during !quiet; 3 when the connection broke.
"""
import os
import socket
import ssl
import subprocess
import sys
import time

SHOW_CR = False


class Conn:
    def __init__(self, sock, timeout):
        self.s = sock
        self.timeout = timeout
        self.buf = bytearray()
        self.seen = 0  # lines [0, seen) are consumed by !wait

    def lines(self):
        return bytes(self.buf).split(b"\r\n")[:-1]

    def recv(self, deadline):
        self.s.settimeout(max(0.01, deadline - time.time()))
        try:
            d = self.s.recv(65536)
        except socket.timeout:
            return None
        if d:
            self.buf.extend(d)
            sys.stdout.buffer.write(d.replace(b"\r", b"<CR>") if SHOW_CR
                                    else d.replace(b"\r\n", b"\n"))
            sys.stdout.flush()
        return d

    def wait(self, prefix):
        deadline = time.time() + self.timeout
        while True:
            ls = self.lines()
            for i in range(self.seen, len(ls)):
                if ls[i].startswith(prefix):
                    self.seen = i + 1
                    return True
            if time.time() > deadline:
                raise TimeoutError("waiting for %r" % prefix)
            d = self.recv(deadline)
            if d == b"":
                return False

    def quiet(self, secs):
        before = len(self.buf)
        deadline = time.time() + secs
        while time.time() < deadline:
            d = self.recv(deadline)
            if d == b"":
                break
        if len(self.buf) != before:
            raise TimeoutError("the server spoke during !quiet")

    def starttls(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.s.settimeout(self.timeout)
        self.s = ctx.wrap_socket(self.s)
        self.buf.clear()
        self.seen = 0

    def read_to_end(self):
        deadline = time.time() + self.timeout
        while True:
            if time.time() > deadline:
                raise TimeoutError("waiting for the server to close")
            if self.recv(deadline) == b"":
                return


def main():
    global SHOW_CR
    args = sys.argv[1:]
    tls, timeout = False, 10.0
    while args and args[0].startswith("--") and args[0] != "--":
        a = args.pop(0)
        if a == "--tls":
            tls = True
        elif a == "--show-cr":
            SHOW_CR = True
        elif a == "--timeout":
            timeout = float(args.pop(0))
        else:
            sys.exit("clients_direct: unknown option %s" % a)
    child = None
    if args and args[0] == "--":
        mine, theirs = socket.socketpair()
        child = subprocess.Popen(args[1:], stdin=theirs, stdout=theirs, close_fds=True)
        theirs.close()
        sock = mine
    else:
        sock = socket.create_connection(("127.0.0.1", int(args[0])), timeout=timeout)
    c = Conn(sock, timeout)
    status = 0
    try:
        if tls:
            c.starttls()
        c.wait(b"* ")  # greeting
        pending = []

        def flush():
            if pending:
                c.s.sendall(b"".join(pending))
                pending.clear()

        for line in sys.stdin.read().split("\n"):
            if not line:
                continue
            if line.startswith("!wait "):
                flush()
                if not c.wait(line.split()[1].encode() + b" "):
                    print("clients_direct: closed while waiting for %s" % line[6:], file=sys.stderr)
                    status = 3
                    break
            elif line.startswith("!quiet "):
                flush()
                c.quiet(float(line.split()[1]))
            elif line == "!starttls":
                flush()
                c.starttls()
            elif line.startswith("!raw "):
                pending.append(bytes.fromhex(line[5:]))
            elif line == "!read":
                flush()
                c.read_to_end()
            else:
                pending.append(line.encode() + b"\r\n")
        flush()
    except TimeoutError as e:
        print("clients_direct: timeout: %s" % e, file=sys.stderr)
        status = 2
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError, OSError) as e:
        print("clients_direct: connection closed: %s" % e, file=sys.stderr)
        status = 3
    finally:
        try:
            c.s.close()
        except OSError:
            pass
    if child:
        try:
            rc = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            rc = "timeout"
        sys.stdout.flush()
        print("[exit %s]" % rc)
    return status


if __name__ == "__main__":
    sys.exit(main())
