#!/usr/bin/python3
"""fetch_compare: a real client (Python's imaplib) fetches every message of
INBOX and compares it with the MH files on disk.

usage: fetch_compare.py MODE PORT USER PASS AUTH MAILDIR

MODE  plain | tls (implicit TLS) | starttls (plaintext, then STARTTLS)
AUTH  login | plain (AUTHENTICATE PLAIN, the response after a "+"
      continuation) | plain-ir (AUTHENTICATE PLAIN with the SASL-IR initial
      response on the command line; imaplib never sends one by itself)
MAILDIR  the MH folder behind INBOX; message N is MAILDIR/N and its UID is N.

Checks: for every message, FETCH n (UID RFC822.SIZE BODY.PEEK[]) returns the
file's bytes with bare LF as CRLF and RFC822.SIZE equal to their length;
FETCH n (BODY.PEEK[HEADER]) returns the part up to and including the first
empty line; EXISTS equals the number of message files.  Over TLS the
capabilities offer AUTH=PLAIN and neither STARTTLS nor LOGINDISABLED.
Prints "list: NAME..." (sorted) and "checked N messages"; exits 1 with a
message on stderr on the first mismatch.
"""
import base64
import imaplib
import os
import re
import ssl
import sys

TIMEOUT = 10


def fail(msg):
    print("fetch_compare: FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def crlf(data):
    """Bare LF as CRLF (a CRLF already in the file stays as it is)."""
    return re.sub(rb"(?<!\r)\n", b"\r\n", data)


def header_of(wire):
    """RFC 3501 BODY[HEADER]: up to and including the empty line."""
    if wire.startswith(b"\r\n"):
        return b"\r\n"
    i = wire.find(b"\r\n\r\n")
    return wire if i < 0 else wire[: i + 4]


def unquote(s):
    s = s.strip()
    if s.startswith(b'"') and s.endswith(b'"') and len(s) >= 2:
        return re.sub(rb"\\(.)", rb"\1", s[1:-1])
    return s


def list_names(data):
    names = []
    for item in data:
        if item is None:
            continue
        if isinstance(item, tuple):  # the name came as a literal
            names.append(item[1])
            continue
        m = re.match(rb'\((?P<attrs>[^)]*)\) (?P<delim>NIL|"(?:[^"\\]|\\.)*") (?P<name>.*)$', item)
        if not m:
            fail("cannot parse LIST response %r" % item)
        if m.group("delim") != b'"/"':
            fail("hierarchy delimiter %r, expected \"/\"" % m.group("delim"))
        names.append(unquote(m.group("name")))
    return sorted(n.decode("utf-8", "replace") for n in names)


def one_literal(data, seq, label):
    """From an imaplib FETCH answer for one message: the non-literal text
    (for UID, RFC822.SIZE) and the single literal, which must be labelled
    LABEL."""
    lits = [d for d in data if isinstance(d, tuple)]
    if len(lits) != 1:
        fail("message %d: expected one literal in %r" % (seq, data))
    prefix, body = lits[0]
    text = b" ".join(d[0] if isinstance(d, tuple) else d for d in data if d is not None)
    if not text.startswith(b"%d (" % seq):
        fail("message %d: FETCH answer for another message: %r" % (seq, text[:80]))
    if not prefix.rstrip().endswith(b"{%d}" % len(body)):
        fail("message %d: literal size does not match %r" % (seq, prefix))
    lab = re.search(rb"(BODY\[[^\]]*\](?:<\d+>)?) \{\d+\}$", prefix)
    if not lab or lab.group(1) != label:
        fail("message %d: literal labelled %r, expected %r" % (seq, prefix, label))
    return text, body


def connect(mode, port):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if mode == "tls":
        return imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=ctx, timeout=TIMEOUT)
    m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    if mode == "starttls":
        if "STARTTLS" not in m.capabilities:
            fail("no STARTTLS in %r" % (m.capabilities,))
        typ, dat = m.starttls(ssl_context=ctx)
        if typ != "OK":
            fail("STARTTLS: %s %r" % (typ, dat))
    elif mode != "plain":
        fail("unknown MODE %s" % mode)
    return m


def authenticate(m, auth, user, password):
    if auth == "login":
        typ, dat = m.login(user, password)
    elif auth == "plain":
        challenges = []

        def respond(challenge):
            challenges.append(challenge)
            return b"\0" + user.encode() + b"\0" + password.encode()

        typ, dat = m.authenticate("PLAIN", respond)
        if challenges != [b""]:
            fail("AUTHENTICATE PLAIN: expected one empty continuation, got %r" % challenges)
    elif auth == "plain-ir":
        ir = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()
        # A server that ignored the initial response would send "+" and
        # imaplib would wait for the tagged answer until the timeout.
        typ, dat = m._simple_command("AUTHENTICATE", "PLAIN", ir)
        if typ == "OK":
            m.state = "AUTH"
    else:
        fail("unknown AUTH %s" % auth)
    if typ != "OK":
        fail("%s: %s %r" % (auth, typ, dat))


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        sys.exit(100)
    mode, port, user, password, auth, maildir = sys.argv[1:]
    port = int(port)
    files = sorted(int(n) for n in os.listdir(maildir)  # messages, not numbered folders
                   if n.isdigit() and not n.startswith("0")
                   and os.path.isfile(os.path.join(maildir, n)))
    try:
        m = connect(mode, port)
        caps = set(m.capabilities)
        if mode in ("tls", "starttls"):
            for bad in ("STARTTLS", "LOGINDISABLED"):
                if bad in caps:
                    fail("%s offered over TLS: %r" % (bad, sorted(caps)))
            if "AUTH=PLAIN" not in caps:
                fail("no AUTH=PLAIN over TLS: %r" % sorted(caps))
        authenticate(m, auth, user, password)

        typ, dat = m.list()
        if typ != "OK":
            fail("LIST: %s %r" % (typ, dat))
        print("list: " + " ".join(list_names(dat)))

        try:
            typ, dat = m.select("INBOX")
        except imaplib.IMAP4.readonly:
            # A read-only SELECT is legal (RFC 3501 6.3.1); imaplib raises
            # and then refuses every further command unless told the
            # mailbox is meant to be read-only.
            m.is_readonly = True
            typ, dat = "OK", m.untagged_responses.get("EXISTS", [None])
        if typ != "OK":
            fail("SELECT INBOX: %s %r" % (typ, dat))
        exists = int(dat[-1])
        if exists != len(files):
            fail("SELECT INBOX: %d EXISTS, %d files in %s" % (exists, len(files), maildir))

        for seq in range(1, exists + 1):
            typ, dat = m.fetch(str(seq), "(UID RFC822.SIZE BODY.PEEK[])")
            if typ != "OK":
                fail("FETCH %d: %s %r" % (seq, typ, dat))
            text, body = one_literal(dat, seq, b"BODY[]")
            uid = re.search(rb"\bUID (\d+)", text)
            size = re.search(rb"\bRFC822\.SIZE (\d+)", text)
            if not uid or not size:
                fail("message %d: no UID or RFC822.SIZE in %r" % (seq, text[:200]))
            uid, size = int(uid.group(1)), int(size.group(1))
            if uid != files[seq - 1]:
                fail("message %d has UID %d, expected %d" % (seq, uid, files[seq - 1]))
            with open(os.path.join(maildir, str(uid)), "rb") as f:
                want = crlf(f.read())
            if body != want:
                i = next((k for k in range(min(len(body), len(want))) if body[k] != want[k]),
                         min(len(body), len(want)))
                fail("message %d (UID %d): BODY[] differs from the file at byte %d "
                     "(got %d bytes, want %d): got %r, want %r"
                     % (seq, uid, i, len(body), len(want), body[i:i + 40], want[i:i + 40]))
            if size != len(want):
                fail("message %d (UID %d): RFC822.SIZE %d, the CRLF form has %d bytes"
                     % (seq, uid, size, len(want)))

            typ, dat = m.fetch(str(seq), "(BODY.PEEK[HEADER])")
            if typ != "OK":
                fail("FETCH %d HEADER: %s %r" % (seq, typ, dat))
            _, hdr = one_literal(dat, seq, b"BODY[HEADER]")
            if hdr != header_of(want):
                fail("message %d: BODY[HEADER] is %d bytes ending %r, expected %d ending %r"
                     % (seq, len(hdr), hdr[-40:], len(header_of(want)), header_of(want)[-40:]))

        typ, dat = m.logout()
        if typ != "BYE":
            fail("LOGOUT: %s %r" % (typ, dat))
    except (imaplib.IMAP4.error, OSError) as e:
        fail("%s: %s" % (type(e).__name__, e))
    print("checked %d messages" % exists)


if __name__ == "__main__":
    main()
