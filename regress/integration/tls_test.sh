#! /usr/bin/env atf-sh
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

# TLS: STARTTLS (tls, tls-require) and implicit TLS (smtps) with real
# clients (swaks, curl, python3 smtplib, openssl s_client), certificates
# chosen by SNI, STARTTLS command injection, certificate reload, and the
# configuration errors of pki files.

. "$(atf_get_srcdir)/lib.sh"

TLSTOOL=$(atf_get_srcdir)/tlstool.py

# Certificates in $T/certs: mx.test (RSA-2048, the default), other.test
# (ECDSA P-256); ports: $PORT tls, $PORT2 smtps, $PORT3 tls-require.
tls_setup()
{
	inst_setup
	C=$T/certs
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null ||
	    atf_fail "mkcert mx.test"
	sh "$TOP/etc/mkcert.sh" "$C" other.test ec >/dev/null ||
	    atf_fail "mkcert other.test"
	PORT2=$(inst_free_port)
	PORT3=$(inst_free_port)
	inst_conf <<EOF2
pki mx.test cert "$C/mx.test.crt"
pki mx.test key "$C/mx.test.key"
pki other.test cert "$C/other.test.crt"
pki other.test key "$C/other.test.key"
listen on 127.0.0.1 port $PORT2 smtps pki mx.test
listen on 127.0.0.1 port $PORT3 tls-require pki mx.test
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
match from local for local action "mbox"
EOF2
	# the instance's own listener offers STARTTLS with both certificates
	sed -i "s/^listen on 127.0.0.1 port $PORT\$/& tls pki mx.test pki other.test/" \
	    "$T/smtpd.conf"
	grep -q "port $PORT tls pki" "$T/smtpd.conf" || atf_fail "conf"
	inst_start
}

# The subject of the certificate the server shows for SNI name $2.
s_client_subject()
{
	echo QUIT | timeout 20 openssl s_client -connect "127.0.0.1:$1" \
	    -starttls smtp ${2:+-servername "$2"} 2>/dev/null |
	    sed -n 's/^subject=//p'
}

message_file()
{
	printf 'From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\n\r\n%s\r\n' \
	    "$ALICE@$DOM" "$BOB@$DOM" "$1" "sent by $1" >"$T/msg.$1"
}

curl_send()
{
	_url=$1 _tag=$2
	shift 2
	message_file "$_tag"
	timeout 30 curl -sS --url "$_url" \
	    --resolve "mx.test:$PORT:127.0.0.1" \
	    --resolve "mx.test:$PORT2:127.0.0.1" \
	    --cacert "$C/mx.test.crt" --mail-from "$ALICE@$DOM" \
	    --mail-rcpt "$BOB@$DOM" --upload-file "$T/msg.$_tag" "$@" \
	    >"$T/curl.out" 2>&1 ||
	    { cat "$T/curl.out" >&2; atf_fail "curl $_url failed"; }
}

atf_test_case starttls_clients cleanup
starttls_clients_head()
{
	atf_set descr "swaks, curl --ssl-reqd and smtplib starttls() deliver" \
	    "over STARTTLS; Received: and the log name TLS version and cipher"
}
starttls_clients_body()
{
	tls_setup
	swaks_send $ALICE@$DOM $BOB@$DOM --tls --tls-verify \
	    --tls-ca-path "$C/mx.test.crt" --tls-sni mx.test \
	    --header "Subject: swaks-tls"
	curl_send "smtp://mx.test:$PORT" curl-tls --ssl-reqd
	python3 "$TLSTOOL" send "$PORT" $ALICE@$DOM $BOB@$DOM starttls \
	    "$C/mx.test.crt" || atf_fail "smtplib starttls"
	wait_mbox $BOB '^Subject: tls starttls'
	_m=$(mbox_of $BOB)
	poll_until "$WAIT" has_line '^Subject: curl-tls' "$_m" ||
	    atf_fail "curl's message not delivered"
	assert_grep '^Subject: swaks-tls' "$_m"
	[ "$(grep -c '(using TLSv1\.[23] with cipher ' "$_m")" -eq 3 ] ||
	    { show_file "$_m"; atf_fail "Received: without TLS comment"; }
	[ "$(grep -c 'with ESMTPS id' "$_m")" -eq 3 ] ||
	    atf_fail "Received: not ESMTPS"
	[ "$(grep -c 'smtp message .* tls=TLSv1\.[23]:' "$T/log")" -eq 3 ] ||
	    atf_fail "log lines without tls="
	assert_alive
}
starttls_clients_cleanup()
{
	inst_cleanup
}

atf_test_case smtps_clients cleanup
smtps_clients_head()
{
	atf_set descr "swaks --tlsc, curl smtps:// and smtplib over implicit" \
	    "TLS deliver"
}
smtps_clients_body()
{
	tls_setup
	PORT=$PORT2 swaks_send $ALICE@$DOM $BOB@$DOM --tlsc --tls-verify \
	    --tls-ca-path "$C/mx.test.crt" --tls-sni mx.test \
	    --header "Subject: swaks-smtps"
	curl_send "smtps://mx.test:$PORT2" curl-smtps
	python3 "$TLSTOOL" send "$PORT2" $ALICE@$DOM $BOB@$DOM smtps \
	    "$C/mx.test.crt" || atf_fail "smtplib SMTP_SSL"
	wait_mbox $BOB '^Subject: tls smtps'
	_m=$(mbox_of $BOB)
	poll_until "$WAIT" has_line '^Subject: curl-smtps' "$_m" ||
	    atf_fail "curl's message not delivered"
	assert_grep '^Subject: swaks-smtps' "$_m"
	[ "$(grep -c '(using TLSv1\.[23] with cipher ' "$_m")" -eq 3 ] ||
	    { show_file "$_m"; atf_fail "Received: without TLS comment"; }
	# plaintext on the smtps port gets no banner and no reply
	_out=$(printf 'EHLO x\r\n' | timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=8)
s.sendall(sys.stdin.buffer.read())
try:
    print(s.recv(100))
except OSError as e:
    print("error", e)' "$PORT2")
	case $_out in
	*220*|*250*) atf_fail "plaintext answered on smtps: $_out" ;;
	esac
	assert_alive
}
smtps_clients_cleanup()
{
	inst_cleanup
}

atf_test_case sni cleanup
sni_head()
{
	atf_set descr "openssl s_client -servername gets the certificate" \
	    "for that name; without SNI, the listener's first pki"
}
sni_body()
{
	tls_setup
	[ "$(s_client_subject "$PORT" other.test)" = "CN = other.test" ] ||
	    atf_fail "SNI other.test: $(s_client_subject "$PORT" other.test)"
	[ "$(s_client_subject "$PORT" mx.test)" = "CN = mx.test" ] ||
	    atf_fail "SNI mx.test: $(s_client_subject "$PORT" mx.test)"
	[ "$(s_client_subject "$PORT" unknown.test)" = "CN = mx.test" ] ||
	    atf_fail "unknown SNI: not the default certificate"
	[ "$(s_client_subject "$PORT")" = "CN = mx.test" ] ||
	    atf_fail "no SNI: not the default certificate"
	assert_grep 'smtp tls .* sni=other.test' "$T/log"
	# the client's name is escaped in the log: no forged line
	s_client_subject "$PORT" "$(printf 'x.test\nsmtp forged-line')" \
	    >/dev/null
	wait_for_grep 'sni=x.test\\nsmtp forged-line' "$T/log" ||
	    atf_fail "the SNI with a newline is not logged escaped"
	assert_no_grep '^smtp forged-line' "$T/log"
	assert_alive
}
sni_cleanup()
{
	inst_cleanup
}

atf_test_case tls_require cleanup
tls_require_head()
{
	atf_set descr "tls-require: before STARTTLS only EHLO, STARTTLS," \
	    "NOOP, RSET and QUIT; 530 5.7.0 for the rest"
}
tls_require_body()
{
	tls_setup
	PORT=$PORT3 chat <<EOF2
< 220
> EHLO client.test
< 250
> NOOP
< 250
> RSET
< 250
> HELO client.test
< 530 5.7.0 Must issue a STARTTLS command first
> MAIL FROM:<$ALICE@$DOM>
< 530 5.7.0
> RCPT TO:<$BOB@$DOM>
< 530 5.7.0
> DATA
< 530 5.7.0
> VRFY $BOB
< 530 5.7.0
> BDAT 0 LAST
< 530 5.7.0
> NOOP
< 250
> BDAT 5 LAST
>> b"abcde"
< 530 5.7.0
> NOOP
< 250
> QUIT
< 221
EOF2
	python3 "$TLSTOOL" send "$PORT3" $ALICE@$DOM $BOB@$DOM starttls \
	    "$C/mx.test.crt" || atf_fail "tls-require: STARTTLS then mail"
	wait_mbox $BOB '^Subject: tls starttls'
	assert_alive
}
tls_require_cleanup()
{
	inst_cleanup
}

atf_test_case starttls_injection cleanup
starttls_injection_head()
{
	atf_set descr "commands in the same packet as STARTTLS are discarded" \
	    "(CVE-2011-0411) and the session starts again after TLS"
}
starttls_injection_body()
{
	tls_setup
	python3 "$TLSTOOL" inject "$PORT" "$C/mx.test.crt" ||
	    atf_fail "pipelined plaintext reached the TLS session"
	assert_grep 'smtp starttls-discarded address=127.0.0.1 bytes=' \
	    "$T/log"
	assert_no_grep 'injected@evil' "$T/log"
	assert_alive
}
starttls_injection_cleanup()
{
	inst_cleanup
}

atf_test_case starttls_rules cleanup
starttls_rules_head()
{
	atf_set descr "STARTTLS: not twice, not in a transaction, no" \
	    "argument, not where not offered; a failed handshake harms nothing"
}
starttls_rules_body()
{
	tls_setup
	chat <<EOF2
< 220
> EHLO client.test
< 250
> STARTTLS now
< 501 5.5.4
> MAIL FROM:<$ALICE@$DOM>
< 250
> STARTTLS
< 503 5.5.1 STARTTLS inside a mail transaction
> QUIT
< 221
EOF2
	# the local socket does not offer it
	printf 'EHLO x\r\nSTARTTLS\r\nQUIT\r\n' >"$T/sock.in"
	timeout 20 python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(open(sys.argv[2], "rb").read())
out = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    out += d
sys.stdout.write(out.decode())' "$T/run/smtpd.sock" "$T/sock.in" \
	    >"$T/sock.out"
	assert_grep '^502 5.5.1 STARTTLS not offered here' "$T/sock.out"
	assert_no_grep 'STARTTLS$' "$T/sock.out"
	# garbage instead of a ClientHello: logged, the daemon goes on
	timeout 20 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
f = s.makefile("rb")
f.readline()
s.sendall(b"STARTTLS\r\n")
f.readline()
s.sendall(b"GET / HTTP/1.0\r\n\r\n" * 10)
try:
    s.recv(100)
except OSError:
    pass' "$PORT"
	wait_for_grep 'smtp tls-failed address=127.0.0.1' "$T/log" ||
	    atf_fail "failed handshake not logged"
	python3 "$TLSTOOL" send "$PORT" $ALICE@$DOM $BOB@$DOM starttls \
	    "$C/mx.test.crt" || atf_fail "STARTTLS after a failed handshake"
	assert_alive
}
starttls_rules_cleanup()
{
	inst_cleanup
}

atf_test_case reload_certificate cleanup
reload_certificate_head()
{
	atf_set descr "smtpctl reload: new sessions get the renewed" \
	    "certificate, a session begun before completes its message"
}
reload_certificate_body()
{
	tls_setup
	cp "$C/mx.test.crt" "$T/old.crt"
	cat >"$T/renew.sh" <<EOF2
#!/bin/sh
set -e
rm -f "$C/mx.test.crt" "$C/mx.test.key"
sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null
cp "$C/mx.test.crt" "$T/new.crt"
n=\$(grep -c 'smtp: configuration reloaded' "$T/log" || true)
CARTERO_RUNDIR="$T/run" "$SMTPCTL" reload >/dev/null
i=0
while [ "\$(grep -c 'smtp: configuration reloaded' "$T/log")" -le "\$n" ]; do
	i=\$((i + 1)); [ \$i -lt 200 ] || exit 1; sleep 0.1
done
EOF2
	python3 "$TLSTOOL" reload "$PORT" "$T/old.crt" "$T/new.crt" \
	    $ALICE@$DOM $BOB@$DOM -- sh "$T/renew.sh" >"$T/reload.out" ||
	    atf_fail "reload: $(cat "$T/reload.out")"
	wait_mbox $BOB '^Subject: new session'
	poll_until "$WAIT" has_line '^Subject: old session' "$(mbox_of $BOB)" ||
	    atf_fail "the session begun before the reload lost its message"
	assert_alive
}
reload_certificate_cleanup()
{
	inst_cleanup
}

atf_test_case resumption cleanup
resumption_head()
{
	atf_set descr "TLS sessions resume from tickets, chained, over TLS" \
	    "1.2 and 1.3 (libretls sends none without common/tls_compat.c)"
}
resumption_body()
{
	tls_setup
	python3 "$TLSTOOL" resume "$PORT" 1.3 || atf_fail "TLS 1.3"
	python3 "$TLSTOOL" resume "$PORT" 1.2 || atf_fail "TLS 1.2"
	[ "$(grep -c 'smtp tls .* resumed=yes' "$T/log")" -eq 4 ] ||
	    atf_fail "the log does not say resumed=yes four times"
	assert_alive
}
resumption_cleanup()
{
	inst_cleanup
}

atf_test_case client_certificates cleanup
client_certificates_head()
{
	atf_set descr "ca NAME with smtps verify: a client certificate signed" \
	    "by that CA is required; another, or none, ends the handshake"
}
client_certificates_body()
{
	inst_setup
	C=$T/certs
	mkdir -p "$C"
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null
	# a CA, a client certificate it signs, and one it does not
	openssl req -x509 -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -days 1 -subj /CN=test-ca -keyout "$C/ca.key" -out "$C/ca.crt" \
	    2>/dev/null || atf_fail "CA"
	openssl req -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -subj /CN=client -keyout "$C/client.key" -out "$C/client.csr" \
	    2>/dev/null || atf_fail "client CSR"
	openssl x509 -req -in "$C/client.csr" -CA "$C/ca.crt" \
	    -CAkey "$C/ca.key" -CAcreateserial -days 1 \
	    -out "$C/client.crt" 2>/dev/null || atf_fail "client cert"
	sh "$TOP/etc/mkcert.sh" "$C" stranger ec >/dev/null
	PORT2=$(inst_free_port)
	inst_conf <<EOF2
pki mx.test cert "$C/mx.test.crt"
pki mx.test key "$C/mx.test.key"
ca clients cert "$C/ca.crt"
listen on 127.0.0.1 port $PORT2 smtps verify pki mx.test ca clients
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
match from local for local action "mbox"
EOF2
	inst_start
	python3 "$TLSTOOL" clientcert "$PORT2" "$C/client.crt" \
	    "$C/client.key" || atf_fail "the CA's client was refused"
	assert_grep 'smtp tls .* client-cert=yes' "$T/log"
	if python3 "$TLSTOOL" clientcert "$PORT2" - - 2>/dev/null; then
		atf_fail "a client without a certificate was let in"
	fi
	if python3 "$TLSTOOL" clientcert "$PORT2" "$C/stranger.crt" \
	    "$C/stranger.key" 2>/dev/null; then
		atf_fail "a certificate of another CA was accepted"
	fi
	[ "$(grep -c 'smtp tls-failed' "$T/log")" -ge 2 ] ||
	    atf_fail "refused handshakes not logged"
	assert_alive
}
client_certificates_cleanup()
{
	inst_cleanup
}

atf_test_case pki_errors cleanup
pki_errors_head()
{
	atf_set descr "smtpd -n: missing certificate, a key in the" \
	    "certificate file, TLS without a pki, smtps with tls: file:line"
}
pki_errors_body()
{
	inst_setup
	C=$T/certs
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null
	cat "$C/mx.test.crt" "$C/mx.test.key" >"$C/both.pem"
	# a NUL byte before the key must not hide it
	{ cat "$C/mx.test.crt"; printf '\0'; cat "$C/mx.test.key"; } \
	    >"$C/nul.pem"
	check_conf()
	{
		printf '%s\n' "$@" >"$T/bad.conf"
		if "$SMTPD" -n -f "$T/bad.conf" >"$T/n.out" 2>&1; then
			cat "$T/n.out" >&2
			atf_fail "smtpd -n accepted: $*"
		fi
	}
	check_conf "pki a cert \"$C/nope.crt\"" "pki a key \"$C/mx.test.key\"" \
	    "listen on 127.0.0.1 tls pki a"
	assert_grep "bad.conf:1: pki \"a\": cannot open $C/nope.crt" "$T/n.out"
	check_conf "pki a cert \"$C/both.pem\"" "pki a key \"$C/mx.test.key\"" \
	    "listen on 127.0.0.1 tls pki a"
	assert_grep 'bad.conf:1: pki "a": .* also holds a private key' \
	    "$T/n.out"
	check_conf "pki a cert \"$C/nul.pem\"" "pki a key \"$C/mx.test.key\"" \
	    "listen on 127.0.0.1 tls pki a"
	assert_grep 'bad.conf:1: pki "a": .* also holds a private key' \
	    "$T/n.out"
	check_conf "pki a cert \"$C/mx.test.crt\"" "pki a key \"$C/mx.test.key\"" \
	    "pki b cert \"$C/mx.test.crt\"" "pki b key \"$C/mx.test.key\"" \
	    "listen on 127.0.0.1 tls"
	assert_grep 'bad.conf:5: TLS listener needs a certificate' "$T/n.out"
	check_conf "pki a cert \"$C/mx.test.crt\"" "pki a key \"$C/mx.test.key\"" \
	    "listen on 127.0.0.1 smtps tls"
	assert_grep 'bad.conf:3: .*exclude each other' "$T/n.out"
	check_conf "pki a cert \"$C/mx.test.crt\"" \
	    "listen on 127.0.0.1 tls pki a"
	assert_grep 'bad.conf:1: pki "a" needs both' "$T/n.out"
	check_conf "listen on 127.0.0.1 pki a"
	assert_grep 'bad.conf:1: pki, ca, ciphers and protocols need' \
	    "$T/n.out"
	# and a good one passes, smtps on 465 by default
	printf '%s\n' "pki a cert \"$C/mx.test.crt\"" \
	    "pki a key \"$C/mx.test.key\"" "listen on 127.0.0.1 smtps" \
	    >"$T/good.conf"
	"$SMTPD" -n -f "$T/good.conf" >"$T/n.out" 2>&1 ||
	    { cat "$T/n.out" >&2; atf_fail "good TLS configuration refused"; }
	assert_grep 'port 465 smtps pki "a"' "$T/n.out"
}
pki_errors_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case starttls_clients
	atf_add_test_case smtps_clients
	atf_add_test_case sni
	atf_add_test_case tls_require
	atf_add_test_case starttls_injection
	atf_add_test_case starttls_rules
	atf_add_test_case reload_certificate
	atf_add_test_case resumption
	atf_add_test_case client_certificates
	atf_add_test_case pki_errors
}
