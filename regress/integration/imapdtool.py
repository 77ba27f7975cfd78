#! /usr/bin/env python3
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

"""imapdtool.py COMMAND PORT [ARGS]: a python3 imaplib client for
imapd_daemon_test.  Prints what it saw, one fact a line; exits non-zero
on an unexpected error.  Every socket has a timeout.

  caps PORT                 greeting, CAPABILITY, LOGIN before TLS
  starttls PORT USER PASS   STARTTLS, LOGIN, SELECT INBOX, LOGOUT
  imaps PORT USER PASS      implicit TLS, AUTHENTICATE PLAIN, NOOP
  badpass PORT USER PASS    STARTTLS, LOGIN with PASS (wrong): the delay
  hold PORT USER PASS SECS FILE
                            log in over TLS, touch FILE, wait up to SECS
                            for the server to close; "closed" if it did
  escape PORT USER PASS FOLDER...
                            log in, SELECT and STATUS each folder
  conns PORT N              open N connections at once, print each
                            greeting
"""

import imaplib
import os
import socket
import ssl
import sys
import time

TIMEOUT = 15


def tls_ctx():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def show(what, res):
    typ, data = res
    print("%s %s %s" % (what, typ, b" ".join(
        d if isinstance(d, bytes) else repr(d).encode()
        for d in data if d is not None).decode(errors="replace")))


def caps(port):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    print("greeting " + m.welcome.decode())
    show("capability", m.capability())
    try:
        show("login", m.login("nobody", "nothing"))
    except imaplib.IMAP4.error as e:
        print("login NO %s" % e)
    m.logout()


def starttls(port, user, pw):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    show("starttls", m.starttls(ssl_context=tls_ctx()))
    show("capability", m.capability())
    show("login", m.login(user, pw))
    show("select", m.select("INBOX"))
    show("logout", m.logout())


def imaps(port, user, pw):
    m = imaplib.IMAP4_SSL("127.0.0.1", port, ssl_context=tls_ctx(),
                          timeout=TIMEOUT)
    print("tls %s" % m.sock.version())
    show("capability", m.capability())
    show("authenticate", m.authenticate(
        "PLAIN", lambda _: ("\0%s\0%s" % (user, pw)).encode()))
    show("noop", m.noop())
    show("logout", m.logout())


def badpass(port, user, pw):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    m.starttls(ssl_context=tls_ctx())
    t = time.monotonic()
    try:
        m.login(user, pw)
        print("login OK")
    except imaplib.IMAP4.error as e:
        print("login NO %s" % e)
    print("delay %.2f" % (time.monotonic() - t))
    m.logout()


def hold(port, user, pw, secs, path):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    m.starttls(ssl_context=tls_ctx())
    show("login", m.login(user, pw))
    show("select", m.select("INBOX"))
    with open(path, "w") as f:
        f.write("ready\n")
    end = time.monotonic() + float(secs)
    m.sock.settimeout(1)
    data = b""
    while time.monotonic() < end:
        try:
            chunk = m.sock.recv(4096)
        except (socket.timeout, TimeoutError):
            continue
        except (ssl.SSLError, OSError):
            chunk = b""
        if not chunk:
            print("closed")
            break
        data += chunk
    for line in data.decode(errors="replace").splitlines():
        print("server " + line)


def escape(port, user, pw, folders):
    m = imaplib.IMAP4("127.0.0.1", port, timeout=TIMEOUT)
    m.starttls(ssl_context=tls_ctx())
    m.login(user, pw)
    for f in folders:
        q = '"' + f.replace("\\", "\\\\").replace('"', '\\"') + '"'
        for cmd, args in (("SELECT", (q,)),
                          ("STATUS", (q, "(MESSAGES)"))):
            try:
                typ, data = m._simple_command(cmd, *args)
                untagged = m.untagged_responses.copy()
                m.untagged_responses.clear()
                print("%s %s %s %s" % (cmd.lower(), f, typ, untagged))
            except imaplib.IMAP4.error as e:
                print("%s %s NO %s" % (cmd.lower(), f, e))
    m.logout()


def conns(port, n):
    socks = []
    for i in range(n):
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        socks.append(s)
        line = b""
        while not line.endswith(b"\r\n"):
            c = s.recv(1)
            if not c:
                break
            line += c
        print("conn %d %s" % (i + 1, line.decode(errors="replace").strip()))
    for s in socks:
        s.close()


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, port, args = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if cmd == "caps":
        caps(port)
    elif cmd == "starttls":
        starttls(port, *args)
    elif cmd == "imaps":
        imaps(port, *args)
    elif cmd == "badpass":
        badpass(port, *args)
    elif cmd == "hold":
        hold(port, *args)
    elif cmd == "escape":
        escape(port, args[0], args[1], args[2:])
    elif cmd == "conns":
        conns(port, int(args[0]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
