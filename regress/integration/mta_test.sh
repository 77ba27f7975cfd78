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

# The mta: outbound SMTP from the smtp process.  Against sinktool.py sinks
# (which count connections and record commands): messages to one relay
# host share one connection, the recipients of one message one
# transaction, a 550 to one recipient bounces that one only; against our
# own smtpd as the smarthost (tls-require and auth on a port, the mail
# then relayed to a sink): STARTTLS, AUTH with the credentials of the
# relay's label, wrong credentials kept in the queue with the server's
# reply and no password in the log, smtps://; a plaintext host with
# credentials configured never sees AUTH; lmtp://.

. "$(atf_get_srcdir)/lib.sh"

PW='Correct-Horse-9'
FAR=friend@remote.test

# Connections the sink accepted, commands it received.
sink_conns() { wc -l <"$T/sink/conns" 2>/dev/null || echo 0; }
sink_has() { [ "$(sink_count)" -ge "$1" ]; }
sink_wait()
{
	poll_until "$WAIT" sink_has "$1" ||
	    atf_fail "the sink got $(sink_count) messages, not $1"
}

# send FROM RCPT... < message (through smtptool, from 127.0.0.1)
send()
{
	tool send "$PORT" "$@" >"$T/send.out" 2>&1 ||
	    { cat "$T/send.out" >&2; atf_fail "send failed"; }
}

# The configuration: local mail to mboxes, mail from 127.0.0.1 relayed
# with the action given on stdin (named "out").
mta_conf()
{
	inst_conf <<EOF
$(cat)
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
match from any for local action "mbox"
match from src 127.0.0.1 for any action "out"
EOF
}

atf_test_case connection_reuse cleanup
connection_reuse_head()
{
	atf_set descr "several messages to one relay host, one after the" \
	    "other, go over one connection"
}
connection_reuse_body()
{
	inst_setup
	sink_start
	mta_conf <<EOF
action "out" relay host smtp://127.0.0.1:$SINKPORT
EOF
	inst_start
	for _i in 1 2 3 4 5; do
		printf 'Subject: reuse %s\r\n\r\nmessage %s\r\n' $_i $_i |
		    send "$ALICE@$DOM" "$FAR"
		sink_wait $_i
	done
	wait_queue_empty || atf_fail "the queue kept a message"
	[ "$(sink_conns)" -eq 1 ] ||
	    atf_fail "$(sink_conns) connections for 5 messages, not 1"
	[ "$(grep -c ' MAIL FROM:' "$T/sink/cmds")" -eq 5 ] ||
	    atf_fail "not 5 transactions"
	[ "$(grep -c "action=out result=Ok .* relay=\"127.0.0.1 \[127.0.0.1\]:$SINKPORT\" tls=none" "$T/log")" -eq 5 ] ||
	    atf_fail "not 5 delivery lines with relay= and tls="
	assert_grep "mta connected address=\"127.0.0.1 \\[127.0.0.1\\]:$SINKPORT\" route=out/\\*" "$T/log"
	# smtpctl shows the route and the host with what went over them
	ctl show routes
	grep -q "^out/\\* relay=smtp://127.0.0.1:$SINKPORT .*sent=5" \
	    "$T/ctl.out" || { show_file "$T/ctl.out"; atf_fail "show routes"; }
	ctl show hosts
	grep -q "^127.0.0.1 \\[127.0.0.1\\] route=out/\\* .*sent=5" \
	    "$T/ctl.out" || { cat "$T/ctl.out" >&2; atf_fail "show hosts"; }
	# idle, it says goodbye
	wait_log_count "mta closed address=\"127.0.0.1 \\[127.0.0.1\\]:$SINKPORT\" messages=5" 1 ||
	    atf_fail "no closed line after the idle time"
	assert_grep "^0 QUIT" "$T/sink/cmds"
}
connection_reuse_cleanup() { sink_cleanup; }

atf_test_case one_transaction cleanup
one_transaction_head()
{
	atf_set descr "the recipients of one message make one transaction:" \
	    "one MAIL FROM, a RCPT TO each, one copy of the data, pipelined"
}
one_transaction_body()
{
	inst_setup
	sink_start
	mta_conf <<EOF
action "out" relay host smtp://127.0.0.1:$SINKPORT
EOF
	inst_start
	printf 'Subject: three\r\n\r\n.dot first\r\nend\r\n' |
	    send "$ALICE@$DOM" a@remote.test,b@remote.test,c@remote.test
	sink_wait 1
	wait_queue_empty || atf_fail "the queue kept a message"
	[ "$(sink_count)" -eq 1 ] || atf_fail "$(sink_count) copies, not 1"
	[ "$(grep -c '^rcpt ' "$T/sink/env.0")" -eq 3 ] ||
	    { show_file "$T/sink/env.0"; atf_fail "not 3 recipients"; }
	assert_grep "^\\.dot first" "$T/sink/msg.0"
	# MAIL, the three RCPT (in the queue's order), DATA: nothing else
	sed -n 's/^0 //p' "$T/sink/cmds" | grep -v '^EHLO' | head -5 \
	    >"$T/order"
	sed -n 1p "$T/order" |
	    grep -qE "^MAIL FROM:<$ALICE@$DOM> SIZE=[0-9]+( BODY=8BITMIME)?\$" ||
	    { show_file "$T/order"; atf_fail "MAIL FROM first"; }
	[ "$(sed -n 2,4p "$T/order" | sort | tr '\n' ' ')" = \
	    "RCPT TO:<a@remote.test> RCPT TO:<b@remote.test> RCPT TO:<c@remote.test> " ] ||
	    { show_file "$T/order"; atf_fail "three RCPT TO next"; }
	[ "$(sed -n 5p "$T/order")" = DATA ] ||
	    { show_file "$T/order"; atf_fail "DATA last"; }
}
one_transaction_cleanup() { sink_cleanup; }

atf_test_case rcpt_mixed cleanup
rcpt_mixed_head()
{
	atf_set descr "one message, two recipients, one answered 550 and" \
	    "one 250: one delivered, one bounced with the host's reply"
}
rcpt_mixed_body()
{
	inst_setup
	sink_start
	echo "bad@remote.test 550 5.1.1 <bad@remote.test>: no such user here" \
	    >"$T/sink/rcpt"
	mta_conf <<EOF
action "out" relay host smtp://127.0.0.1:$SINKPORT
EOF
	inst_start
	printf 'Subject: mixed\r\n\r\nhalf of it\r\n' |
	    send "$ALICE@$DOM" good@remote.test,bad@remote.test
	sink_wait 1
	wait_mbox $ALICE "no such user here"
	wait_queue_empty || atf_fail "the queue kept a message"
	assert_grep "^rcpt <good@remote.test>" "$T/sink/env.0"
	assert_no_grep "bad@remote.test" "$T/sink/env.0"
	[ "$(sink_count)" -eq 1 ] || atf_fail "$(sink_count) messages"
	# one bounce, to the sender, naming the refused recipient only
	[ "$(grep -c '^From ' "$(mbox_of $ALICE)")" -eq 1 ] ||
	    atf_fail "not exactly one bounce"
	assert_grep "bad@remote.test" "$(mbox_of $ALICE)"
	assert_no_grep "^Final-Recipient: .*good@remote.test" \
	    "$(mbox_of $ALICE)"
	assert_grep "to=<good@remote.test> .*result=Ok" "$T/log"
	assert_grep "to=<bad@remote.test> .*result=PermFail .*stat=\"550 5.1.1 <bad@remote.test>: no such user here\"" "$T/log"
}
rcpt_mixed_cleanup() { sink_cleanup; }

atf_test_case plaintext_no_auth cleanup
plaintext_no_auth_head()
{
	atf_set descr "credentials are never sent without TLS: a relay host" \
	    "that offers AUTH but no STARTTLS sees no AUTH, and the mail" \
	    "waits with an error saying why"
}
plaintext_no_auth_body()
{
	inst_setup
	sink_start
	echo "AUTH PLAIN LOGIN" >"$T/sink/ehlo"
	printf 'smart %s:%s\n' "$ALICE" "$PW" >"$T/secrets"
	chmod 640 "$T/secrets"
	mta_conf <<EOF
table secrets file:$T/secrets
action "out" relay host smtp://smart@127.0.0.1:$SINKPORT auth <secrets>
EOF
	inst_start
	printf 'Subject: secret\r\n\r\nnot in the clear\r\n' |
	    send "$ALICE@$DOM" "$FAR"
	wait_log_count "result=TempFail .*stat=\"530 5.7.0 mta: 127.0.0.1 \\[127.0.0.1\\]:$SINKPORT offers no STARTTLS: the relay requires TLS before AUTH" 1 ||
	    atf_fail "no TLS-before-AUTH error"
	wait_for_grep "^0 QUIT" "$T/sink/cmds" ||
	    atf_fail "no QUIT at the sink"
	assert_grep "^0 EHLO $DOM" "$T/sink/cmds"
	assert_no_grep " AUTH" "$T/sink/cmds"
	assert_no_grep " MAIL" "$T/sink/cmds"
	[ "$(sink_count)" -eq 0 ] || atf_fail "the sink got the message"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message is not queued"
	ctl show queue
	assert_grep "530 5.7.0 mta: .* offers no STARTTLS" "$T/ctl.out"
	if grep -qF -- "$PW" "$T/log"; then
		atf_fail "the password is in the log"
	fi
	assert_alive
}
plaintext_no_auth_cleanup() { sink_cleanup; }

# Our own smtpd is the smarthost: $P587 requires STARTTLS and AUTH,
# $P465 is smtps with AUTH; what it accepts from an authenticated client
# goes to the sink.  Mail from the test client (not authenticated) goes
# out through the action given on stdin (named "out") to that smarthost.
smarthost_start()
{
	inst_setup
	C=$T/certs
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null ||
	    atf_fail "mkcert"
	printf '%s:%s\n' "$ALICE" "$("$SMTPCTL" encrypt "$PW")" >"$T/creds"
	chmod 644 "$T/creds"
	printf 'smart %s:%s\n' "$ALICE" "${1:-$PW}" >"$T/secrets"
	chmod 640 "$T/secrets"
	sink_start
	P587=$(inst_free_port)
	P465=$(inst_free_port)
	_out=$(sed -e "s/P587/$P587/" -e "s/P465/$P465/")
	inst_conf <<EOF
pki mx.test cert "$C/mx.test.crt"
pki mx.test key "$C/mx.test.key"
table creds file:$T/creds
table secrets file:$T/secrets
listen on 127.0.0.1 port $P587 tls-require pki mx.test auth <creds> received-auth
listen on 127.0.0.1 port $P465 smtps pki mx.test auth <creds> received-auth
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
action "sink" relay host smtp://127.0.0.1:$SINKPORT
$_out
match from any for local action "mbox"
match from auth for any action "sink"
match from src 127.0.0.1 for any action "out"
EOF
	inst_start
}

# nothing of the password in the log, in any form
check_no_password()
{
	for _s in "$PW" "$(printf '\0%s\0%s' "$ALICE" "$PW" | base64 -w0)" \
	    "$(printf '%s' "$PW" | base64 -w0)"; do
		if grep -qF -- "$_s" "$T/log"; then
			atf_fail "the password is in the log"
		fi
	done
}

atf_test_case smarthost_auth cleanup
smarthost_auth_head()
{
	atf_set descr "relay host smtp+tls://label@HOST:PORT tls no-verify" \
	    "auth <secrets> to our own smtpd (tls-require, auth): STARTTLS," \
	    "AUTH, delivered; the log says how"
}
smarthost_auth_body()
{
	smarthost_start <<EOF
action "out" relay host smtp+tls://smart@127.0.0.1:P587 tls no-verify auth <secrets>
EOF
	printf 'Subject: via smarthost\r\n\r\nhello smarthost\r\n' |
	    send "$ALICE@$DOM" "$FAR"
	sink_wait 1
	wait_queue_empty || atf_fail "the queue kept a message"
	assert_grep "^hello smarthost" "$T/sink/msg.0"
	assert_grep "\\(authenticated as $ALICE\\)" "$T/sink/msg.0"
	assert_grep "with ESMTPSA id" "$T/sink/msg.0"
	assert_grep "mta tls address=\"127.0.0.1 \\[127.0.0.1\\]:$P587\" version=TLSv1\\.[23] cipher=[A-Z0-9_-]+ verify=unverified" "$T/log"
	assert_grep "mta auth address=\"127.0.0.1 \\[127.0.0.1\\]:$P587\" label=smart result=ok" "$T/log"
	assert_grep "action=out result=Ok .* relay=\"127.0.0.1 \\[127.0.0.1\\]:$P587\" tls=TLSv1\\.[23]:[A-Z0-9_-]+:unverified" "$T/log"
	check_no_password
	assert_alive
}
smarthost_auth_cleanup() { sink_cleanup; }

atf_test_case smarthost_bad_auth cleanup
smarthost_bad_auth_head()
{
	atf_set descr "wrong credentials: the mail waits with the server's" \
	    "reply in show queue and the log, and no password in the log"
}
smarthost_bad_auth_body()
{
	smarthost_start 'Wrong-Horse-1' <<EOF
action "out" relay host smtp+tls://smart@127.0.0.1:P587 tls no-verify auth <secrets>
EOF
	printf 'Subject: refused\r\n\r\nwrong password\r\n' |
	    send "$ALICE@$DOM" "$FAR"
	wait_log_count "mta auth address=\"127.0.0.1 \\[127.0.0.1\\]:$P587\" label=smart result=failed reply=\"535 " 1 ||
	    atf_fail "no AUTH failure line"
	wait_log_count "action=out result=TempFail .*stat=\"535 5\\.7\\.8 .*AUTH refused by 127.0.0.1 \\[127.0.0.1\\]:$P587" 1 ||
	    atf_fail "no delivery line with the server's reply"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message is not queued"
	[ "$(sink_count)" -eq 0 ] || atf_fail "the sink got the message"
	ctl show queue
	assert_grep "535 5\\.7\\.8" "$T/ctl.out"
	for _s in 'Wrong-Horse-1' "$(printf 'Wrong-Horse-1' | base64 -w0)" \
	    "$(printf '\0%s\0%s' "$ALICE" 'Wrong-Horse-1' | base64 -w0)"; do
		if grep -qF -- "$_s" "$T/log"; then
			atf_fail "the password is in the log"
		fi
	done
	assert_alive
}
smarthost_bad_auth_cleanup() { sink_cleanup; }

atf_test_case smarthost_smtps cleanup
smarthost_smtps_head()
{
	atf_set descr "relay host smtps://label@HOST:PORT: TLS from the" \
	    "first byte, then AUTH"
}
smarthost_smtps_body()
{
	smarthost_start <<EOF
action "out" relay host smtps://smart@127.0.0.1:P465 tls no-verify auth <secrets>
EOF
	printf 'Subject: smtps\r\n\r\nwrapped\r\n' | send "$ALICE@$DOM" "$FAR"
	sink_wait 1
	wait_queue_empty || atf_fail "the queue kept a message"
	assert_grep "\\(authenticated as $ALICE\\)" "$T/sink/msg.0"
	assert_grep "action=out result=Ok .* relay=\"127.0.0.1 \\[127.0.0.1\\]:$P465\" tls=TLSv1\\.[23]:[A-Z0-9_-]+:unverified" "$T/log"
	check_no_password
}
smarthost_smtps_cleanup() { sink_cleanup; }

atf_test_case tls_verify_fails cleanup
tls_verify_fails_head()
{
	atf_set descr "tls (verify): a certificate the system CA store does" \
	    "not know is refused and the mail waits"
}
tls_verify_fails_body()
{
	smarthost_start <<EOF
action "out" relay host smtp+tls://smart@127.0.0.1:P587 tls auth <secrets>
EOF
	printf 'Subject: verify\r\n\r\nverify me\r\n' | send "$ALICE@$DOM" "$FAR"
	wait_log_count "action=out result=TempFail .*stat=\"451 4.4.2 mta: TLS handshake failed with 127.0.0.1 \\[127.0.0.1\\]:$P587: " 1 ||
	    atf_fail "no TLS failure"
	assert_no_grep "mta auth" "$T/log"
	[ "$(queue_count)" -eq 1 ] || atf_fail "the message is not queued"
	[ "$(sink_count)" -eq 0 ] || atf_fail "the sink got the message"
}
tls_verify_fails_cleanup() { sink_cleanup; }

atf_test_case client_certificate cleanup
client_certificate_head()
{
	atf_set descr "relay ... pki NAME: the mta presents that certificate" \
	    "(its key stays in the signer) to a host that requires one"
}
client_certificate_body()
{
	inst_setup
	C=$T/certs
	mkdir -p "$C"
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null ||
	    atf_fail "mkcert"
	openssl req -x509 -nodes -newkey rsa:2048 -days 1 -subj /CN=test-ca \
	    -keyout "$C/ca.key" -out "$C/ca.crt" 2>/dev/null ||
	    atf_fail "CA"
	openssl req -nodes -newkey rsa:2048 -subj /CN=client.test \
	    -keyout "$C/client.key" -out "$C/client.csr" 2>/dev/null ||
	    atf_fail "client CSR"
	openssl x509 -req -in "$C/client.csr" -CA "$C/ca.crt" \
	    -CAkey "$C/ca.key" -CAcreateserial -days 1 \
	    -out "$C/client.crt" 2>/dev/null || atf_fail "client cert"
	chmod 600 "$C/client.key"
	sink_start
	P587=$(inst_free_port)
	inst_conf <<EOF
pki mx.test cert "$C/mx.test.crt"
pki mx.test key "$C/mx.test.key"
pki client.test cert "$C/client.crt"
pki client.test key "$C/client.key"
ca clients cert "$C/ca.crt"
listen on 127.0.0.1 port $P587 tls-require verify pki mx.test ca clients tag certified
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
action "sink" relay host smtp://127.0.0.1:$SINKPORT
action "out" relay host smtp+tls://127.0.0.1:$P587 tls no-verify pki client.test
match from any for local action "mbox"
match tag certified for any action "sink"
match from src 127.0.0.1 for any action "out"
EOF
	inst_start
	printf 'Subject: cert\r\n\r\nwith my certificate\r\n' |
	    send "$ALICE@$DOM" "$FAR"
	sink_wait 1
	wait_queue_empty || atf_fail "the queue kept a message"
	assert_grep "smtp tls .* client-cert=yes" "$T/log"
	assert_grep "action=out result=Ok .* tls=TLSv1\\.[23]:[A-Z0-9_-]+:unverified" "$T/log"
}
client_certificate_cleanup() { sink_cleanup; }

atf_test_case lmtp_relay cleanup
lmtp_relay_head()
{
	atf_set descr "relay host lmtp://HOST:PORT: LHLO, and one reply per" \
	    "recipient after the data"
}
lmtp_relay_body()
{
	inst_setup
	sink_start
	: >"$T/sink/lmtp"
	echo "full@remote.test 452 4.2.2 mailbox full" >"$T/sink/lmtp"
	mta_conf <<EOF
action "out" relay host lmtp://127.0.0.1:$SINKPORT
EOF
	inst_start
	printf 'Subject: lmtp\r\n\r\nby lmtp\r\n' |
	    send "$ALICE@$DOM" one@remote.test,full@remote.test
	sink_wait 1
	wait_log_count "to=<one@remote.test> .*action=out result=Ok" 1 ||
	    atf_fail "no delivery for one@"
	wait_log_count "to=<full@remote.test> .*result=TempFail .*stat=\"452 4.2.2 mailbox full\"" 1 ||
	    atf_fail "no tempfail for full@"
	assert_grep "^0 LHLO $DOM" "$T/sink/cmds"
	assert_grep "^rcpt <one@remote.test>" "$T/sink/env.0"
}
lmtp_relay_cleanup() { sink_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case connection_reuse
	atf_add_test_case one_transaction
	atf_add_test_case rcpt_mixed
	atf_add_test_case plaintext_no_auth
	atf_add_test_case smarthost_auth
	atf_add_test_case smarthost_bad_auth
	atf_add_test_case smarthost_smtps
	atf_add_test_case tls_verify_fails
	atf_add_test_case client_certificate
	atf_add_test_case lmtp_relay
}
