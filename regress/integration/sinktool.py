#!/usr/bin/env python3
# Copyright (c) 2026 the cartero authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.

"""An SMTP sink and a raw SMTP probe for the relay tests (helper, not a test).

  sinktool.py sink DIR [LIFETIME [PORT]]
        Listen on a free port of 127.0.0.1, or on PORT if given (written
        to DIR/port once listening, the pid to DIR/pid; a PORT that
        cannot be bound is an error, exit 1), accept SMTP sessions one
        after the other and write each message received to DIR/msg.N, its
        envelope (EHLO name, MAIL FROM line, RCPT TO addresses) to
        DIR/env.N.  Each connection adds a line to DIR/conns, each command
        line received (AUTH's arguments cut off) a line "N COMMAND" to
        DIR/cmds, N the connection's number.  The reply to RCPT TO is the
        one DIR/rcpt gives for the address ("ADDRESS REPLY" lines, read at
        each RCPT), else follows DIR/mode, read at each RCPT:
            ok (or no file)   250
            tempfail          451 4.7.1 sink says try later
            permfail          550 5.1.1 sink says no such user
        DIR/lmtp, if it exists, makes it an LMTP server: LHLO (EHLO and
        HELO get 500), and after the data one reply per accepted
        recipient, the one DIR/lmtp gives for the address ("ADDRESS
        REPLY" lines) or 250; only recipients answered 250 count in
        DIR/env.N.
        DIR/ehlo, if it exists, holds extra EHLO keyword lines to offer
        ("AUTH PLAIN LOGIN"; the sink never does STARTTLS nor AUTH: it
        answers 502).  Stops by itself after LIFETIME seconds (default
        120).

  sinktool.py probe SRC PORT HELO < cases
        Connect to 127.0.0.1:PORT from the address SRC (e.g. 127.0.0.9),
        one session per case.  Each input line is a Python bytes literal,
        the raw RCPT TO argument (b"<user%evil.test@localhost>"), optionally
        followed by a TAB and extra MAIL FROM parameters.  Prints one line
        per case: the case, a TAB, the RCPT reply (last line).  Exits 1 if
        a session fails before RCPT.
"""

import ast
import os
import socket
import sys
import time

TIMEOUT = 30


class Conn:
    def __init__(self, sock):
        self.s = sock
        self.s.settimeout(TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            data = self.s.recv(65536)
            if not data:
                raise EOFError("connection closed")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r")

    def reply(self):
        while True:
            line = self.line()
            if len(line) < 4 or line[3:4] != b"-":
                return line


def sink_mode(d):
    try:
        with open(os.path.join(d, "mode")) as f:
            return f.read().strip()
    except FileNotFoundError:
        return "ok"


def sink_file(d, name):
    try:
        with open(os.path.join(d, name), "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def sink_rcpt_reply(d, addr, name="rcpt"):
    """The reply DIR/NAME gives for addr (b"<a@b>"), or None."""
    for line in sink_file(d, name).splitlines():
        a, _, reply = line.strip().partition(b" ")
        if a and b"<" + a.lower() + b">" == addr.strip().lower():
            return reply + b"\r\n"
    return None


def sink_log(d, name, line):
    with open(os.path.join(d, name), "ab") as f:
        f.write(line + b"\n")


def sink_session(c, d, n, conn):
    """One SMTP session; returns the number of messages stored."""
    helo, mail, rcpts, stored = b"", b"", [], 0
    sink_log(d, "conns", b"%d" % conn)
    c.send(b"220 sink.test ESMTP sink\r\n")
    while True:
        line = c.line()
        verb = line[:4].upper()
        sink_log(d, "cmds", b"%d " % conn +
                 (line[:4] if verb == b"AUTH" else line))
        lmtp = os.path.exists(os.path.join(d, "lmtp"))
        if lmtp and verb in (b"EHLO", b"HELO"):
            c.send(b"500 5.5.1 LMTP: LHLO please\r\n")
        elif verb in (b"EHLO", b"HELO", b"LHLO"):
            helo = line[5:]
            if verb != b"HELO":
                extra = b"".join(b"250-" + k.strip() + b"\r\n" for k in
                                 sink_file(d, "ehlo").splitlines()
                                 if k.strip())
                c.send(b"250-sink.test\r\n250-SIZE 10485760\r\n" + extra +
                       b"250-8BITMIME\r\n250 PIPELINING\r\n")
            else:
                c.send(b"250 sink.test\r\n")
        elif verb == b"MAIL":
            mail, rcpts = line, []
            c.send(b"250 2.1.0 ok\r\n")
        elif verb == b"RCPT":
            mode = sink_mode(d)
            byaddr = sink_rcpt_reply(d, line[8:])
            if byaddr is not None:
                if byaddr.startswith(b"2"):
                    rcpts.append(line[8:])
                c.send(byaddr)
            elif mode == "tempfail":
                c.send(b"451 4.7.1 sink says try later\r\n")
            elif mode == "permfail":
                c.send(b"550 5.1.1 sink says no such user\r\n")
            else:
                rcpts.append(line[8:])
                c.send(b"250 2.1.5 ok\r\n")
        elif verb == b"DATA":
            if not rcpts:
                c.send(b"554 5.5.1 no valid recipients\r\n")
                continue
            c.send(b"354 go ahead\r\n")
            body = []
            while True:
                data = c.line()
                if data == b".":
                    break
                if data.startswith(b"."):
                    data = data[1:]
                body.append(data + b"\r\n")
            k = n + stored
            replies = []
            if lmtp:
                replies = [sink_rcpt_reply(d, r, "lmtp") or
                           b"250 2.0.0 ok\r\n" for r in rcpts]
                rcpts = [r for r, x in zip(rcpts, replies)
                         if x.startswith(b"250")]
            tmp = os.path.join(d, ".msg.%d" % k)
            with open(tmp, "wb") as f:
                f.write(b"".join(body))
            with open(os.path.join(d, "env.%d" % k), "wb") as f:
                f.write(b"helo " + helo + b"\n" + mail + b"\n" +
                        b"".join(b"rcpt " + r + b"\n" for r in rcpts))
            os.rename(tmp, os.path.join(d, "msg.%d" % k))
            stored += 1
            if lmtp:
                c.send(b"".join(replies))
            else:
                c.send(b"250 2.0.0 queued as %d\r\n" % k)
        elif verb == b"RSET" or verb == b"NOOP":
            c.send(b"250 2.0.0 ok\r\n")
        elif verb == b"QUIT":
            c.send(b"221 2.0.0 bye\r\n")
            return stored
        else:
            c.send(b"502 5.5.2 unknown command\r\n")


def sink(d, lifetime, port=0):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if port:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        ls.bind(("127.0.0.1", port))
    except OSError as e:
        print("sink: bind 127.0.0.1:%d: %s" % (port, e), file=sys.stderr)
        return 1
    ls.listen(16)
    deadline = time.monotonic() + lifetime
    with open(os.path.join(d, "pid"), "w") as f:
        f.write("%d\n" % os.getpid())
    with open(os.path.join(d, ".port"), "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(os.path.join(d, ".port"), os.path.join(d, "port"))
    n, conn = 0, 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return 0
        ls.settimeout(left)
        try:
            s, _ = ls.accept()
        except socket.timeout:
            return 0
        try:
            n += sink_session(Conn(s), d, n, conn)
        except (OSError, EOFError):
            pass
        finally:
            s.close()
            conn += 1


def probe(src, port, helo, cases):
    for raw in cases:
        raw = raw.rstrip("\n")
        if not raw or raw.startswith("#"):
            continue
        arg, _, params = raw.partition("\t")
        rcpt = ast.literal_eval(arg)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((src, 0))
        s.connect(("127.0.0.1", int(port)))
        c = Conn(s)
        try:
            greet = c.reply()
            c.send(b"EHLO " + helo.encode() + b"\r\n")
            ehlo = c.reply()
            c.send(b"MAIL FROM:<probe@outside.test>" + params.encode() +
                   b"\r\n")
            mail = c.reply()
            if not greet.startswith(b"220") or not ehlo.startswith(b"250") \
                    or not mail.startswith(b"250"):
                print("%s\tsession failed: %r %r %r" %
                      (arg, greet, ehlo, mail), flush=True)
                return 1
            c.send(b"RCPT TO:" + rcpt + b"\r\n")
            rep = c.reply()
            c.send(b"QUIT\r\n")
        finally:
            s.close()
        print("%s\t%s" % (arg, rep.decode("ascii", "backslashreplace")),
              flush=True)
    return 0


def main(argv):
    if len(argv) >= 3 and argv[1] == "sink":
        return sink(argv[2], int(argv[3]) if len(argv) > 3 else 120,
                    int(argv[4]) if len(argv) > 4 else 0)
    if len(argv) == 5 and argv[1] == "probe":
        return probe(argv[2], argv[3], argv[4], sys.stdin)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
