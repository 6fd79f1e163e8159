#!/usr/bin/python3
"""list_imaplib: what Python's imaplib makes of LIST, LSUB and STATUS when
the server advertises CHILDREN, LIST-EXTENDED, LIST-STATUS, SPECIAL-USE and
STATUS=SIZE: one fact per line, for the suite to compare.

usage: list_imaplib.py PORT USER PASS

Prints:
  list: LINE                     each entry of m.list(), in order
  list %: LINE                   each entry of m.list('""', '%')
  lsub: LINE                     each entry of m.lsub()
  status: LINE                   m.status('INBOX', '(MESSAGES SIZE)')
  list-status list: LINE         m.list with RETURN (STATUS (MESSAGES)):
  list-status status: LINE       its LIST entries, then its STATUS ones
Exits 1 with a message on stderr when imaplib reports an error.
"""
import imaplib
import sys


def fail(msg):
    print("list_imaplib: FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def ok(what, typ, dat):
    if typ != "OK":
        fail("%s: %s %r" % (what, typ, dat))
    return [d.decode() for d in dat if d is not None]


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    m = imaplib.IMAP4("127.0.0.1", port)
    ok("LOGIN", *m.login(user, password))
    for line in ok("LIST", *m.list()):
        print("list: " + line)
    for line in ok("LIST %", *m.list('""', "%")):
        print("list %: " + line)
    for line in ok("LSUB", *m.lsub()):
        print("lsub: " + line)
    for line in ok("STATUS", *m.status("INBOX", "(MESSAGES SIZE)")):
        print("status: " + line)
    for line in ok("LIST-STATUS", *m.list('""', "* RETURN (STATUS (MESSAGES))")):
        print("list-status list: " + line)
    name, dat = m.response("STATUS")  # the STATUS responses that came with it
    for line in dat:
        print("list-status status: " + (line or b"").decode())
    m.logout()


if __name__ == "__main__":
    try:
        main()
    except (OSError, imaplib.IMAP4.error) as e:
        fail(str(e))
