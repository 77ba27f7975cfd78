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

# Inbound mail authentication in the daemon (issue 16): a real smtpd on
# loopback with a temporary spool and "resolver 127.0.0.1@PORT" pointing
# at a dnsmasq on loopback (its pid file in the instance directory,
# killed by the cleanup part) that serves the test zones below.  The
# client is 127.0.0.1, so the zones' SPF records say ip4:127.0.0.1 or
# -all.  Listeners:
#	$PORT	mail-auth			(results only)
#	$PDP	mail-auth dmarc-policy		(reject, quarantine)
#	$PSR	mail-auth spf-reject		(MAIL FROM refused on fail)
#	$PSUB	smtps auth mail-auth dmarc-policy spf-reject  (submission)
# Cases: SPF pass/fail/softfail in Authentication-Results; spf-reject's
# 550 5.7.23 with the domain's explanation; a message signed with
# `smtpctl dkim sign` (RSA and Ed25519) passes DKIM and DMARC, tampered
# it fails; a p=reject domain failing DMARC gets 550 5.7.1 with
# dmarc-policy and is accepted with the field without it; p=quarantine
# lands in Maildir/.Junk/new; a foreign Authentication-Results claiming
# our authserv-id is removed, one with another id kept; a client that
# leaves while a lookup hangs (slow.test's server never answers) has its
# check cancelled at once; authenticated submission is not checked.

. "$(atf_get_srcdir)/lib.sh"

# The test keys: $T/keys/{rsa,ed}.key and the p= of their records.
ma_keys()
{
	mkdir -p "$T/keys"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$T/keys/rsa.key" 2>/dev/null || atf_fail "RSA key"
	openssl genpkey -algorithm ED25519 -out "$T/keys/ed.key" \
	    2>/dev/null || atf_fail "Ed25519 key"
	chmod 600 "$T/keys/rsa.key" "$T/keys/ed.key"
	RSA_P=$(openssl pkey -in "$T/keys/rsa.key" -pubout -outform DER |
	    base64 -w0)
	# RFC 8463: the raw 32 bytes, the end of the SubjectPublicKeyInfo
	ED_P=$(openssl pkey -in "$T/keys/ed.key" -pubout -outform DER |
	    tail -c 32 | base64 -w0)
	[ -n "$RSA_P" ] && [ -n "$ED_P" ] || atf_fail "public keys"
}

# dnsmasq with the zones, answering for .test only.
ma_dns_start()
{
	command -v dnsmasq >/dev/null 2>&1 ||
	    atf_skip "dnsmasq not installed (package dnsmasq-base)"
	DNSPORT=$(free_port) || atf_fail "no free port"
	# slow.test's server takes the questions and never answers
	BHPORT=$(free_port) || atf_fail "no free port"
	python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(1)
end = time.time() + 300
while time.time() < end:
    try:
        s.recv(4096)
    except socket.timeout:
        pass' "$BHPORT" >/dev/null 2>&1 &
	echo $! >"$T/blackhole.pid"
	# an RSA-2048 key does not fit in one 255-byte string
	_r1=$(printf '%s' "v=DKIM1; k=rsa; p=$RSA_P" | cut -c1-200)
	_r2=$(printf '%s' "v=DKIM1; k=rsa; p=$RSA_P" | cut -c201-)
	dnsmasq_start "$T" "$DNSPORT" --log-queries \
	    --txt-record=spf-pass.test,"v=spf1 ip4:127.0.0.1 -all" \
	    --txt-record=spf-fail.test,"v=spf1 -all exp=why.spf-fail.test" \
	    --txt-record=why.spf-fail.test,"%{i} may not send for %{d}" \
	    --txt-record=spf-soft.test,"v=spf1 ~all" \
	    --txt-record=signed.test,"v=spf1 ?all" \
	    --txt-record=_dmarc.signed.test,"v=DMARC1; p=reject" \
	    --txt-record=rsa._domainkey.signed.test,"$_r1","$_r2" \
	    --txt-record=ed._domainkey.signed.test,"v=DKIM1; k=ed25519; p=$ED_P" \
	    --txt-record=reject.test,"v=spf1 -all" \
	    --txt-record=_dmarc.reject.test,"v=DMARC1; p=reject" \
	    --txt-record=quar.test,"v=spf1 -all" \
	    --txt-record=_dmarc.quar.test,"v=DMARC1; p=quarantine" \
	    --server=/slow.test/127.0.0.1#"$BHPORT"
}

# The instance: four listeners, local mail to ~/Maildir.
ma_setup()
{
	inst_setup
	command -v openssl >/dev/null 2>&1 || atf_skip "openssl missing"
	ma_keys
	ma_dns_start
	PDP=$(inst_free_port)
	PSR=$(inst_free_port)
	PSUB=$(inst_free_port)
	C=$T/certs
	sh "$TOP/etc/mkcert.sh" "$C" mx.test rsa >/dev/null ||
	    atf_fail "mkcert"
	PW='Mail Auth 7'
	printf '%s:%s\n' "$ALICE" "$("$SMTPCTL" encrypt "$PW")" >"$T/creds"
	chmod 644 "$T/creds"
	cat >"$T/smtpd.conf" <<EOF
# written by the test $(basename "$0")
hostname $DOM
queue path "$T/spool"
rundir "$T/run"
queue retry min 1s max 2s
resolver 127.0.0.1@$DNSPORT
pki mx.test cert "$C/mx.test.crt"
pki mx.test key "$C/mx.test.key"
table aliases file:$T/aliases
table creds file:$T/creds
listen on 127.0.0.1 port $PORT mail-auth
listen on 127.0.0.1 port $PDP mail-auth dmarc-policy
listen on 127.0.0.1 port $PSR mail-auth spf-reject
listen on 127.0.0.1 port $PSUB smtps pki mx.test auth <creds> mail-auth dmarc-policy spf-reject
action "md" maildir "~/Maildir" alias <aliases>
match from any for local action "md"
EOF
	inst_start
}

ma_cleanup()
{
	if [ -f "$INST_REF" ]; then
		_t=$(cat "$INST_REF")
		case "$_t" in
		/tmp/cartero-t.*)
			dnsmasq_stop "$_t"
			[ -s "$_t/blackhole.pid" ] &&
			    kill "$(cat "$_t/blackhole.pid")" 2>/dev/null
			;;
		esac
	fi
	inst_cleanup
}

# msg NAME FROM SUBJECT [EXTRA-HEADER-LINES]: $T/NAME.eml, CRLF lines.
msg()
{
	{
		[ -z "${4:-}" ] || printf '%s\n' "$4"
		printf 'From: Someone <%s>\n' "$2"
		printf 'To: <%s@%s>\n' "$BOB" "$DOM"
		printf 'Subject: %s\n' "$3"
		printf 'Date: Sun, 06 Dec 2026 21:00:00 +0000\n'
		printf 'Message-ID: <%s@client.test>\n' "$1"
		printf '\n'
		printf 'Body of %s.\n' "$1"
		printf 'A second line.\n'
	} | sed 's/$/\r/' >"$T/$1.eml"
}

# sign NAME: $T/NAME.eml signed for signed.test with both keys.
sign()
{
	"$SMTPCTL" dkim sign -d signed.test -s rsa -k "$T/keys/rsa.key" \
	    -s ed -k "$T/keys/ed.key" <"$T/$1.eml" >"$T/$1.signed" \
	    2>"$T/sign.err" || {
		cat "$T/sign.err" >&2
		atf_fail "smtpctl dkim sign failed"
	}
	mv "$T/$1.signed" "$T/$1.eml"
	grep -q '^DKIM-Signature:.*a=ed25519-sha256' "$T/$1.eml" &&
	    grep -q '^DKIM-Signature:.*a=rsa-sha256' "$T/$1.eml" || {
		cat "$T/$1.eml" >&2
		atf_fail "no signatures in $1"
	}
}

# transact PORT FROM NAME WANT: one SMTP transaction of $T/NAME.eml;
# the reply to the end of data must start with WANT (MAIL FROM's, when
# WANT is "MAIL:code").  The transcript is in $T/chat.out.
transact()
{
	_port=$1 _from=$2 _name=$3 _want=$4
	{
		echo "<220"
		echo "> EHLO client.test"
		echo "<250"
		echo "> MAIL FROM:<$_from>"
		case $_want in
		MAIL:*)
			echo "<${_want#MAIL:}"
			echo "> QUIT"
			echo "<221"
			;;
		*)
			echo "<250"
			echo "> RCPT TO:<$BOB@$DOM>"
			echo "<250"
			echo "> DATA"
			echo "<354"
			tr -d '\r' <"$T/$_name.eml" |
			    sed -e 's/^\./../' -e 's/^/> /' -e 's/^> $/>/'
			echo "> ."
			echo "<$_want"
			echo "> QUIT"
			echo "<221"
			;;
		esac
	} >"$T/chat.script"
	python3 "$TOOL" chat "$_port" <"$T/chat.script" >"$T/chat.out" \
	    2>&1 || {
		cat "$T/chat.out" >&2
		atf_fail "$_name on port $_port: not $_want"
	}
}

# delivered NAME [DIR]: the file of ~bob/Maildir/DIR (new) that holds
# the message NAME (its Message-ID), in $F.
delivered()
{
	_dir=$(home_of "$BOB")/Maildir/${2:-new}
	F=
	_n=$((WAIT * 10))
	while [ -z "$F" ]; do
		F=$(grep -l "^Message-ID: <$1@client.test>" "$_dir"/* \
		    2>/dev/null | head -n 1)
		[ -n "$F" ] && break
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "$1 not delivered into $_dir"
		inst_check_up
		sleep 0.1
	done
}

# has PATTERN: the delivered message $F has a matching line (its
# Authentication-Results field unfolded first).
has()
{
	_unf=$(awk '/^\r?$/ { exit } { print }' "$F" | tr -d '\r' |
	    sed -e ':a' -e 'N' -e '$!ba' -e 's/\n[ \t]\+/ /g')
	printf '%s\n' "$_unf" | grep -q -- "$1" || {
		cat "$F" >&2
		atf_fail "$(basename "$F"): no header line matching: $1"
	}
}

hasnt()
{
	if grep -q -- "$1" "$F"; then
		cat "$F" >&2
		atf_fail "$(basename "$F"): unexpected line: $1"
	fi
}

# logged PATTERN: a line of the daemon's log matches (bounded wait).
logged()
{
	wait_for_grep "$1" "$T/log" || atf_fail "no log line matching: $1"
}

atf_test_case spf_results cleanup
spf_results_head()
{
	atf_set descr "SPF pass, fail and softfail of the MAIL FROM" \
	    "identity in Authentication-Results and in the log line"
}
spf_results_body()
{
	ma_setup
	for _r in pass fail soft; do
		msg "spf-$_r" "a@spf-$_r.test" "SPF $_r"
		transact "$PORT" "a@spf-$_r.test" "spf-$_r" 250
	done
	delivered spf-pass
	has "^Authentication-Results: $DOM;.* spf=pass .*smtp.mailfrom=a@spf-pass.test"
	delivered spf-fail
	has "^Authentication-Results: $DOM;.* spf=fail .*smtp.mailfrom=a@spf-fail.test"
	delivered spf-soft
	has "^Authentication-Results: $DOM;.* spf=softfail .*smtp.mailfrom=a@spf-soft.test"
	# our field is above our Received: (the queue prepends it)
	_ar=$(grep -n "^Authentication-Results: $DOM" "$F" | head -n 1 |
	    cut -d: -f1)
	_rc=$(grep -n "^Received: " "$F" | head -n 1 | cut -d: -f1)
	[ -n "$_ar" ] && [ -n "$_rc" ] && [ "$_ar" -lt "$_rc" ] ||
	    { cat "$F" >&2; atf_fail "Authentication-Results not on top"; }
	logged "smtp message msgid=.* from=<a@spf-pass.test> .* spf=pass dkim=none dmarc=none"
	logged "smtp message msgid=.* from=<a@spf-fail.test> .* spf=fail dkim=none dmarc=none"
	logged "smtp message msgid=.* from=<a@spf-soft.test> .* spf=softfail dkim=none dmarc=none"
	assert_alive
}
spf_results_cleanup() { ma_cleanup; }

atf_test_case spf_reject cleanup
spf_reject_head()
{
	atf_set descr "spf-reject refuses MAIL FROM on SPF fail with 550" \
	    "5.7.23 and the domain's explanation; pass and softfail go on"
}
spf_reject_body()
{
	ma_setup
	msg sr-fail a@spf-fail.test "refused"
	transact "$PSR" a@spf-fail.test sr-fail "MAIL:550 5.7.23"
	grep -q "550 5.7.23 .*127.0.0.1 may not send for spf-fail.test" \
	    "$T/chat.out" || {
		cat "$T/chat.out" >&2
		atf_fail "no explanation in the 550"
	}
	logged "smtp spf-reject address=127.0.0.1 helo=client.test from=<a@spf-fail.test> spf=fail"
	msg sr-soft a@spf-soft.test "softfail passes"
	transact "$PSR" a@spf-soft.test sr-soft 250
	msg sr-pass a@spf-pass.test "pass passes"
	transact "$PSR" a@spf-pass.test sr-pass 250
	delivered sr-pass
	has "spf=pass"
	delivered sr-soft
	has "spf=softfail"
	# the refused message went nowhere
	if grep -rl "sr-fail@client.test" "$(home_of "$BOB")/Maildir" \
	    >/dev/null 2>&1; then
		atf_fail "the refused message was delivered"
	fi
	assert_alive
}
spf_reject_cleanup() { ma_cleanup; }

atf_test_case spf_temperror cleanup
spf_temperror_head()
{
	atf_set descr "spf-reject: a DNS server that does not answer is" \
	    "451 4.7.24 at MAIL FROM (try later), after the lookup timeout"
}
spf_temperror_body()
{
	ma_setup
	msg st-slow a@slow.test "temperror"
	transact "$PSR" a@slow.test st-slow "MAIL:451 4.7.24"
	logged "smtp spf-reject address=127.0.0.1 helo=client.test from=<a@slow.test> spf=temperror"
	assert_alive
}
spf_temperror_cleanup() { ma_cleanup; }

atf_test_case dkim_dmarc cleanup
dkim_dmarc_head()
{
	atf_set descr "a message signed with smtpctl dkim sign (RSA and" \
	    "Ed25519) passes DKIM and DMARC; tampered, it fails both"
}
dkim_dmarc_body()
{
	ma_setup
	msg good a@signed.test "signed"
	sign good
	transact "$PDP" a@signed.test good 250
	delivered good
	has "dkim=pass [^;]*header.d=signed.test"
	has "header.s=rsa"
	has "header.s=ed"
	has "dmarc=pass"
	logged "from=<a@signed.test> .* spf=neutral dkim=pass,pass dmarc=pass"
	# the body changed after signing: both signatures fail, and
	# p=reject applies on the dmarc-policy listener
	msg bad a@signed.test "signed"
	sign bad
	sed 's/^Body of bad\./Body of bad, changed./' "$T/bad.eml" \
	    >"$T/bad.tmp" && mv "$T/bad.tmp" "$T/bad.eml"
	transact "$PDP" a@signed.test bad "550 5.7.1"
	grep -q "550 5.7.1 .*signed.test" "$T/chat.out" ||
	    atf_fail "the 550 does not name the domain"
	transact "$PORT" a@signed.test bad 250
	delivered bad
	has "dkim=fail"
	has "dmarc=fail"
	hasnt "dkim=pass"
	logged "spf=neutral dkim=fail,fail dmarc=fail dmarc-action=reject"
	assert_alive
}
dkim_dmarc_cleanup() { ma_cleanup; }

atf_test_case dmarc_reject cleanup
dmarc_reject_head()
{
	atf_set descr "a p=reject domain failing DMARC: 550 5.7.1 with" \
	    "dmarc-policy, nothing queued; accepted with its" \
	    "Authentication-Results without"
}
dmarc_reject_body()
{
	ma_setup
	msg rej a@reject.test "rejected"
	transact "$PDP" a@reject.test rej "550 5.7.1"
	grep -q "550 5.7.1 Message rejected by the DMARC policy of reject.test" \
	    "$T/chat.out" || { cat "$T/chat.out" >&2; atf_fail "reply"; }
	logged "smtp message-rejected .* spf=fail dkim=none dmarc=fail dmarc-action=reject"
	wait_queue_empty || atf_fail "the refused message stayed queued"
	transact "$PORT" a@reject.test rej 250
	delivered rej
	has "spf=fail"
	has "dmarc=fail"
	has "header.from=reject.test"
	[ "$(count_files "$(home_of "$BOB")/Maildir/new")" -eq 1 ] ||
	    atf_fail "not exactly one message delivered"
	assert_alive
}
dmarc_reject_cleanup() { ma_cleanup; }

atf_test_case dmarc_two_from cleanup
dmarc_two_from_head()
{
	atf_set descr "a message with two From fields (no single author" \
	    "domain) is DMARC permerror and refused with dmarc-policy, not" \
	    "let through as dmarc=none past a p=reject domain"
}
dmarc_two_from_body()
{
	ma_setup
	msg two a@reject.test "two authors" "From: <someone@client.test>"
	transact "$PDP" a@reject.test two "550 5.7.1"
	grep -q "550 5.7.1 Message rejected: no single From domain" \
	    "$T/chat.out" || { cat "$T/chat.out" >&2; atf_fail "reply"; }
	logged "smtp message-rejected .* dmarc=permerror dmarc-action=reject"
	wait_queue_empty || atf_fail "the refused message stayed queued"
	# without dmarc-policy: accepted, and the field says why
	transact "$PORT" a@reject.test two 250
	delivered two
	has "dmarc=permerror (no single From domain)"
	assert_alive
}
dmarc_two_from_cleanup() { ma_cleanup; }

atf_test_case dmarc_quarantine cleanup
dmarc_quarantine_head()
{
	atf_set descr "a p=quarantine domain failing DMARC with" \
	    "dmarc-policy: delivered into Maildir/.Junk/new"
}
dmarc_quarantine_body()
{
	ma_setup
	msg quar a@quar.test "quarantined"
	transact "$PDP" a@quar.test quar 250
	delivered quar .Junk/new
	has "dmarc=fail"
	has "dis=quarantine"
	_md=$(home_of "$BOB")/Maildir
	[ -f "$_md/.Junk/maildirfolder" ] || atf_fail "no maildirfolder"
	for _d in tmp cur; do
		[ -d "$_md/.Junk/$_d" ] || atf_fail "no .Junk/$_d"
	done
	[ "$(stat -c %U "$_md/.Junk")" = "$BOB" ] ||
	    atf_fail ".Junk is not $BOB's"
	[ "$(stat -c %a "$_md/.Junk")" = "$(stat -c %a "$_md")" ] ||
	    atf_fail ".Junk's mode is not the maildir's"
	[ "$(count_files "$_md/new")" -eq 0 ] ||
	    atf_fail "the quarantined message is also in the inbox"
	logged "from=<a@quar.test> .* dmarc=fail dmarc-action=quarantine"
	# without dmarc-policy: the inbox, dis=none
	msg quar2 a@quar.test "not quarantined"
	transact "$PORT" a@quar.test quar2 250
	delivered quar2
	has "dmarc=fail"
	hasnt "dis=quarantine"
	assert_alive
}
dmarc_quarantine_cleanup() { ma_cleanup; }

atf_test_case authres_foreign cleanup
authres_foreign_head()
{
	atf_set descr "an Authentication-Results field claiming our" \
	    "authserv-id is removed; one with another id is kept"
}
authres_foreign_body()
{
	ma_setup
	msg forged a@spf-pass.test "forged" \
	    "$(printf '%s\n%s\n%s' \
	    "Authentication-Results: $DOM; spf=pass (forged-1)" \
	    "Authentication-Results: other.example; dkim=pass (kept-1)" \
	    "authentication-results:  ${DOM}; dmarc=pass (forged-2)")"
	transact "$PORT" a@spf-pass.test forged 250
	delivered forged
	hasnt "forged-1"
	hasnt "forged-2"
	has "^Authentication-Results: other.example; dkim=pass (kept-1)"
	[ "$(grep -ci "^Authentication-Results: *$DOM" "$F")" -eq 1 ] ||
	    { cat "$F" >&2; atf_fail "not exactly one field of ours"; }
	has "^Authentication-Results: $DOM;.* spf=pass"
	assert_alive
}
authres_foreign_cleanup() { ma_cleanup; }

atf_test_case client_gone cleanup
client_gone_head()
{
	atf_set descr "a client that leaves while lka waits for a DNS" \
	    "server that never answers: the check is cancelled at once," \
	    "nothing is queued, lka goes on serving"
}
client_gone_body()
{
	ma_setup
	# at MAIL FROM: SPF of slow.test
	printf '%s\n' "<220" "> EHLO client.test" "<250" \
	    "> MAIL FROM:<a@slow.test>" >"$T/gone1.script"
	python3 "$TOOL" chat "$PORT" <"$T/gone1.script" >"$T/chat.out" 2>&1 ||
	    { cat "$T/chat.out" >&2; atf_fail "chat"; }
	# at the end of data: DMARC of the From domain slow.test
	msg gone2 a@slow.test "gone"
	{
		printf '%s\n' "<220" "> EHLO client.test" "<250" \
		    "> MAIL FROM:<a@spf-pass.test>" "<250" \
		    "> RCPT TO:<$BOB@$DOM>" "<250" "> DATA" "<354"
		tr -d '\r' <"$T/gone2.eml" | sed -e 's/^/> /' -e 's/^> $/>/'
		echo "> ."
	} >"$T/gone2.script"
	python3 "$TOOL" chat "$PORT" <"$T/gone2.script" >"$T/chat.out" 2>&1 ||
	    { cat "$T/chat.out" >&2; atf_fail "chat"; }
	# both answered well before the resolver's timeout (15 s)
	poll_until 5 log_has_count "lka mail-auth cancelled" 2 ||
	    atf_fail "not two cancels in 5 s"
	poll_until 5 log_has_count "smtp disconnected .*reason=disconnect" 2 ||
	    atf_fail "the sessions did not end"
	wait_queue_empty || atf_fail "something was queued"
	# lka still answers
	msg after a@spf-pass.test "after"
	transact "$PORT" a@spf-pass.test after 250
	delivered after
	has "spf=pass"
	[ "$(count_files "$(home_of "$BOB")/Maildir/new")" -eq 1 ] ||
	    atf_fail "the abandoned message was delivered"
	assert_alive
}
client_gone_cleanup() { ma_cleanup; }

atf_test_case submission_unchecked cleanup
submission_unchecked_head()
{
	atf_set descr "authenticated submission on a mail-auth listener" \
	    "is not checked: no refusal, no Authentication-Results"
}
submission_unchecked_body()
{
	ma_setup
	command -v curl >/dev/null 2>&1 || atf_skip "curl missing"
	msg sub a@reject.test "submitted"
	timeout 30 curl -sS --url "smtps://mx.test:$PSUB" \
	    --resolve "mx.test:$PSUB:127.0.0.1" --cacert "$C/mx.test.crt" \
	    --user "$ALICE:$PW" --mail-from "a@reject.test" \
	    --mail-rcpt "$BOB@$DOM" --upload-file "$T/sub.eml" \
	    >"$T/curl.out" 2>&1 ||
	    { cat "$T/curl.out" >&2; atf_fail "curl submission failed"; }
	delivered sub
	hasnt "^Authentication-Results:"
	logged "smtp message msgid=.* from=<a@reject.test> .* auth=$ALICE"
	if grep -q "from=<a@reject.test> .*spf=" "$T/log"; then
		atf_fail "the submission was checked"
	fi
	assert_alive
}
submission_unchecked_cleanup() { ma_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case spf_results
	atf_add_test_case spf_reject
	atf_add_test_case spf_temperror
	atf_add_test_case dkim_dmarc
	atf_add_test_case dmarc_reject
	atf_add_test_case dmarc_two_from
	atf_add_test_case dmarc_quarantine
	atf_add_test_case authres_foreign
	atf_add_test_case client_gone
	atf_add_test_case submission_unchecked
}
