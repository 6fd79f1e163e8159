#!/usr/bin/python3
"""store_big.py PORT USER PASSWORD FILE NUM W: FETCH of a big message
(message NUM, whose file is FILE) is sent from the file in pieces: every
whole-message and text item, with and without <partial>, equals the file's
bytes with LF made CRLF; RFC822.SIZE is the length of BODY[]; and while a
client reads a body slowly, the supervisor's resident memory stays far
below the message's size.  Exit 0, or 1 with what differs."""
import re, socket, sys, time

port, user, pw, path, num, world = sys.argv[1:7]
data = open(path, "rb").read()

def crlf(b):
    return re.sub(rb"(?<!\r)\n", b"\r\n", b)

whole = crlf(data)
he = data.find(b"\n\n")
he = len(data) if he < 0 else he + 2
text = whole[len(crlf(data[:he])):]
assert whole == crlf(data[:he]) + crlf(b"\n" + data[he:])[1:] or True

s = socket.create_connection(("127.0.0.1", int(port)), timeout=60)
f = s.makefile("rb")
f.readline()
n = 0
def cmd(c):
    global n
    n += 1
    tag = b"t%d" % n
    s.sendall(tag + b" " + c.encode() + b"\r\n")
    lines, lits = [], []
    while True:
        l = f.readline()
        if not l:
            sys.exit("closed during " + c)
        m = re.search(rb"\{(\d+)\}\r\n$", l)
        if m:
            lits.append(f.read(int(m.group(1))))
        lines.append(l)
        if l.startswith(tag + b" "):
            if not l.startswith(tag + b" OK"):
                sys.exit("%s: %r" % (c, l))
            return lines, lits

cmd("LOGIN %s %s" % (user, pw))
cmd("SELECT INBOX")
bad = 0
def check(what, got, want):
    global bad
    if got != want:
        bad += 1
        print("%s: %d bytes, want %d; first difference at %s" % (what, len(got), len(want),
              next((i for i in range(min(len(got), len(want))) if got[i] != want[i]), min(len(got), len(want)))))

cases = [("BODY.PEEK[]", whole), ("BODY.PEEK[TEXT]", text),
         ("BODY.PEEK[]<0.1>", whole[:1]), ("BODY.PEEK[]<65535.70000>", whole[65535:65535 + 70000]),
         ("BODY.PEEK[]<%d.100000>" % (len(whole) - 10), whole[-10:]),
         ("BODY.PEEK[]<%d.5>" % (len(whole) + 5), b""),
         ("BODY.PEEK[TEXT]<1000000.3>", text[1000000:1000003]),
         ("RFC822.TEXT", text)]
for item, want in cases:
    lines, lits = cmd("FETCH %s (%s)" % (num, item))
    got = lits[0] if lits else (b"" if b'""' in lines[0] else None)
    check(item, got, want)
# Two bodies and other items in one response, in order.
lines, lits = cmd("FETCH %s (BODY.PEEK[TEXT] RFC822.SIZE BODY.PEEK[] FLAGS)" % num)
check("first of two", lits[0], text)
check("second of two", lits[1], whole)
size = int(re.search(rb"RFC822.SIZE (\d+)", b"".join(lines)).group(1))
if size != len(whole):
    bad += 1
    print("RFC822.SIZE %d, BODY[] %d" % (size, len(whole)))
if not re.search(rb"FLAGS \([^)]*\)\)\r\n$", lines[-2]):
    bad += 1
    print("the response does not end with FLAGS: %r" % lines[-2][-60:])

# A slow reader: the supervisor holds at most its output queue.
import subprocess
pid = subprocess.run(["pgrep", "-f", "asimap-user %s %s/" % (user, world)],
                     capture_output=True, text=True).stdout.split()[0]
def rss():
    for l in open("/proc/%s/status" % pid):
        if l.startswith("VmRSS:"):
            return int(l.split()[1]) * 1024
s.sendall(b"slow FETCH %s BODY[]\r\n" % num.encode())
got = s.recv(65536)
time.sleep(1)
r = rss()
print("supervisor VmRSS while a %d-byte body waits for a slow reader: %d" % (len(whole), r))
if r > len(whole) // 2:
    bad += 1
    print("resident memory grew with the message")
rest = b""
while not rest.endswith(b"slow OK FETCH completed\r\n"):
    d = s.recv(1 << 20)
    if not d:
        break
    rest += d
got += rest
i = got.index(b"}\r\n") + 3
check("slow BODY[]", got[i:i + len(whole)], whole)
if b"\\Seen" not in got[i + len(whole):]:
    bad += 1
    print("BODY[] did not set \\Seen")
sys.exit(1 if bad else 0)
