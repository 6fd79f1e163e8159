#!/usr/bin/env bats
# Crash safety: the user's supervisor killed with SIGKILL at random moments
# of APPEND, STORE, COPY, MOVE and EXPUNGE loses no message, duplicates
# none, leaves no half message, keeps every UID it told a client, and
# leaves .mh_sequences and the folder usable (t/lib/crash_run.py has the
# model).  Also the states a crash leaves between two steps of a write,
# made on purpose.
load lib/common
source "$BATS_TEST_DIRNAME/lib/nmh_common.sh"

setup() {
	[ -x "$MHBIN/mark" ] || skip "nmh is not installed ($MHBIN)"
	setup_world
	start_tcpserver
	nmh_profile
}
teardown() { teardown_world; }

# kill_supervisor: SIGKILL the user's supervisor and wait (at most 5 s)
# until it is gone.
kill_supervisor() {
	local i
	kill -KILL $(supervisors)
	for i in $(seq 1 100); do
		[ -z "$(supervisors)" ] && return 0
		sleep 0.05
	done
	return 1
}

@test "SIGKILL of the supervisor during APPEND, STORE, COPY, MOVE, EXPUNGE: nothing lost, duplicated or renamed" {
	run timeout 120 env PYTHONPATH="$ROOT/t/lib" /usr/bin/python3 "$ROOT/t/lib/crash_run.py" \
		"${CRASH_ROUNDS:-30}" "${CRASH_SECONDS:-60}"
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"outcomes: "* ]]
}

# A crash after EXPUNGE unlinked the files and before it rewrote
# .mh_sequences (or after a MOVE renamed them away) leaves numbers in the
# sequences that name no file.  nmh ignores such numbers; the next message
# to get one of those numbers must not inherit the flags of the gone one.
@test "numbers a crash left in .mh_sequences do not give their flags to a new message" {
	inbox=$W/mail/u1/inbox
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c STORE 12 +FLAGS (\Flagged kw1)
d STORE 11:12 +FLAGS (\Answered \Deleted)
!wait d
S
	[ "$status" -eq 0 ]
	grep -qx 'Deleted: 11-12' "$inbox/.mh_sequences"
	# EXPUNGE unlinked the files and the supervisor died before it rewrote
	# .mh_sequences
	kill_supervisor
	rm "$inbox/12" "$inbox/11"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c APPEND INBOX (\Seen) {21+}
Subject: new one
!raw 0d0a
x
!wait c
d APPEND INBOX (\Seen \Draft) {21+}
Subject: new two
!raw 0d0a
y
!wait d
e FETCH 11:12 (UID FLAGS)
!wait e
f COPY 1 INBOX
!wait f
g FETCH 13 (UID FLAGS)
!wait g
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[ -f "$inbox/11" ] && [ -f "$inbox/12" ]
	# New to this session: \Recent too (RFC 3501 2.3.2).
	[[ "$output" == *"* 11 FETCH (UID 13 FLAGS (\\Recent \\Seen))"* ]]
	[[ "$output" == *"* 12 FETCH (UID 14 FLAGS (\\Recent \\Seen \\Draft))"* ]]
	[[ "$output" == *"* 13 FETCH (UID 15 FLAGS (\\Recent \\Seen \\Flagged))"* ]]
	# and nmh sees the same
	run nmh mark +inbox -list
	printf '%s\n' "$output"
	[[ "$output" != *"Deleted: "* ]]
	[[ "$output" != *"replied: "* ]]
	[[ "$output" != *"kw1: "* ]]
}

# A crash that lost the state file's last writes (EXPUNGE of 12, then an
# APPEND that got number 12 and UID 13): the state file says number 12 is
# UID 12.  The new file is another file, so it must not get UID 12 back.
@test "a number given out again after a crash lost the state file's writes does not bring back the old UID" {
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
S
	[ "$status" -eq 0 ]
	cp -p "$W/mail/u1/inbox/.asimap-state" "$W/state.before"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c STORE 12 +FLAGS (\Deleted)
d EXPUNGE
!wait d
e APPEND INBOX {21+}
Subject: new one
!raw 0d0a
x
!wait e
S
	printf '%s\n' "$output"
	[[ "$output" =~ e\ OK\ \[APPENDUID\ [0-9]+\ 13\] ]]
	[ -f "$W/mail/u1/inbox/12" ]
	# the crash: the supervisor dies, the state file is the one from before
	kill_supervisor
	cp -p "$W/state.before" "$W/mail/u1/inbox/.asimap-state"
	run imap "$PORT" <<'S'
a LOGIN u1 pw1
b SELECT INBOX
!wait b
c UID FETCH 12:* (UID BODY.PEEK[HEADER.FIELDS (SUBJECT)])
!wait c
S
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"* 12 FETCH (UID 13 BODY[HEADER.FIELDS (SUBJECT)]"* ]]
	[[ "$output" != *"(UID 12 "* ]]
}

# A COPY of many messages (more than one journal block) killed at random
# moments: after a new supervisor SELECTs the destination, it holds none of
# the copies or all of them (with their flags), never a part; the source
# is whole; .mh_sequences parses and names no number without a file; the
# journal is gone.  Some kills must land in the middle (a journal or a
# part of the copies on disk before the restart), or the test proves
# nothing.  CRASH_SEED repeats a run.
@test "SIGKILL during a COPY of many messages: the destination gets none or all of them" {
	run env PYTHONPATH="$ROOT/t/lib" timeout 100 /usr/bin/python3 - "${COPY_CRASH_ROUNDS:-20}" <<'PY'
import os, random, re, signal, subprocess, sys, time
from nmh_imap import Conn, Fail, check, mh

W, PORT = os.environ["W"], os.environ["PORT"]
UID_, GID_ = int(os.environ["SVC_UID"]), int(os.environ["SVC_GID"])
SRC, DST = W + "/mail/u1/src", W + "/mail/u1/dst"
N = 150  # > 2 blocks of MH_JOURNAL_BLOCK_MAX
ROUNDS = int(sys.argv[1])
seed = int(os.environ.get("CRASH_SEED") or time.time())
print("seed %d (CRASH_SEED=%d repeats this run)" % (seed, seed))
rng = random.Random(seed)

def put(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.chown(path, UID_, GID_)

for d in (SRC, DST):
    os.mkdir(d)
    os.chown(d, UID_, GID_)
body = {}
for i in range(1, N + 1):
    body[i] = (b"From: s%d@example.org\nSubject: copy test %d\nX-Test-Id: c%d\n\n" % (i, i, i)
               + b"line of the body %d\n" % i * rng.randint(1, 200))
    put("%s/%d" % (SRC, i), body[i])
SEQS = {"unseen": set(range(1, 41)), "flagged": set(range(5, N + 1, 5)),
        "replied": set(range(3, 8))}
put(SRC + "/.mh_sequences", "".join("%s: %s\n" % (k, " ".join(map(str, sorted(v))))
                                    for k, v in SEQS.items()).encode())

def numbers(d):
    return sorted(int(n) for n in os.listdir(d) if re.fullmatch(r"[1-9][0-9]*", n))

def sequences(d):
    """.mh_sequences as {name: set of numbers}; fails on a line it cannot read."""
    out = {}
    try:
        text = open(d + "/.mh_sequences").read()
    except FileNotFoundError:
        return out
    for line in text.splitlines():
        m = re.fullmatch(r"([^:\s]+): *((?:\d+(?:-\d+)? *)*)", line)
        check(m, "unreadable .mh_sequences line %r" % line)
        s = out.setdefault(m.group(1), set())
        for r in m.group(2).split():
            lo, _, hi = r.partition("-")
            s.update(range(int(lo), int(hi or lo) + 1))
    return out

def supervisors():
    p = subprocess.run(["pgrep", "-f", "asimap-user [^ ]+ %s/" % W], capture_output=True, text=True)
    return [int(x) for x in p.stdout.split()]

def alive(pid):
    # pgrep loses a dying process (its cmdline) before it has closed its
    # files: wait until it is a zombie or gone, so its socket is closed
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False

def kill():
    pids = supervisors()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    deadline = time.time() + 5
    while any(alive(p) for p in pids):
        check(time.time() < deadline, "the supervisor did not die")
        time.sleep(0.01)

def start_copy():
    c = Conn(PORT)
    c.login()
    c.select("src")
    return c, c.start("COPY 1:%d dst" % N)

have = []          # numbers in dst before this round
took, mid, whole = None, 0, 0
for rnd in range(ROUNDS + 1):
    c, t = start_copy()
    t0 = time.time()
    if rnd == 0:   # a COPY left alone: how long one takes
        c.finish(t)
        took = time.time() - t0
        print("a COPY of %d takes %.0f ms" % (N, took * 1000))
        delay = None
    else:
        delay = rng.uniform(0, took * 1.2)
        time.sleep(max(0.0, delay - (time.time() - t0)))
        kill()
        try:  # EOF: the dead supervisor's files are closed (pgrep stops seeing it before)
            while True:
                c.read(timeout=3)
        except EOFError:
            pass
    c.close()
    on_disk = numbers(DST)
    journal = os.path.exists(DST + "/.asimap-copy")
    partial = journal or len(on_disk) not in (len(have), len(have) + N)
    mid += partial
    # a new supervisor: SELECT undoes an interrupted COPY before reading
    c = Conn(PORT)
    c.login()
    c.select("dst")
    got = numbers(DST)
    check(not os.path.exists(DST + "/.asimap-copy"), "round %d: the journal is still there" % rnd)
    check(c.exists == len(got), "round %d: EXISTS %s, %d files" % (rnd, c.exists, len(got)))
    c.close()
    new = [n for n in got if n not in have]
    check(got[:len(have)] == have and len(new) in (0, N),
          "round %d: %d of %d copies in the destination (%s)" % (rnd, len(new), N, new[:10]))
    check(numbers(SRC) == list(range(1, N + 1)), "round %d: the source lost messages" % rnd)
    for i in range(1, N + 1):
        check(open("%s/%d" % (SRC, i), "rb").read() == body[i], "round %d: source %d changed" % (rnd, i))
    sq = sequences(DST)
    for name, nums in sq.items():
        check(nums <= set(got), "round %d: sequence %s names numbers without a file: %s"
              % (rnd, name, sorted(nums - set(got))[:10]))
    for k, n in enumerate(new):
        check(open("%s/%d" % (DST, n), "rb").read() == body[k + 1],
              "round %d: copy %d is not source %d" % (rnd, n, k + 1))
        for name, nums in SEQS.items():
            check((n in sq.get(name, set())) == (k + 1 in nums),
                  "round %d: copy %d of %d: %s is wrong" % (rnd, n, k + 1, name))
    st, out, err = mh("mark", "+dst", "-list")
    check(st == 0 and not err, "round %d: mark -list: %s" % (rnd, err))
    whole += bool(new)
    print("round %d: kill after %s ms: %s on disk before the restart, %s after"
          % (rnd, "-" if delay is None else "%.0f" % (delay * 1000),
             "journal + %d copies" % (len(on_disk) - len(have)) if journal
             else "%d copies" % (len(on_disk) - len(have)), "all" if new else "none"))
    have = got
print("%d rounds, %d killed in the middle, %d with every copy" % (ROUNDS, mid, whole))
check(mid >= 1, "no kill landed in the middle of a COPY")
PY
	printf '%s\n' "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *" killed in the middle, "* ]]
}
