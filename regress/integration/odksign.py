#!/usr/bin/python3
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

"""odksign.py -- sign a message with OpenDKIM's library (libopendkim11,
installed with opendkim-tools), for dkim_interop_test.

    odksign.py rsa|ed25519 KEYFILE SELECTOR DOMAIN [HCANON/BCANON] < msg

prints the DKIM-Signature field libopendkim made, then the message.
opendkim-testmsg cannot serve here: it signs with rsa-sha1, hard-coded
(refused since RFC 8301), and prints a corrupted field unless -C; this
calls the library the opendkim milter uses, through ctypes, with
rsa-sha256 or ed25519-sha256 (DKIM_SIGN_* of <opendkim/dkim.h>) and the
canonicalisation asked (relaxed/relaxed by default).  KEYFILE: PEM.
Exits 1 with libopendkim's reason when signing fails.  No network.
"""

import ctypes
import sys

DKIM_SIGN = {"rsa": 1, "ed25519": 2}    # RSASHA256, ED25519SHA256
DKIM_CANON = {"simple": 0, "relaxed": 1}
DKIM_OP_SETOPT = 1
DKIM_OPTS_FLAGS = 0
DKIM_LIBFLAGS_FIXCRLF = 0x100           # bare LF counts as CRLF
HEADER = b"DKIM-Signature: "


def main():
    if len(sys.argv) not in (5, 6) or sys.argv[1] not in DKIM_SIGN:
        sys.exit("usage: odksign.py rsa|ed25519 KEYFILE SELECTOR DOMAIN "
                 "[HCANON/BCANON]")
    alg = DKIM_SIGN[sys.argv[1]]
    with open(sys.argv[2], "rb") as f:
        key = f.read()
    sel, dom = sys.argv[3].encode(), sys.argv[4].encode()
    hc, bc = (sys.argv[5] if len(sys.argv) == 6 else
              "relaxed/relaxed").split("/")
    msg = sys.stdin.buffer.read()

    lib = ctypes.CDLL("libopendkim.so.11")
    vp, cp = ctypes.c_void_p, ctypes.c_char_p
    lib.dkim_init.restype = vp
    lib.dkim_init.argtypes = [vp, vp]
    lib.dkim_sign.restype = vp
    lib.dkim_sign.argtypes = [vp, cp, vp, cp, cp, cp, ctypes.c_int,
                              ctypes.c_int, ctypes.c_int, ctypes.c_ssize_t,
                              ctypes.POINTER(ctypes.c_int)]
    lib.dkim_options.argtypes = [vp, ctypes.c_int, ctypes.c_int, vp,
                                 ctypes.c_size_t]
    lib.dkim_chunk.argtypes = [vp, cp, ctypes.c_size_t]
    lib.dkim_eom.argtypes = [vp, vp]
    lib.dkim_getsighdr_d.argtypes = [vp, ctypes.c_size_t,
                                     ctypes.POINTER(cp),
                                     ctypes.POINTER(ctypes.c_size_t)]
    lib.dkim_getresultstr.restype = cp
    lib.dkim_getresultstr.argtypes = [ctypes.c_int]
    lib.dkim_free.argtypes = [vp]
    lib.dkim_close.argtypes = [vp]

    def why(st):
        return lib.dkim_getresultstr(st).decode(errors="replace")

    h = lib.dkim_init(None, None)
    if not h:
        sys.exit("odksign: dkim_init failed")
    flags = ctypes.c_uint(DKIM_LIBFLAGS_FIXCRLF)
    lib.dkim_options(h, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS,
                     ctypes.byref(flags), ctypes.sizeof(flags))
    st = ctypes.c_int(0)
    d = lib.dkim_sign(h, b"odksign", None, key, sel, dom, DKIM_CANON[hc],
                      DKIM_CANON[bc], alg, -1, ctypes.byref(st))
    if not d:
        sys.exit("odksign: dkim_sign: " + why(st.value))
    for name, r in (("chunk", lambda: lib.dkim_chunk(d, msg, len(msg))),
                    ("chunk", lambda: lib.dkim_chunk(d, None, 0)),
                    ("eom", lambda: lib.dkim_eom(d, None))):
        st = r()
        if st != 0:
            sys.exit("odksign: dkim_%s: %s" % (name, why(st)))
    buf, ln = ctypes.c_char_p(), ctypes.c_size_t(0)
    st = lib.dkim_getsighdr_d(d, len(HEADER), ctypes.byref(buf),
                              ctypes.byref(ln))
    if st != 0:
        sys.exit("odksign: dkim_getsighdr_d: " + why(st))
    field = ctypes.string_at(buf, ln.value).replace(b"\r", b"")
    # the message's own line ends
    eol = b"\r\n" if b"\r\n" in msg[:4096] else b"\n"
    field = field.replace(b"\n", eol)
    sys.stdout.buffer.write(HEADER + field + eol + msg)
    lib.dkim_free(d)
    lib.dkim_close(h)


if __name__ == "__main__":
    main()
