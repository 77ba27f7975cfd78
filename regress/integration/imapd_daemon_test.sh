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

# imapd as users meet it: the real daemon on 127.0.0.1 high ports with a
# temporary configuration, certificate and credentials table (smtpctl
# encrypt), the test users' Maildirs.  imapd -n; the greeting and
# CAPABILITY (STARTTLS, LOGINDISABLED); STARTTLS then LOGIN and implicit
# TLS with python3 imaplib; a wrong password (a delay, NO, a fail2ban line
# without the password); the processes (login: _cartero-imap, chrooted,
# seccomp, no key; session: the mailbox owner, seccomp, Landlock: another
# user's Maildir out of reach); the per-address limit; smtpctl imap.

. "$(atf_get_srcdir)/lib.sh"

IMAPD=$TOP/build/imapd
ITOOL=$(atf_get_srcdir)/imapdtool.py
MEMSCAN=$(atf_get_srcdir)/memscan.py
PW_ALICE='alice secret 1'
PW_BOB='bob-secret-2'

# The instance: $T/imapd.conf (STARTTLS on $IPORT, implicit TLS on
# $SPORT, credentials table, plaintext LOGIN denied), then stdin.
imapd_conf()
{
	IPORT=$(inst_free_port) || atf_fail "no free port"
	SPORT=$(inst_free_port) || atf_fail "no free port"
	[ "$IPORT" != "$SPORT" ] || SPORT=$((IPORT + 1))
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/imap.key" \
	    -out "$T/imap.crt" -subj "/CN=imap.test" -days 2 2>/dev/null ||
	    atf_fail "openssl cannot make a key"
	chmod 600 "$T/imap.key"
	_ha=$("$SMTPCTL" encrypt "$PW_ALICE") || atf_fail "smtpctl encrypt"
	_hb=$("$SMTPCTL" encrypt "$PW_BOB") || atf_fail "smtpctl encrypt"
	printf '%s:%s\n%s %s\n' "$ALICE" "$_ha" "$BOB" "$_hb" >"$T/creds"
	chmod 600 "$T/creds"
	{
		echo "rundir \"$T/run\""
		echo "hostname imap.test"
		echo "pki imap cert \"$T/imap.crt\" key \"$T/imap.key\""
		echo "table creds file:$T/creds"
		echo "listen on 127.0.0.1 port $IPORT tls pki imap"
		echo "listen on 127.0.0.1 port $SPORT imaps pki imap"
		echo "auth <creds>"
		echo "login plaintext deny"
		cat
	} >"$T/imapd.conf"
}

imapd_start()
{
	setsid "$IMAPD" -d -v -f "$T/imapd.conf" >>"$T/log" 2>&1 9>&- &
	DPID=$!
	echo "$DPID" >"$T/daemon.pid"
	_n=$((WAIT * 10))
	while ! port_open "$IPORT" || ! port_open "$SPORT" ||
	    ! grep -q "login ready" "$T/log"; do
		alive "$DPID" || atf_fail "imapd exited at start-up"
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "imapd did not start in ${WAIT}s"
		sleep 0.1
	done
}

imapd_cleanup()
{
	if [ -f "$INST_REF" ]; then
		_t=$(cat "$INST_REF")
		pkill -9 -f "$_t/imapd.conf" 2>/dev/null
	fi
	inst_cleanup
}

# pid of the child of the daemon whose title starts with "imapd: $1"
imapd_child()
{
	ps -o pid=,args= --ppid "$DPID" 2>/dev/null |
	    awk -v n="$1" '$2 == "imapd:" && $3 == n { print $1; exit }'
}

# itool ARGS...: run imapdtool.py, output in $T/out (shown on failure)
itool()
{
	timeout 60 python3 "$ITOOL" "$@" >"$T/out" 2>&1 ||
	    { cat "$T/out" >&2; atf_fail "imapdtool $1 failed"; }
}

expect()
{
	grep -q -- "$1" "$T/out" ||
	    { cat "$T/out" >&2; atf_fail "no \"$1\" in the output of $2"; }
}

atf_test_case config cleanup
config_head()
{
	atf_set descr "imapd -n prints a good configuration, refuses a bad one"
	atf_set require.progs "openssl python3"
}
config_body()
{
	inst_setup
	imapd_conf </dev/null
	"$IMAPD" -n -f "$T/imapd.conf" >"$T/out" 2>"$T/err" ||
	    { cat "$T/err" >&2; atf_fail "imapd -n refused a good config"; }
	expect "listen on \"127.0.0.1\" port $IPORT tls pki \"imap\"" "-n"
	expect "limit idle-timeout 30m" "-n"
	expect 'maildir "~/Maildir"' "-n"
	grep -q "configuration OK" "$T/err" || atf_fail "no configuration OK"
	# printed back, it is a configuration too
	cp "$T/out" "$T/again.conf"
	"$IMAPD" -n -f "$T/again.conf" >/dev/null 2>&1 ||
	    atf_fail "imapd -n output does not parse"
	printf 'listen on 127.0.0.1 port 99999\nauth <nope>\n' \
	    >"$T/bad.conf"
	if "$IMAPD" -n -f "$T/bad.conf" >/dev/null 2>"$T/err"; then
		atf_fail "imapd -n accepted a bad configuration"
	fi
	grep -q "^$T/bad.conf:1: invalid port \"99999\"" "$T/err" ||
	    { cat "$T/err" >&2; atf_fail "no file:line for the port"; }
	grep -q "^$T/bad.conf:2: auth: table \"nope\" is not defined" \
	    "$T/err" || { cat "$T/err" >&2; atf_fail "no file:line (auth)"; }
	# a key file that cannot be read is a configuration error
	sed "s|$T/imap.key|$T/missing.key|" "$T/imapd.conf" >"$T/nokey.conf"
	if "$IMAPD" -n -f "$T/nokey.conf" >/dev/null 2>"$T/err"; then
		atf_fail "imapd -n accepted a missing key"
	fi
	grep -q "nokey.conf:[0-9]*: pki \"imap\": cannot open" "$T/err" ||
	    { cat "$T/err" >&2; atf_fail "no message for the missing key"; }
}
config_cleanup() { imapd_cleanup; }

atf_test_case greeting cleanup
greeting_head()
{
	atf_set descr "greeting and CAPABILITY: STARTTLS, LOGINDISABLED"
	atf_set require.progs "openssl python3"
}
greeting_body()
{
	inst_setup
	imapd_conf </dev/null
	imapd_start
	itool caps "$IPORT"
	expect "greeting \* OK \[CAPABILITY IMAP4rev1 " caps
	expect "capability OK .*STARTTLS" caps
	expect "capability OK .*LOGINDISABLED" caps
	expect "login NO .*PRIVACYREQUIRED" caps
	if grep -q "AUTH=PLAIN" "$T/out"; then
		atf_fail "AUTH=PLAIN offered before TLS with plaintext denied"
	fi
}
greeting_cleanup() { imapd_cleanup; }

atf_test_case starttls_login cleanup
starttls_login_head()
{
	atf_set descr "STARTTLS then LOGIN, implicit TLS then AUTHENTICATE"
	atf_set require.progs "openssl python3"
}
starttls_login_body()
{
	inst_setup
	imapd_conf </dev/null
	imapd_start
	itool starttls "$IPORT" "$ALICE" "$PW_ALICE"
	expect "starttls OK" starttls
	expect "capability OK .*AUTH=PLAIN" starttls
	if grep -q "capability OK .*LOGINDISABLED" "$T/out"; then
		atf_fail "LOGINDISABLED after STARTTLS"
	fi
	expect "login OK" starttls
	expect "select OK" starttls
	itool imaps "$SPORT" "$BOB" "$PW_BOB"
	expect "tls TLSv1" imaps
	expect "authenticate OK" imaps
	expect "noop OK" imaps
	# the logs: login with TLS, logout with counts
	wait_for_grep "imap logout user=$BOB" "$T/log" ||
	    atf_fail "no logout line"
	grep -q "login user=$ALICE address=127.0.0.1 mech=LOGIN tls=TLSv1" \
	    "$T/log" || atf_fail "no login line for $ALICE"
	grep -q "login user=$BOB address=127.0.0.1 mech=PLAIN tls=TLSv1" \
	    "$T/log" || atf_fail "no login line for $BOB"
	# the Maildirs were made by the session processes, as their owners
	[ "$(stat -c %U "$(home_of "$ALICE")/Maildir")" = "$ALICE" ] ||
	    atf_fail "Maildir of $ALICE not owned by $ALICE"
}
starttls_login_cleanup() { imapd_cleanup; }

atf_test_case bad_password cleanup
bad_password_head()
{
	atf_set descr "a wrong password: NO after a delay, a fail2ban line"
	atf_set require.progs "openssl python3"
}
bad_password_body()
{
	inst_setup
	imapd_conf </dev/null
	imapd_start
	itool badpass "$IPORT" "$ALICE" "not-the-password-42"
	expect "login NO .*AUTHENTICATIONFAILED" badpass
	_d=$(sed -n 's/^delay //p' "$T/out")
	awk -v d="$_d" 'BEGIN { exit !(d >= 1.0) }' ||
	    atf_fail "the failure came after ${_d}s, expected a delay"
	wait_for_grep "login failed user=$ALICE address=127.0.0.1 reason=" \
	    "$T/log" || atf_fail "no fail2ban line"
	if grep -q "not-the-password-42" "$T/log"; then
		atf_fail "the password is in the log"
	fi
	# an unknown user: the same answer, the same kind of line
	itool badpass "$IPORT" "nosuchuser" "x"
	expect "login NO .*AUTHENTICATIONFAILED" badpass
	wait_for_grep "login failed user=nosuchuser address=127.0.0.1" \
	    "$T/log" || atf_fail "no line for the unknown user"
	# the etc/fail2ban filter matches the line
	if [ -f "$TOP/etc/fail2ban/filter.d/cartero-imapd.conf" ]; then
		grep -q "login failed" \
		    "$TOP/etc/fail2ban/filter.d/cartero-imapd.conf" ||
		    atf_fail "the fail2ban filter does not match"
	fi
}
bad_password_cleanup() { imapd_cleanup; }

atf_test_case login_process cleanup
login_process_head()
{
	atf_set descr "the login process: _cartero-imap, chrooted, seccomp, no key"
	atf_set require.progs "openssl python3"
}
login_process_body()
{
	inst_setup
	imapd_conf </dev/null
	imapd_start
	# a handshake makes the login process use the key (through the signer)
	itool imaps "$SPORT" "$BOB" "$PW_BOB"
	_l=$(imapd_child login)
	_s=$(imapd_child signer)
	[ -n "$_l" ] && [ -n "$_s" ] || atf_fail "no login or signer process"
	_uid=$(id -u _cartero-imap)
	grep -q "^Uid:[[:space:]]*${_uid}[[:space:]]*${_uid}[[:space:]]*${_uid}" \
	    "/proc/$_l/status" || atf_fail "login does not run as _cartero-imap"
	grep -q "^Seccomp:[[:space:]]*2" "/proc/$_l/status" ||
	    atf_fail "login is not under seccomp"
	[ "$(readlink "/proc/$_l/root")" = "$T/run/empty" ] ||
	    atf_fail "login is chrooted to $(readlink "/proc/$_l/root")"
	if grep -q "imap.key" "/proc/$_l/maps"; then
		atf_fail "the key file is mapped in the login process"
	fi
	for _f in "/proc/$_l/fd/"*; do
		case "$(readlink "$_f")" in
		*imap.key) atf_fail "the login process has the key file open" ;;
		esac
	done
	# the key is in the signer's memory, not in the login process's
	python3 "$MEMSCAN" "$_s" "$T/imap.key" >"$T/out" 2>&1
	[ $? -eq 1 ] || { cat "$T/out" >&2; atf_fail "memscan misses the key"; }
	python3 "$MEMSCAN" "$_l" "$T/imap.key" >"$T/out" 2>&1 ||
	    { cat "$T/out" >&2; atf_fail "the login process holds the key"; }
	# the key file itself: root's alone
	[ "$(stat -c %u:%a "$T/imap.key")" = "0:600" ] ||
	    atf_fail "key file mode"
}
login_process_cleanup() { imapd_cleanup; }

atf_test_case session_process cleanup
session_process_head()
{
	atf_set descr "the session process: the owner, seccomp, its Maildir only"
	atf_set require.progs "openssl python3"
}
session_process_body()
{
	inst_setup
	imapd_conf </dev/null
	imapd_start
	# Bob's mailbox, readable by anyone: only Landlock keeps Alice out
	_hb=$(home_of "$BOB")
	mkdir -p "$_hb/Maildir/cur" "$_hb/Maildir/new" "$_hb/Maildir/tmp"
	printf 'Subject: bob-only-secret\n\nx\n' \
	    >"$_hb/Maildir/new/1.test:2,"
	chown -R "$BOB" "$_hb/Maildir"
	chmod -R a+rwX "$_hb/Maildir"
	_ha=$(home_of "$ALICE")
	mkdir -p "$_ha/Maildir"
	chown "$ALICE" "$_ha/Maildir"
	ln -s "$_hb/Maildir" "$_ha/Maildir/.evil"
	chown -h "$ALICE" "$_ha/Maildir/.evil"
	# a held connection keeps the session process for the checks
	timeout 60 python3 "$ITOOL" hold "$IPORT" "$ALICE" "$PW_ALICE" 20 \
	    "$T/ready" >"$T/hold.out" 2>&1 &
	_hold=$!
	wait_for_file "$T/ready" || atf_fail "the client did not log in"
	_p=$(imapd_child session)
	[ -n "$_p" ] || atf_fail "no session process"
	_uid=$(id -u "$ALICE")
	grep -q "^Uid:[[:space:]]*${_uid}[[:space:]]*${_uid}[[:space:]]*${_uid}" \
	    "/proc/$_p/status" || atf_fail "session does not run as $ALICE"
	grep -q "^Seccomp:[[:space:]]*2" "/proc/$_p/status" ||
	    atf_fail "session is not under seccomp"
	grep -q "^NoNewPrivs:[[:space:]]*1" "/proc/$_p/status" ||
	    atf_fail "session without no_new_privs"
	grep -q "session: landlock: ABI [0-9]*, filesystem confined" \
	    "$T/log" || atf_fail "the session did not confine its filesystem"
	# Alice tries Bob's mailbox: a symlinked folder, a climbing name
	itool escape "$IPORT" "$ALICE" "$PW_ALICE" evil \
	    "../../$BOB/Maildir" "$_hb/Maildir"
	if grep -q "^select .* OK" "$T/out"; then
		cat "$T/out" >&2
		atf_fail "a SELECT of another user's mailbox succeeded"
	fi
	if grep -q "MESSAGES 1" "$T/out"; then
		cat "$T/out" >&2
		atf_fail "STATUS saw another user's mailbox"
	fi
	grep -q "^select evil NO" "$T/out" ||
	    { cat "$T/out" >&2; atf_fail "SELECT evil was not refused"; }
	kill "$_hold" 2>/dev/null
	wait "$_hold" 2>/dev/null
	return 0
}
session_process_cleanup() { imapd_cleanup; }

atf_test_case limits cleanup
limits_head()
{
	atf_set descr "limit connections per-address"
	atf_set require.progs "openssl python3"
}
limits_body()
{
	inst_setup
	imapd_conf <<EOF
limit connections per-address 2
EOF
	imapd_start
	itool conns "$IPORT" 3
	expect "conn 1 \* OK" conns
	expect "conn 2 \* OK" conns
	expect "conn 3 \* BYE \[LIMIT\]" conns
	wait_for_grep "connection refused address=127.0.0.1" "$T/log" ||
	    atf_fail "no log line for the refused connection"
	# the others are gone: a new connection is served again
	itool conns "$IPORT" 1
	expect "conn 1 \* OK" conns
}
limits_cleanup() { imapd_cleanup; }

atf_test_case kick cleanup
kick_head()
{
	atf_set descr "smtpctl imap show sessions, smtpctl imap kick"
	atf_set require.progs "openssl python3"
}
kick_body()
{
	inst_setup
	imapd_conf </dev/null
	imapd_start
	timeout 60 python3 "$ITOOL" hold "$IPORT" "$ALICE" "$PW_ALICE" 30 \
	    "$T/ready" >"$T/hold.out" 2>&1 &
	_hold=$!
	wait_for_file "$T/ready" || atf_fail "the client did not log in"
	CARTERO_IMAPD_RUNDIR=$T/run "$SMTPCTL" imap show sessions \
	    >"$T/out" 2>&1 || { cat "$T/out" >&2; atf_fail "show sessions"; }
	expect "^$ALICE  *127.0.0.1 " "show sessions"
	expect "# 1 session process" "show sessions"
	CARTERO_IMAPD_RUNDIR=$T/run "$SMTPCTL" imap kick "$ALICE" \
	    >"$T/out" 2>&1 || { cat "$T/out" >&2; atf_fail "kick"; }
	wait "$_hold"
	grep -q "^closed" "$T/hold.out" ||
	    { cat "$T/hold.out" >&2; atf_fail "the client was not closed"; }
	grep -q "BYE" "$T/hold.out" ||
	    { cat "$T/hold.out" >&2; atf_fail "no BYE to the kicked client"; }
	# nobody left to kick
	if CARTERO_IMAPD_RUNDIR=$T/run "$SMTPCTL" imap kick "$BOB" \
	    >"$T/out" 2>&1; then
		atf_fail "kick of a user without sessions succeeded"
	fi
	expect "no session of $BOB" kick
}
kick_cleanup() { imapd_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case config
	atf_add_test_case greeting
	atf_add_test_case starttls_login
	atf_add_test_case bad_password
	atf_add_test_case login_process
	atf_add_test_case session_process
	atf_add_test_case limits
	atf_add_test_case kick
}
