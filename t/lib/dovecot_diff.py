#!/usr/bin/python3
"""dovecot_diff: compare what the mime/envelope library writes (through
build/t/test_mime_tool) with what Dovecot answers for the same messages.

usage: dovecot_diff.py PORT TOOL MSGDIR [ALLOWED]

Dovecot (started by dovecot_start.sh) serves every file of MSGDIR as a
one-message folder named after it.  For each file the items are ENVELOPE,
BODY, BODYSTRUCTURE, RFC822, RFC822.HEADER, RFC822.TEXT and every section
that `TOOL sections FILE` lists (all part numbers with .MIME, HEADER, TEXT
and HEADER.FIELDS of message/rfc822 parts, partials, absent parts).  Each
value is compared byte for byte; a value that differs only in how strings
are written (quoted or literal, RFC 3501 4.3) counts as "same string".
ALLOWED lists known differences, one "FOLDER ITEM" per line ('#' starts a
comment, ITEM may end in '*'); they are Dovecot's deviations from the RFCs,
with the section that justifies ours beside each.

Prints every unexpected difference and a closing line
"dovecot_diff: N passed, N failed" (same-string and allowed ones count as
passed); exits 1 when something failed or an allowed difference did not
occur (a stale list), 2 on a protocol error.
"""
import os
import re
import socket
import subprocess
import sys

TIMEOUT = 20


class Imap:
    def __init__(self, port):
        self.s = socket.create_connection(("127.0.0.1", port), TIMEOUT)
        self.f = self.s.makefile("rb")
        self.n = 0
        self.f.readline()
        self.cmd(b"LOGIN u p")

    def cmd(self, line):
        self.n += 1
        tag = b"t%d" % self.n
        self.s.sendall(tag + b" " + line + b"\r\n")
        untagged = []
        cur = b""
        while True:
            line = self.f.readline()
            if not line:
                raise RuntimeError("connection closed")
            cur += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if m:
                cur += self.f.read(int(m.group(1)))
                continue
            if cur.startswith(tag + b" "):
                if not cur.startswith(tag + b" OK"):
                    raise RuntimeError("%r failed: %r" % (line, cur))
                return untagged
            untagged.append(cur)
            cur = b""


def fetch_value(resp):
    """The value in b'* 1 FETCH (LABEL VALUE)\\r\\n'."""
    m = re.match(rb"\* 1 FETCH \(", resp)
    if not m or not resp.endswith(b")\r\n"):
        raise RuntimeError("unexpected response %r" % resp[:200])
    rest = resp[m.end():-3]
    if rest.startswith(b"BODY["):
        i = rest.index(b"]") + 1
        m2 = re.match(rb"<\d+>", rest[i:])
        if m2:
            i += m2.end()
    else:
        i = rest.index(b" ")
    return rest[i + 1:]


def tokens(v):
    """IMAP value -> nested lists; strings as ('s', bytes)."""
    out, stack, i = [], [], 0
    cur = out
    while i < len(v):
        c = v[i:i + 1]
        if c == b" ":
            i += 1
        elif c == b"(":
            stack.append(cur)
            cur.append([])
            cur = cur[-1]
            i += 1
        elif c == b")":
            cur = stack.pop()
            i += 1
        elif c == b'"':
            j, s = i + 1, b""
            while v[j:j + 1] != b'"':
                if v[j:j + 1] == b"\\":
                    j += 1
                s += v[j:j + 1]
                j += 1
            cur.append(("s", s))
            i = j + 1
        elif c == b"{":
            m = re.match(rb"\{(\d+)\}\r\n", v[i:])
            n = int(m.group(1))
            cur.append(("s", v[i + m.end():i + m.end() + n]))
            i += m.end() + n
        else:
            m = re.match(rb"[^ ()]+", v[i:])
            cur.append(("a", m.group(0)))
            i += m.end()
    return out


def our_values(tool, path, atts):
    out = subprocess.run([tool, "fetch", path] + atts, stdout=subprocess.PIPE, check=True).stdout
    vals, i = [], 0
    while i < len(out):
        j = out.index(b"\n", i)
        n = int(out[i + 1:j])
        if n < 0:
            vals.append(None)
            i = j + 2
        else:
            vals.append(out[j + 1:j + 1 + n])
            i = j + 1 + n + 1
    return vals


def load_allowed(path):
    allowed = []
    if path:
        for line in open(path):
            line = line.split("#", 1)[0].strip()
            if line:
                folder, item = line.split(None, 1)
                allowed.append([folder, item, 0])
    return allowed


def is_allowed(allowed, folder, att):
    for a in allowed:
        if a[0] == folder and (a[1] == att or (a[1].endswith("*") and att.startswith(a[1][:-1]))):
            a[2] += 1
            return True
    return False


def main():
    port, tool, msgdir = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    allowed = load_allowed(sys.argv[4] if len(sys.argv) > 4 else None)
    imap = Imap(port)
    passed = failed = same = 0
    for name in sorted(os.listdir(msgdir)):
        path = os.path.join(msgdir, name)
        folder = name[:-4] if name.endswith(".eml") else name
        secs = subprocess.run([tool, "sections", path], stdout=subprocess.PIPE,
                              check=True).stdout.decode().split("\n")
        atts = ["ENVELOPE", "BODY", "BODYSTRUCTURE", "RFC822", "RFC822.HEADER", "RFC822.TEXT"]
        atts += [s for s in secs if s]
        ours = our_values(tool, path, atts)
        imap.cmd(b"EXAMINE " + folder.encode())
        # Dovecot answers from its cache once it has parsed a message, and
        # some answers change then (a plain 7-bit text's BODY becomes
        # canonical): compare the steady state.
        imap.cmd(b"FETCH 1 (ENVELOPE BODY BODYSTRUCTURE RFC822.SIZE BODY.PEEK[HEADER.FIELDS "
                 b"(FROM SUBJECT CONTENT-TYPE X-NOT-THERE)])")
        for att, mine in zip(atts, ours):
            resp = imap.cmd(b"FETCH 1 (" + att.encode() + b")")
            fetched = [r for r in resp if r.startswith(b"* 1 FETCH")]
            if len(fetched) != 1:
                raise RuntimeError("%s %s: %r" % (folder, att, resp))
            theirs = fetch_value(fetched[0])
            if mine == theirs:
                passed += 1
            elif mine is not None and tokens(mine) == tokens(theirs):
                passed += 1
                same += 1
            elif is_allowed(allowed, folder, att):
                passed += 1
            else:
                failed += 1
                print("DIFF %s %s\n  dovecot: %r\n  ours:    %r" % (folder, att, theirs[:600],
                                                                  (mine or b"")[:600]))
    for a in allowed:
        if a[2] == 0:
            failed += 1
            print("STALE allowed difference that did not occur: %s %s" % (a[0], a[1]))
    print("dovecot_diff: %d identical or same string, of which %d differ in string form" % (passed, same))
    print("dovecot_diff: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (RuntimeError, OSError, ValueError) as e:
        print("dovecot_diff: error: %s" % e, file=sys.stderr)
        sys.exit(2)
