#!/usr/bin/python3
"""clients_imaplib: what an ordinary imaplib program does with a mailbox,
over implicit TLS, summarised one fact per line for the suite to compare.

usage: clients_imaplib.py PORT USER PASS

Prints:
  capability: NAME...            (sorted, after login)
  list: NAME...                  (sorted)
  status INBOX: MESSAGES n UNSEEN n UIDNEXT n
  select INBOX: EXISTS n         (or "... read-only" when SELECT said so)
  flags n: FLAG...               one line per message, flags sorted,
                                 \Recent left out
  examine archive: EXISTS n
  logout: BYE
Exits 1 with a message on stderr when imaplib reports an error.
"""
import imaplib
import re
import ssl
import sys


def fail(msg):
    print("clients_imaplib: FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def ok(what, typ, dat):
    if typ != "OK":
        fail("%s: %s %r" % (what, typ, dat))
    return dat


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=10)
        ok("LOGIN", *m.login(user, password))

        dat = ok("CAPABILITY", *m.capability())
        print("capability: " + " ".join(sorted(dat[-1].decode().split())))

        names = []
        for item in ok("LIST", *m.list()):
            mo = re.match(rb'\([^)]*\) (?:NIL|"[^"]*") "?(.*?)"?$', item)
            if not mo:
                fail("LIST: cannot parse %r" % item)
            names.append(mo.group(1).decode())
        print("list: " + " ".join(sorted(names)))

        dat = ok("STATUS", *m.status("INBOX", "(MESSAGES UNSEEN UIDNEXT)"))
        mo = re.match(rb'"?INBOX"? \((.*)\)$', dat[-1])
        if not mo:
            fail("STATUS: cannot parse %r" % dat)
        items = dict(zip(*[iter(mo.group(1).decode().split())] * 2))
        print("status INBOX: " + " ".join("%s %s" % (k, items.get(k)) for k in
                                          ("MESSAGES", "UNSEEN", "UIDNEXT")))

        note = ""
        try:
            typ, dat = m.select("INBOX")
        except imaplib.IMAP4.readonly:
            # The server answered SELECT with [READ-ONLY] (legal while it
            # cannot store flags); imaplib refuses every later command
            # unless it is told that read-only is what we wanted.
            m.is_readonly = True
            typ, dat, note = "OK", m.untagged_responses.get("EXISTS", [None]), " read-only"
        ok("SELECT", typ, dat)
        exists = int(dat[-1])
        print("select INBOX: EXISTS %d%s" % (exists, note))

        dat = ok("FETCH", *m.fetch("1:*", "(FLAGS)"))
        seen = set()
        for item in dat:
            mo = re.match(rb"(\d+) \(FLAGS \(([^)]*)\)\)$", item)
            if not mo:
                fail("FETCH: cannot parse %r" % item)
            n = int(mo.group(1))
            if n in seen:
                fail("FETCH: message %d twice" % n)
            seen.add(n)
            # \Recent belongs to the session (RFC 3501), not to the store.
            flags = sorted(f for f in mo.group(2).decode().split() if f != "\\Recent")
            print(("flags %d: %s" % (n, " ".join(flags))).rstrip())
        if seen != set(range(1, exists + 1)):
            fail("FETCH 1:* answered for %r" % sorted(seen))

        typ, dat = m.select("archive", readonly=True)
        ok("EXAMINE archive", typ, dat)
        print("examine archive: EXISTS %d" % int(dat[-1]))

        typ, dat = m.logout()
        print("logout: %s" % typ)
    except (imaplib.IMAP4.error, OSError) as e:
        fail("%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
