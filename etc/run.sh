#!/bin/sh
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

# etc/run.sh -- start cartero's imapd and smtpd in the foreground with the
# configurations in etc/imapd.conf and etc/smtpd.conf (make run builds
# first and runs etc/setup.sh).  Logs of both go to the terminal; Ctrl-C
# stops both daemons.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
conf=${CARTERO_CONF:-$top/etc/smtpd.conf}
smtpd=$top/build/smtpd

[ -x "$smtpd" ] || { echo "run: $smtpd missing: run make" >&2; exit 1; }
[ -f "$conf" ] || { echo "run: $conf missing" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
	echo "run: smtpd must be started as root" >&2
	exit 1
fi

"$smtpd" -n -f "$conf" >/dev/null
iconf=${CARTERO_IMAPD_CONF:-$top/etc/imapd.conf}
imapd=$top/build/imapd
[ -x "$imapd" ] || { echo "run: $imapd missing: run make" >&2; exit 1; }
"$imapd" -n -f "$iconf" >/dev/null
echo "run: starting $imapd -d -f $iconf (IMAP: 143 STARTTLS, 993 TLS)"
"$imapd" -d -f "$iconf" &
ipid=$!
trap 'kill "$ipid" 2>/dev/null || true' EXIT
trap 'exit 130' INT TERM
echo "run: starting $smtpd -d -f $conf (Ctrl-C stops both)"
echo "run: send mail with: $top/build/smtpctl sendmail USER < message"
"$smtpd" -d -f "$conf"
