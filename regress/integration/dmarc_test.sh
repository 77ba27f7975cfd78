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

# dmarc_test.sh -- `smtpctl dmarc check` end to end, fully offline: a
# dnsmasq on 127.0.0.1 (a free port, killed in the cleanup) serves the
# DKIM keys, SPF and DMARC records of a few .test domains; messages are
# signed by dkimpy (dkimsign, both key types: also an interoperability
# check) or by smtpctl dkim sign with keys of smtpctl dkim keygen, and
# checked through smtpd.conf's "resolver 127.0.0.1@PORT".
# Each case compares the whole Authentication-Results field and the
# verdict line (header.b, which changes with every signature's time
# stamp, is replaced by "B").

. "$(atf_get_srcdir)/lib.sh"

DM_REF=$(pwd)/cartero-dmarc

# The test's directory, the tools, two keys (dknewkey, of dkimpy).
dm_setup()
{
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	command -v dnsmasq >/dev/null 2>&1 ||
	    atf_skip "dnsmasq not installed (package dnsmasq-base)"
	command -v dkimsign >/dev/null 2>&1 &&
	    command -v dknewkey >/dev/null 2>&1 ||
	    atf_skip "dkimsign not installed (package python3-dkim)"
	[ -r /usr/share/publicsuffix/public_suffix_list.dat ] ||
	    atf_skip "no public suffix list (package publicsuffix)"
	D=$(mktemp -d /tmp/cartero-dmarc.XXXXXX) || atf_fail "mktemp"
	echo "$D" >"$DM_REF"
	(cd "$D" && dknewkey --ktype ed25519 ed >/dev/null 2>&1 &&
	    dknewkey --ktype rsa rsa >/dev/null 2>&1) ||
	    atf_fail "dknewkey failed"
	# and two of ours
	"$SMTPCTL" dkim keygen -d "$D/keys" own.test ed ed25519 \
	    >"$D/own-ed.out" 2>&1 &&
	    "$SMTPCTL" dkim keygen -d "$D/keys" own.test rsa rsa \
	    >"$D/own-rsa.out" 2>&1 || atf_fail "smtpctl dkim keygen failed"
	dm_start
	printf 'hostname mx.test.org\nresolver 127.0.0.1@%s\n' "$DNSPORT" \
	    >"$D/smtpd.conf"
}

# dnsmasq with the zones, answering for .test only.
dm_start()
{
	DNSPORT=$(free_port) || atf_fail "no free port"
	_ed=$(cat "$D/ed.dns")
	_rsa=$(cat "$D/rsa.dns")
	# a TXT string holds 255 octets: the RSA key in two
	_rsa1=$(printf '%s' "$_rsa" | cut -c1-200)
	_rsa2=$(printf '%s' "$_rsa" | cut -c201-)
	# keygen's zone-file strings, comma-separated for dnsmasq
	_own_ed=$(dm_txt "$D/own-ed.out")
	_own_rsa=$(dm_txt "$D/own-rsa.out")
	[ -n "$_own_ed" ] && [ -n "$_own_rsa" ] ||
	    atf_fail "no TXT record in smtpctl dkim keygen's output"
	dnsmasq_start "$D" "$DNSPORT" \
	    --txt-record=_dmarc.example.test,"v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@example.test" \
	    --txt-record=example.test,"v=spf1 ip4:127.0.0.1 -all" \
	    --txt-record=mx.example.test,"v=spf1 ip4:127.0.0.1 -all" \
	    --txt-record=ed._domainkey.example.test,"$_ed" \
	    --txt-record=rsa._domainkey.example.test,"$_rsa1","$_rsa2" \
	    --txt-record=_dmarc.pct.test,"v=DMARC1; p=reject; pct=0" \
	    --txt-record=pct.test,"v=spf1 -all" \
	    --txt-record=_dmarc.strict.test,"v=DMARC1; p=quarantine; adkim=s; aspf=s" \
	    --txt-record=strict.test,"v=spf1 ip4:127.0.0.1 -all" \
	    --txt-record=mail.strict.test,"v=spf1 ip4:127.0.0.1 -all" \
	    --txt-record=ed._domainkey.mail.strict.test,"$_ed" \
	    --txt-record=_dmarc.two.test,"v=DMARC1; p=reject" \
	    --txt-record=_dmarc.two.test,"v=DMARC1; p=none" \
	    --txt-record=_dmarc.bad.test,"v=DMARC1; p=reject; pct" \
	    --txt-record=nodmarc.test,"v=spf1 ip4:127.0.0.1 -all" \
	    --txt-record=ed._domainkey.own.test,"$_own_ed" \
	    --txt-record=rsa._domainkey.own.test,"$_own_rsa" \
	    --txt-record=_dmarc.own.test,"v=DMARC1; p=reject"
}

# The strings of the TXT record smtpctl dkim keygen printed, joined by
# commas (dnsmasq's separator of character-strings).
dm_txt()
{
	grep -v -e '^;' -e '^dkim ' "$1" | grep -o '"[^"]*"' | tr -d '"' |
	    paste -sd, -
}

dm_cleanup()
{
	[ -f "$DM_REF" ] || return 0
	_d=$(cat "$DM_REF")
	case "$_d" in
	/tmp/cartero-dmarc.*) ;;
	*) return 0 ;;
	esac
	if [ -s "$_d/dnsmasq.pid" ]; then
		kill "$(cat "$_d/dnsmasq.pid")" 2>/dev/null
	fi
	rm -rf "$_d"
}

# msg FILE FROM: a small message with CRLF line ends.
msg()
{
	printf 'From: %s\r\nTo: bob@x.test\r\nSubject: dmarc %s\r\n' \
	    "$2" "$1" >"$D/$1"
	printf 'Message-ID: <%s@test>\r\n\r\nHello,\r\nworld.\r\n' \
	    "$1" >>"$D/$1"
}

# sign IN OUT SELECTOR DOMAIN [ALG]: dkimpy's signature added.
sign()
{
	dkimsign --signalg "${5:-rsa-sha256}" --bcanon relaxed "$3" "$4" \
	    "$D/$3.key" <"$D/$1" >"$D/$2.tmp" || atf_fail "dkimsign failed"
	mv "$D/$2.tmp" "$D/$2"
}

# check MESSAGE [ARGS...]: smtpctl dmarc check; compared with $D/want.
check()
{
	_m=$1
	shift
	"$SMTPCTL" dmarc check -f "$D/smtpd.conf" "$@" <"$D/$_m" \
	    >"$D/out" 2>"$D/err"
	_rc=$?
	[ "$_rc" -eq 0 ] || { cat "$D/err" >&2; atf_fail "exit $_rc"; }
	sed -E 's/header\.b=("[^"]*"|[^ ;]+)/header.b=B/' "$D/out" \
	    >"$D/got"
	if ! diff -u "$D/want" "$D/got" >&2; then
		atf_fail "$_m $*: not the expected field"
	fi
}

atf_test_case dkim_aligned cleanup
dkim_aligned_head()
{
	atf_set descr "both key types signed by dkimpy verify; the aligned" \
	    "signature makes DMARC pass although SPF fails"
}
dkim_aligned_body()
{
	dm_setup
	msg m alice@example.test
	sign m m1 ed example.test ed25519-sha256
	sign m1 m2 rsa example.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	spf=fail (matched -all) smtp.mailfrom=alice@example.test;
	spf=fail (matched -all) smtp.helo=mx.example.test;
	dkim=pass header.d=example.test header.s=rsa header.a=rsa-sha256
	    header.b=B;
	dkim=pass header.d=example.test header.s=ed header.a=ed25519-sha256
	    header.b=B;
	dmarc=pass (p=reject dis=none) header.from=example.test
verdict: accept
EOF
	# from a host SPF does not allow
	check m2 -i 127.0.0.2 -h mx.example.test -s alice@example.test
}
dkim_aligned_cleanup()
{
	dm_cleanup
}

atf_test_case own_signer cleanup
own_signer_head()
{
	atf_set descr "keys made by smtpctl dkim keygen, the message signed" \
	    "by smtpctl dkim sign with both: both pass, DMARC passes; a" \
	    "changed header fails both"
}
own_signer_body()
{
	dm_setup
	msg m alice@own.test
	"$SMTPCTL" dkim sign -d own.test -s ed -k "$D/keys/own.test.ed.key" \
	    -s rsa -k "$D/keys/own.test.rsa.key" <"$D/m" >"$D/m1" ||
	    atf_fail "smtpctl dkim sign failed"
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=pass header.d=own.test header.s=ed header.a=ed25519-sha256
	    header.b=B;
	dkim=pass header.d=own.test header.s=rsa header.a=rsa-sha256
	    header.b=B;
	dmarc=pass (p=reject dis=none) header.from=own.test
verdict: accept
EOF
	check m1
	sed 's/^Subject: dmarc m/Subject: changed/' "$D/m1" >"$D/m2"
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=fail (signature did not verify) header.d=own.test header.s=ed
	    header.a=ed25519-sha256 header.b=B;
	dkim=fail (signature did not verify) header.d=own.test header.s=rsa
	    header.a=rsa-sha256 header.b=B;
	dmarc=fail (p=reject dis=reject) header.from=own.test
verdict: reject
EOF
	check m2
}
own_signer_cleanup()
{
	dm_cleanup
}

atf_test_case tampered cleanup
tampered_head()
{
	atf_set descr "a changed body fails both signatures: p=reject applies"
}
tampered_body()
{
	dm_setup
	msg m alice@example.test
	sign m m1 ed example.test ed25519-sha256
	sign m1 m2 rsa example.test
	sed 's/world/World/' "$D/m2" >"$D/m3"
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=fail (body hash mismatch) header.d=example.test header.s=rsa
	    header.a=rsa-sha256 header.b=B;
	dkim=fail (body hash mismatch) header.d=example.test header.s=ed
	    header.a=ed25519-sha256 header.b=B;
	dmarc=fail (p=reject dis=reject) header.from=example.test
verdict: reject
EOF
	check m3
}
tampered_cleanup()
{
	dm_cleanup
}

atf_test_case spf_aligned cleanup
spf_aligned_head()
{
	atf_set descr "no signature: SPF of the From domain passes and aligns;" \
	    "the null sender is checked as postmaster@HELO"
}
spf_aligned_body()
{
	dm_setup
	msg m alice@example.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	spf=pass smtp.mailfrom=alice@example.test;
	spf=pass smtp.helo=mx.example.test;
	dkim=none;
	dmarc=pass (p=reject dis=none) header.from=example.test
verdict: accept
EOF
	check m -i 127.0.0.1 -h mx.example.test -s alice@example.test
	# <>: postmaster@mx.example.test, a subdomain: relaxed alignment
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	spf=pass smtp.mailfrom=postmaster@mx.example.test;
	spf=pass smtp.helo=mx.example.test;
	dkim=none;
	dmarc=pass (p=reject dis=none) header.from=example.test
verdict: accept
EOF
	check m -i 127.0.0.1 -h mx.example.test
	# no -i: no SPF, nothing aligns
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=none;
	dmarc=fail (p=reject dis=reject) header.from=example.test
verdict: reject
EOF
	check m
}
spf_aligned_cleanup()
{
	dm_cleanup
}

atf_test_case subdomain cleanup
subdomain_head()
{
	atf_set descr "a From subdomain without a record: the organisational" \
	    "domain's record, its sp=; a signature of the parent aligns"
}
subdomain_body()
{
	dm_setup
	msg m bob@news.example.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	spf=none smtp.mailfrom=bob@news.example.test;
	spf=pass smtp.helo=mx.example.test;
	dkim=none;
	dmarc=fail (p=quarantine dis=quarantine) header.from=news.example.test
verdict: quarantine
EOF
	check m -i 127.0.0.1 -h mx.example.test -s bob@news.example.test
	sign m m1 ed example.test ed25519-sha256
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=pass header.d=example.test header.s=ed header.a=ed25519-sha256
	    header.b=B;
	dmarc=pass (p=quarantine dis=none) header.from=news.example.test
verdict: accept
EOF
	check m1
}
subdomain_cleanup()
{
	dm_cleanup
}

atf_test_case strict_pct cleanup
strict_pct_head()
{
	atf_set descr "adkim=s/aspf=s: a subdomain's signature and SPF do" \
	    "not align; pct=0: reject becomes quarantine"
}
strict_pct_body()
{
	dm_setup
	msg m s@strict.test
	sign m m1 ed mail.strict.test ed25519-sha256
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	spf=pass smtp.mailfrom=s@mail.strict.test;
	spf=none smtp.helo=mx.strict.test;
	dkim=pass header.d=mail.strict.test header.s=ed
	    header.a=ed25519-sha256 header.b=B;
	dmarc=fail (p=quarantine dis=quarantine) header.from=strict.test
verdict: quarantine
EOF
	check m1 -i 127.0.0.1 -h mx.strict.test -s s@mail.strict.test
	msg p x@pct.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	spf=fail (matched -all) smtp.mailfrom=x@pct.test;
	spf=none smtp.helo=mx.pct.test;
	dkim=none;
	dmarc=fail (p=reject dis=quarantine) header.from=pct.test
verdict: quarantine
EOF
	check p -i 127.0.0.1 -h mx.pct.test -s x@pct.test
}
strict_pct_cleanup()
{
	dm_cleanup
}

atf_test_case no_policy cleanup
no_policy_head()
{
	atf_set descr "no record, two records, a malformed record: no" \
	    "policy, accepted; no single From address: permerror, refused"
}
no_policy_body()
{
	dm_setup
	msg n n@nodmarc.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=none;
	dmarc=none header.from=nodmarc.test
verdict: accept
EOF
	check n
	msg t t@two.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=none;
	dmarc=none (multiple DMARC records) header.from=two.test
verdict: accept
EOF
	check t
	msg b b@bad.test
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=none;
	dmarc=permerror (malformed DMARC record: tag without '=')
	    header.from=bad.test
verdict: accept
EOF
	check b
	# two authors: no single domain to judge, refused (RFC 7489 6.6.1),
	# never "none", which would let a forger past p=reject
	msg f "a@example.test, b@example.test"
	cat >"$D/want" <<'EOF'
Authentication-Results: mx.test.org;
	dkim=none;
	dmarc=permerror (no single From domain)
verdict: reject
EOF
	check f
}
no_policy_cleanup()
{
	dm_cleanup
}

atf_test_case usage
usage_head()
{
	atf_set descr "usage errors exit 2"
}
usage_body()
{
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	for _args in "" "check -x" "check -i 127.0.0.1" "check -h h" \
	    "check -i nope -h h" "check extra"; do
		# shellcheck disable=SC2086 # a list of arguments
		"$SMTPCTL" dmarc $_args </dev/null >/dev/null 2>&1
		_rc=$?
		[ "$_rc" -eq 2 ] || atf_fail "dmarc $_args: exit $_rc, not 2"
	done
}

atf_init_test_cases()
{
	atf_add_test_case dkim_aligned
	atf_add_test_case own_signer
	atf_add_test_case tampered
	atf_add_test_case spf_aligned
	atf_add_test_case subdomain
	atf_add_test_case strict_pct
	atf_add_test_case no_policy
	atf_add_test_case usage
}
