#!/usr/bin/env bats
# nmh and IMAP on the same folders at the same time: what nmh's programs
# (inc, rmm, refile, mark, folder, rmf, scan, show, mhpath, pick) do shows
# up in a selected session as EXISTS, EXPUNGE and FETCH FLAGS, and what
# asimap writes (messages, .mh_sequences, its hidden files) is read by nmh.
# The sessions are t/lib/nmh_imap.py clients driven by Python snippets;
# nmh runs as the owner of the mail root with a private profile.
load lib/common
source "$BATS_TEST_DIRNAME/lib/nmh_common.sh"

setup() {
	[ -x "$MHBIN/inc" ] || skip "nmh is not installed ($MHBIN)"
	setup_world
	start_tcpserver
	nmh_profile
}
teardown() { teardown_world; }

# no_server_warnings: nothing but info lines in the servers' log.
no_server_warnings() {
	if grep -v ': info: ' "$W/server.log" | grep -q .; then
		grep -v ': info: ' "$W/server.log" | sed 's/^/server.log: /' >&2
		return 1
	fi
}

@test "inc -file of an mbox while INBOX is selected: EXISTS, new UIDs, the bytes inc wrote" {
	cat >"$W/mbox" <<'MBOX'
From alice@example.org Mon Nov  2 10:00:00 2026
From: Alice <alice@example.org>
To: u1@example.org
Subject: first via inc
Date: Mon, 2 Nov 2026 10:00:00 +0000
Message-ID: <inc-1@example.org>

Hello from the first message.
>From here on a quoted From line.

Last line after an empty one.

From bob@example.org Mon Nov  2 11:00:00 2026
From: Bob <bob@example.org>
To: u1@example.org
Subject: second via inc
Date: Mon, 2 Nov 2026 11:00:00 +0000
Message-ID: <inc-2@example.org>
Content-Type: text/plain; charset=utf-8

Zweite Nachricht: äöü
MBOX
	as_owner "$W/mbox"
	py <<'PY'
import os, re
from nmh_imap import *
W, inbox = os.environ["W"], os.environ["W"] + "/mail/u1/inbox"
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    got, _ = a.select("INBOX")
    check(a.exists == 12, "12 messages before inc, not %s" % a.exists)
    uidnext = int(re.search(rb"UIDNEXT (\d+)", b" ".join(g.line for g in got)).group(1))
    old = list(a.uids)
    mh("inc", "+inbox", "-file", W + "/mbox", "-notruncate", "-silent")
    nums = sorted(int(n) for n in os.listdir(inbox) if n.isdigit())
    check(nums == list(range(1, 15)), "inc wrote %r" % nums)
    a.poll(lambda: a.exists == 14, what="* 14 EXISTS")
    check(a.expunged == [], "EXPUNGE after inc: %r" % a.expunged)
    f = a.fetch("13:14", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
    check(sorted(f) == [13, 14], "FETCH 13:14 answered %r" % sorted(f))
    uids = [int(f[13]["UID"]), int(f[14]["UID"])]
    check(uids[0] >= uidnext and uids[1] > uids[0] and min(uids) > max(old),
          "new UIDs %r after UIDNEXT %d and old %r" % (uids, uidnext, old))
    for seq in (13, 14):
        data = open("%s/%d" % (inbox, seq), "rb").read()
        check(f[seq]["BODY[]"] == crlf(data),
              "BODY[] of %d differs from the file inc wrote:\n%r\n%r" % (seq, f[seq]["BODY[]"], crlf(data)))
        check(int(f[seq]["RFC822.SIZE"]) == len(crlf(data)), "RFC822.SIZE of %d" % seq)
        check("\\Seen" not in flags_of(f[seq]["FLAGS"]),
              "inc put %d in unseen, but FLAGS %r" % (seq, f[seq]["FLAGS"]))
    # the same by UID, and the old messages kept theirs
    g = a.fetch("%d:*" % uidnext, "(UID)", uid=True)
    check(sorted(int(v["UID"]) for v in g.values()) == uids, "UID FETCH %d:* gave %r" % (uidnext, g))
    check(a.uids == old + uids, "UIDs %r" % a.uids)
    b = Conn(os.environ["PORT"], name="b")
    b.login()
    got, _ = b.cmd("STATUS INBOX (MESSAGES UIDNEXT UNSEEN)")
    check(b"MESSAGES 14 UIDNEXT %d UNSEEN 6" % (uids[1] + 1) in got[0].line, got[0].text)
run(main)
PY
	no_server_warnings
}

@test "rmm of two messages: EXPUNGE for exactly those, the rest unchanged" {
	py <<'PY'
import os, re
from nmh_imap import *
inbox = os.environ["W"] + "/mail/u1/inbox"
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.select("INBOX")
    before = a.fetch("1:*", "(UID FLAGS BODY.PEEK[])")
    by_uid = {int(v["UID"]): (v["BODY[]"], flags_of(v["FLAGS"])) for v in before.values()}
    check(sorted(by_uid) == list(range(1, 13)), "UIDs %r" % sorted(by_uid))
    mh("rmm", "+inbox", "4", "9")
    a.poll(lambda: a.exists == 10, what="two EXPUNGEs")
    # replay the EXPUNGEs on the UID list: exactly UIDs 4 and 9 went
    sim, gone = list(range(1, 13)), []
    for n in a.expunged:
        gone.append(sim.pop(n - 1))
    check(sorted(gone) == [4, 9], "EXPUNGE %r removed UIDs %r, not 4 and 9" % (a.expunged, gone))
    check(a.uids == sim, "UIDs by number %r, expected %r" % (a.uids, sim))
    after = a.fetch("1:*", "(UID FLAGS BODY.PEEK[])", uid=True)
    check(len(after) == 10, "UID FETCH 1:* answered %d messages" % len(after))
    for seq, v in after.items():
        u = int(v["UID"])
        check(sim[seq - 1] == u, "message %d is UID %d, expected %d" % (seq, u, sim[seq - 1]))
        check(by_uid[u][0] == v["BODY[]"], "UID %d has other bytes" % u)
        check(by_uid[u][1] == flags_of(v["FLAGS"]),
              "UID %d had FLAGS %r, now %r" % (u, by_uid[u][1], flags_of(v["FLAGS"])))
    b = Conn(os.environ["PORT"], name="b")
    b.login()
    got, _ = b.select("INBOX")
    check(b.exists == 10 and b.uids == sim, "a new session sees %s: %r" % (b.exists, b.uids))
    check(any(b"[UIDNEXT 13]" in g.line for g in got), "UIDNEXT changed: %r" % [g.text for g in got])
run(main)
PY
	no_server_warnings
}

@test "refile from INBOX to another folder: EXPUNGE in one session, EXISTS in the other, same bytes" {
	make_folder "$W/mail/u1/saved" 3
	as_owner -R "$W/mail/u1/saved"
	py <<'PY'
import os
from nmh_imap import *
root = os.environ["W"] + "/mail/u1"
def main():
    src = open(root + "/inbox/5", "rb").read()
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.select("INBOX")
    b = Conn(os.environ["PORT"], name="b")
    b.login()
    b.select("saved")
    check(b.exists == 3, "saved has %s messages" % b.exists)
    mh("refile", "5", "-src", "+inbox", "+saved")
    check(open(root + "/saved/4", "rb").read() == src, "refile wrote saved/4 differently")
    a.poll(lambda: a.exists == 11, what="EXPUNGE in INBOX")
    check(a.expunged == [5], "INBOX got EXPUNGE %r" % a.expunged)
    check(a.uids == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12], "INBOX UIDs %r" % a.uids)
    b.poll(lambda: b.exists == 4, what="* 4 EXISTS in saved")
    check(b.expunged == [], "saved got EXPUNGE %r" % b.expunged)
    f = b.fetch("4", "(UID RFC822.SIZE BODY.PEEK[])")
    check(int(f[4]["UID"]) == 4, "the refiled message has UID %s" % f[4]["UID"])
    check(f[4]["BODY[]"] == crlf(src), "the refiled message's bytes differ")
    check(int(f[4]["RFC822.SIZE"]) == len(crlf(src)), "RFC822.SIZE differs")
    g = a.fetch("5", "(UID)")
    check(int(g[5]["UID"]) == 6, "INBOX message 5 is UID %s" % g[5]["UID"])
run(main)
PY
	no_server_warnings
}

@test "mark -add/-delete of unseen, flagged, replied: FETCH FLAGS; a later STORE of another flag keeps them" {
	py <<'PY'
import os
from nmh_imap import *
seqs = os.environ["W"] + "/mail/u1/inbox/.mh_sequences"
def main():
    inbox = os.path.dirname(seqs)
    ident = lambda: {n: (st.st_ino, st.st_size, st.st_mtime_ns)
                     for n in range(1, 13) for st in [os.stat("%s/%d" % (inbox, n))]}
    files = ident()
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.select("INBOX")
    f = a.fetch("1:*", "(FLAGS)")
    model = {n: flags_of(v["FLAGS"]) for n, v in f.items()}
    check(model[1] == {"\\Seen", "\\Flagged"} and model[2] == set() and model[5] == {"\\Seen"},
          "starting flags %r" % model)
    steps = [
        ("5", "flagged", "-add", {5}, "\\Flagged", True),
        ("2", "unseen", "-delete", {2}, "\\Seen", True),
        ("6", "replied", "-add", {6}, "\\Answered", True),
        ("7", "unseen", "-add", {7}, "\\Seen", False),
        ("1", "flagged", "-delete", {1}, "\\Flagged", False),
        ("6", "replied", "-delete", {6}, "\\Answered", False),
        ("3-4", "flagged", "-add", {3, 4}, "\\Flagged", True),
        ("11", "unseen", "-add", {11}, "\\Seen", False),
    ]
    for msgs, seq, op, nums, flag, on in steps:
        a.pushes.clear()
        mh("mark", "+inbox", msgs, "-sequence", seq, op, "-nozero")
        for n in nums:
            # \Seen is the absence from unseen
            if (flag == "\\Seen") == (op == "-add"):
                model[n].discard(flag)
            else:
                model[n].add(flag)
        a.poll(lambda: all((n, model[n]) in a.pushes for n in nums),
               what="FETCH FLAGS after mark %s %s %s (pushes %r)" % (msgs, seq, op, a.pushes))
        others = [p for p in a.pushes if p[0] not in nums]
        check(not others, "mark %s %s %s also sent %r" % (msgs, seq, op, others))
        wrong = [p for p in a.pushes if p[1] != model[p[0]]]
        check(not wrong, "mark %s %s %s: FETCH FLAGS %r, expected %r" % (msgs, seq, op, wrong, model))
    f = a.fetch("1:*", "(FLAGS)")
    now = {n: flags_of(v["FLAGS"]) for n, v in f.items()}
    check(now == model, "FLAGS %r, expected %r" % (now, model))

    # nmh's change followed at once (no NOOP between) by a STORE of another flag
    cases = [
        (8, ["-sequence", "replied", "-add"], "STORE 8 +FLAGS (\\Flagged)", {"\\Seen", "\\Answered", "\\Flagged"}),
        (9, ["-sequence", "unseen", "-delete"], "STORE 9 +FLAGS (\\Answered)", {"\\Seen", "\\Answered"}),
        (10, ["-sequence", "unseen", "-add"], "STORE 10 +FLAGS.SILENT (\\Answered)", {"\\Answered"}),
        (12, ["-sequence", "flagged", "-add"], "STORE 12 -FLAGS (\\Seen)", {"\\Flagged"}),
        (1, ["-sequence", "replied", "-add"], "UID STORE 1 +FLAGS (\\Draft)", {"\\Seen", "\\Answered", "\\Draft"}),
    ]
    for n, args, store, want in cases:
        mh("mark", "+inbox", str(n), *args, "-nozero")
        a.cmd(store)
        got = flags_of(a.fetch(str(n), "(FLAGS)")[n]["FLAGS"])
        check(got == want, "after mark %d %s and %s: FLAGS %r, expected %r" % (n, " ".join(args), store, got, want))
    # the other way round: STORE, then mark of another flag at once, then NOOP
    a.cmd("STORE 2 +FLAGS (\\Flagged)")
    mh("mark", "+inbox", "2", "-sequence", "replied", "-add", "-nozero")
    a.cmd("STORE 2 -FLAGS (\\Flagged)")
    got = flags_of(a.fetch("2", "(FLAGS)")[2]["FLAGS"])
    check(got == {"\\Seen", "\\Answered"}, "message 2: FLAGS %r" % got)
    # and nmh agrees
    lists = {}
    for s in ("replied", "flagged", "unseen", "Draft"):
        _, out, _ = mh("mark", "+inbox", "-list", "-sequence", s)
        lists[s] = out.strip()
    want = {"replied": "replied: 1-2 8-10", "flagged": "flagged: 3-5 8 12",
            "unseen": "unseen: 3-4 7 10-12", "Draft": "Draft: 1"}
    check(lists == want, "mark -list: %r\nexpected %r\n.mh_sequences:\n%s" % (lists, want, open(seqs).read()))
    # flags live in .mh_sequences only: no message file was rewritten
    check(ident() == files, "message files changed: %r -> %r" % (files, ident()))
run(main)
PY
	no_server_warnings
}

@test "folder -create and rmf: LIST shows the folder, then stops showing it" {
	py <<'PY'
import os, re
from nmh_imap import *
root = os.environ["W"] + "/mail/u1"
def names(c):
    got, _ = c.cmd('LIST "" "*"')
    out = set()
    for g in got:
        m = re.match(rb'\* LIST \([^)]*\) (?:"."|NIL) (.*)$', g.line)
        if m:
            out.add(m.group(1).strip(b'"').decode())
    return out
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.select("INBOX")
    before = names(a)
    check("INBOX" in before and "archive/2025" in before and "newf" not in before, "LIST %r" % before)
    mh("folder", "-create", "+newf")
    mh("folder", "-create", "+archive/sub")
    check(names(a) == before | {"newf", "archive/sub"}, "LIST after folder -create: %r" % names(a))
    try:
        got, _ = a.cmd("STATUS newf (MESSAGES UIDNEXT)")
    except EOFError:
        fail("the server closed the connection at STATUS of the new, empty folder newf (server.log says why)")
    check(b"MESSAGES 0 UIDNEXT 1" in got[0].line, got[0].text)
    # a session has it selected, and asimap has written what it keeps there
    b = Conn(os.environ["PORT"], name="b")
    b.login()
    b.select("newf")
    b.cmd("APPEND newf", literal=b"Subject: x\r\n\r\nbody\r\n")
    b.cmd("STORE 1 +FLAGS (\\Flagged)")
    b.select("archive/sub")
    print("files in newf before rmf:", sorted(os.listdir(root + "/newf")))
    mh("rmf", "-nointeractive", "+newf")
    mh("rmf", "-nointeractive", "+archive/sub")
    ls = lambda p: os.listdir(p) if os.path.exists(p) else None
    check(ls(root + "/newf") is None, "rmf left newf: %r" % ls(root + "/newf"))
    check(ls(root + "/archive/sub") is None, "rmf left archive/sub: %r" % ls(root + "/archive/sub"))
    check(names(a) == before, "LIST after rmf: %r" % names(a))
    got, r = a.cmd("SELECT newf", ok=False)
    check(b" NO" in r.line, "SELECT of a removed folder: %s" % r.text)
    got, r = a.cmd("STATUS newf (MESSAGES)", ok=False)
    check(b" NO" in r.line, "STATUS of a removed folder: %s" % r.text)
    # the session that had the removed folder selected is still served
    try:
        b.cmd("NOOP", ok=False)
        b.cmd("SELECT INBOX")
    except EOFError:
        pass  # a BYE and a close are fine too
    check(not os.path.exists(root + "/newf") and not os.path.exists(root + "/archive/sub"),
          "the server made a removed folder again")
    a.select("archive")
    check(a.exists == 3, "archive after rmf of archive/sub: %s" % a.exists)
run(main)
PY
	no_server_warnings
}

@test "scan, show and mark -list read every file and sequence asimap wrote (APPEND, STORE, COPY)" {
	make_folder "$W/mail/u1/saved" 3
	as_owner -R "$W/mail/u1/saved"
	py <<'PY'
import os, re
from nmh_imap import *
root = os.environ["W"] + "/mail/u1"
MSG = (b"From: IMAP Client <c@example.org>\r\nTo: u1@example.org\r\n"
       b"Subject: appended over IMAP\r\nDate: Tue, 3 Nov 2026 09:00:00 +0000\r\n"
       b"Message-ID: <appended-1@example.org>\r\n\r\n"
       b"The body that show must print.\r\nSecond line.\r\n")
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    _, r = a.cmd('APPEND saved (\\Flagged \\Answered $Label1) "03-Nov-2026 09:00:00 +0000"', literal=MSG)
    check(re.search(rb"\[APPENDUID \d+ 4\]", r.line), r.text)
    a.select("saved")
    a.cmd("STORE 1 +FLAGS (\\Flagged)")
    a.cmd("STORE 2 +FLAGS (work)")
    a.cmd("STORE 3 -FLAGS (\\Seen)")
    a.select("INBOX")
    _, r = a.cmd("COPY 2:3 saved")
    check(re.search(rb"\[COPYUID \d+ 2:3 5:6\]", r.line), r.text)
    a.select("saved")
    check(a.exists == 6, "saved has %s messages" % a.exists)
    # scan: every message, no complaint
    _, out, _ = mh("scan", "+saved", "-format", "%(msg) %{subject}")
    lines = out.splitlines()
    check([l.split(" ", 1)[0] for l in lines] == ["1", "2", "3", "4", "5", "6"], "scan +saved:\n%s" % out)
    check(lines[3] == "4 appended over IMAP", "scan line 4: %r" % lines[3])
    _, orig, _ = mh("scan", "+inbox", "2-3", "-format", "%(msg) %{subject}")
    check([l.split(" ", 1)[1] for l in lines[4:]] == [l.split(" ", 1)[1] for l in orig.splitlines()],
          "scan of the copies %r, of the originals %r" % (lines[4:], orig))
    _, out, _ = mh("scan", "+saved")
    check(len(out.splitlines()) == 6, "scan +saved (default format):\n%s" % out)
    # the file is the message with LF line ends
    check(open(root + "/saved/4", "rb").read() == MSG.replace(b"\r\n", b"\n"), "saved/4 differs")
    # mark -list: the sequences asimap wrote
    _, out, _ = mh("mark", "+saved", "-list")
    got = {l.split(":", 1)[0]: l.split(":", 1)[1].strip() for l in out.splitlines()}
    got.pop("cur", None)
    want = {"flagged": "1 4", "replied": "4", "$Label1": "4", "work": "2", "unseen": "3-6"}
    check(got == want, "mark +saved -list:\n%s\nexpected %r" % (out, want))
    _, out, _ = mh("pick", "+saved", "flagged")
    check(out.split() == ["1", "4"], "pick flagged: %r" % out)
    # show prints the appended message; with Unseen-Sequence it becomes \Seen
    a.pushes.clear()
    _, out, _ = mh("show", "+saved", "4")
    check("The body that show must print.\nSecond line.\n" in out, "show +saved 4:\n%s" % out)
    check("appended over IMAP" in out, "show +saved 4 without the subject:\n%s" % out)
    _, out, _ = mh("show", "+saved", "6", "-noshowproc", "-nocheckmime")
    check(out.encode("latin-1").endswith(b"\n" + open(root + "/inbox/3", "rb").read()), "show -noshowproc +saved 6:\n%s" % out)
    a.poll(lambda: (4, {"\\Seen", "\\Flagged", "\\Answered", "$Label1"}) in a.pushes,
           what="\\Seen on 4 after show (pushes %r)" % a.pushes)
    _, out, _ = mh("mark", "+saved", "-list", "-sequence", "unseen")
    check(out.strip() == "unseen: 3 5", "unseen after show: %r" % out)
    others = [n for n in os.listdir(root + "/saved") if not n.isdigit() and not n.startswith(".")]
    check(not others, "asimap left files nmh does not expect in saved: %r" % others)
    _, out, _ = mh("mhpath", "+saved", "all")
    check(out.split() == ["%s/saved/%d" % (root, i) for i in range(1, 7)], "mhpath all: %r" % out)
run(main)
PY
	no_server_warnings
}

@test "mhpath all and pick agree with IMAP: message count, -subject, unseen and flagged" {
	nmh rmm +inbox 3 7
	py <<'PY'
import os, re
from nmh_imap import *
root = os.environ["W"] + "/mail/u1"
def pick(*args):
    st, out, err = mh("pick", "+inbox", *args, "-list", check_ok=False)
    check(st in (0, 1) and (st == 0 or "no messages match" in err), "pick %r: %d %r" % (args, st, err))
    return [int(x) for x in out.split()]
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.cmd("APPEND INBOX (\\Flagged)", literal=b"Subject: Delivery report from IMAP\r\n\r\nx\r\n")
    a.select("INBOX")
    a.cmd("STORE 2 +FLAGS (\\Flagged)")
    a.cmd("STORE 5 -FLAGS (\\Seen)")
    _, out, _ = mh("mhpath", "+inbox", "all")
    nums = [int(p.rsplit("/", 1)[1]) for p in out.split()]
    check(nums == [1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13], "mhpath all: %r" % nums)
    f = a.fetch("1:*", "(UID FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    check(len(f) == len(nums) == a.exists, "IMAP has %d (EXISTS %s), mhpath %d" % (len(f), a.exists, len(nums)))
    # message n of IMAP is the n-th number of mhpath
    seq_of = {num: i + 1 for i, num in enumerate(nums)}
    def subject(v):
        h = v["BODY[HEADER.FIELDS (SUBJECT)]"].decode("latin-1")
        return re.sub(r"\r\n[ \t]", " ", h).split(":", 1)[1].strip() if ":" in h else ""
    for pat in ("delivery", "mimemessage", "future os"):
        want = sorted(n for n, v in f.items() if pat in subject(v).lower())
        got = sorted(seq_of[x] for x in pick("-subject", pat))
        check(got == want, "pick -subject %s: %r, IMAP: %r" % (pat, got, want))
        check(want, "no IMAP subject has %r: %r" % (pat, [subject(v) for v in f.values()]))
    want = sorted(n for n, v in f.items() if "\\Seen" not in flags_of(v["FLAGS"]))
    got = sorted(seq_of[x] for x in pick("unseen"))
    check(got == want and got, "pick unseen: %r, IMAP not \\Seen: %r" % (got, want))
    want = sorted(n for n, v in f.items() if "\\Flagged" in flags_of(v["FLAGS"]))
    got = sorted(seq_of[x] for x in pick("flagged"))
    check(got == want and len(got) == 3, "pick flagged: %r, IMAP \\Flagged: %r" % (got, want))
run(main)
PY
	no_server_warnings
}

@test "an nmh mark loop and an IMAP STORE loop on one folder for a bounded time lose no update" {
	make_folder "$W/mail/u1/conc" 150
	as_owner -R "$W/mail/u1/conc"
	py <<'PY'
import os, threading, time
from nmh_imap import *
N, LIMIT = 150, 12.0
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.select("conc")
    check(a.exists == N, "conc has %s messages" % a.exists)
    done_nmh, errors = [], []
    start = time.time()
    def marks():
        try:
            for i in range(1, N + 1):
                if time.time() - start > LIMIT:
                    break
                mh("mark", "+conc", str(i), "-sequence", "fromnmh", "-add", "-nozero")
                done_nmh.append(i)
        except Exception as e:
            errors.append(str(e))
    t = threading.Thread(target=marks)
    t.start()
    done_imap = []
    for i in range(1, N + 1):
        if time.time() - start > LIMIT:
            break
        a.cmd("STORE %d +FLAGS.SILENT (fromimap)" % i)
        done_imap.append(i)
        time.sleep(0.006)  # about nmh's pace, so the two loops overlap
    imap_end = time.time() - start
    t.join(LIMIT + 10)
    check(not t.is_alive(), "the mark loop did not end")
    nmh_end = time.time() - start
    print("imap loop %.2f s, nmh loop %.2f s" % (imap_end, nmh_end))
    check(not errors, "mark failed: %r" % errors)
    check(len(done_nmh) == N and len(done_imap) == N,
          "only %d marks and %d STOREs in %.0f s" % (len(done_nmh), len(done_imap), LIMIT))
    for s in ("fromnmh", "fromimap"):
        _, out, _ = mh("mark", "+conc", "-list", "-sequence", s)
        check(out.strip() == "%s: 1-%d" % (s, N), "mark -list -sequence %s: %r" % (s, out))
    a.noop()
    f = a.fetch("1:*", "(FLAGS)")
    bad = {n: v["FLAGS"] for n, v in f.items()
           if not {"fromnmh", "fromimap"} <= flags_of(v["FLAGS"])}
    check(len(f) == N and not bad, "messages without both keywords: %r" % bad)
    bad = [r.text for r in a.log if r.words[:1] != [b"*"] and b" OK" not in r.line]
    check(not bad, "IMAP errors: %r" % bad)
run(main)
PY
	no_server_warnings
}

@test "two IMAP sessions on one folder see each other's STORE and EXPUNGE, also in IDLE" {
	py <<'PY'
import os
from nmh_imap import *
def main():
    a = Conn(os.environ["PORT"], name="a")
    a.login()
    a.select("INBOX")
    b = Conn(os.environ["PORT"], name="b")
    b.login()
    b.select("INBOX")
    a.cmd("STORE 3 +FLAGS (\\Flagged)")
    b.poll(lambda: (3, {"\\Flagged"}) in b.pushes, what="b: FETCH FLAGS of 3 (%r)" % b.pushes)
    b.cmd("STORE 5 +FLAGS.SILENT (\\Deleted)")
    a.poll(lambda: (5, {"\\Seen", "\\Deleted"}) in a.pushes, what="a: FETCH FLAGS of 5 (%r)" % a.pushes)
    b.cmd("EXPUNGE")
    check(b.expunged == [5], "b: EXPUNGE %r" % b.expunged)
    a.poll(lambda: a.expunged == [5], what="a: * 5 EXPUNGE (%r)" % a.expunged)
    check(a.uids == b.uids == [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12], "UIDs a %r b %r" % (a.uids, b.uids))
    f = a.fetch("5", "(UID)")
    check(int(f[5]["UID"]) == 6, "a: message 5 is UID %s" % f[5]["UID"])
    # in IDLE, b's STORE, EXPUNGE and APPEND come without a command
    a.pushes.clear()
    t = a.start("IDLE")
    r = a.read()
    check(r.line.startswith(b"+"), "IDLE: %s" % r.text)
    b.cmd("STORE 1 -FLAGS (\\Flagged)")
    b.cmd("STORE 2 +FLAGS (\\Deleted)")
    b.cmd("EXPUNGE")
    b.cmd("APPEND INBOX", literal=b"Subject: from b\r\n\r\nhi\r\n")
    while not ((1, {"\\Seen"}) in a.pushes and a.expunged == [5, 2] and a.exists == 11):
        a.read(timeout=5)
    a.send(b"DONE\r\n")
    _, r = a.finish(t)
    check(r.line.startswith((t + " OK").encode()), r.text)
    f = a.fetch("11", "(UID)")
    check(int(f[11]["UID"]) == 13, "the appended message: %r" % f)
run(main)
PY
	no_server_warnings
}
