#!/usr/bin/python3
"""sec_flood: stream one enormous line at the front end before login.

usage: sec_flood.py [--login USER PASS [--select FOLDER]] PORT MEGABYTES [PREFIX]

Reads the greeting (and with --login, logs in first and waits for the
tagged OK of "L0 LOGIN", so that the line goes to the supervisor; with
--select, also selects FOLDER and waits for "L1 OK"), then writes PREFIX (default "a LOGIN ") followed by
MEGABYTES MiB of "x" with no line end, in 64 KiB chunks, without waiting
for anything, while a second thread reads what the server says.  Stops
writing when the server refuses more (reset, broken pipe) or after
10 s of the server not reading.  Prints:
  sent N          bytes written
  answer LINE     each line the server sent after the greeting
  closed yes|no   whether the server closed within 10 s
Exit status 0 when the server closed and one of its lines starts "* BYE".
"""
import re
import socket
import sys
import threading
import time


def main():
    args = sys.argv[1:]
    login, folder = None, None
    if args[0] == "--login":
        login = args[1:3]
        del args[0:3]
    if args[0] == "--select":
        folder = args[1]
        del args[0:2]
    port, mb = int(args[0]), int(args[1])
    prefix = (args[2] if len(args) > 2 else "a LOGIN ").encode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    buf = bytearray()
    end = b"\r\n"
    if login:
        s.sendall(b"L0 LOGIN %s %s\r\n" % (login[0].encode(), login[1].encode()))
        end = b"\r\nL0 "
        if folder:
            s.sendall(b"L1 SELECT %s\r\n" % folder.encode())
            end = b"\r\nL1 "
    while end not in buf or not buf.endswith(b"\r\n"):
        d = s.recv(4096)
        if not d:
            print("closed before the greeting: %r" % bytes(buf))
            return 1
        buf.extend(d)
    if login and (b"\r\nL0 OK" not in buf or (folder and b"\r\nL1 OK" not in buf)):
        print("login failed: %r" % bytes(buf))
        return 1
    got = bytearray()
    closed = threading.Event()

    def reader():
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                got.extend(d)
        except OSError:
            pass  # a reset counts as closed
        closed.set()

    t = threading.Thread(target=reader, daemon=True)
    t.start()
    sent = 0
    chunk = b"x" * 65536
    total = mb << 20
    try:
        s.sendall(prefix)
        sent = len(prefix)
        while sent < total and not closed.is_set():
            s.sendall(chunk)
            sent += len(chunk)
    except (socket.timeout, OSError):
        pass
    print("sent %d" % sent)
    ok = closed.wait(10)
    print("received %d" % len(got))
    for line in bytes(got).split(b"\r\n"):
        if re.match(rb"(\* |\+ |[A-Za-z0-9.]+ (OK|NO|BAD)\b)", line) and not re.match(rb"\* \d+ FETCH", line):
            print("answer %s" % line.decode("latin-1")[:200])
    print("closed %s" % ("yes" if ok else "no"))
    bye = any(l.startswith(b"* BYE") for l in bytes(got).split(b"\r\n"))
    return 0 if ok and bye else 1


if __name__ == "__main__":
    sys.exit(main())
