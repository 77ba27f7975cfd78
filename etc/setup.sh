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

# etc/setup.sh -- prepare the system for cartero (idempotent, run as root):
# one unprivileged user per process, the mail group and /var/mail, the
# spool (cartero.service needs it before the first start), and
# /etc/cartero/smtpd.conf and /etc/aliases when they do not exist yet.
# Existing files are never overwritten.  (The Debian package's postinst
# does the same.)
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "setup: must run as root (it creates system users)" >&2
	exit 1
fi

NOLOGIN=/usr/sbin/nologin
[ -x "$NOLOGIN" ] || NOLOGIN=/bin/false

for u in _cartero-ctl _cartero-lka _cartero-queue _cartero-smtp \
    _cartero-sign _cartero-relay _cartero-imap; do
	if ! getent group "$u" >/dev/null; then
		groupadd --system "$u"
	fi
	if ! getent passwd "$u" >/dev/null; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell "$NOLOGIN" --gid "$u" \
		    --comment "cartero ${u#_cartero-} process" "$u"
		echo "setup: created user $u"
	fi
done

getent group mail >/dev/null || groupadd --system mail
install -d -o root -g mail -m 2775 /var/mail
# install -d does not change an existing directory's mode on every system
chown root:mail /var/mail
chmod 2775 /var/mail

# the modes smtpd's parent sets itself (smtpd/parent.c)
install -d -o root -g root -m 0711 /var/spool/cartero
install -d -o root -g root -m 1733 /var/spool/cartero/offline

install -d -o root -g root -m 0755 /etc/cartero
# imapd's run directory: its control socket, and the empty directory its
# login and signer processes are chrooted to (imapd/parent.c)
install -d -o root -g root -m 0755 /run/cartero-imapd \
    /run/cartero-imapd/empty
if [ ! -e /etc/cartero/imapd.conf ] && [ -f "$top/etc/imapd.conf" ]; then
	install -o root -g root -m 0644 "$top/etc/imapd.conf" \
	    /etc/cartero/imapd.conf
	echo "setup: installed /etc/cartero/imapd.conf"
fi
if [ ! -e /etc/cartero/smtpd.conf ] && [ -f "$top/etc/smtpd.conf" ]; then
	install -o root -g root -m 0644 "$top/etc/smtpd.conf" \
	    /etc/cartero/smtpd.conf
	echo "setup: installed /etc/cartero/smtpd.conf"
fi
# a self-signed certificate, so that TLS works out of the box; replace
# it with one from a CA (README.md, "Certificates")
if [ ! -e /etc/cartero/tls/smtpd.crt ]; then
	name=$(cat /etc/mailname 2>/dev/null || hostname -f 2>/dev/null ||
	    hostname)
	install -d -o root -g root -m 0755 /etc/cartero/tls
	sh "$top/etc/mkcert.sh" /etc/cartero/tls "$name" rsa >/dev/null
	mv "/etc/cartero/tls/$name.crt" /etc/cartero/tls/smtpd.crt
	mv "/etc/cartero/tls/$name.key" /etc/cartero/tls/smtpd.key
	echo "setup: made a self-signed certificate for $name in" \
	    "/etc/cartero/tls"
fi
if [ ! -e /etc/aliases ] && [ -f "$top/etc/aliases" ]; then
	install -o root -g root -m 0644 "$top/etc/aliases" /etc/aliases
	echo "setup: installed /etc/aliases"
fi
# cartero never delivers as root (nor runs commands as root): without an
# alias, root's mail is appended to /var/mail/root (root:mail 0660) by an
# agent running as nobody; an alias sends it to a person who reads it.
if ! grep -qiE '^[[:space:]]*root[[:space:]]*:' /etc/aliases 2>/dev/null; then
	echo "setup: note: /etc/aliases has no alias for root; mail to root" \
	    "goes to /var/mail/root (add \"root: <your user>\" to read it" \
	    "elsewhere)" >&2
fi
exit 0
