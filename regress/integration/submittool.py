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

"""Clients and fake servers for the local submission tests (helper, not a
test).  Every wait is bounded; servers and holders exit by themselves
after LIFETIME seconds if nobody kills them.

  submittool.py hold SRC PORT N OUT     N TCP sessions from address SRC to
                                        SRC:PORT, greetings to OUT, held
  submittool.py holdunix PATH N OUT     the same on a unix socket
  submittool.py greet SRC PORT          one session from SRC: print the
                                        greeting, quit
  submittool.py dies PATH OUT           fake enqueue socket: answers every
                                        step, then closes after the data
                                        without a reply (a daemon dying
                                        mid-transaction); one session
  submittool.py proxy PATH REAL UID OUT enqueue socket proxy to REAL; a
                                        client of uid UID is held without
                                        an answer and its pid written to OUT
"""

import os
import socket
import struct
import sys
import threading
import time

TIMEOUT = 30
LIFETIME = 300


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.rename(tmp, path)


def line(s):
    buf = b""
    while not buf.endswith(b"\n"):
        d = s.recv(1)
        if not d:
            break
        buf += d
    return buf.decode("utf-8", "replace").rstrip("\r\n")


def hold(socks, out):
    greetings = [line(s) for s in socks]
    write_file(out, "\n".join(greetings) + "\n")
    time.sleep(LIFETIME)


def cmd_hold(src, port, n, out):
    socks = []
    for _ in range(int(n)):
        s = socket.create_connection((src, int(port)), TIMEOUT,
                                     source_address=(src, 0))
        socks.append(s)
    hold(socks, out)


def cmd_holdunix(path, n, out):
    socks = []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.connect(path)
        socks.append(s)
    hold(socks, out)


def cmd_greet(src, port):
    s = socket.create_connection((src, int(port)), TIMEOUT,
                                 source_address=(src, 0))
    print(line(s))
    try:
        s.sendall(b"QUIT\r\n")
    except OSError:
        pass
    s.close()


def listen_unix(path):
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    os.chmod(path, 0o666)
    srv.listen(16)
    srv.settimeout(LIFETIME)
    return srv


def cmd_dies(path, out):
    srv = listen_unix(path)
    c, _ = srv.accept()
    c.settimeout(TIMEOUT)
    c.sendall(b"220 fake ESMTP\r\n")
    while True:
        ln = line(c)
        verb = ln[:4].upper()
        if verb == "DATA":
            c.sendall(b"354 go on\r\n")
            data = b""
            while not data.endswith(b"\r\n.\r\n"):
                d = c.recv(65536)
                if not d:
                    break
                data += d
            break
        if verb in ("EHLO", "HELO", "MAIL", "RCPT"):
            c.sendall(b"250 ok\r\n")
        else:
            break
    c.close()                           # no reply to the data: "died"
    srv.close()
    os.unlink(path)
    write_file(out, "closed\n")


def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def cmd_proxy(path, real, uid, out):
    srv = listen_unix(path)
    held = []
    deadline = time.time() + LIFETIME
    while time.time() < deadline:
        c, _ = srv.accept()
        cred = c.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                            struct.calcsize("3i"))
        pid, cuid, _ = struct.unpack("3i", cred)
        if cuid == int(uid):
            held.append(c)              # never answered
            write_file(out, "%d\n" % pid)
            continue
        r = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        r.connect(real)
        for a, b in ((c, r), (r, c)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def main(argv):
    cmds = {"hold": cmd_hold, "holdunix": cmd_holdunix, "greet": cmd_greet,
            "dies": cmd_dies, "proxy": cmd_proxy}
    if len(argv) < 2 or argv[1] not in cmds:
        sys.stderr.write(__doc__)
        return 2
    cmds[argv[1]](*argv[2:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
