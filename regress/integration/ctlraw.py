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

"""ctlraw.py HEADER SOCKET IMSG_NAME [HEX]: send one request to smtpd's
control socket directly, not through smtpctl (which refuses early on its
own), and print the answer's type name and text, or "closed" if control
closed the connection instead.  The type numbers come from the enum in
HEADER (smtpd/smtpd.h), after the bootstrap types of common/proc.h.  The
payload is HEX if given, else what the type needs.  Used to check that the
control process itself refuses commands to users other than root, and
closes a client sending a malformed payload.

ctlraw.py hold HEADER SOCKET N FLAG: open N connections and keep them,
then open one more and print the answer it gets; create FLAG and keep the
connections until FLAG is removed (30 s at most).

ctlraw.py serve HEADER SOCKET: play smtpd's control socket for one
client (10 s at most): print the type name of the request it sends, and
answer with IMSG_CTL_LINE "fake answer to NAME" then IMSG_CTL_END.  Checks
what smtpctl sends without a daemon."""
import os
import re
import socket
import struct
import sys
import time


def enum_names(text, start):
    body = text[text.index(start):]
    body = body[:body.index("};")]
    return re.findall(r"^\s*((?:PROC_)?IMSG_[A-Z0-9_]+)", body, re.M)


def imsg_names(hdr):
    text = open(hdr).read()
    # the bootstrap types of common/proc.h head smtpd's numbering
    proc_h = os.path.join(os.path.dirname(hdr), "..", "common", "proc.h")
    names = [n for n in enum_names(open(proc_h).read(), "enum proc_imsg {")
             if n != "PROC_IMSG_MAX"]
    names += enum_names(text, "enum imsg_type {")
    ver = int(re.search(r"#define CTL_VERSION\s+(\d+)", text).group(1))
    return names, ver


def hold(hdr, path, n, flag):
    names, _ = imsg_names(hdr)
    held = []
    for _ in range(int(n)):
        s = socket.socket(socket.AF_UNIX)
        s.connect(path)
        held.append(s)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    data = s.recv(4096)
    if len(data) < 16:
        print("no answer")
    else:
        t, ln, _, _ = struct.unpack("=IIII", data[:16])
        print(names[t], data[16:ln].rstrip(b"\0").decode(errors="replace"))
    sys.stdout.flush()
    open(flag, "w").close()
    for _ in range(300):
        if not os.path.exists(flag):
            break
        time.sleep(0.1)
    return 0


def main(hdr, path, want, payload_hex=None):
    names, ver = imsg_names(hdr)
    # struct ctl_id (a uint64_t id, 0 = all) for schedule and remove
    payload = b"\0" * 8 if want in ("IMSG_CTL_SCHEDULE",
                                    "IMSG_CTL_REMOVE") else b""
    if payload_hex is not None:
        payload = bytes.fromhex(payload_hex)
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(path)
    s.sendall(struct.pack("=IIII", names.index(want), 16 + len(payload),
                          ver, 0) + payload)
    data = b""
    while len(data) < 16:
        try:
            chunk = s.recv(4096)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            print("closed")
            return 1
        data += chunk
    t, ln, _, _ = struct.unpack("=IIII", data[:16])
    while len(data) < ln:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print(names[t], data[16:ln].rstrip(b"\0").decode(errors="replace"))
    return 0


def serve(hdr, path):
    names, _ = imsg_names(hdr)
    ls = socket.socket(socket.AF_UNIX)
    ls.bind(path)
    ls.listen(1)
    ls.settimeout(10)
    s, _ = ls.accept()
    s.settimeout(10)
    data = b""
    while len(data) < 16:
        chunk = s.recv(4096)
        if not chunk:
            print("closed")
            return 1
        data += chunk
    t, _, peerid, _ = struct.unpack("=IIII", data[:16])
    print(names[t], flush=True)
    line = ("fake answer to %s" % names[t]).encode() + b"\0"
    s.sendall(struct.pack("=IIII", names.index("IMSG_CTL_LINE"),
                          16 + len(line), peerid, 0) + line +
              struct.pack("=IIII", names.index("IMSG_CTL_END"), 16,
                          peerid, 0))
    s.close()
    return 0


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        sys.exit(serve(*sys.argv[2:4]))
    if sys.argv[1] == "hold":
        sys.exit(hold(*sys.argv[2:6]))
    sys.exit(main(*sys.argv[1:5]))
