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

# mkcert.sh -- make a self-signed certificate so that smtpd offers TLS
# out of the box (make run, tests).  For a real server use a certificate
# from a CA (Let's Encrypt: see README.md, "Certificates").
#
#   mkcert.sh DIR HOSTNAME [rsa|ec] [NAME...]
#
# writes DIR/HOSTNAME.crt (0644) and DIR/HOSTNAME.key (0600), an RSA-2048
# (default) or ECDSA P-256 key, valid 825 days, with HOSTNAME and every
# further NAME as subjectAltName.  An existing pair is kept.
set -eu

[ $# -ge 2 ] || { echo "usage: $0 DIR HOSTNAME [rsa|ec] [NAME...]" >&2; exit 2; }
dir=$1 host=$2
kind=${3:-rsa}
[ $# -ge 3 ] && shift 3 || shift $#
case $kind in
rsa)	alg="-newkey rsa:2048" ;;
ec)	alg="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
*)	echo "$0: key kind must be rsa or ec" >&2; exit 2 ;;
esac
crt=$dir/$host.crt key=$dir/$host.key
if [ -s "$crt" ] && [ -s "$key" ]; then
	exit 0
fi
san="DNS:$host"
for n in "$@"; do
	san="$san,DNS:$n"
done
mkdir -p "$dir"
umask 077
# shellcheck disable=SC2086
openssl req -x509 -nodes $alg -sha256 -days 825 -subj "/CN=$host" \
    -addext "subjectAltName=$san" -keyout "$key.tmp" -out "$crt.tmp" \
    2>/dev/null
chmod 0600 "$key.tmp"
chmod 0644 "$crt.tmp"
mv "$key.tmp" "$key"
mv "$crt.tmp" "$crt"
echo "$0: made $crt and $key (self-signed)"
