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

# mkconf.sh -- /etc/cartero/smtpd.conf from the answers to the package's
# questions (Debian's MTA choices: debian/cartero.templates).  The postinst
# runs it as /usr/share/cartero/mkconf.sh with the answers; it talks to no
# debconf itself, so the tests run it from the source tree too.
#
#	sh mkconf.sh print TYPE [RELAY]
#		the configuration for TYPE ("Internet site", "Satellite
#		system" or "Local only"; also internet, satellite, local)
#	sh mkconf.sh relay RELAY
#		RELAY as the URL of "relay host": mail.example.org:587 is
#		smtp://mail.example.org:587, [192.0.2.1] smtp://192.0.2.1;
#		URLs pass as they are; exit 1 if RELAY cannot be one
#	sh mkconf.sh owned
#		exit 0 if the package may write CONF: CONF is absent, or
#		this script wrote it and nobody edited it since (the
#		checksum in its "# cartero-debconf:" line), or it is the
#		unchanged conffile of cartero 0.1
#	sh mkconf.sh install TYPE [RELAY]
#		the configuration for TYPE, with a header, checked with
#		"smtpd -n -f"; then CONF if owned (unless it has that
#		already), else CONF.debconf-new (an edited file is never
#		overwritten).  Exit 1, writing nothing, if the check fails.
#
# Environment: CARTERO_CONF (default /etc/cartero/smtpd.conf; the secrets
# table of a satellite with a "LABEL@" goes beside it), CARTERO_SMTPD (the
# smtpd that checks, default /usr/sbin/smtpd).  Messages go to stderr.
set -eu

CONF=${CARTERO_CONF:-/etc/cartero/smtpd.conf}
SMTPD=${CARTERO_SMTPD:-/usr/sbin/smtpd}
SECRETS=$(dirname "$CONF")/secrets
MARK='# cartero-debconf: '

# The configuration type's keyword.
type_key()
{
	case "$1" in
	"Internet site"|internet)	echo internet ;;
	"Satellite system"|satellite)	echo satellite ;;
	"Local only"|local)		echo local ;;
	*)	echo "mkconf: unknown configuration type \"$1\"" >&2
		return 1 ;;
	esac
}

type_name()
{
	case "$1" in
	internet)	echo "Internet site" ;;
	satellite)	echo "Satellite system" ;;
	local)		echo "Local only" ;;
	esac
}

# Postfix's and exim's ways of naming a relay host, as our URLs.  Only
# the characters a URL needs: the result goes inside a quoted string of
# smtpd.conf, and smtpd -n judges the rest (scheme, host, port, label).
relay_url()
{
	_r=$1
	case "$_r" in
	''|*[!]A-Za-z0-9.:_@/+[-]*)
		echo "mkconf: invalid relay host \"$_r\"" >&2
		return 1 ;;
	*://*)
		printf '%s\n' "$_r" ;;
	\[*\]|\[*\]:*)
		_a=${_r#\[}
		_a=${_a%%\]*}
		_p=${_r#*\]}
		case "$_a" in
		*:*)	_a="[$_a]" ;;	# IPv6 keeps its brackets
		esac
		printf 'smtp://%s%s\n' "$_a" "$_p" ;;
	*[@/\[\]]*)
		echo "mkconf: invalid relay host \"$_r\"" >&2
		return 1 ;;
	*)
		printf 'smtp://%s\n' "$_r" ;;
	esac
}

# 0 if the relay URL names a LABEL@ for the secrets table.
relay_has_label()
{
	case "${1#*://}" in
	*@*)	return 0 ;;
	esac
	return 1
}

sum_of()
{
	grep -v "^$MARK" "$1" | sha256sum | cut -d ' ' -f 1
}

owned()
{
	[ -e "$CONF" ] || [ -L "$CONF" ] || return 0
	[ -f "$CONF" ] && [ ! -L "$CONF" ] || return 1
	_s=$(sed -n "s/^$MARK.*sha256=\([0-9a-f]*\).*/\1/p" "$CONF" | head -n 1)
	if [ -n "$_s" ]; then
		[ "$(sum_of "$CONF")" = "$_s" ]
		return
	fi
	# the conffile cartero 0.1 shipped, which dpkg remembers (obsolete)
	_o=$(dpkg-query -W -f='${Conffiles}\n' cartero 2>/dev/null |
	    awk -v f="$CONF" '$1 == f { print $2; exit }')
	[ -n "$_o" ] && [ "$(md5sum <"$CONF" | cut -d ' ' -f 1)" = "$_o" ]
}

body_local()
{
	cat <<'EOF'
# Local only: mail from this host (loopback and the local enqueuer,
# sendmail(8)) to local users -- the mail name in /etc/mailname, the host
# name, localhost -- is delivered to their mbox in /var/mail after
# expansion through /etc/aliases.  Nothing is relayed, nothing is taken
# from the network.

table aliases file:/etc/aliases

# the self-signed certificate made at installation (README: Certificates)
pki default cert "/etc/cartero/tls/smtpd.crt"
pki default key "/etc/cartero/tls/smtpd.key"

listen on localhost tls pki default
listen on socket

action "local" mbox alias <aliases>

match from local for local action "local"
EOF
}

body_internet()
{
	cat <<'EOF'
# Internet site: mail is sent and received directly by SMTP.  smtpd
# listens on port 25 of every address and takes mail for local users (the
# mail name in /etc/mailname, the host name, localhost) from anyone; mail
# from this host to other domains goes straight to their MX hosts.  Nobody
# else relays through it.  For submission with AUTH (ports 587 and 465)
# see smtpd-vps.conf in /usr/share/doc/cartero/examples.

table aliases file:/etc/aliases

# the self-signed certificate made at installation: replace it with one
# a CA signed for the mail name (README: Certificates)
pki default cert "/etc/cartero/tls/smtpd.crt"
pki default key "/etc/cartero/tls/smtpd.key"

# STARTTLS offered, never required: a public MX must accept mail from
# servers that cannot do TLS (RFC 3207).  mail-auth: SPF, DKIM and DMARC
# of what arrives, in an Authentication-Results: field (nothing refused;
# add dmarc-policy to follow the senders' DMARC policies, smtpd.conf(5))
listen on 0.0.0.0 tls pki default mail-auth
listen on :: tls pki default mail-auth
listen on socket

action "local" mbox alias <aliases>
# "relay" without "host": the recipient domain's MX, STARTTLS when offered
action "outbound" relay

match from any for local action "local"
match from local for any action "outbound"
EOF
}

# body_satellite URL
body_satellite()
{
	cat <<'EOF'
# Satellite system: mail for local users (the mail name in /etc/mailname,
# the host name, localhost) is delivered here, to /var/mail through
# /etc/aliases; all other mail goes to the smarthost below.  Nothing is
# taken from the network: smtpd listens on localhost and the local socket.
#
# smtp://HOST: STARTTLS when the smarthost offers it; smtp+tls://HOST:587
# requires it, smtps://HOST uses TLS from the first byte (465).

table aliases file:/etc/aliases
EOF
	if relay_has_label "$1"; then
		_l=${1#*://}
		cat <<EOF
# the smarthost's login, a line "${_l%%@*} USER:PASSWORD" (the label of
# the URL, then the user and the password); readable by root only, and
# sent only over TLS
table secrets file:$SECRETS
EOF
	fi
	cat <<'EOF'

pki default cert "/etc/cartero/tls/smtpd.crt"
pki default key "/etc/cartero/tls/smtpd.key"

listen on localhost tls pki default
listen on socket

action "local" mbox alias <aliases>
EOF
	if relay_has_label "$1"; then
		printf 'action "smarthost" relay host "%s" auth <secrets>\n' "$1"
	else
		printf 'action "smarthost" relay host "%s"\n' "$1"
	fi
	cat <<'EOF'

match from local for local action "local"
match from local for any action "smarthost"
EOF
}

# print TYPE [RELAY]
print_conf()
{
	_k=$(type_key "$1")
	case "$_k" in
	satellite)
		[ -n "${2:-}" ] || {
			echo "mkconf: a satellite needs a relay host" >&2
			return 1
		}
		body_satellite "$(relay_url "$2")" ;;
	*)	"body_$_k" ;;
	esac
}

header()
{
	cat <<EOF
# $CONF: "$(type_name "$1")", written by the cartero package from
# the answers to its questions; "dpkg-reconfigure cartero" asks them again
# and rewrites this file.
#
# Edit it as you like: the package never overwrites a file edited since it
# wrote it (the checksum below tells); dpkg-reconfigure then leaves it
# alone and writes what it would have written to $(basename "$CONF").debconf-new.
# Check a change with "smtpd -n", apply it with "systemctl restart
# cartero".  smtpd.conf(5); examples in /usr/share/doc/cartero/examples.
EOF
}

# install TYPE [RELAY]
install_conf()
{
	_k=$(type_key "$1")
	_new=$CONF.debconf-tmp
	_body=$CONF.debconf-body
	rm -f "$_new" "$_body"
	trap 'rm -f "$_new" "$_body"' EXIT
	print_conf "$_k" "${2:-}" >"$_body"
	{ header "$_k"; echo; cat "$_body"; } >"$_new"
	_s=$(sum_of "$_new")
	{ header "$_k"; echo "${MARK}type=$_k sha256=$_s"; echo
	    cat "$_body"; } >"$_new"
	if grep -q '^table secrets file:' "$_new" && [ ! -e "$SECRETS" ]; then
		(umask 077 && : >"$SECRETS")
		echo "mkconf: created $SECRETS: add the smarthost's login" \
		    "(LABEL USER:PASSWORD)" >&2
	fi
	if ! "$SMTPD" -n -f "$_new" >"$_body" 2>&1; then
		sed "s|$_new|$CONF|g" "$_body" >&2
		echo "mkconf: not written: smtpd -n refused the" \
		    "\"$(type_name "$_k")\" configuration" >&2
		return 1
	fi
	chmod 0644 "$_new"
	if ! owned; then
		mv "$_new" "$CONF.debconf-new"
		echo "mkconf: $CONF was edited: left as it is; the" \
		    "\"$(type_name "$_k")\" configuration is in" \
		    "$CONF.debconf-new" >&2
	elif [ -f "$CONF" ] && cmp -s "$_new" "$CONF"; then
		rm -f "$_new" "$CONF.debconf-new"
	else
		mv "$_new" "$CONF"
		rm -f "$CONF.debconf-new"
		echo "mkconf: wrote $CONF (\"$(type_name "$_k")\")" >&2
	fi
}

case "${1:-}" in
print)	shift; print_conf "$@" ;;
relay)	relay_url "$2" ;;
owned)	owned ;;
install) shift; install_conf "$@" ;;
*)	echo "usage: mkconf.sh print|install TYPE [RELAY] | relay RELAY |" \
	    "owned" >&2
	exit 2 ;;
esac
