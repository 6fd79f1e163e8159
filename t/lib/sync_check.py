#!/usr/bin/python3
"""sync_check: compare an MH mail root that asimap serves with the Maildir
tree that mbsync keeps in sync with it (t/sync.bats).

usage: sync_check.py compare MH_ROOT MAILDIR_ROOT FOLDER...
       sync_check.py snapshot MH_ROOT MAILDIR_ROOT

compare: for each IMAP folder name (INBOX is MH "inbox" and Maildir
"INBOX"; others are the same path on both sides), the MH messages
(numbered files) and the Maildir messages (cur/ and new/) must hold the
same bodies, byte for byte once an X-TUID header that mbsync may add is
left out (both sides store LF line ends), each body exactly once on each
side, with the same flags: MH sequences unseen (absent: S), flagged (F),
replied (R), Deleted (T), Draft (D) against the Maildir ":2," flags
DFRST.  Prints, per folder, "FOLDER: N messages" and then one line
"FOLDER MH_NUMBER FLAGS SUBJECT" per message (flags as Maildir letters,
sorted, "-" for none); exits 1 after printing "FAIL ..." lines when the
sides differ.

snapshot: prints every message file of both trees (path and SHA-256),
each .mh_sequences and each .mbsyncstate, so that two snapshots taken
around a sync show whether it changed anything.
"""
import hashlib
import os
import re
import sys

MH_SEQ_FLAGS = {"flagged": "F", "replied": "R", "Deleted": "T", "Draft": "D"}


def strip_tuid(data):
    i = data.find(b"\n\n")
    head, rest = (data, b"") if i < 0 else (data[: i + 1], data[i + 1:])
    return re.sub(rb"(?mi)^X-TUID:[^\n]*\n", b"", head) + rest


def subject(data):
    m = re.search(rb"(?mi)^Subject:[ \t]*([^\n]*)", data.split(b"\n\n", 1)[0])
    return (m.group(1) if m else b"").decode("utf-8", "replace")[:40].strip() or "(none)"


def mh_sequences(folder):
    seqs = {}
    try:
        text = open(os.path.join(folder, ".mh_sequences"), encoding="utf-8").read()
    except FileNotFoundError:
        return seqs
    for line in re.sub(r"\n[ \t]+", " ", text).splitlines():
        name, _, value = line.partition(":")
        nums = set()
        for tok in value.split():
            a, _, b = tok.partition("-")
            if a.isdigit() and (not b or b.isdigit()):
                nums.update(range(int(a), int(b or a) + 1))
        seqs[name.strip()] = nums
    return seqs


def mh_folder(root, name):
    path = os.path.join(root, "inbox" if name == "INBOX" else name)
    seqs = mh_sequences(path)
    msgs = []
    for f in os.listdir(path):
        if not (f.isdigit() and not f.startswith("0") and os.path.isfile(os.path.join(path, f))):
            continue
        n = int(f)
        flags = "" if n in seqs.get("unseen", set()) else "S"
        flags += "".join(c for s, c in MH_SEQ_FLAGS.items() if n in seqs.get(s, set()))
        with open(os.path.join(path, f), "rb") as fh:
            msgs.append((n, strip_tuid(fh.read()), "".join(sorted(flags))))
    return msgs


def maildir_folder(root, name):
    path = os.path.join(root, name)
    msgs = []
    for sub in ("cur", "new"):
        for f in os.listdir(os.path.join(path, sub)):
            flags = f.split(":2,", 1)[1] if ":2," in f else ""
            with open(os.path.join(path, sub, f), "rb") as fh:
                msgs.append((f, strip_tuid(fh.read()),
                             "".join(sorted(c for c in flags if c in "DFRST"))))
    return msgs


def compare(mh_root, md_root, folders):
    failed = False
    for name in folders:
        mh, md = mh_folder(mh_root, name), maildir_folder(md_root, name)
        by_body = {}
        for side, msgs in (("MH", mh), ("Maildir", md)):
            for ident, body, flags in msgs:
                slot = by_body.setdefault(body, {})
                if side in slot:
                    print("FAIL %s: a body is twice in the %s folder (%s and %s)"
                          % (name, side, slot[side][0], ident))
                    failed = True
                slot[side] = (ident, flags)
        print("%s: %d messages" % (name, len(mh)))
        lines = []
        for body, slot in by_body.items():
            if "MH" not in slot or "Maildir" not in slot:
                side = "MH" if "MH" in slot else "Maildir"
                print("FAIL %s: only in the %s folder: %s (%s)"
                      % (name, side, slot[side][0], subject(body)))
                failed = True
                continue
            if slot["MH"][1] != slot["Maildir"][1]:
                print("FAIL %s: MH %d has flags %r, its Maildir copy %s has %r"
                      % (name, slot["MH"][0], slot["MH"][1], slot["Maildir"][0],
                         slot["Maildir"][1]))
                failed = True
            lines.append((slot["MH"][0], "%s %d %s %s" % (name, slot["MH"][0],
                                                          slot["MH"][1] or "-", subject(body))))
        for _, line in sorted(lines):
            print(line)
    return 1 if failed else 0


def snapshot(mh_root, md_root):
    out = []
    for root, tag in ((mh_root, "mh"), (md_root, "maildir")):
        for d, _, files in os.walk(root):
            for f in files:
                p = os.path.join(d, f)
                rel = os.path.relpath(p, root)
                keep = (tag == "mh" and (f.isdigit() or f == ".mh_sequences")) or \
                    (tag == "maildir" and (os.path.basename(d) in ("cur", "new") or
                                           f == ".mbsyncstate"))
                if keep:
                    with open(p, "rb") as fh:
                        out.append("%s %s %s" % (tag, rel, hashlib.sha256(fh.read()).hexdigest()))
    for line in sorted(out):
        print(line)
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "compare":
        return compare(sys.argv[2], sys.argv[3], sys.argv[4:])
    if len(sys.argv) == 4 and sys.argv[1] == "snapshot":
        return snapshot(sys.argv[2], sys.argv[3])
    print(__doc__.split("\n\n")[1], file=sys.stderr)
    return 100


if __name__ == "__main__":
    sys.exit(main())
