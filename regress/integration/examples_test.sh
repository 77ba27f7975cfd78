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

# The configurations an administrator is handed: the examples in etc/
# (smtpd-*.conf) and what the Debian package writes for each of its
# configuration types (debian/mkconf.sh, run by the postinst with the
# debconf answers).  Each must pass "smtpd -n -f".  Their files under
# /etc are moved into the test's directory and made there: a certificate
# for every pki, and every table filled with the sample lines its
# comment shows (a tab after "#"), so the documented formats are checked
# too.  No daemon is started.

. "$(atf_get_srcdir)/lib.sh"
. "$(atf_get_srcdir)/confremap.sh"

MKCONF=$TOP/debian/mkconf.sh

# check_conf FILE: smtpd -n -f on FILE moved under $PWD/root; the
# normalised text it prints in out.
check_conf()
{
	remap "$1" conf.remapped || atf_fail "remap $1"
	if ! "$SMTPD" -n -f conf.remapped >out 2>err; then
		cat err >&2
		atf_fail "smtpd -n refused $1"
	fi
	grep -q '^configuration OK$' out err || atf_fail "no configuration OK"
}

atf_test_case examples
examples_head()
{
	atf_set descr "smtpd -n accepts every etc/smtpd*.conf, with the" \
	    "sample table lines of its comments"
}
examples_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	for f in "$TOP"/etc/smtpd.conf "$TOP"/etc/smtpd-*.conf; do
		echo "== $f"
		check_conf "$f"
	done
}

atf_test_case example_satellite
example_satellite_head()
{
	atf_set descr "the satellite: local mail here, the rest to the" \
	    "smarthost with STARTTLS required and a login; nothing from the" \
	    "network"
}
example_satellite_body()
{
	check_conf "$TOP/etc/smtpd-satellite.conf"
	grep -q '^action "smarthost" relay host "smtp+tls://school@mail\.gonzalonazareno\.org:587" tls verify auth <secrets>$' out ||
	    { cat out >&2; atf_fail "no smarthost with STARTTLS and auth"; }
	grep -q '^match from local for any action "smarthost"$' out ||
	    atf_fail "the smarthost rule"
	if grep '^listen on' out | grep -v '^listen on "localhost" \|^listen on socket$' >&2
	then
		atf_fail "a satellite listens on the network"
	fi
}

atf_test_case example_gateway
example_gateway_head()
{
	atf_set descr "the gateway: relays for the domains of its tables," \
	    "unknown users refused, never an open relay"
}
example_gateway_body()
{
	check_conf "$TOP/etc/smtpd-gateway.conf"
	grep -q '^match from any for domain <students> action "by-mx"$' out ||
	    { cat out >&2; atf_fail "the students rule"; }
	grep '^action "by-mx" relay' out | grep -q 'recipients <users>' ||
	    atf_fail "by-mx checks no recipients"
	grep '^action "inner" relay' out | grep -q 'domain <inner>' ||
	    atf_fail "inner has no domain table"
	# the same file relaying for anyone is refused
	sed 's/^match from any for domain <students> action "by-mx"$/match from any for any action "by-mx"/' \
	    "$TOP/etc/smtpd-gateway.conf" >open.conf
	remap open.conf open.remapped || atf_fail "remap"
	if "$SMTPD" -n -f open.remapped >out 2>err; then
		atf_fail "an open relay was accepted"
	fi
	grep -q 'open relay refused' err || { cat err >&2; atf_fail "why"; }
}

atf_test_case example_vps
example_vps_head()
{
	atf_set descr "the VPS: MX delivery for authenticated and local senders"
}
example_vps_body()
{
	check_conf "$TOP/etc/smtpd-vps.conf"
	grep -q '^action "outbound" relay$' out ||
	    { grep '^action' out >&2; atf_fail "outbound is not MX delivery"; }
	grep -q '^match from auth for any action "outbound"$' out ||
	    atf_fail "authenticated senders do not relay"
}

atf_test_case debconf_types
debconf_types_head()
{
	atf_set descr "the package's configuration types (mkconf.sh print)" \
	    "pass smtpd -n"
}
debconf_types_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	for t in "Local only" "Internet site"; do
		echo "== $t"
		sh "$MKCONF" print "$t" >gen.conf || atf_fail "print $t"
		check_conf gen.conf
	done
	grep -q '^listen on "0.0.0.0" port 25 tls pki "default" mail-auth$' out ||
	    { cat out >&2; atf_fail "an Internet site listens on 0.0.0.0"; }
	grep -q '^action "outbound" relay$' out ||
	    atf_fail "an Internet site delivers by MX"
	for r in mail.gonzalonazareno.org:587 '[192.0.2.1]' \
	    smtp+tls://school@mail.gonzalonazareno.org:587; do
		echo "== Satellite system $r"
		sh "$MKCONF" print "Satellite system" "$r" >gen.conf ||
		    atf_fail "print satellite $r"
		check_conf gen.conf
		grep -q '^action "smarthost" relay host "smtp' out ||
		    atf_fail "no smarthost for $r"
	done
	grep -q 'relay host "smtp+tls://school@mail.gonzalonazareno.org:587" tls verify auth <secrets>' \
	    out || { cat out >&2; atf_fail "a label without auth <secrets>"; }
	atf_check -s exit:1 -o empty -e match:'needs a relay host' \
	    sh "$MKCONF" print "Satellite system" ""
	atf_check -s exit:1 -o empty -e match:'unknown configuration type' \
	    sh "$MKCONF" print "Internet with smarthost"
}

atf_test_case debconf_relay
debconf_relay_head()
{
	atf_set descr "mkconf.sh relay: Postfix's and exim's ways of naming" \
	    "a relay host become URLs; what could break out of the quoted" \
	    "string is refused"
}
debconf_relay_body()
{
	while read -r in want; do
		atf_check -s exit:0 -o inline:"$want\n" sh "$MKCONF" relay "$in"
	done <<'EOF'
mail.gonzalonazareno.org smtp://mail.gonzalonazareno.org
mail.gonzalonazareno.org:587 smtp://mail.gonzalonazareno.org:587
[192.0.2.1] smtp://192.0.2.1
[192.0.2.1]:2525 smtp://192.0.2.1:2525
[2001:db8::1]:25 smtp://[2001:db8::1]:25
smtp+tls://school@mail.gonzalonazareno.org:587 smtp+tls://school@mail.gonzalonazareno.org:587
smtps://mail.example.org smtps://mail.example.org
EOF
	for bad in '' 'a b' 'mail"x' 'x@y' 'a/b' 'smtp://a" auth <x>' \
	    "a;b" 'a\b'; do
		atf_check -s exit:1 -o empty -e match:'invalid relay host' \
		    sh "$MKCONF" relay "$bad"
	done
}

# A stand-in for smtpd that moves the file's /etc paths first, as
# check_conf does (mkconf.sh install runs "$CARTERO_SMTPD -n -f FILE").
fake_smtpd()
{
	cat >smtpd-remap <<EOF
#!/bin/sh
cd "$PWD" || exit 1
TOP=$TOP
. "$(atf_get_srcdir)/confremap.sh"
remap "\$3" "\$3.remapped" && exec "$SMTPD" -n -f "\$3.remapped"
EOF
	chmod +x smtpd-remap
	export CARTERO_SMTPD="$PWD/smtpd-remap"
}

atf_test_case debconf_install
debconf_install_head()
{
	atf_set descr "mkconf.sh install: writes the file when absent or" \
	    "its own and unedited, never over an edited one"
}
debconf_install_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	fake_smtpd
	mkdir etc
	export CARTERO_CONF="$PWD/etc/smtpd.conf"
	c=$CARTERO_CONF

	atf_check -s exit:0 sh "$MKCONF" owned
	atf_check -s exit:0 -e match:"wrote $c" sh "$MKCONF" install local
	grep -q '^# cartero-debconf: type=local sha256=[0-9a-f]\{64\}$' "$c" ||
	    atf_fail "no mark line"
	atf_check -s exit:0 sh "$MKCONF" owned
	# the same again: nothing to say, the file untouched
	ls -li "$c" >before
	atf_check -s exit:0 -e empty sh "$MKCONF" install "Local only"
	ls -li "$c" | cmp -s - before || atf_fail "rewritten for nothing"

	atf_check -s exit:0 -e match:'wrote' sh "$MKCONF" install \
	    "Satellite system" mail.gonzalonazareno.org:587
	grep -q '^action "smarthost" relay host "smtp://mail.gonzalonazareno.org:587"$' \
	    "$c" || atf_fail "not the satellite"
	[ ! -e "$PWD/etc/secrets" ] || atf_fail "secrets made without a label"
	# a smarthost smtpd refuses: nothing written
	cp "$c" sat.conf
	atf_check -s exit:1 -e match:'not written' sh "$MKCONF" install \
	    "Satellite system" 'smtp://[zz]'
	cmp -s "$c" sat.conf || atf_fail "written despite smtpd -n"
	[ ! -e "$c.debconf-tmp" ] || atf_fail "temporary file left"

	# the administrator edits it: never overwritten again
	echo "# edited by hand" >>"$c"
	cp "$c" edited.conf
	atf_check -s exit:1 sh "$MKCONF" owned
	atf_check -s exit:0 -e match:'was edited' sh "$MKCONF" install local
	cmp -s "$c" edited.conf || atf_fail "the edited file was overwritten"
	grep -q '^# cartero-debconf: type=local ' "$c.debconf-new" ||
	    atf_fail "no .debconf-new"
	# a file the package did not write at all
	echo 'listen on socket' >"$c"
	atf_check -s exit:1 sh "$MKCONF" owned
	atf_check -s exit:0 -e match:'was edited' sh "$MKCONF" install \
	    satellite mail.gonzalonazareno.org
	[ "$(cat "$c")" = 'listen on socket' ] || atf_fail "overwritten"
	# removed: the package's again
	rm "$c"
	atf_check -s exit:0 -e match:'wrote' sh "$MKCONF" install local
	[ ! -e "$c.debconf-new" ] || atf_fail ".debconf-new left behind"
}

atf_test_case debconf_secrets
debconf_secrets_head()
{
	atf_set descr "a satellite whose smarthost URL has a LABEL@: the" \
	    "secrets table beside the file, 0600, and auth <secrets>"
}
debconf_secrets_body()
{
	[ -x "$SMTPD" ] || atf_fail "$SMTPD not built"
	fake_smtpd
	mkdir etc
	export CARTERO_CONF="$PWD/etc/smtpd.conf"
	atf_check -s exit:0 -e match:'created .*/etc/secrets' sh "$MKCONF" \
	    install "Satellite system" \
	    smtp+tls://school@mail.gonzalonazareno.org:587
	grep -q '^action "smarthost" relay host "smtp+tls://school@mail.gonzalonazareno.org:587" auth <secrets>$' \
	    "$CARTERO_CONF" || atf_fail "no auth <secrets>"
	grep -q "^table secrets file:$PWD/etc/secrets\$" "$CARTERO_CONF" ||
	    atf_fail "no secrets table"
	[ "$(stat -c '%a %s' etc/secrets)" = "600 0" ] ||
	    atf_fail "secrets: $(stat -c '%a %s' etc/secrets)"
	# an existing one is kept
	echo "school alumno05:x" >etc/secrets
	atf_check -s exit:0 -e empty sh "$MKCONF" install "Satellite system" \
	    smtp+tls://school@mail.gonzalonazareno.org:587
	[ "$(cat etc/secrets)" = "school alumno05:x" ] ||
	    atf_fail "secrets overwritten"
}

atf_init_test_cases()
{
	atf_add_test_case examples
	atf_add_test_case example_satellite
	atf_add_test_case example_gateway
	atf_add_test_case example_vps
	atf_add_test_case debconf_types
	atf_add_test_case debconf_relay
	atf_add_test_case debconf_install
	atf_add_test_case debconf_secrets
}
