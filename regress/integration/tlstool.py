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
"""tlstool.py -- TLS clients for the integration tests (python3 only).

  tlstool.py send PORT FROM TO starttls|smtps CAFILE [SNI]
      deliver one message with smtplib (starttls() or SMTP_SSL), the
      server's certificate verified against CAFILE for name SNI
  tlstool.py inject PORT CAFILE
      STARTTLS with a command pipelined in the same packet: the command
      must not be executed after the handshake (CVE-2011-0411)
  tlstool.py reload PORT CAFILE_OLD CAFILE_NEW FROM TO -- CMD...
      open a session over TLS (old certificate) and start a transaction,
      run CMD (which swaps the certificate and reloads), then check that a
      new session gets the new certificate while the old one completes
  tlstool.py resume PORT VERSION
      three STARTTLS sessions, each resuming the one before with its
      session ticket (VERSION 1.2 or 1.3): the 2nd and 3rd must be resumed
  tlstool.py clientcert PORT CERT KEY
      implicit TLS with a client certificate (or none if CERT is "-"):
      exit 0 if the server accepted the handshake and the banner came
  tlstool.py submit PORT starttls|smtps CAFILE USER PASSWORD MECH FROM TO
      log in with smtplib (MECH PLAIN or LOGIN) and send one message
  tlstool.py fingerprint PORT starttls|smtps [SNI]
      print the SHA-256 of the certificate the server shows
Every network operation has a timeout; exit status 0 = as expected.
"""

import hashlib
import smtplib
import socket
import ssl
import subprocess
import sys

TIMEOUT = 20


def context(cafile=None, sni_check=True):
    if cafile is None:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    else:
        ctx = ssl.create_default_context(cafile=cafile)
        ctx.check_hostname = sni_check
    return ctx


def smtps(port, ctx, sni):
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s = ctx.wrap_socket(raw, server_hostname=sni)
    c = smtplib.SMTP(timeout=TIMEOUT)
    c.sock = s
    c.file = None
    code, msg = c.getreply()
    if code != 220:
        raise SystemExit("smtps banner: %d %s" % (code, msg))
    c.ehlo("client.test")
    return c


def open_session(port, mode, ctx, sni):
    if mode == "smtps":
        return smtps(port, ctx, sni)
    c = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
    c._host = sni
    c.ehlo("client.test")
    if not c.has_extn("starttls"):
        raise SystemExit("STARTTLS not offered")
    c.starttls(context=ctx)
    c.ehlo("client.test")
    if c.has_extn("starttls"):
        raise SystemExit("STARTTLS offered again after TLS")
    return c


def fp(c):
    return hashlib.sha256(c.sock.getpeercert(binary_form=True)).hexdigest()


def cmd_send(a):
    port, frm, to, mode, cafile = int(a[0]), a[1], a[2], a[3], a[4]
    sni = a[5] if len(a) > 5 else "mx.test"
    c = open_session(port, mode, context(cafile), sni)
    c.sendmail(frm, [to], "From: <%s>\r\nTo: <%s>\r\nSubject: tls %s\r\n"
               "\r\nsent with smtplib over %s\r\n" % (frm, to, mode, mode))
    c.quit()


def cmd_inject(a):
    port = int(a[0])
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    f = s.makefile("rb")

    def reply(fh):
        lines = []
        while True:
            line = fh.readline()
            if not line:
                raise SystemExit("connection closed")
            lines.append(line)
            if line[3:4] != b"-":
                return lines

    reply(f)
    s.sendall(b"EHLO client.test\r\n")
    reply(f)
    # one packet: the MAIL is plaintext a man in the middle could add
    s.sendall(b"STARTTLS\r\nMAIL FROM:<injected@evil.test>\r\n")
    r = reply(f)
    if not r[0].startswith(b"220"):
        raise SystemExit("STARTTLS refused: %r" % r)
    t = context(a[1], False).wrap_socket(s, server_hostname="mx.test")
    tf = t.makefile("rb")
    # if the MAIL had been kept, its reply would come first, or this
    # MAIL would be "nested"; the session must also want EHLO again
    t.sendall(b"MAIL FROM:<a@client.test>\r\n")
    r = reply(tf)
    if not r[0].startswith(b"503 5.5.1 Send HELO/EHLO first"):
        raise SystemExit("after STARTTLS: %r" % r)
    t.sendall(b"EHLO client.test\r\nMAIL FROM:<a@client.test>\r\n")
    ehlo = reply(tf)
    if any(b"STARTTLS" in x for x in ehlo):
        raise SystemExit("STARTTLS listed again: %r" % ehlo)
    r = reply(tf)
    if not r[0].startswith(b"250"):
        raise SystemExit("MAIL after TLS: %r" % r)
    t.sendall(b"QUIT\r\n")
    reply(tf)


def cmd_reload(a):
    port, ca_old, ca_new, frm, to = int(a[0]), a[1], a[2], a[3], a[4]
    cmd = a[a.index("--") + 1:]
    old = open_session(port, "starttls", context(ca_old), "mx.test")
    f_old = fp(old)
    old.mail(frm)
    old.rcpt(to)
    subprocess.run(cmd, check=True, timeout=TIMEOUT)
    new = open_session(port, "starttls", context(ca_new), "mx.test")
    f_new = fp(new)
    if f_new == f_old:
        raise SystemExit("the new session got the old certificate")
    code, _ = old.data("From: <%s>\r\nSubject: old session\r\n\r\n"
                       "begun before the reload\r\n" % frm)
    if code != 250:
        raise SystemExit("old session: DATA %d" % code)
    new.sendmail(frm, [to], "From: <%s>\r\nSubject: new session\r\n\r\n"
                 "after the reload\r\n" % frm)
    old.quit()
    new.quit()
    print(f_old, f_new)


def cmd_resume(a):
    port, version = int(a[0]), a[1]
    ctx = context()
    v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
    ctx.minimum_version = ctx.maximum_version = v
    sess = None
    for i in range(3):
        c = smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT)
        c.ehlo("client.test")
        code, _ = c.docmd("STARTTLS")
        if code != 220:
            raise SystemExit("STARTTLS: %d" % code)
        raw = c.sock
        c.sock = ctx.wrap_socket(raw, server_hostname="mx.test",
                                 session=sess)
        c.file = None
        c.ehlo("client.test")
        # a TLS 1.3 ticket comes after the handshake: read a reply first
        c.noop()
        if i > 0 and not c.sock.session_reused:
            raise SystemExit("connection %d was not resumed" % (i + 1))
        sess = c.sock.session
        c.quit()


def cmd_clientcert(a):
    port = int(a[0])
    ctx = context()
    if a[1] != "-":
        ctx.load_cert_chain(a[1], a[2])
    try:
        c = smtps(port, ctx, "mx.test")
        c.noop()
        c.quit()
    except (OSError, smtplib.SMTPException, SystemExit) as e:
        raise SystemExit("refused: %s" % e)


def cmd_submit(a):
    port, mode, cafile, user, pw, mech, frm, to = a[:8]
    c = open_session(int(port), mode, context(cafile), "mx.test")
    if "auth" not in c.esmtp_features:
        raise SystemExit("AUTH not offered after TLS")
    c.user, c.password = user, pw
    auth = {"PLAIN": c.auth_plain, "LOGIN": c.auth_login}[mech]
    code, _ = c.auth(mech, auth, initial_response_ok=(mech == "PLAIN"))
    if code != 235:
        raise SystemExit("AUTH %s: %d" % (mech, code))
    c.sendmail(frm, [to], "From: <%s>\r\nTo: <%s>\r\nSubject: submit %s %s"
               "\r\n\r\nsubmitted with smtplib\r\n" % (frm, to, mode, mech))
    c.quit()


def cmd_fingerprint(a):
    port, mode = int(a[0]), a[1]
    sni = a[2] if len(a) > 2 else "mx.test"
    c = open_session(port, mode, context(), sni)
    print(fp(c))
    c.quit()


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__)
    cmds = {"send": cmd_send, "inject": cmd_inject, "reload": cmd_reload,
            "resume": cmd_resume, "clientcert": cmd_clientcert,
            "submit": cmd_submit,
            "fingerprint": cmd_fingerprint}
    cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
