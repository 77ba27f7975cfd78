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

# smtpctl dkim sign and smtpctl dkim verify, end to end: keys made with
# openssl(1), their records served by a dnsmasq on 127.0.0.1 (a free
# port, its pid file in the test's directory, killed by the cleanup
# part), smtpctl pointed at it by an smtpd.conf "resolver" line.  A
# message signed with both key types verifies (two "pass" lines, exit
# 0); a changed body fails, a message without a signature is "none", an
# unknown selector "permerror (no key)" (exit 1); a bad command line
# exits 2; the RFC 8463 Appendix A message verifies through the DNS with
# the RFC's own key records.

. "$(atf_get_srcdir)/lib.sh"

DKIM_REF=$(pwd)/cartero-dkim

dkim_setup()
{
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	command -v dnsmasq >/dev/null 2>&1 ||
	    atf_skip "dnsmasq not installed (package dnsmasq-base)"
	command -v openssl >/dev/null 2>&1 || atf_skip "openssl not installed"
	D=$(mktemp -d /tmp/cartero-dkim.XXXXXX) || atf_fail "mktemp"
	chmod 755 "$D"
	echo "$D" >"$DKIM_REF"
}

dkim_cleanup()
{
	[ -f "$DKIM_REF" ] || return 0
	_d=$(cat "$DKIM_REF")
	case "$_d" in
	/tmp/cartero-dkim.*) ;;
	*) return 0 ;;
	esac
	dnsmasq_stop "$_d"
	rm -rf "$_d"
}

# dns_start ARGS...: dnsmasq with the --txt-record options given, for
# .test and example.com only; $D/smtpd.conf points at it.
dns_start()
{
	DNSPORT=$(free_port) || atf_fail "no free port"
	dnsmasq_start "$D" "$DNSPORT" --local=/example.com/ --log-queries \
	    "$@"
	echo "resolver \"127.0.0.1@$DNSPORT\"" >"$D/smtpd.conf"
}

# txt_of KEYFILE: the p= of the key's record (raw 32 bytes for Ed25519).
p_of()
{
	case "$(openssl pkey -in "$1" -noout -text 2>/dev/null | head -1)" in
	ED25519*)
		openssl pkey -in "$1" -pubout -outform DER | tail -c 32 |
		    base64 -w 0 ;;
	*)
		openssl pkey -in "$1" -pubout -outform DER | base64 -w 0 ;;
	esac
}

# verify FILE STATUS: smtpctl dkim verify, its output in $D/out.
verify()
{
	_st=0
	"$SMTPCTL" dkim verify -f "$D/smtpd.conf" <"$1" >"$D/out" \
	    2>"$D/err" || _st=$?
	[ "$_st" -eq "$2" ] || {
		cat "$D/out" "$D/err" "$D/dnsmasq.log" >&2
		atf_fail "dkim verify $1: exit $_st, not $2"
	}
}

expect()
{
	grep -q -- "$1" "$D/out" || {
		cat "$D/out" "$D/err" >&2
		atf_fail "no line matching: $1"
	}
}

sign_verify_head()
{
	atf_set descr "smtpctl dkim sign with an Ed25519 and an RSA key," \
	    "smtpctl dkim verify through the configured resolver"
}
sign_verify_body()
{
	dkim_setup
	openssl genpkey -algorithm ed25519 -out "$D/ed.pem" 2>/dev/null ||
	    atf_fail "openssl genpkey ed25519"
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 \
	    -out "$D/rsa.pem" 2>/dev/null || atf_fail "openssl genpkey rsa"
	_ed=$(p_of "$D/ed.pem")
	_rsa=$(p_of "$D/rsa.pem")
	# the RSA record in two strings, as a zone has it
	_r1=$(printf '%s' "v=DKIM1; k=rsa; p=$_rsa" | cut -c 1-200)
	_r2=$(printf '%s' "v=DKIM1; k=rsa; p=$_rsa" | cut -c 201-)
	dns_start \
	    --txt-record="ed1._domainkey.example.test,v=DKIM1; k=ed25519; p=$_ed" \
	    --txt-record="rsa1._domainkey.example.test,$_r1,$_r2"
	printf 'From: Ann <ann@example.test>\r\nTo: bob@example.org\r\n%s\r\n' \
	    'Subject: the  plan' >"$D/msg"
	printf 'Date: Sun, 6 Dec 2026 21:00:00 +0000\r\n\r\nHello  world\r\n' \
	    >>"$D/msg"

	"$SMTPCTL" dkim sign -d example.test -s ed1 -k "$D/ed.pem" \
	    -s rsa1 -k "$D/rsa.pem" <"$D/msg" >"$D/signed" 2>"$D/err" || {
		cat "$D/err" >&2
		atf_fail "dkim sign failed"
	}
	[ "$(grep -c '^DKIM-Signature: ' "$D/signed")" -eq 2 ] ||
	    atf_fail "not two signature fields"
	tail -c "$(wc -c <"$D/msg")" "$D/signed" | cmp -s - "$D/msg" ||
	    atf_fail "the message is not unchanged after the fields"

	verify "$D/signed" 0
	expect "^dkim=pass header.d=example.test header.s=ed1 header.a=ed25519-sha256 header.b="
	expect "^dkim=pass header.d=example.test header.s=rsa1 header.a=rsa-sha256 header.b="
	[ "$(wc -l <"$D/out")" -eq 2 ] || atf_fail "not two lines"

	sed 's/Hello/Jello/' "$D/signed" >"$D/bad"
	verify "$D/bad" 1
	expect "^dkim=fail (body hash mismatch) header.d=example.test header.s=ed1"
	expect "^dkim=fail (body hash mismatch) header.d=example.test header.s=rsa1"

	sed 's/^Subject: the  plan/Subject: the plot/' "$D/signed" >"$D/bad"
	verify "$D/bad" 1
	expect "^dkim=fail (signature did not verify)"

	sed 's/s=ed1;/s=nokey;/' "$D/signed" >"$D/bad"
	verify "$D/bad" 0
	expect "^dkim=permerror (no key) header.d=example.test header.s=nokey"
	expect "^dkim=pass header.d=example.test header.s=rsa1"

	verify "$D/msg" 1
	expect "^dkim=none$"

	# bare LF in, bare LF out, still valid
	tr -d '\r' <"$D/msg" >"$D/msglf"
	"$SMTPCTL" dkim sign -d example.test -s ed1 -k "$D/ed.pem" \
	    <"$D/msglf" >"$D/signedlf" || atf_fail "dkim sign (LF) failed"
	grep -q "$(printf '\r')" "$D/signedlf" && atf_fail "CR in LF output"
	verify "$D/signedlf" 0
	expect "^dkim=pass header.d=example.test header.s=ed1"
}
sign_verify_cleanup() { dkim_cleanup; }

usage_head()
{
	atf_set descr "bad command lines and key files exit 2"
}
usage_body()
{
	dkim_setup
	openssl genpkey -algorithm ed25519 -out "$D/ed.pem" 2>/dev/null ||
	    atf_fail "openssl genpkey ed25519"
	printf 'From: a@example.test\r\n\r\nx\r\n' >"$D/msg"
	for args in "dkim" "dkim frobnicate" "dkim verify extra" \
	    "dkim sign -d example.test" "dkim sign -s s -k $D/ed.pem" \
	    "dkim sign -d example.test -k $D/ed.pem -s s" \
	    "dkim sign -d example.test -s s -k $D/nonexistent" \
	    "dkim sign -d example.test -s s -k $D/msg" \
	    "dkim sign -d bad;domain -s s -k $D/ed.pem" \
	    "dkim verify -f $D/nonexistent.conf"; do
		_st=0
		# shellcheck disable=SC2086 # the arguments are words
		"$SMTPCTL" $args <"$D/msg" >/dev/null 2>&1 || _st=$?
		[ "$_st" -eq 2 ] || atf_fail "smtpctl $args: exit $_st, not 2"
	done
}
usage_cleanup() { dkim_cleanup; }

rfc8463_head()
{
	atf_set descr "the RFC 8463 Appendix A message, both signatures," \
	    "with the RFC's key records served by the DNS"
}
rfc8463_body()
{
	dkim_setup
	dns_start \
	    --txt-record="brisbane._domainkey.football.example.com,v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" \
	    --txt-record="test._domainkey.football.example.com,v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
	{
		printf 'DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n'
		printf ' d=football.example.com; i=@football.example.com;\r\n'
		printf ' q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n'
		printf ' subject : date : message-id : from : subject : date;\r\n'
		printf ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n'
		printf ' b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n'
		printf ' Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n'
		printf 'DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n'
		printf ' d=football.example.com; i=@football.example.com;\r\n'
		printf ' q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n'
		printf ' date : message-id : from : subject : date;\r\n'
		printf ' bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n'
		printf ' b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n'
		printf ' DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n'
		printf ' dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n'
		printf 'From: Joe SixPack <joe@football.example.com>\r\n'
		printf 'To: Suzie Q <suzie@shopping.example.net>\r\n'
		printf 'Subject: Is dinner ready?\r\n'
		printf 'Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n'
		printf 'Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n'
		printf '\r\nHi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n'
	} >"$D/rfc8463"
	verify "$D/rfc8463" 0
	expect "^dkim=pass header.d=football.example.com header.s=brisbane header.a=ed25519-sha256 header.b=/gCrinpc$"
	expect "^dkim=pass header.d=football.example.com header.s=test header.a=rsa-sha256 header.b=F45dVWDf$"
}
rfc8463_cleanup() { dkim_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case sign_verify
	atf_add_test_case usage
	atf_add_test_case rfc8463
}
