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

# regress/integration/imapd_dovecot.sh -- Debian's dovecot standing in for
# build/imapd, to check the client tests themselves against a reference
# server (not a test, not run by kyua):
#
#	CARTERO_TEST_IMAPD=$PWD/regress/integration/imapd_dovecot.sh \
#	    kyua test ... integration/imapd_clients_test
#
# Takes imapd's command line (-n checks, -d runs in the foreground, -f
# CONF) and the lines of imapd.conf the tests write (pki default, table
# creds file:, listen on ... tls / imaps), and runs dovecot -F with the
# same certificate, ports and credentials table (smtpctl encrypt hashes
# are crypt(3) strings), users from the system, mail in ~/Maildir.
set -u
check=
conf=
while getopts dFf:nv o; do
	case $o in
	d|F|v) ;;
	f) conf=$OPTARG ;;
	n) check=1 ;;
	*) echo "usage: imapd_dovecot.sh [-dFnv] -f conf" >&2; exit 2 ;;
	esac
done
[ -f "$conf" ] || { echo "imapd_dovecot.sh: no $conf" >&2; exit 1; }
[ -z "$check" ] || exit 0
d=$(dirname "$conf")/dovecot.$$
mkdir -p "$d/run" "$d/state"
cert=$(sed -n 's/^pki default cert "\([^"]*\)".*/\1/p' "$conf")
key=$(sed -n 's/.* key "\([^"]*\)".*/\1/p' "$conf")
creds=$(sed -n 's/^table creds file:\(.*\)/\1/p' "$conf")
p143=$(sed -n 's/^listen on 127.0.0.1 port \([0-9]*\) tls.*/\1/p' "$conf")
p993=$(sed -n 's/^listen on 127.0.0.1 port \([0-9]*\) imaps.*/\1/p' "$conf")
cat > "$d/dovecot.conf" <<C
instance_name = fake-$$
base_dir = $d/run
state_dir = $d/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$cert
ssl_key = <$key
disable_plaintext_auth = yes
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=CRYPT $creds
}
userdb {
  driver = passwd
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $p143
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $p993
    ssl = yes
  }
}
C
exec /usr/sbin/dovecot -F -c "$d/dovecot.conf"
