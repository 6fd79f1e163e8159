#!/usr/bin/python3
"""clients_mbsync: compare a Maildir folder that mbsync pulled with the MH
folder it came from.

usage: clients_mbsync.py MH_FOLDER MAILDIR_FOLDER

mbsync's .mbsyncstate (SyncState *) maps far UIDs (on the server: the MH
message numbers) to near UIDs (",U=n" in the Maildir file names).  Every MH
message must have exactly one Maildir copy whose bytes, less any X-TUID
header mbsync may add, equal the MH file's (both with LF line ends), and
there must be nothing else.  Prints:
  messages N          (all compared and equal)
  unseen: UID...      (far UIDs without the Maildir S flag)
  flagged: UID...     (far UIDs with the F flag)
Exits 1 with a message on stderr on the first difference.
"""
import os
import re
import sys


def fail(msg):
    print("clients_mbsync: FAIL: %s" % msg, file=sys.stderr)
    sys.exit(1)


def strip_tuid(data):
    i = data.find(b"\n\n")
    head, rest = (data, b"") if i < 0 else (data[: i + 1], data[i + 1:])
    head = re.sub(rb"(?mi)^X-TUID:[^\n]*\n", b"", head)
    return head + rest


def main():
    mh, md = sys.argv[1:3]
    state = os.path.join(md, ".mbsyncstate")
    try:
        with open(state, "rb") as f:
            text = f.read().decode()
    except OSError as e:
        fail("no sync state: %s" % e)
    header, _, body = text.partition("\n\n")
    if "FarUidValidity" not in header:
        fail("unexpected state file format in %s: %r" % (state, header[:200]))
    near_to_far = {}
    for line in body.splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        far, near = int(parts[0]), int(parts[1])
        if far > 0 and near > 0:
            near_to_far[near] = far

    files = {}  # far UID -> (path, maildir flags)
    for sub in ("cur", "new"):
        for name in os.listdir(os.path.join(md, sub)):
            mo = re.search(r",U=(\d+)", name)
            if not mo:
                fail("Maildir file without a UID: %s/%s" % (sub, name))
            near = int(mo.group(1))
            if near not in near_to_far:
                fail("Maildir file %s/%s is not in the sync state" % (sub, name))
            far = near_to_far[near]
            if far in files:
                fail("far UID %d has two Maildir copies" % far)
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            files[far] = (os.path.join(md, sub, name), flags)

    msgs = sorted(int(n) for n in os.listdir(mh)  # messages, not numbered folders
                  if n.isdigit() and not n.startswith("0") and os.path.isfile(os.path.join(mh, n)))
    if sorted(files) != msgs:
        fail("MH messages %r, Maildir copies of far UIDs %r" % (msgs, sorted(files)))
    for n in msgs:
        with open(os.path.join(mh, str(n)), "rb") as f:
            want = f.read()
        with open(files[n][0], "rb") as f:
            got = strip_tuid(f.read())
        if got != want:
            i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
                     min(len(got), len(want)))
            fail("message %d differs at byte %d (Maildir %d bytes, MH %d): got %r, want %r"
                 % (n, i, len(got), len(want), got[i:i + 40], want[i:i + 40]))
    print("messages %d" % len(msgs))
    print(("unseen: " + " ".join(str(n) for n in msgs if "S" not in files[n][1])).rstrip())
    print(("flagged: " + " ".join(str(n) for n in msgs if "F" in files[n][1])).rstrip())


if __name__ == "__main__":
    main()
