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

# DKIM interoperability (issue 16, acceptance 1 and 2, the tools' side):
# our signer and verifier (smtpctl dkim sign / verify, common/dkim*.c)
# against python3-dkim (dkimsign, dkimverify) and OpenDKIM (libopendkim
# through regress/integration/odksign.py, and opendkim-testmsg), fully
# offline.
#
# Every case makes an RSA-2048 and an Ed25519 key (openssl genpkey) and
# runs in a network namespace of its own (lib.sh: netns_setup,
# netns_host h) whose only DNS server is a dnsmasq (lib.sh dns_start, in
# the namespaces' switch, at $NETNS_DNS port 53) serving the two key
# records, rsa1._domainkey.example.test and ed1._domainkey.example.test:
# dkimverify and opendkim-testmsg know only the system resolver, which
# in the namespace is /etc/netns/NS/resolv.conf; smtpctl is given
# "resolver $NETNS_DNS" in the smtpd.conf of its -f.  The namespaces and
# dnsmasq are removed by the body's exit trap and by the cleanup part.
#
#	harness		dkimpy's signatures verified by dkimverify and
#			opendkim-testmsg, tampered copies refused: the keys,
#			the zone and the tools work (nothing of ours)
#	verify_dkimpy	dkimsign (rsa-sha256 and ed25519-sha256, three
#			canonicalisations, LF and CRLF) -> smtpctl dkim
#			verify: exit 0 and dkim=pass; tampered body,
#			tampered signed header, changed From: dkim=fail
#	verify_opendkim	libopendkim (rsa-sha256 relaxed and simple,
#			ed25519-sha256 relaxed headers: its simple ones are
#			wrong) -> smtpctl dkim verify, the same;
#			opendkim-testmsg's own signature (rsa-sha1, all it
#			makes) is not a pass
#	sign_dkimverify	smtpctl dkim sign with both keys (two signatures)
#			-> dkimverify, each signature; tampered: refused
#	sign_opendkim	the same -> opendkim-testmsg, the message with both
#			signatures and with each alone; tampered: refused

. "$(atf_get_srcdir)/lib.sh"

PY=/usr/bin/python3
ODKSIGN=$(atf_get_srcdir)/odksign.py
DKDOM=example.test

# Check the tools, make the instance directory, the namespace, the keys
# ($T/dk/rsa.pem, ed.pem, ed.seed) and the DNS server with their records;
# $T/dk/dkim.conf is smtpctl's configuration.
dk_setup()
{
	for _t in dkimsign dkimverify opendkim-testmsg openssl; do
		command -v "$_t" >/dev/null 2>&1 || atf_skip "$_t is not" \
		    "installed (sh .ci/deps.sh: python3-dkim, opendkim-tools)"
	done
	"$PY" -c 'import dkim, nacl' 2>/dev/null ||
	    atf_skip "python3-dkim or python3-nacl is not installed"
	[ -f /usr/lib/x86_64-linux-gnu/libopendkim.so.11 ] ||
	    ldconfig -p | grep -q libopendkim.so.11 ||
	    atf_skip "libopendkim11 is not installed"
	[ -x "$SMTPCTL" ] || atf_fail "$SMTPCTL not built"
	inst_setup
	netns_setup
	netns_host h 1
	K=$T/dk
	mkdir -p "$K"
	chmod 755 "$K"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -out "$K/rsa.pem" 2>"$K/openssl.err" &&
	    openssl genpkey -algorithm ED25519 -out "$K/ed.pem" \
	    2>>"$K/openssl.err" ||
	    { cat "$K/openssl.err" >&2; atf_fail "openssl genpkey failed"; }
	# dkimpy's Ed25519 key: the raw 32-byte private key in base64 (the
	# last 32 bytes of the PKCS#8 DER); the public key's p= likewise
	openssl pkey -in "$K/ed.pem" -outform DER | tail -c 32 |
	    base64 -w0 >"$K/ed.seed"
	_rsap=$(openssl pkey -in "$K/rsa.pem" -pubout -outform DER |
	    base64 -w0)
	_edp=$(openssl pkey -in "$K/ed.pem" -pubout -outform DER |
	    tail -c 32 | base64 -w0)
	[ ${#_rsap} -gt 300 ] && [ ${#_edp} -eq 44 ] ||
	    atf_fail "cannot extract the public keys"
	# a TXT record's strings are at most 255 bytes: dnsmasq takes them
	# comma-separated
	_rsatxt=$(echo "v=DKIM1; k=rsa; p=$_rsap" | fold -w 200 | paste -sd,)
	dns_start \
	    "--txt-record=rsa1._domainkey.$DKDOM,$_rsatxt" \
	    "--txt-record=ed1._domainkey.$DKDOM,v=DKIM1; k=ed25519; p=$_edp"
	echo "resolver $NETNS_DNS" >"$K/dkim.conf"
	chmod 644 "$K/dkim.conf"
	dk_message >"$K/msg"
}

# The message everybody signs: LF line ends (as stored), folded and
# white-spaced fields and body lines, so that canonicalisation matters.
dk_message()
{
	printf '%s\n' \
	    "Received: from client.example.test (client.example.test" \
	    "	[192.0.2.10]) by mx.example.test with ESMTPSA;" \
	    "	Sun, 6 Dec 2026 21:00:00 +0000" \
	    "From: Alice Example <alice@$DKDOM>" \
	    "To: Bob <bob@dest.test>, carol@dest.test" \
	    "Cc: Dave <dave@other.test>" \
	    "Subject: DKIM interop" \
	    "Date: Sun, 6 Dec 2026 21:00:00 +0000" \
	    "Message-ID: <interop.1@$DKDOM>" \
	    "MIME-Version: 1.0" \
	    "Content-Type:   text/plain;" \
	    "	charset=us-ascii" \
	    "X-Mailer: interop test" \
	    "" \
	    "The meeting is at ten.  " \
	    "Two  spaces, a	tab, trailing white space above." \
	    "" \
	    "-- " \
	    "Alice" \
	    "" \
	    ""
}

# dk_tamper KIND IN OUT: a copy of IN with its body, its (signed) Subject
# or its From changed.
dk_tamper()
{
	case $1 in
	body)	sed 's/meeting is at ten/meeting is at two/' "$2" ;;
	header)	sed 's/^Subject: DKIM interop/Subject: DKIM interop!/' "$2" ;;
	from)	sed '/^From:/s/@example\.test>/@evil.test>/' "$2" ;;
	*)	atf_fail "dk_tamper $1" ;;
	esac >"$3"
	cmp -s "$2" "$3" && atf_fail "dk_tamper $1: nothing changed in $2"
	return 0
}

# dk_crlf IN OUT: IN with CRLF line ends.
dk_crlf()
{
	sed 's/$/\r/' "$1" >"$2"
}

# dk_keep N IN OUT: IN with only its Nth DKIM-Signature field (1: the
# top one), the others removed with their continuation lines.
dk_keep()
{
	awk -v keep="$1" '
	BEGIN { n = 0; hdr = 1; skip = 0 }
	hdr && /^\r?$/ { hdr = 0 }
	hdr && tolower($0) ~ /^dkim-signature:/ {
		n++
		skip = (n != keep)
		if (skip) next
		print
		next
	}
	hdr && /^[ \t]/ { if (skip) next; print; next }
	{ if (hdr) skip = 0; print }' "$2" >"$3"
}

# dk_nsig FILE: how many DKIM-Signature fields FILE has.
dk_nsig()
{
	grep -ci '^dkim-signature:' "$1"
}

# dk_in_ns COMMAND...: COMMAND in the test's namespace (its resolver is
# the dnsmasq and nothing else).
dk_in_ns()
{
	netns_exec h "$@"
}

# ours_verify FILE: smtpctl dkim verify on FILE in the namespace; its
# output in $K/v.out, its exit status returned.
ours_verify()
{
	dk_in_ns "$SMTPCTL" dkim verify -f "$K/dkim.conf" <"$1" \
	    >"$K/v.out" 2>&1
}

# expect_pass FILE [N]: smtpctl dkim verify exits 0 and prints at least N
# (default 1) dkim=pass lines.
expect_pass()
{
	ours_verify "$1"
	_st=$?
	_n=$(grep -c 'dkim=pass' "$K/v.out")
	if [ "$_st" -ne 0 ] || [ "$_n" -lt "${2:-1}" ]; then
		echo "---- $1:" >&2
		cat "$1" >&2
		echo "---- smtpctl dkim verify (exit $_st):" >&2
		cat "$K/v.out" >&2
		atf_fail "$(basename "$1"): not ${2:-1} pass (exit $_st," \
		    "$_n dkim=pass)"
	fi
}

# expect_fail FILE: smtpctl dkim verify exits non-zero, no signature
# passes and one fails (dkim=fail).
expect_fail()
{
	ours_verify "$1"
	_st=$?
	if [ "$_st" -eq 0 ] || grep -q 'dkim=pass' "$K/v.out" ||
	    ! grep -q 'dkim=fail' "$K/v.out"; then
		echo "---- smtpctl dkim verify (exit $_st):" >&2
		cat "$K/v.out" >&2
		atf_fail "$(basename "$1"): expected dkim=fail and a" \
		    "non-zero exit"
	fi
}

# dkimpy_sign ALG CANON IN OUT: dkimsign's signature (ALG rsa or
# ed25519, CANON header/body) on IN.  dkimsign prints the message
# unsigned when it fails: the field is checked for.
dkimpy_sign()
{
	case $1 in
	rsa)	_a="--signalg rsa-sha256" _s=rsa1 _k=$K/rsa.pem ;;
	ed25519) _a="--signalg ed25519-sha256" _s=ed1 _k=$K/ed.seed ;;
	esac
	# shellcheck disable=SC2086 # $_a is two words
	dkimsign $_a --hcanon "${2%/*}" --bcanon "${2#*/}" "$_s" "$DKDOM" \
	    "$_k" <"$3" >"$4" 2>"$K/sign.err"
	[ "$(dk_nsig "$4")" -eq 1 ] ||
	    { cat "$K/sign.err" >&2; atf_fail "dkimsign $1 $2 did not sign"; }
}

# odk_sign ALG CANON IN OUT: libopendkim's signature (odksign.py).
odk_sign()
{
	case $1 in
	rsa)	_s=rsa1 _k=$K/rsa.pem ;;
	ed25519) _s=ed1 _k=$K/ed.pem ;;
	esac
	"$PY" "$ODKSIGN" "$1" "$_k" "$_s" "$DKDOM" "$2" <"$3" >"$4" \
	    2>"$K/sign.err" && [ "$(dk_nsig "$4")" -eq 1 ] ||
	    { cat "$K/sign.err" >&2; atf_fail "libopendkim $1 $2: no field"; }
}

# ours_sign IN OUT: smtpctl dkim sign with both keys: the signed message
# (two DKIM-Signature fields, one per algorithm).
ours_sign()
{
	"$SMTPCTL" dkim sign -d "$DKDOM" -s rsa1 -k "$K/rsa.pem" \
	    -s ed1 -k "$K/ed.pem" <"$1" >"$K/sign.out" 2>"$K/sign.err" ||
	    { cat "$K/sign.err" >&2; atf_fail "smtpctl dkim sign failed"; }
	cp "$K/sign.out" "$2"
	[ "$(dk_nsig "$2")" -eq 2 ] ||
	    { cat "$2" "$K/sign.err" >&2; atf_fail "not two signatures"; }
	grep -q 'a=rsa-sha256;' "$2" && grep -q 'a=ed25519-sha256;' "$2" ||
	    { cat "$2" >&2; atf_fail "not one signature per algorithm"; }
	# the message follows, unchanged
	tail -n "$(wc -l <"$1")" "$2" | cmp -s - "$1" ||
	    { cat "$2" >&2; atf_fail "the signed message is not the message"; }
}

# dkimverify_ok FILE INDEX / dkimverify_bad FILE INDEX: dkimverify in the
# namespace on signature INDEX (0: the top one).
dkimverify_ok()
{
	dk_in_ns dkimverify --index "$2" <"$1" >"$K/dv.out" 2>&1 &&
	    grep -q '^signature ok' "$K/dv.out" || {
		cat "$1" >&2
		cat "$K/dv.out" >&2
		atf_fail "dkimverify --index $2 $(basename "$1"): not ok"
	}
}

dkimverify_bad()
{
	if dk_in_ns dkimverify --index "$2" <"$1" >"$K/dv.out" 2>&1; then
		cat "$K/dv.out" >&2
		atf_fail "dkimverify --index $2 $(basename "$1"): accepted"
	fi
	grep -q '^signature ok' "$K/dv.out" &&
	    atf_fail "dkimverify $(basename "$1"): signature ok"
	return 0
}

# odk_ok FILE / odk_bad FILE: opendkim-testmsg (verifying: no output and
# exit 0 when it verifies) in the namespace.
odk_ok()
{
	dk_in_ns opendkim-testmsg <"$1" >"$K/ov.out" 2>&1
	_st=$?
	if [ "$_st" -ne 0 ] || [ -s "$K/ov.out" ]; then
		cat "$1" >&2
		cat "$K/ov.out" >&2
		atf_fail "opendkim-testmsg $(basename "$1"): exit $_st"
	fi
}

odk_bad()
{
	if dk_in_ns opendkim-testmsg <"$1" >"$K/ov.out" 2>&1; then
		cat "$K/ov.out" >&2
		atf_fail "opendkim-testmsg $(basename "$1"): accepted"
	fi
	return 0
}

atf_test_case harness cleanup
harness_head()
{
	atf_set timeout 600
	atf_set descr "the test's keys, zone and tools: dkimpy's signatures" \
	    "verify with dkimverify and opendkim-testmsg in the namespace," \
	    "tampered copies do not"
}
harness_body()
{
	dk_setup
	for _alg in rsa ed25519; do
		dkimpy_sign "$_alg" relaxed/relaxed "$K/msg" "$K/s.$_alg"
		dkimverify_ok "$K/s.$_alg" 0
		odk_ok "$K/s.$_alg"
		dk_tamper body "$K/s.$_alg" "$K/t.$_alg"
		dkimverify_bad "$K/t.$_alg" 0
		odk_bad "$K/t.$_alg"
		odk_sign "$_alg" relaxed/relaxed "$K/msg" "$K/o.$_alg"
		dkimverify_ok "$K/o.$_alg" 0
		odk_ok "$K/o.$_alg"
	done
	# the key records came from our dnsmasq
	grep -q "query\[TXT\] rsa1._domainkey.$DKDOM" "$T/dns/log" &&
	    grep -q "query\[TXT\] ed1._domainkey.$DKDOM" "$T/dns/log" ||
	    { cat "$T/dns/log" >&2; atf_fail "no key lookups in dnsmasq"; }
}
harness_cleanup() { netns_cleanup; }

atf_test_case verify_dkimpy cleanup
verify_dkimpy_head()
{
	atf_set timeout 600
	atf_set descr "messages signed by dkimpy (rsa-sha256, ed25519-sha256;" \
	    "relaxed and simple; LF and CRLF) pass smtpctl dkim verify;" \
	    "tampered body, signed header or From fail"
}
verify_dkimpy_body()
{
	dk_setup
	dk_crlf "$K/msg" "$K/msg.crlf"
	for _alg in rsa ed25519; do
		for _c in relaxed/relaxed relaxed/simple simple/simple; do
			_f=$K/p.$_alg.${_c%/*}.${_c#*/}
			dkimpy_sign "$_alg" "$_c" "$K/msg" "$_f"
			expect_pass "$_f"
			for _k in body header from; do
				dk_tamper "$_k" "$_f" "$_f.$_k"
				expect_fail "$_f.$_k"
			done
		done
		dkimpy_sign "$_alg" relaxed/relaxed "$K/msg.crlf" \
		    "$K/p.$_alg.crlf"
		expect_pass "$K/p.$_alg.crlf"
		dk_tamper body "$K/p.$_alg.crlf" "$K/p.$_alg.crlf.body"
		expect_fail "$K/p.$_alg.crlf.body"
	done
}
verify_dkimpy_cleanup() { netns_cleanup; }

atf_test_case verify_opendkim cleanup
verify_opendkim_head()
{
	atf_set timeout 600
	atf_set descr "messages signed by libopendkim (rsa-sha256," \
	    "ed25519-sha256) pass smtpctl dkim verify; tampered ones fail;" \
	    "opendkim-testmsg's rsa-sha1 signature does not pass (RFC 8301)"
}
verify_opendkim_body()
{
	dk_setup
	# libopendkim 2.11.0~beta2 (Debian 12) makes wrong Ed25519
	# signatures with simple header canonicalisation (dkimpy refuses
	# them as well): Ed25519 with relaxed headers only
	for _ac in rsa:relaxed/relaxed rsa:simple/simple \
	    ed25519:relaxed/relaxed ed25519:relaxed/simple; do
		_alg=${_ac%%:*} _c=${_ac#*:}
		_f=$K/o.$_alg.${_c%/*}.${_c#*/}
		odk_sign "$_alg" "$_c" "$K/msg" "$_f"
		expect_pass "$_f"
		for _k in body header from; do
			dk_tamper "$_k" "$_f" "$_f.$_k"
			expect_fail "$_f.$_k"
		done
	done
	# opendkim-testmsg signs with rsa-sha1, relaxed/simple, and nothing
	# else; -C keeps its field's CRLFs (without, it prints it corrupted)
	opendkim-testmsg -C -d "$DKDOM" -s rsa1 -k "$K/rsa.pem" <"$K/msg" \
	    >"$K/sha1" 2>"$K/sign.err" && [ "$(dk_nsig "$K/sha1")" -eq 1 ] ||
	    { cat "$K/sign.err" >&2; atf_fail "opendkim-testmsg did not sign"; }
	grep -q 'a=rsa-sha1;' "$K/sha1" || atf_fail "not an rsa-sha1 signature"
	ours_verify "$K/sha1"
	_st=$?
	if [ "$_st" -eq 0 ] || grep -q 'dkim=pass' "$K/v.out"; then
		cat "$K/v.out" >&2
		atf_fail "an rsa-sha1 signature passes (exit $_st)"
	fi
}
verify_opendkim_cleanup() { netns_cleanup; }

atf_test_case sign_dkimverify cleanup
sign_dkimverify_head()
{
	atf_set timeout 600
	atf_set descr "smtpctl dkim sign with an RSA and an Ed25519 key:" \
	    "dkimverify verifies both signatures, LF and CRLF; not once" \
	    "tampered"
}
sign_dkimverify_body()
{
	dk_setup
	dk_crlf "$K/msg" "$K/msg.crlf"
	for _m in msg msg.crlf; do
		ours_sign "$K/$_m" "$K/our.$_m"
		dkimverify_ok "$K/our.$_m" 0
		dkimverify_ok "$K/our.$_m" 1
		for _k in body header from; do
			dk_tamper "$_k" "$K/our.$_m" "$K/our.$_m.$_k"
			dkimverify_bad "$K/our.$_m.$_k" 0
			dkimverify_bad "$K/our.$_m.$_k" 1
		done
	done
	# and our own verifier agrees: two passes
	expect_pass "$K/our.msg" 2
}
sign_dkimverify_cleanup() { netns_cleanup; }

atf_test_case sign_opendkim cleanup
sign_opendkim_head()
{
	atf_set timeout 600
	atf_set descr "smtpctl dkim sign with an RSA and an Ed25519 key:" \
	    "opendkim-testmsg verifies the message and each signature" \
	    "alone; not once tampered"
}
sign_opendkim_body()
{
	dk_setup
	ours_sign "$K/msg" "$K/our"
	odk_ok "$K/our"
	for _i in 1 2; do
		dk_keep "$_i" "$K/our" "$K/our.$_i"
		[ "$(dk_nsig "$K/our.$_i")" -eq 1 ] ||
		    atf_fail "dk_keep $_i: not one signature"
		odk_ok "$K/our.$_i"
		for _k in body header from; do
			dk_tamper "$_k" "$K/our.$_i" "$K/our.$_i.$_k"
			odk_bad "$K/our.$_i.$_k"
		done
	done
	# one signature of each algorithm was checked alone
	cat "$K/our.1" "$K/our.2" | grep -c 'a=rsa-sha256;\|a=ed25519-sha256;' |
	    grep -qx 2 || atf_fail "the signatures are not one per algorithm"
}
sign_opendkim_cleanup() { netns_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case harness
	atf_add_test_case verify_dkimpy
	atf_add_test_case verify_opendkim
	atf_add_test_case sign_dkimverify
	atf_add_test_case sign_opendkim
}
