#!/usr/bin/python3
"""imapflow_folder: the INBOX that t/imapflow.bats serves to imapflow,
and what imapflow must see of it.

usage: imapflow_folder.py MH_FOLDER EXPECT_JSON

Writes five messages (1..5) into MH_FOLDER with .mh_sequences for their
flags and fixed mtimes (internal dates), and EXPECT_JSON: a list of one
object per message with what the client must report, derived here with
Python's email package, independently of the server: uid, flags,
internalDate (ISO, UTC), size (RFC822.SIZE: the file with LF as CRLF),
subject (RFC 2047 decoded), messageId, date (ISO, UTC), from/to/cc as
[name, address] pairs, and structure: the MIME tree as
"type/subtype(child,child)".
"""
import email
import email.header
import email.policy
import email.utils
import json
import os
import sys
from datetime import datetime, timezone

MESSAGES = [
    # (flags, mtime, text)
    ({"\\Seen"}, 1767261600,  # 1-Jan-2026 10:00 UTC
     "From: Alice Example <alice@example.org>\n"
     "To: Bob Builder <bob@example.net>\n"
     "Subject: Plain text for imapflow\n"
     "Date: Thu, 1 Jan 2026 10:00:00 +0000\n"
     "Message-ID: <imapflow-1@example.org>\n"
     "\n"
     "Just text.\n"),
    ({"\\Flagged"}, 1767348000,
     "From: =?iso-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.de>\n"
     "To: Bob Builder <bob@example.net>, carol@example.com\n"
     "Cc: \"Dave, the admin\" <dave@example.com>\n"
     "Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4g4piV?=\n"
     "Date: Fri, 2 Jan 2026 11:30:00 +0100\n"
     "Message-ID: <imapflow-2@example.de>\n"
     "MIME-Version: 1.0\n"
     "Content-Type: text/plain; charset=utf-8\n"
     "Content-Transfer-Encoding: 8bit\n"
     "\n"
     "Grüße aus Köln.\n"),
    ({"\\Seen", "\\Answered"}, 1767434400,
     "From: Alice Example <alice@example.org>\n"
     "To: Bob Builder <bob@example.net>\n"
     "Subject: Alternative parts\n"
     "Date: Sat, 3 Jan 2026 09:15:00 -0500\n"
     "Message-ID: <imapflow-3@example.org>\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/alternative; boundary=\"alt\"\n"
     "\n"
     "--alt\n"
     "Content-Type: text/plain; charset=us-ascii\n"
     "\n"
     "Plain.\n"
     "--alt\n"
     "Content-Type: text/html; charset=us-ascii\n"
     "\n"
     "<p>HTML.</p>\n"
     "--alt--\n"),
    ({"\\Seen", "project"}, 1767520800,
     "From: Carol <carol@example.com>\n"
     "To: Alice Example <alice@example.org>\n"
     "Subject: Report attached\n"
     "Date: Sun, 4 Jan 2026 12:00:00 +0000\n"
     "Message-ID: <imapflow-4@example.com>\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=\"mix\"\n"
     "\n"
     "--mix\n"
     "Content-Type: text/plain\n"
     "\n"
     "See the report.\n"
     "--mix\n"
     "Content-Type: application/pdf; name=\"report.pdf\"\n"
     "Content-Disposition: attachment; filename=\"report.pdf\"\n"
     "Content-Transfer-Encoding: base64\n"
     "\n"
     "JVBERi0xLjQKJcOkw7zDtsOfCg==\n"
     "--mix--\n"),
    ({"\\Draft"}, 1767607200,
     "From: Bob Builder <bob@example.net>\n"
     "To: Alice Example <alice@example.org>\n"
     "Subject: Fwd: an attached message\n"
     "Date: Mon, 5 Jan 2026 08:00:00 +0000\n"
     "Message-ID: <imapflow-5@example.net>\n"
     "MIME-Version: 1.0\n"
     "Content-Type: multipart/mixed; boundary=\"fwd\"\n"
     "\n"
     "--fwd\n"
     "Content-Type: text/plain\n"
     "\n"
     "Forwarded below.\n"
     "--fwd\n"
     "Content-Type: message/rfc822\n"
     "\n"
     "From: Inner <inner@example.org>\n"
     "Subject: inner\n"
     "\n"
     "Inner body.\n"
     "--fwd--\n"),
]

SEQUENCES = {"\\Flagged": "flagged", "\\Answered": "replied", "\\Draft": "Draft",
             "\\Deleted": "Deleted", "project": "project"}


def structure(part):
    if part.is_multipart():
        kids = part.get_payload()
        return "%s(%s)" % (part.get_content_type(), ",".join(structure(k) for k in kids))
    return part.get_content_type()


def addresses(msg, field):
    return [[name, addr] for name, addr in
            email.utils.getaddresses([str(v) for v in msg.get_all(field, [])])]


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def main():
    folder, out = sys.argv[1], sys.argv[2]
    os.makedirs(folder, exist_ok=True)
    seqs = {"unseen": []}
    expect = []
    for n, (flags, mtime, text) in enumerate(MESSAGES, 1):
        data = text.encode("utf-8")
        path = os.path.join(folder, str(n))
        with open(path, "wb") as f:
            f.write(data)
        os.utime(path, (mtime, mtime))
        if "\\Seen" not in flags:
            seqs["unseen"].append(n)
        for flag in flags:
            if flag in SEQUENCES:
                seqs.setdefault(SEQUENCES[flag], []).append(n)
        msg = email.message_from_bytes(data, policy=email.policy.default)
        sent = email.utils.parsedate_to_datetime(msg["Date"])
        expect.append({
            "uid": n,
            "flags": sorted(flags),
            "internalDate": iso(mtime),
            "size": len(data) + data.count(b"\n"),
            "subject": str(msg["Subject"]),
            "messageId": msg["Message-ID"],
            "date": sent.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "from": addresses(msg, "From"),
            "to": addresses(msg, "To"),
            "cc": addresses(msg, "Cc"),
            "structure": structure(msg),
        })
    with open(os.path.join(folder, ".mh_sequences"), "w") as f:
        for name, nums in seqs.items():
            if nums:
                f.write("%s: %s\n" % (name, " ".join(str(x) for x in nums)))
    with open(out, "w") as f:
        json.dump(expect, f, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
