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

# dkim_sign_test.sh -- DKIM signing by the daemon (issue 16, acceptance 1):
# a real smtpd on loopback with a temporary spool and two keys for
# test.example (RSA-2048, selector rsa1; Ed25519, selector ed1); mail
# submitted with AUTH on a submission listener (swaks, STARTTLS) and
# through the local socket (build/sendmail) is delivered into a Maildir
# with both signatures, which python3-dkim's dkimverify and
# opendkim-tools' opendkim-testmsg verify fully offline: the public keys
# are TXT records of a dnsmasq in a network namespace, and both tools
# run in another namespace whose /etc/resolv.conf names that dnsmasq
# (ip netns exec mounts /etc/netns/NS/resolv.conf), so that they ask no
# one else.  Mail from an unauthenticated session, and mail whose From:
# domain has no key, is not signed.  The keys are made by smtpctl dkim
# keygen (openssl genpkey where this smtpctl has no keygen yet).

. "$(atf_get_srcdir)/lib.sh"

PW='Correct Horse 9'
SIGNED=$DOM

# ds_onexit: the daemon's log and the namespaces' logs on failure, then
# the namespaces go, whatever happened.
ds_onexit()
{
	_st=$?
	if [ "$_st" -ne 0 ] && [ -n "${T:-}" ] && [ -f "$T/log" ]; then
		echo "==== smtpd log, last 100 lines ====" >&2
		tail -n 100 "$T/log" >&2
		[ -f "$T/dns/log" ] && tail -n 30 "$T/dns/log" >&2
	fi
	netns_teardown
	return "$_st"
}

# mkkey rsa|ed25519 SELECTOR: a private key for $SIGNED, root's, mode
# 600, in $KEY: made by "smtpctl dkim keygen" when this smtpctl has it,
# else by openssl genpkey.
mkkey()
{
	KEY=$T/keys/$SIGNED.$2.key
	if ! "$SMTPCTL" dkim keygen -d "$T/keys" "$SIGNED" "$2" "$1" \
	    >"$T/keygen.out" 2>&1; then
		case $1 in
		rsa)
			openssl genpkey -algorithm rsa \
			    -pkeyopt rsa_keygen_bits:2048 -out "$KEY" \
			    2>/dev/null ;;
		ed25519)
			openssl genpkey -algorithm ed25519 -out "$KEY" \
			    2>/dev/null ;;
		esac
	fi
	[ -s "$KEY" ] || atf_fail "cannot make a $1 key"
	chown root:root "$KEY"
	chmod 600 "$KEY"
}

# txt rsa|ed25519 FILE: the key record's value, in strings of at most
# 200 characters joined by commas (dnsmasq --txt-record; no quotes:
# dnsmasq would keep them).
txt()
{
	case $1 in
	rsa)
		_p=$(openssl pkey -in "$2" -pubout -outform DER | base64 -w0)
		_v="v=DKIM1; k=rsa; p=$_p" ;;
	ed25519)
		_p=$(openssl pkey -in "$2" -pubout -outform DER | tail -c 32 |
		    base64 -w0)
		_v="v=DKIM1; k=ed25519; p=$_p" ;;
	esac
	echo "$_v" | fold -w 200 | paste -sd, -
}

ds_daemon()
{
	inst_setup
	command -v dkimverify >/dev/null ||
	    atf_skip "dkimverify (python3-dkim) is not installed"
	command -v opendkim-testmsg >/dev/null ||
	    atf_skip "opendkim-testmsg (opendkim-tools) is not installed"
	command -v swaks >/dev/null || atf_skip "swaks is not installed"
	C=$T/certs
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null ||
	    atf_fail "mkcert"
	printf '%s:%s\n' "$ALICE" "$("$SMTPCTL" encrypt "$PW")" >"$T/creds"
	chmod 644 "$T/creds"
	mkdir -p "$T/keys"
	mkkey rsa rsa1
	RSAKEY=$KEY
	mkkey ed25519 ed1
	EDKEY=$KEY
	P587=$(inst_free_port)
	inst_conf <<EOF
pki mx.test cert "$C/mx.test.crt"
pki mx.test key "$C/mx.test.key"
table creds file:$T/creds
dkim $SIGNED selector rsa1 key "$RSAKEY"
dkim $SIGNED selector ed1 key "$EDKEY"
listen on 127.0.0.1 port $P587 tls-require pki mx.test auth <creds>
action "md" maildir "~/Maildir" alias <aliases>
match from any for local action "md"
EOF
	inst_start
}

ds_setup()
{
	ds_daemon
	# the key records, served in a namespace of their own
	netns_setup
	trap 'ds_onexit' EXIT
	netns_host v 1
	dns_start \
	    "--txt-record=rsa1._domainkey.$SIGNED,$(txt rsa "$RSAKEY")" \
	    "--txt-record=ed1._domainkey.$SIGNED,$(txt ed25519 "$EDKEY")"
	netns_exec v /usr/bin/python3 -c 'import dns.resolver, sys
a = dns.resolver.resolve(sys.argv[1], "TXT")
print(b"".join(a[0].strings).decode())' "ed1._domainkey.$SIGNED" \
	    >"$T/dig.out" 2>&1 ||
	    { cat "$T/dig.out" >&2; atf_fail "the key record is not served"; }
	grep -q 'k=ed25519' "$T/dig.out" ||
	    { cat "$T/dig.out" >&2; atf_fail "wrong key record"; }
}

# The message, as submitted (CRLF; folded and odd white space in the
# header and body, which relaxed canonicalisation must survive).
ds_message()
{
	printf 'From: Alice <%s@%s>\r\n' "$ALICE" "$1"
	printf 'To: Bob <%s@%s>\r\n' "$BOB" "$DOM"
	printf 'Subject:  signed  %s\r\n\tfolded subject line\r\n' "$2"
	printf 'Date: Sun, 06 Dec 2026 21:00:00 +0000\r\n'
	printf 'Message-ID: <%s.%s@test.example>\r\n' "$2" "$$"
	printf 'MIME-Version: 1.0\r\n'
	printf 'Content-Type: text/plain; charset=utf-8\r\n'
	printf '\r\n'
	printf 'Hello Bob,  \r\n\r\nthis is %s.\t \r\n\r\n\r\n' "$2"
}

# verify_both FILE: both signatures of the stored message pass in both
# tools, offline.
verify_both()
{
	_m=$1
	assert_grep '^DKIM-Signature: .*a=rsa-sha256' "$_m"
	assert_grep '^DKIM-Signature: .*a=ed25519-sha256' "$_m"
	[ "$(grep -c '^DKIM-Signature:' "$_m")" -eq 2 ] ||
	    { show_file "$_m"; atf_fail "not exactly two signatures"; }
	for _i in 0 1; do
		netns_exec v dkimverify --index "$_i" <"$_m" \
		    >"$T/dkimverify.out" 2>&1 ||
		    { cat "$T/dkimverify.out" >&2; show_file "$_m";
		    atf_fail "dkimverify --index $_i failed"; }
		grep -q 'signature ok' "$T/dkimverify.out" ||
		    { cat "$T/dkimverify.out" >&2;
		    atf_fail "dkimverify --index $_i: not ok"; }
	done
	# opendkim-testmsg checks every signature; 0 and no output: all pass
	netns_exec v opendkim-testmsg <"$_m" >"$T/testmsg.out" 2>&1 ||
	    { cat "$T/testmsg.out" >&2; show_file "$_m";
	    atf_fail "opendkim-testmsg failed"; }
	# each alone, too: the other signature removed
	for _a in rsa-sha256 ed25519-sha256; do
		awk -v a="a=$_a" '
		    /^DKIM-Signature:/ { skip = (index($0, a) == 0); }
		    /^[^ \t]/ && !/^DKIM-Signature:/ { skip = 0 }
		    !skip' "$_m" >"$T/one.eml"
		[ "$(grep -c '^DKIM-Signature:' "$T/one.eml")" -eq 1 ] ||
		    atf_fail "cannot isolate the $_a signature"
		netns_exec v opendkim-testmsg <"$T/one.eml" \
		    >"$T/testmsg.out" 2>&1 ||
		    { cat "$T/testmsg.out" >&2; show_file "$T/one.eml";
		    atf_fail "opendkim-testmsg: $_a failed"; }
		netns_exec v dkimverify <"$T/one.eml" >"$T/dkimverify.out" \
		    2>&1 || { cat "$T/dkimverify.out" >&2;
		    atf_fail "dkimverify: $_a alone failed"; }
	done
	# and a tampered body fails (the tools do check)
	sed 's/^Hello Bob/Hello Eve/' "$_m" >"$T/bad.eml"
	! netns_exec v dkimverify <"$T/bad.eml" >"$T/dkimverify.out" 2>&1 ||
	    atf_fail "dkimverify accepted a tampered body"
	! netns_exec v opendkim-testmsg <"$T/bad.eml" >"$T/testmsg.out" \
	    2>&1 || atf_fail "opendkim-testmsg accepted a tampered body"
}

atf_test_case auth_submission cleanup
auth_submission_head()
{
	atf_set "descr" "AUTH on a submission listener: RSA and Ed25519" \
	    "signatures that dkimverify and opendkim-testmsg accept"
}
auth_submission_body()
{
	ds_setup
	ds_message "$SIGNED" auth >"$T/msg.eml"
	swaks --server 127.0.0.1 --port "$P587" --helo client.test --tls \
	    --auth PLAIN --auth-user "$ALICE" --auth-password "$PW" \
	    --from "$ALICE@$SIGNED" --to "$BOB@$DOM" --timeout 30 \
	    --data "@$T/msg.eml" >"$T/swaks.out" 2>&1 ||
	    { cat "$T/swaks.out" >&2; atf_fail "swaks failed"; }
	maildir_one "$BOB"
	verify_both "$MSG"
	assert_grep 'smtp message .* auth=cartero-alice dkim-sign=signed:rsa1,ed1' \
	    "$T/log"
	# the private keys are nowhere in the log
	assert_no_grep 'PRIVATE KEY' "$T/log"
}
auth_submission_cleanup() { netns_cleanup; }

atf_test_case local_sendmail cleanup
local_sendmail_head()
{
	atf_set "descr" "build/sendmail (the local socket): both signatures" \
	    "verify offline"
}
local_sendmail_body()
{
	ds_setup
	ds_message "$SIGNED" local | tr -d '\r' >"$T/msg.txt"
	chmod 644 "$T/msg.txt"
	sendmail_as "$ALICE" -t "<'$T/msg.txt'" ||
	    atf_fail "sendmail failed"
	maildir_one "$BOB"
	verify_both "$MSG"
	assert_grep 'dkim-sign=signed:rsa1,ed1' "$T/log"
}
local_sendmail_cleanup() { netns_cleanup; }

atf_test_case not_signed cleanup
not_signed_head()
{
	atf_set "descr" "no signature for an unauthenticated session, nor" \
	    "for a From: domain without a key"
}
not_signed_body()
{
	ds_setup
	# unauthenticated, on loopback, From: the signed domain
	ds_message "$SIGNED" anon >"$T/msg.eml"
	swaks --server 127.0.0.1 --port "$PORT" --helo client.test \
	    --from "$ALICE@$SIGNED" --to "$BOB@$DOM" --timeout 30 \
	    --data "@$T/msg.eml" >"$T/swaks.out" 2>&1 ||
	    { cat "$T/swaks.out" >&2; atf_fail "swaks failed"; }
	maildir_one "$BOB"
	assert_no_grep '^DKIM-Signature:' "$MSG"
	rm -f "$MSG"
	# authenticated, From: a domain without a key (a subdomain too)
	for _d in other.example "sub.$SIGNED"; do
		ds_message "$_d" "other-$_d" >"$T/msg.eml"
		swaks --server 127.0.0.1 --port "$P587" --helo client.test \
		    --tls --auth PLAIN --auth-user "$ALICE" \
		    --auth-password "$PW" --from "$ALICE@$_d" \
		    --to "$BOB@$DOM" --timeout 30 --data "@$T/msg.eml" \
		    >"$T/swaks.out" 2>&1 ||
		    { cat "$T/swaks.out" >&2; atf_fail "swaks failed"; }
		maildir_one "$BOB"
		assert_no_grep '^DKIM-Signature:' "$MSG"
		rm -f "$MSG"
	done
	assert_no_grep 'dkim-sign=' "$T/log"
	# and the same session signs when the From: is ours
	ds_message "$SIGNED" again >"$T/msg.eml"
	swaks --server 127.0.0.1 --port "$P587" --helo client.test --tls \
	    --auth PLAIN --auth-user "$ALICE" --auth-password "$PW" \
	    --from "$ALICE@$SIGNED" --to "$BOB@$DOM" --timeout 30 \
	    --data "@$T/msg.eml" >"$T/swaks.out" 2>&1 ||
	    { cat "$T/swaks.out" >&2; atf_fail "swaks failed"; }
	maildir_one "$BOB"
	[ "$(grep -c '^DKIM-Signature:' "$MSG")" -eq 2 ] ||
	    { show_file "$MSG"; atf_fail "not signed"; }
}
not_signed_cleanup() { netns_cleanup; }

atf_test_case bad_keys cleanup
bad_keys_head()
{
	atf_set "descr" "smtpd -n refuses an unprotected key file, a short" \
	    "RSA key and a key type DKIM does not sign with"
}
bad_keys_body()
{
	inst_setup
	mkdir -p "$T/keys"
	mkkey rsa s1
	cp "$KEY" "$T/keys/ok.pem"
	inst_conf <<EOF
dkim $SIGNED selector s1 key "$T/keys/ok.pem"
EOF
	"$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1 ||
	    { cat "$T/n.out" >&2; atf_fail "a good key refused"; }
	chmod 640 "$T/keys/ok.pem"
	! "$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1 ||
	    atf_fail "a key readable by its group accepted"
	_why="key .* is accessible by its group or others"
	assert_grep "smtpd.conf:[0-9]+: dkim $SIGNED selector s1: $_why" \
	    "$T/n.out"
	chmod 600 "$T/keys/ok.pem"
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:768 \
	    -out "$T/keys/short.pem" 2>/dev/null
	openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$T/keys/ec.pem" 2>/dev/null
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 \
	    -out "$T/keys/weak.pem" 2>/dev/null
	chmod 600 "$T/keys"/*.pem
	for _k in short ec; do
		inst_conf <<EOF
dkim $SIGNED selector s1 key "$T/keys/$_k.pem"
EOF
		! "$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1 ||
		    atf_fail "the $_k key accepted"
	done
	assert_grep "selector s1: [A-Za-z-]+ keys cannot sign DKIM" "$T/n.out"
	inst_conf <<EOF
dkim $SIGNED selector s1 key "$T/keys/short.pem"
EOF
	! "$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1 ||
	    atf_fail "a 768-bit key accepted"
	assert_grep "RSA key of 768 bits refused" "$T/n.out"
	inst_conf <<EOF
dkim $SIGNED selector s1 key "$T/keys/weak.pem"
EOF
	"$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1 ||
	    { cat "$T/n.out" >&2; atf_fail "a 1024-bit key refused"; }
	assert_grep "warning: dkim $SIGNED selector s1: RSA key of 1024 bits" \
	    "$T/n.out"
	assert_no_grep 'PRIVATE KEY' "$T/n.out"
}
bad_keys_cleanup() { inst_cleanup; }

atf_test_case signer_timeout cleanup
signer_timeout_head()
{
	atf_set "descr" "a signer that does not answer: 451 4.7.0 after the" \
	    "timeout, nothing committed; its late answer is dropped and the" \
	    "next message of the session is signed"
}
signer_timeout_body()
{
	ds_daemon
	_sp=$(child_pid signer)
	[ -n "$_sp" ] || atf_fail "no signer process"
	ds_message "$SIGNED" late >"$T/msg.eml"
	# the TLS handshake needs the signer: stop it after the AUTH
	/usr/bin/python3 - "$P587" "$ALICE" "$PW" "$_sp" "$T/msg.eml" \
	    "$ALICE@$SIGNED" "$BOB@$DOM" >"$T/py.out" 2>&1 <<'EOF' ||
import os, signal, smtplib, ssl, sys, time
port, user, pw, pid, path, frm, to = sys.argv[1:8]
pid = int(pid)
msg = open(path, "rb").read()
s = smtplib.SMTP("127.0.0.1", int(port), "client.test", timeout=60)
s.starttls(context=ssl._create_unverified_context())
s.ehlo("client.test")
s.login(user, pw)
os.kill(pid, signal.SIGSTOP)
try:
    t0 = time.time()
    try:
        s.sendmail(frm, [to], msg)
        sys.exit("accepted while the signer was stopped")
    except smtplib.SMTPDataError as e:
        print("refused", e.smtp_code, e.smtp_error.decode(), "after",
              int(time.time() - t0), "s")
        if e.smtp_code != 451 or not e.smtp_error.startswith(b"4.7.0"):
            sys.exit("not 451 4.7.0")
finally:
    os.kill(pid, signal.SIGCONT)
time.sleep(1)
s.sendmail(frm, [to], msg)
s.quit()
print("second accepted")
EOF
	    { cat "$T/py.out" >&2; atf_fail "the SMTP session failed"; }
	assert_grep 'refused 451 4.7.0' "$T/py.out"
	assert_grep 'dkim signing failed .*no answer from the signer' "$T/log"
	maildir_one "$BOB"
	[ "$(grep -c '^DKIM-Signature:' "$MSG")" -eq 2 ] ||
	    { show_file "$MSG"; atf_fail "the second message is not signed"; }
	[ "$(grep -c 'dkim-sign=signed:rsa1,ed1' "$T/log")" -eq 1 ] ||
	    atf_fail "not exactly one signed message in the log"
	wait_queue_empty || atf_fail "the queue is not empty"
	assert_alive
}
signer_timeout_cleanup() { inst_cleanup; }

atf_test_case reload cleanup
reload_head()
{
	atf_set "descr" "smtpctl reload: a key added signs the next message;" \
	    "a reload with an unprotected key file is refused and the keys" \
	    "in use stay"
}
reload_body()
{
	ds_daemon
	# as ds_daemon wrote it, without the Ed25519 key
	grep -v 'selector ed1' "$T/smtpd.conf" >"$T/one.conf"
	cp "$T/smtpd.conf" "$T/two.conf"
	cp "$T/one.conf" "$T/smtpd.conf"
	ctl reload
	ds_message "$SIGNED" r1 >"$T/msg.eml"
	sendmail_as "$ALICE" -t "<'$T/msg.eml'" || atf_fail "sendmail failed"
	maildir_one "$BOB"
	[ "$(grep -c '^DKIM-Signature:' "$MSG")" -eq 1 ] ||
	    { show_file "$MSG"; atf_fail "not one signature"; }
	rm -f "$MSG"
	# both keys again
	cp "$T/two.conf" "$T/smtpd.conf"
	ctl reload
	ds_message "$SIGNED" r2 >"$T/msg.eml"
	sendmail_as "$ALICE" -t "<'$T/msg.eml'" || atf_fail "sendmail failed"
	maildir_one "$BOB"
	[ "$(grep -c '^DKIM-Signature:' "$MSG")" -eq 2 ] ||
	    { show_file "$MSG"; atf_fail "not two signatures"; }
	rm -f "$MSG"
	# an unprotected key: the reload is refused, both keys still sign
	chmod 644 "$EDKEY"
	! "$SMTPCTL" reload >"$T/ctl.out" 2>&1 ||
	    atf_fail "a reload with an unprotected key succeeded"
	wait_log_count "key .* is accessible by its group or others" 1 ||
	    atf_fail "no log line about the key"
	chmod 600 "$EDKEY"
	ds_message "$SIGNED" r3 >"$T/msg.eml"
	sendmail_as "$ALICE" -t "<'$T/msg.eml'" || atf_fail "sendmail failed"
	maildir_one "$BOB"
	[ "$(grep -c '^DKIM-Signature:' "$MSG")" -eq 2 ] ||
	    { show_file "$MSG"; atf_fail "not two signatures"; }
	[ "$(grep -c 'dkim-sign=signed:rsa1,ed1' "$T/log")" -eq 2 ] ||
	    atf_fail "not two messages signed with both keys"
	[ "$(grep -cE 'dkim-sign=signed:rsa1( |$)' "$T/log")" -eq 1 ] ||
	    atf_fail "not one message signed with rsa1 alone"
	assert_alive
}
reload_cleanup() { inst_cleanup; }

atf_test_case bdat_socket cleanup
bdat_socket_head()
{
	atf_set "descr" "a message sent in BDAT chunks on the local socket," \
	    "split inside the header: both signatures verify offline"
}
bdat_socket_body()
{
	ds_setup
	ds_message "$SIGNED" bdat >"$T/msg.eml"
	_n=$(wc -c <"$T/msg.eml")
	_a=57
	_b=$((_n - _a))
	# the two chunks as Python bytes literals (chat has no open())
	_c1=$(python3 -c 'import sys
print(repr(open(sys.argv[1], "rb").read()[:int(sys.argv[2])]))' \
	    "$T/msg.eml" "$_a")
	_c2=$(python3 -c 'import sys
print(repr(open(sys.argv[1], "rb").read()[int(sys.argv[2]):]))' \
	    "$T/msg.eml" "$_a")
	PORT=$T/run/smtpd.sock chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$SIGNED>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> BDAT $_a
>> $_c1
< 250
> BDAT $_b LAST
>> $_c2
< 250 2.0.0
> QUIT
< 221
EOF
	maildir_one "$BOB"
	verify_both "$MSG"
	assert_grep 'proto=ESMTP .*dkim-sign=signed:rsa1,ed1' "$T/log"
}
bdat_socket_cleanup() { netns_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case auth_submission
	atf_add_test_case local_sendmail
	atf_add_test_case not_signed
	atf_add_test_case bad_keys
	atf_add_test_case signer_timeout
	atf_add_test_case reload
	atf_add_test_case bdat_socket
}
