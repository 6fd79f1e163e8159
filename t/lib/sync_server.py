#!/usr/bin/python3
"""sync_server: the server-side changes of t/sync.bats, made by another
IMAP client (python imaplib over implicit TLS) between two mbsync runs.

usage: sync_server.py PORT USER PASS

APPENDs a message with \\Flagged to INBOX; in "archive" marks message 2
\\Deleted and EXPUNGEs it; in "archive/2025" sets \\Answered on message 1.
Prints "append: APPENDUID <validity> <uid>", "expunge: 2", "store: ok";
exits 1 with a message on stderr when the server refuses something.
"""
import imaplib
import ssl
import sys

MESSAGE = (b"From: Server Side <server@example.org>\r\n"
           b"To: u1@example.org\r\n"
           b"Subject: sync appended on the server\r\n"
           b"Date: Tue, 3 Nov 2026 09:00:00 +0000\r\n"
           b"Message-ID: <sync-appended@example.org>\r\n"
           b"\r\n"
           b"Appended by imaplib while mbsync was not looking.\r\n")


def ok(what, res):
    typ, dat = res
    if typ != "OK":
        print("sync_server: FAIL: %s: %s %r" % (what, typ, dat), file=sys.stderr)
        sys.exit(1)
    return dat


def main():
    port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=30)
    ok("login", m.login(user, password))
    ok("append", m.append("INBOX", r"(\Flagged)", None, MESSAGE))
    code = m.untagged_responses.get("APPENDUID") or [b""]
    print("append: APPENDUID %s" % code[-1].decode())
    ok("select archive", m.select("archive"))
    ok("store", m.store("2", "+FLAGS", r"(\Deleted)"))
    print("expunge: %s" % b" ".join(ok("expunge", m.expunge()) or []).decode())
    ok("select archive/2025", m.select("archive/2025"))
    ok("store", m.store("1", "+FLAGS", r"(\Answered)"))
    print("store: ok")
    m.logout()


if __name__ == "__main__":
    try:
        main()
    except (imaplib.IMAP4.error, OSError) as e:
        print("sync_server: FAIL: %s" % e, file=sys.stderr)
        sys.exit(1)
