#!/usr/bin/python3
"""Run a program on a pseudo-terminal and answer its two password prompts.

    accounts_tty.py FIRST SECOND -- PROGRAM [ARG...]

Waits for "Password: ", types FIRST and a newline, waits for "again",
types SECOND and a newline, then prints everything the program wrote to the
terminal (what a person would see: without echo the typed passwords must
not be there) and a last line "[exit N]".  Exit 0, or 2 on a timeout.
"""
import os
import pty
import select
import sys
import time

TIMEOUT_S = 20


def main(argv):
    if len(argv) < 5 or argv[3] != "--":
        print(__doc__, file=sys.stderr)
        return 100
    first, second, prog = argv[1], argv[2], argv[4:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execv(prog[0], prog)
        finally:
            os._exit(127)
    seen = bytearray()
    deadline = time.time() + TIMEOUT_S

    def read_until(marker):
        while marker is None or marker not in seen:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError(marker)
            r, _, _ = select.select([fd], [], [], left)
            if not r:
                continue
            try:
                data = os.read(fd, 4096)
            except OSError:  # EIO: the program closed the terminal
                data = b""
            if not data:
                if marker is None:
                    return
                raise TimeoutError(marker)
            seen.extend(data)

    try:
        read_until(b"Password: ")
        os.write(fd, first.encode() + b"\n")
        read_until(b"again")
        os.write(fd, second.encode() + b"\n")
        read_until(None)
    except TimeoutError as e:
        sys.stdout.write(seen.decode(errors="replace"))
        print("\n[timeout waiting for %r]" % (e.args[0],))
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        return 2
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(seen.decode(errors="replace").replace("\r\n", "\n"))
    print("\n[exit %d]" % os.waitstatus_to_exitcode(status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
