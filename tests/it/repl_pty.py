"""Ctrl-C at callsql's prompt, typed on a real terminal (a pty), as a user types it.

Usage: repl_pty.py CALLSQL DATA_DIR

For each long statement (a CPU-bound scan and a join) it types the statement, waits until
it is running, types Ctrl-C and checks that "query cancelled" appears within a second and
that the next statement still runs. Exits non-zero naming the first failure.
"""

import os
import pty
import select
import sys
import time

PROMPT = b"callsql> "
# Each runs for minutes: far more than the test waits.
LONG_STATEMENTS = {
    "CPU-bound": "SELECT sum(sqrt(CAST(value AS DOUBLE))) FROM generate_series(1, 100000000000);",
    "join": "SELECT sum(a.talk_s * b.ring_s) FROM calls a CROSS JOIN calls b;",
}
CANCEL_WITHIN_S = 1.0


class Terminal:
    def __init__(self, argv):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.environ["TERM"] = "xterm"
            os.environ["CALLSQL_HISTORY"] = os.devnull
            os.execv(argv[0], argv)
        self.seen = b""

    def type(self, text):
        """Types `text` a key at a time, as a user does (a burst reads as a paste)."""
        for key in text.encode():
            os.write(self.fd, bytes([key]))
            time.sleep(0.005)

    def wait_for(self, needle, timeout_s, since):
        """Seconds until `needle` appears in the output after offset `since`."""
        started = time.monotonic()
        while needle not in self.seen[since:]:
            left = timeout_s - (time.monotonic() - started)
            if left <= 0:
                fail(f"no {needle!r} within {timeout_s} s; the terminal shows:\n"
                     + self.seen[since:].decode(errors="replace")[-2000:])
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    fail("callsql ended; the terminal shows:\n"
                         + self.seen.decode(errors="replace")[-2000:])
                # The line editor asks where the cursor is; a terminal answers.
                for _ in range(chunk.count(b"\x1b[6n")):
                    os.write(self.fd, b"\x1b[1;1R")
                self.seen += chunk
        return time.monotonic() - started


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(1)


def main():
    binary, data = sys.argv[1:3]
    terminal = Terminal([binary, "--data", data])
    terminal.wait_for(PROMPT, 120, 0)
    for name, statement in LONG_STATEMENTS.items():
        mark = len(terminal.seen)
        terminal.type(statement + "\r")
        # The echoed line, then time for the statement to be planned and running.
        terminal.wait_for(b";", 10, mark)
        time.sleep(2)
        mark = len(terminal.seen)
        terminal.type("\x03")
        took = terminal.wait_for(b"query cancelled", 30, mark)
        if took > CANCEL_WITHIN_S:
            fail(f"{name}: Ctrl-C took {took:.2f} s to cancel the statement")
        terminal.wait_for(PROMPT, 5, mark)
        print(f"{name}: cancelled {took:.3f} s after Ctrl-C")
        mark = len(terminal.seen)
        terminal.type("SELECT 40 + 2 AS answer;\r")
        terminal.wait_for(b"42", 60, mark)
        terminal.wait_for(PROMPT, 10, mark)
    terminal.type("\\q\r")
    os.waitpid(terminal.pid, 0)


if __name__ == "__main__":
    main()
