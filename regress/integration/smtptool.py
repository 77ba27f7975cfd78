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

"""SMTP clients for the integration tests (helper, not a test).

  smtptool.py chat PORT            < script   (PORT: or a socket path)
  smtptool.py send PORT FROM TO[,TO...]   < message
  smtptool.py pipeline PORT FROM RCPT1 RCPT2 TOKEN
  smtptool.py blast PORT N THREADS FROM TO OUTFILE
  smtptool.py check-maildir OUTFILE MAILDIR

chat scripts, one step a line:
  > TEXT        send TEXT + CRLF (a lone ">": an empty line)
  >> EXPR       send the bytes of a Python expression, e.g. b"A" * 10000
  < PREFIX      read one (possibly multi-line) reply; its last line must
                start with PREFIX
  <?            read one reply, whatever it is
  <eof          the server must close the connection
  # ...         comment
Exits 1 at the first reply that does not match, after printing the
transcript so far.
"""

import email
import os
import re
import smtplib
import socket
import sys
import threading
import time

TIMEOUT = 30


def log(msg):
    print(msg, flush=True)


class Conn:
    def __init__(self, port):
        if str(port).startswith("/"):
            # a path: the enqueue socket
            self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.s.settimeout(TIMEOUT)
            self.s.connect(port)
        else:
            self.s = socket.create_connection(("127.0.0.1", int(port)),
                                              TIMEOUT)
        self.buf = b""

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                if self.buf:
                    ln, self.buf = self.buf, b""
                    return ln
                return None
            self.buf += d
        ln, self.buf = self.buf.split(b"\n", 1)
        return ln + b"\n"

    def reply(self):
        """One reply: list of lines (str, without CRLF), None at EOF."""
        lines = []
        while True:
            ln = self.line()
            if ln is None:
                return lines or None
            t = ln.decode("utf-8", "replace").rstrip("\r\n")
            lines.append(t)
            if len(t) < 4 or t[3] != "-":
                return lines


def show(data):
    if len(data) > 120:
        return repr(data[:60]) + "...(%d bytes)" % len(data)
    return repr(data)


def chat(port, script):
    c = Conn(port)
    for n, step in enumerate(script.splitlines(), 1):
        step = step.rstrip("\n")
        if not step.strip() or step.lstrip().startswith("#"):
            continue
        if step.startswith(">> "):
            data = eval(step[3:], {"__builtins__": {}}, {})
            if isinstance(data, str):
                data = data.encode()
            log("C: " + show(data))
            c.send(data)
        elif step == ">" or step.startswith("> "):
            data = step[2:].encode() + b"\r\n"
            log("C: " + show(data))
            c.send(data)
        elif step.strip() == "<eof":
            r = c.reply()
            if r is not None:
                log("S: " + " | ".join(r))
                log("MISMATCH line %d: expected the connection to close"
                    % n)
                return 1
            log("S: <closed>")
        elif step.startswith("<"):
            want = step[1:].strip()
            r = c.reply()
            if r is None:
                log("MISMATCH line %d: connection closed, expected %s"
                    % (n, want))
                return 1
            log("S: " + " | ".join(r))
            if want != "?" and not r[-1].startswith(want):
                log("MISMATCH line %d: expected %r, got %r"
                    % (n, want, r[-1]))
                return 1
        else:
            log("bad script line %d: %r" % (n, step))
            return 2
    return 0


def send(port, sender, rcpts):
    # smtplib sends bytes as they are: give it CRLF line ends
    msg = re.sub(rb"\r?\n", b"\r\n", sys.stdin.buffer.read())
    try:
        with smtplib.SMTP("127.0.0.1", int(port), "client.test",
                          timeout=TIMEOUT) as s:
            refused = s.sendmail(sender, rcpts.split(","), msg)
            s.quit()
    except smtplib.SMTPException as e:
        log("refused: %s" % e)
        return 1
    if refused:
        log("some recipients refused: %r" % refused)
        return 1
    log("sent")
    return 0


def pipeline(port, sender, r1, r2, token):
    """The whole transaction in one write, after the greeting."""
    c = Conn(port)
    banner = c.reply()
    log("S: " + " | ".join(banner))
    body = ("From: <%s>\r\nTo: <%s>\r\nSubject: pipelined %s\r\n"
            "Message-ID: <%s@client.test>\r\n\r\n"
            "pipelined body %s\r\n" % (sender, r1, token, token, token))
    data = ("EHLO client.test\r\nMAIL FROM:<%s>\r\nRCPT TO:<%s>\r\n"
            "RCPT TO:<%s>\r\nDATA\r\n%s.\r\nQUIT\r\n"
            % (sender, r1, r2, body)).encode()
    c.send(data)
    log("C: " + show(data))
    want = ["250", "250", "250", "250", "354", "250", "221"]
    got = []
    ehlo = None
    for w in want:
        r = c.reply()
        if r is None:
            log("MISMATCH: connection closed after %r, expected %s"
                % (got, w))
            return 1
        log("S: " + " | ".join(r))
        if ehlo is None:
            ehlo = r
        got.append(r[-1][:3])
    if got != want:
        log("MISMATCH: replies %r, expected %r" % (got, want))
        return 1
    if not any(ln[4:].upper().startswith("PIPELINING") for ln in ehlo):
        log("MISMATCH: EHLO does not advertise PIPELINING")
        return 1
    return 0


def blast(port, n, threads, sender, rcpt, out):
    """Send n messages over `threads` connections at a time; write one
    line per message to out: "ACK <msgid>" when the client saw the 250
    after DATA, "NOACK <msgid> <why>" otherwise."""
    n, threads = int(n), int(threads)
    lock = threading.Lock()
    nonce = "%d.%d" % (os.getpid(), int(time.time()))
    nexti = [0]
    f = open(out, "w")

    def record(line):
        with lock:
            f.write(line + "\n")
            f.flush()

    def worker():
        while True:
            with lock:
                i = nexti[0]
                nexti[0] += 1
            if i >= n:
                return
            mid = "crash-%d.%s@client.test" % (i, nonce)
            msg = ("From: <%s>\r\nTo: <%s>\r\nSubject: crash %d\r\n"
                   "Message-ID: <%s>\r\n\r\nmessage %d of %d\r\n"
                   % (sender, rcpt, i, mid, i, n)) + "x" * 2000 + "\r\n"
            try:
                with smtplib.SMTP("127.0.0.1", int(port), "client.test",
                                  timeout=TIMEOUT) as s:
                    s.sendmail(sender, [rcpt], msg.encode())
                record("ACK <%s>" % mid)
                try:
                    s.quit()
                except Exception:
                    pass
            except Exception as e:
                why = str(e).replace("\n", " ")[:100] or type(e).__name__
                record("NOACK <%s> %s" % (mid, why))

    ts = [threading.Thread(target=worker) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    f.close()
    return 0


def message_ids(maildir):
    ids = {}
    for sub in ("new", "cur"):
        d = os.path.join(maildir, sub)
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as fp:
                m = email.message_from_binary_file(fp)
            mid = (m.get("Message-ID") or "").strip()
            ids[mid] = ids.get(mid, 0) + 1
    return ids


def check_maildir(out, maildir):
    acked, unacked = set(), set()
    with open(out) as f:
        for ln in f:
            w = ln.split()
            if len(w) >= 2 and w[0] == "ACK":
                acked.add(w[1])
            elif len(w) >= 2 and w[0] == "NOACK":
                unacked.add(w[1])
    ids = message_ids(maildir)
    missing = sorted(m for m in acked if ids.get(m, 0) == 0)
    dups = sorted(m for m in acked if ids.get(m, 0) > 1)
    un_deliv = sorted(m for m in unacked if ids.get(m, 0) > 0)
    un_dups = sorted(m for m in unacked if ids.get(m, 0) > 1)
    strays = sorted(m for m in ids if m not in acked and m not in unacked)
    log("acknowledged: %d, not acknowledged: %d" % (len(acked),
                                                     len(unacked)))
    log("delivered: %d files, %d distinct Message-IDs"
        % (sum(ids.values()), len(ids)))
    log("not acknowledged but delivered: %d (duplicates among them: %d)"
        % (len(un_deliv), len(un_dups)))
    bad = 0
    if missing:
        log("LOST (acknowledged, not delivered): %d: %s"
            % (len(missing), " ".join(missing[:20])))
        bad = 1
    if dups:
        log("DUPLICATED (acknowledged, delivered more than once): %d: %s"
            % (len(dups), " ".join(dups[:20])))
        bad = 1
    if strays:
        log("UNKNOWN Message-IDs delivered: %s" % " ".join(strays[:20]))
        bad = 1
    if not acked:
        log("no message was acknowledged at all")
        bad = 1
    return bad


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[1], argv[2:]
    if cmd == "chat" and len(args) == 1:
        return chat(args[0], sys.stdin.read())
    if cmd == "send" and len(args) == 3:
        return send(*args)
    if cmd == "pipeline" and len(args) == 5:
        return pipeline(*args)
    if cmd == "blast" and len(args) == 6:
        return blast(*args)
    if cmd == "check-maildir" and len(args) == 2:
        return check_maildir(*args)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
