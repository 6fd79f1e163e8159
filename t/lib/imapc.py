#!/usr/bin/python3
"""imapc: a raw IMAP client for the bats suites.

usage: imapc.py [--tls|--starttls] [--timeout S] PORT < script

The script holds lines to send.  A line "!wait TAG" waits until the tagged
response TAG arrives; "!sleep S" sleeps; "!raw HEX" sends bytes as they are;
"!read" waits until the server closes; "!sh CMD" runs a shell command.  Other lines are sent with CRLF, all
in one write when they come one after another (pipelining).  Everything the
server sent is printed on stdout as it came (CRLF kept as LF for grep);
the exit status is 0 when the server's responses were read to the end of
the script, 2 on a timeout.
"""
import socket, ssl, subprocess, sys, time

def main():
    args = sys.argv[1:]
    mode, timeout = "plain", 30.0
    while args and args[0].startswith("--"):
        a = args.pop(0)
        if a == "--tls": mode = "tls"
        elif a == "--starttls": mode = "starttls"
        elif a == "--timeout": timeout = float(args.pop(0))
    port = int(args[0])
    host = args[1] if len(args) > 1 else "127.0.0.1"
    s = socket.create_connection((host, port), timeout=timeout)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    buf = bytearray()
    out = sys.stdout.buffer

    def recv_until(pred):
        deadline = time.time() + timeout
        while not pred():
            if time.time() > deadline:
                raise TimeoutError
            try:
                d = s.recv(65536)
            except socket.timeout:
                raise TimeoutError
            if not d:
                return False
            buf.extend(d)
            out.write(d.replace(b"\r\n", b"\n"))
            out.flush()
        return True

    def has_line(prefix):
        return lambda: any(l.startswith(prefix) for l in bytes(buf).split(b"\r\n")[:-1])

    recv_until(lambda: b"\r\n" in buf)  # greeting
    if mode == "starttls":
        s.sendall(b"S0 STARTTLS\r\n")
        recv_until(has_line(b"S0 "))
        s = ctx.wrap_socket(s)
        buf.clear()
    pending = []
    def flush():
        if pending:
            s.sendall(b"".join(pending))
            pending.clear()
    for line in sys.stdin.read().split("\n"):
        if not line:
            continue
        if line.startswith("!wait "):
            flush()
            tag = line.split()[1].encode()
            tag = tag if tag == b"+" else tag + b" "
            if not recv_until(has_line(tag)):
                break
        elif line.startswith("!sleep "):
            flush()
            time.sleep(float(line.split()[1]))
        elif line.startswith("!raw "):
            pending.append(bytes.fromhex(line[5:]))
        elif line.startswith("!sh "):
            flush()
            subprocess.run(line[4:], shell=True, check=True)
        elif line == "!read":
            flush()
            recv_until(lambda: False)
        else:
            pending.append(line.encode() + b"\r\n")
    flush()
    return 0

def run():
    # Implicit TLS wraps before the greeting.
    if "--tls" in sys.argv:
        orig = socket.create_connection
        def wrapped(*a, **k):
            raw = orig(*a, **k)
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx.wrap_socket(raw)
        socket.create_connection = wrapped
    try:
        sys.exit(main())
    except TimeoutError:
        sys.stdout.flush()
        print("imapc: timeout", file=sys.stderr)
        sys.exit(2)
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError) as e:
        print("imapc: connection closed: %s" % e, file=sys.stderr)
        sys.exit(3)

if __name__ == "__main__":
    run()
