#!/usr/bin/python3
"""list_append: APPEND a message of exactly N octets (CRLF lines) with
Python's imaplib, as a client that read APPENDLIMIT would.

usage: list_append.py PORT USER PASS MAILBOX N

Prints:
  appendlimit: n                 (from CAPABILITY, "none" when absent)
  append: <the tagged response>  (e.g. "OK [APPENDUID 7 13] APPEND completed")
Exits 1 with a message on stderr when the connection fails.
"""
import imaplib
import sys


def message(n):
    head = b"Subject: exactly %d octets\r\n\r\n" % n
    line = b"x" * 998 + b"\r\n"
    body = bytearray(head)
    while len(body) + len(line) <= n - 2:
        body += line
    body += b"y" * (n - len(body) - 2) + b"\r\n"
    assert len(body) == n
    return bytes(body)


def main():
    port, user, password, box, n = sys.argv[1:6]
    m = imaplib.IMAP4("127.0.0.1", int(port))
    m.login(user, password)
    limit = "none"
    typ, dat = m.capability()  # imaplib keeps the capabilities it saw before login
    for cap in dat[-1].decode().split():
        if cap.startswith("APPENDLIMIT="):
            limit = cap.split("=", 1)[1]
    print("appendlimit: %s" % limit)
    typ, dat = m.append(box, None, None, message(int(n)))
    print("append: %s %s" % (typ, dat[-1].decode() if dat and dat[-1] else ""))
    m.logout()


if __name__ == "__main__":
    try:
        main()
    except (OSError, imaplib.IMAP4.error) as e:
        print("list_append: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
