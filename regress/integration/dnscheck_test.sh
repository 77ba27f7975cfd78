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

# smtpctl dkim keygen and smtpctl dns [--check] (issue 16, acceptance 5).
# keygen: the key file's modes, the refusal to overwrite without -F, the
# TXT record it prints (strings of at most 255 bytes whose p= is the
# key's public key, checked with openssl), bad arguments.  dns --check:
# a dnsmasq on 127.0.0.1 (a free port, its pid file in the test's
# directory, killed by the cleanup part) serves example.test zones where
# some records are correct, some missing and some wrong, and every line
# of the check is asserted; a zone where all is correct gives exit 0.
# Addresses are 198.18.0.0/15 and 2001:2::/48 (benchmarking ranges):
# libunbound answers the reverse of 127/8, RFC 1918 and the documentation
# ranges itself (RFC 6303 local zones), so those would never reach the
# test's server.  Nothing connects to them.

. "$(atf_get_srcdir)/lib.sh"

DC_REF=$(pwd)/cartero-dnscheck
ADDR4=198.18.0.25
REV4=25.0.18.198.in-addr.arpa
ADDR6=2001:2::25
REV6=5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.2.ip6.arpa

dc_setup()
{
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	command -v dnsmasq >/dev/null 2>&1 ||
	    atf_skip "dnsmasq not installed (package dnsmasq-base)"
	D=$(mktemp -d /tmp/cartero-dnscheck.XXXXXX) || atf_fail "mktemp"
	echo "$D" >"$DC_REF"
}

dc_cleanup()
{
	[ -f "$DC_REF" ] || return 0
	_d=$(cat "$DC_REF")
	case "$_d" in
	/tmp/cartero-dnscheck.*) ;;
	*) return 0 ;;
	esac
	dnsmasq_stop "$_d"
	rm -rf "$_d"
}

# keygen DOMAIN SELECTOR [ALG]: a key in $D/keys, its output in
# $D/kg.DOMAIN.SELECTOR.
keygen()
{
	"$SMTPCTL" dkim keygen -d "$D/keys" "$@" >"$D/kg.$1.$2" \
	    2>"$D/kg.err" || {
		cat "$D/kg.$1.$2" "$D/kg.err" >&2
		atf_fail "smtpctl dkim keygen $* failed"
	}
}

# txt_of FILE [OWNER]: the TXT record (of OWNER) in FILE, its strings
# joined; fails if a string is longer than 255 bytes.
txt_of()
{
	python3 - "$1" "${2:-\\S+}" <<'PYEOF'
import re, sys
text = open(sys.argv[1]).read()
m = re.search(r'^(' + sys.argv[2] + r')\.\s+IN TXT\s+(\([^)]*\)|"[^"\n]*")\s*$',
    text, re.M)
if m is None:
    sys.exit("no TXT record in the output")
strings = re.findall(r'"((?:[^"\\]|\\.)*)"', m.group(2))
if not strings or any(len(s) > 255 for s in strings):
    sys.exit("a string is empty or longer than 255 bytes")
print("".join(strings))
PYEOF
}

# txt_arg NAME TEXT: dnsmasq's --txt-record, the text cut at 255 bytes.
txt_arg()
{
	python3 -c 'import sys
t = sys.argv[2]
print("--txt-record=" + ",".join([sys.argv[1]] +
    [t[i:i + 255] for i in range(0, len(t), 255)]))' "$1" "$2"
}

# dc_start ARGS...: dnsmasq for .test with the records ARGS.
dc_start()
{
	DNSPORT=$(free_port) || atf_fail "no free port"
	dnsmasq_start "$D" "$DNSPORT" --local=/18.198.in-addr.arpa/ \
	    --local=/2.0.0.0.1.0.0.2.ip6.arpa/ --log-queries "$@"
}

# dc_conf HOSTNAME [LINES...]: $D/smtpd.conf with our resolver.
dc_conf()
{
	{
		echo "hostname $1"
		echo "resolver 127.0.0.1@$DNSPORT"
		shift
		for _l in "$@"; do
			echo "$_l"
		done
	} >"$D/smtpd.conf"
}

# check DOMAIN EXIT: smtpctl dns --check, its output in $D/out.
check()
{
	_st=0
	"$SMTPCTL" dns -f "$D/smtpd.conf" --check "$1" >"$D/out" \
	    2>"$D/err" || _st=$?
	if [ "$_st" -ne "$2" ]; then
		cat "$D/out" "$D/err" >&2
		atf_fail "smtpctl dns --check $1 exited $_st, not $2"
	fi
}

# expect ERE: a line of the check matches (whole line).
expect()
{
	grep -Eq -- "^$1\$" "$D/out" || {
		echo "---- smtpctl dns --check:" >&2
		cat "$D/out" "$D/err" >&2
		atf_fail "no line matching: $1"
	}
}

# nlines N: the check printed N judged lines (comments apart).
nlines()
{
	_n=$(grep -cv '^;' "$D/out")
	[ "$_n" -eq "$1" ] || {
		cat "$D/out" >&2
		atf_fail "$_n lines judged, not $1"
	}
}

atf_test_case keygen cleanup
keygen_head()
{
	atf_set descr "dkim keygen: modes, no overwrite without -F, the" \
	    "TXT record is the key's, bad arguments refused"
}
keygen_body()
{
	dc_setup
	K=$D/keys
	keygen example.test s1
	keygen example.test s2 ed25519
	[ "$(stat -c %a "$K")" = 750 ] || atf_fail "keys dir not 0750"
	for s in s1 s2; do
		[ "$(stat -c %a "$K/example.test.$s.key")" = 600 ] ||
		    atf_fail "$s: key not 0600"
	done
	ls -A "$K" >"$D/ls"
	[ "$(wc -l <"$D/ls")" -eq 2 ] || {
		cat "$D/ls" >&2
		atf_fail "other files than the keys in $K"
	}
	openssl pkey -in "$K/example.test.s1.key" -noout -text |
	    grep -q 'Private-Key: (2048 bit' || atf_fail "s1: not RSA-2048"
	openssl pkey -in "$K/example.test.s2.key" -noout -text |
	    grep -q 'ED25519' || atf_fail "s2: not Ed25519"

	# the TXT record: p= is the public key
	for s in s1 s2; do
		grep -q "^$s\._domainkey\.example\.test\." \
		    "$D/kg.example.test.$s" || atf_fail "$s: no record name"
		grep -Fqx "dkim example.test selector $s key \"$K/example.test.$s.key\"" \
		    "$D/kg.example.test.$s" || atf_fail "$s: no smtpd.conf line"
		txt_of "$D/kg.example.test.$s" >"$D/txt.$s" ||
		    atf_fail "$s: TXT does not parse"
		openssl pkey -in "$K/example.test.$s.key" -pubout \
		    -outform DER >"$D/pub.$s" 2>/dev/null ||
		    atf_fail "openssl pkey -pubout"
	done
	python3 - "$D" <<'PYEOF' || atf_fail "p= is not the key's public key"
import base64, sys
d = sys.argv[1]
for s, k, raw in (("s1", "rsa", False), ("s2", "ed25519", True)):
    t = open(d + "/txt." + s).read().strip()
    tags = dict(x.strip().split("=", 1) for x in t.split(";") if x.strip())
    assert tags["v"] == "DKIM1" and tags["k"] == k, t
    der = open(d + "/pub." + s, "rb").read()
    want = der[-32:] if raw else der
    assert base64.b64decode(tags["p"]) == want, s
PYEOF

	# no overwrite without -F, the key unchanged; -F replaces it
	cp "$K/example.test.s1.key" "$D/s1.before"
	atf_check -s exit:1 -o empty -e match:"exists" \
	    "$SMTPCTL" dkim keygen -d "$K" example.test s1
	cmp -s "$K/example.test.s1.key" "$D/s1.before" ||
	    atf_fail "the key was changed without -F"
	atf_check -s exit:0 -o match:"s1._domainkey.example.test" \
	    "$SMTPCTL" dkim keygen -F -d "$K" example.test s1
	cmp -s "$K/example.test.s1.key" "$D/s1.before" &&
	    atf_fail "-F did not replace the key"
	[ "$(stat -c %a "$K/example.test.s1.key")" = 600 ] ||
	    atf_fail "replaced key not 0600"

	# bad arguments: nothing written
	atf_check -s exit:1 -e match:"2048" \
	    "$SMTPCTL" dkim keygen -b 1024 -d "$K" example.test s3
	atf_check -s exit:1 -e match:"not a domain" \
	    "$SMTPCTL" dkim keygen -d "$K" ../etc s3
	atf_check -s exit:1 -e match:"not a selector" \
	    "$SMTPCTL" dkim keygen -d "$K" example.test a/b
	atf_check -s exit:1 -e match:"usage" \
	    "$SMTPCTL" dkim keygen -d "$K" example.test s3 dsa
	atf_check -s exit:1 -e match:"RSA" \
	    "$SMTPCTL" dkim keygen -b 3072 -d "$K" example.test s3 ed25519
	[ ! -e "$K/example.test.s3.key" ] || atf_fail "s3 was written"
	# RSA-3072: a record of three strings
	keygen -b 3072 example.test s4 2>/dev/null ||
	    atf_fail "keygen -b 3072"
}
keygen_cleanup() { dc_cleanup; }

atf_test_case check_mixed cleanup
check_mixed_head()
{
	atf_set descr "dns --check: correct, missing and wrong records," \
	    "each line asserted, exit 1"
}
check_mixed_body()
{
	dc_setup
	keygen example.test s1
	keygen example.test s2 ed25519
	keygen example.test other
	# s1 publishes another key, s2 nothing; s3 and s4 (s1's key under
	# two more selectors) publish s1's key as ed25519, and a bad p=
	_p1=$(txt_of "$D/kg.example.test.s1" | sed 's/.*p=//')
	dc_start --mx-host=example.test,mx.example.test,10 \
	    --host-record=mx.example.test,$ADDR4 \
	    --ptr-record=$REV4,other.example.test \
	    "--txt-record=example.test,v=spf1 ip4:198.51.100.7 -all" \
	    "$(txt_arg s1._domainkey.example.test \
	    "$(txt_of "$D/kg.example.test.other")")" \
	    "$(txt_arg s3._domainkey.example.test \
	    "v=DKIM1; k=ed25519; p=$_p1")" \
	    "--txt-record=s4._domainkey.example.test,v=DKIM1; k=rsa; p=@@@@"
	dc_conf mx.example.test \
	    "dkim example.test selector s1 key \"$D/keys/example.test.s1.key\"" \
	    "dkim example.test selector s2 key \"$D/keys/example.test.s2.key\"" \
	    "dkim example.test selector s3 key \"$D/keys/example.test.s1.key\"" \
	    "dkim example.test selector s4 key \"$D/keys/example.test.s1.key\""
	check example.test 1
	expect "OK +example\.test\. IN MX 10 mx\.example\.test\."
	expect "OK +mx\.example\.test\. IN A $ADDR4"
	expect "WRONG +$REV4\. IN PTR mx\.example\.test\. \(found: other\.example\.test\)"
	expect "WRONG +example\.test\. IN TXT \"v=spf1 mx -all\" \(found: \"v=spf1 ip4:198\.51\.100\.7 -all\": fail for $ADDR4\)"
	expect "WRONG +s1\._domainkey\.example\.test\. IN TXT \"v=DKIM1; k=rsa; p=[^\"]*\" \(found: \"v=DKIM1; k=rsa; p=[^\"]*\": another key\)"
	expect "MISSING +s2\._domainkey\.example\.test\. IN TXT \"v=DKIM1; k=ed25519; p=[^\"]*\""
	expect "WRONG +s3\._domainkey\.example\.test\. IN TXT \"v=DKIM1; k=rsa; p=[^\"]*\" \(found: \"v=DKIM1; k=ed25519; p=[^\"]*\": k= is not rsa\)"
	expect "WRONG +s4\._domainkey\.example\.test\. IN TXT \"v=DKIM1; k=rsa; p=[^\"]*\" \(found: \"v=DKIM1; k=rsa; p=@@@@\": bad p=\)"
	expect "MISSING +_dmarc\.example\.test\. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example\.test\""
	nlines 9
}
check_mixed_cleanup() { dc_cleanup; }

atf_test_case check_more_wrong cleanup
check_more_wrong_head()
{
	atf_set descr "dns --check: MX elsewhere, no address (nor PTR)," \
	    "two SPF records, DMARC p=none noted, no dkim statement"
}
check_more_wrong_body()
{
	dc_setup
	dc_start --mx-host=example.test,mail.elsewhere.test,10 \
	    --mx-host=example.test,mail2.elsewhere.test,20 \
	    "--txt-record=example.test,v=spf1 mx -all" \
	    "--txt-record=example.test,v=spf1 a -all" \
	    "--txt-record=example.test,google-site-verification=abc" \
	    "--txt-record=_dmarc.example.test,v=DMARC1; p=none"
	dc_conf mx.example.test
	check example.test 1
	expect "WRONG +example\.test\. IN MX 10 mx\.example\.test\. \(found: (10 mail\.elsewhere\.test, 20 mail2\.elsewhere\.test|20 mail2\.elsewhere\.test, 10 mail\.elsewhere\.test)\)"
	expect "MISSING +mx\.example\.test\. IN A/AAAA <this server's address>"
	expect "MISSING +PTR mx\.example\.test\. \(mx\.example\.test has no address\)"
	expect "WRONG +example\.test\. IN TXT \"v=spf1 mx -all\" \(found: 2 SPF records, there must be one: .*\)"
	expect "MISSING +DKIM: no \"dkim example\.test selector \.\.\. key \.\.\.\" in the configuration \(see smtpctl dkim keygen\)"
	expect "OK +_dmarc\.example\.test\. IN TXT \"v=DMARC1; p=none\" \(warning: p=none .*\)"
	nlines 6

	# a DMARC record that does not parse, and two of them
	dc_cleanup_dnsmasq
	dc_start "--txt-record=_dmarc.example.test,v=DMARC1; p=maybe" \
	    "--txt-record=_dmarc.other.test,v=DMARC1; p=reject" \
	    "--txt-record=_dmarc.other.test,v=DMARC1; p=none"
	dc_conf mx.example.test
	check example.test 1
	expect "WRONG +_dmarc\.example\.test\. IN TXT \".*\" \(found: \"v=DMARC1; p=maybe\": .*\)"
	check other.test 1
	expect "WRONG +_dmarc\.other\.test\. IN TXT \".*\" \(found: 2 DMARC records, there must be one: .*\)"
}
check_more_wrong_cleanup() { dc_cleanup; }

# Stop this case's dnsmasq to start another.
dc_cleanup_dnsmasq()
{
	dnsmasq_stop "$D" || atf_fail "dnsmasq does not stop"
}

atf_test_case check_all_correct cleanup
check_all_correct_head()
{
	atf_set descr "dns --check: everything published right, exit 0;" \
	    "the records printed without --check are those checked"
}
check_all_correct_body()
{
	dc_setup
	keygen example.test s1
	keygen example.test s2 ed25519
	dc_start --mx-host=example.test,mx.example.test,10 \
	    --host-record=mx.example.test,$ADDR4,$ADDR6 \
	    --ptr-record=$REV4,mx.example.test \
	    --ptr-record=$REV6,mx.example.test \
	    "--txt-record=example.test,v=spf1 mx -all" \
	    "$(txt_arg s1._domainkey.example.test \
	    "$(txt_of "$D/kg.example.test.s1")")" \
	    "$(txt_arg s2._domainkey.example.test \
	    "$(txt_of "$D/kg.example.test.s2")")" \
	    "--txt-record=_dmarc.example.test,v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test"
	dc_conf mx.example.test \
	    "dkim example.test selector s1 key \"$D/keys/example.test.s1.key\"" \
	    "dkim example.test selector s2 key \"$D/keys/example.test.s2.key\""
	check example.test 0
	expect "OK +example\.test\. IN MX 10 mx\.example\.test\."
	expect "OK +mx\.example\.test\. IN A $ADDR4"
	expect "OK +mx\.example\.test\. IN AAAA $ADDR6"
	expect "OK +$REV4\. IN PTR mx\.example\.test\."
	expect "OK +$REV6\. IN PTR mx\.example\.test\."
	expect "OK +example\.test\. IN TXT \"v=spf1 mx -all\" \(pass for $ADDR4, $ADDR6\)"
	expect "OK +s1\._domainkey\.example\.test\. IN TXT \"v=DKIM1; k=rsa; p=[^\"]*\""
	expect "OK +s2\._domainkey\.example\.test\. IN TXT \"v=DKIM1; k=ed25519; p=[^\"]*\""
	expect "OK +_dmarc\.example\.test\. IN TXT \"v=DMARC1; p=quarantine; rua=mailto:postmaster@example\.test\""
	nlines 9

	# without --check: the zone-file lines, the DKIM ones as keygen's
	atf_check -s exit:0 -o save:"$D/zone" \
	    "$SMTPCTL" dns -f "$D/smtpd.conf" example.test
	grep -Eq '^example\.test\.	IN MX	10 mx\.example\.test\.$' \
	    "$D/zone" || atf_fail "no MX line"
	grep -Fq 'example.test.	IN TXT	"v=spf1 mx -all"' "$D/zone" ||
	    atf_fail "no SPF line"
	grep -Fq '_dmarc.example.test.	IN TXT	"v=DMARC1; p=quarantine; rua=mailto:postmaster@example.test"' \
	    "$D/zone" || atf_fail "no DMARC line"
	for s in s1 s2; do
		_z=$(txt_of "$D/zone" "$s\\._domainkey\\.example\\.test") ||
		    atf_fail "$s: no record"
		[ "$_z" = "$(txt_of "$D/kg.example.test.$s")" ] ||
		    atf_fail "$s: the record differs from keygen's"
	done
}
check_all_correct_cleanup() { dc_cleanup; }

atf_test_case errors cleanup
errors_head()
{
	atf_set descr "dns: usage, bad domain and configuration errors" \
	    "exit 2 with the file:line message"
}
errors_body()
{
	dc_setup
	atf_check -s exit:2 -e match:"usage" "$SMTPCTL" dns
	atf_check -s exit:2 -e match:"not a domain" \
	    "$SMTPCTL" dns -f /dev/null "bad/name"
	printf 'hostname mx.example.test\nresolver\n' >"$D/bad.conf"
	atf_check -s exit:2 -e match:"$D/bad.conf:2:" \
	    "$SMTPCTL" dns -f "$D/bad.conf" --check example.test
	atf_check -s exit:2 -e match:"$D/missing.conf" \
	    "$SMTPCTL" dns -f "$D/missing.conf" example.test
}
errors_cleanup() { dc_cleanup; }

atf_test_case lookup_fails cleanup
lookup_fails_head()
{
	atf_set descr "dns --check: lookups that fail (SERVFAIL) are ERROR" \
	    "lines and exit 2; the rest is still judged"
}
lookup_fails_body()
{
	dc_setup
	# fail.test's names go to a server that is not there (the
	# discard port), except the MX that dnsmasq has itself
	dc_start --server=/fail.test/127.0.0.1#9 \
	    --mx-host=fail.test,mx.example.test,10
	dc_conf mx.example.test
	check fail.test 2
	expect "OK +fail\.test\. IN MX 10 mx\.example\.test\."
	expect "ERROR +fail\.test\. IN TXT \"v=spf1 mx -all\" \(lookup failed\)"
	expect "ERROR +_dmarc\.fail\.test\. IN TXT \".*\" \(lookup failed\)"
}
lookup_fails_cleanup() { dc_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case keygen
	atf_add_test_case check_mixed
	atf_add_test_case check_more_wrong
	atf_add_test_case check_all_correct
	atf_add_test_case errors
	atf_add_test_case lookup_fails
}
