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

# imapd's UIDs survive what happens to a server (issue 15, acceptance 5):
# a restart keeps UIDs and UIDVALIDITY; deliveries into Maildir/new while
# two clients STORE \Deleted and EXPUNGE leave a listing with increasing,
# unique, never reused UIDs; kill -9 of the session in the middle of a
# big APPEND or of an EXPUNGE of many messages leaves a folder that
# opens, counts its files, and keeps the survivors' UIDs.  The daemon
# helpers are those of imapd_daemon_test.sh; the client is imapcrash.py.

. "$(atf_get_srcdir)/lib.sh"

IMAPD=$TOP/build/imapd
CTOOL=$(atf_get_srcdir)/imapcrash.py
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

# imapd_start as in imapd_daemon_test.sh; a restart counts the "login
# ready" lines so that an earlier start does not satisfy the wait.
imapd_start()
{
	_ready=$(grep -c "login ready" "$T/log")
	setsid "$IMAPD" -d -v -f "$T/imapd.conf" >>"$T/log" 2>&1 9>&- &
	DPID=$!
	echo "$DPID" >"$T/daemon.pid"
	_n=$((WAIT * 10))
	while ! port_open "$IPORT" || ! port_open "$SPORT" ||
	    [ "$(grep -c "login ready" "$T/log")" -le "$_ready" ]; do
		alive "$DPID" || atf_fail "imapd exited at start-up"
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "imapd did not start in ${WAIT}s"
		sleep 0.1
	done
}

# imapd_stop SIG: SIG to the daemon's process group, wait for it to go
imapd_stop()
{
	kill "-$1" -- "-$DPID" 2>/dev/null
	wait_gone "$DPID" || { kill -9 -- "-$DPID" 2>/dev/null; }
	wait "$DPID" 2>/dev/null
	_n=$((WAIT * 10))
	while port_open "$IPORT" || port_open "$SPORT"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || atf_fail "imapd's ports still open"
		sleep 0.1
	done
	return 0
}

imapd_cleanup()
{
	if [ -f "$INST_REF" ]; then
		_t=$(cat "$INST_REF")
		pkill -9 -f "$_t/imapd.conf" 2>/dev/null
	fi
	inst_cleanup
}

# the session process: the imapd process running as the mailbox owner
session_pid()
{
	ps -o pid=,comm= -u "$1" 2>/dev/null |
	    awk '$2 ~ /^imapd/ { print $1; exit }'
}

# ctool ARGS...: run imapcrash.py as $ALICE's client, output in $T/out
ctool()
{
	_c=$1
	shift
	timeout 240 python3 "$CTOOL" "$_c" "$SPORT" "$ALICE" "$PW_ALICE" \
	    "$MD" "$@" >"$T/out" 2>&1 ||
	    { cat "$T/out" >&2; atf_fail "imapcrash $_c failed"; }
}

# Alice's Maildir, owned by her
maildir_setup()
{
	MD=$(home_of "$ALICE")/Maildir
	mkdir -p "$MD/cur" "$MD/new" "$MD/tmp"
	chown -R "$ALICE" "$MD"
	chmod -R 700 "$MD"
}

# kill9 COMMAND ARGS: start imapcrash.py COMMAND ARGS in the background,
# wait for its "sent", kill -9 Alice's session process unless the tool
# did; if the daemon went with it, start it again.
kill9()
{
	_what=$1
	shift
	timeout 120 python3 "$CTOOL" "$_what" "$SPORT" "$ALICE" "$PW_ALICE" \
	    "$MD" "$@" >"$T/bg.out" 2>&1 &
	_bg=$!
	wait_for_grep "^sent" "$T/bg.out" ||
	    { kill "$_bg" 2>/dev/null; cat "$T/bg.out" >&2;
	    atf_fail "imapcrash $_what did not start"; }
	# killed by imapcrash.py itself (expunge) or here
	if ! grep -q "^killed" "$T/bg.out"; then
		_p=$(session_pid "$ALICE")
		[ -n "$_p" ] ||
		    { kill "$_bg" 2>/dev/null; atf_fail "no session"; }
		kill -9 "$_p"
	fi
	cat "$T/bg.out"
	_n=$((WAIT * 10))
	while alive "$_bg"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { kill "$_bg" 2>/dev/null;
		    atf_fail "the client's connection stayed open"; }
		sleep 0.1
	done
	wait "$_bg" 2>/dev/null
	if ! alive "$DPID" || ! port_open "$SPORT"; then
		echo "imapd went away with its session: restarted"
		imapd_stop 9
		imapd_start
	fi
}

atf_test_case uid_restart cleanup
uid_restart_head()
{
	atf_set descr "a restart keeps UIDs and UIDVALIDITY"
	atf_set require.progs "openssl python3"
	atf_set timeout 300
}
uid_restart_body()
{
	inst_setup
	imapd_conf </dev/null
	maildir_setup
	imapd_start
	ctool append 5 "$T/state"
	cat "$T/out"
	grep -q "uidvalidity [0-9]* uids [0-9 ]*$" "$T/out" ||
	    atf_fail "no UIDs after the APPENDs"
	cp "$T/state" "$T/state.before"
	imapd_stop TERM
	imapd_start
	ctool same "$T/state"
	cat "$T/out"
	# and once more after a kill -9 of the whole family
	imapd_stop 9
	imapd_start
	ctool same "$T/state"
	cat "$T/out"
	cmp -s "$T/state" "$T/state.before" || atf_fail "the UID map changed"
}
uid_restart_cleanup() { imapd_cleanup; }

atf_test_case concurrent cleanup
concurrent_head()
{
	atf_set descr "deliveries to new/ while two clients STORE and EXPUNGE"
	atf_set require.progs "openssl python3"
	atf_set timeout 300
}
concurrent_body()
{
	inst_setup
	imapd_conf </dev/null
	maildir_setup
	imapd_start
	ctool stress 100
	cat "$T/out"
	grep -q "^stress OK" "$T/out" || atf_fail "no stress OK"
}
concurrent_cleanup() { imapd_cleanup; }

atf_test_case kill9_append cleanup
kill9_append_head()
{
	atf_set descr "kill -9 of the session in the middle of a big APPEND"
	atf_set require.progs "openssl python3"
	atf_set timeout 300
}
kill9_append_body()
{
	inst_setup
	imapd_conf </dev/null
	maildir_setup
	imapd_start
	ctool append 5 "$T/state"
	kill9 bigappend 8
	ctool same "$T/state"
	cat "$T/out"
	# the daemon still takes an APPEND, the next UID above the others
	ctool append 1 "$T/state2" 100
	ctool check "$T/state" old
	cat "$T/out"
}
kill9_append_cleanup() { imapd_cleanup; }

atf_test_case kill9_expunge cleanup
kill9_expunge_head()
{
	atf_set descr "kill -9 of the session in the middle of an EXPUNGE"
	atf_set require.progs "openssl python3"
	atf_set timeout 300
}
kill9_expunge_body()
{
	inst_setup
	imapd_conf </dev/null
	maildir_setup
	ctool drop 2000
	imapd_start
	kill9 expunge "$T/state"
	ctool check "$T/state" old
	cat "$T/out"
	# once more: the folder opens again with the same UIDs
	cp "$T/state" "$T/state.after"
	ctool same "$T/state"
	cmp -s "$T/state" "$T/state.after" || atf_fail "the UID map changed"
}
kill9_expunge_cleanup() { imapd_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case uid_restart
	atf_add_test_case concurrent
	atf_add_test_case kill9_append
	atf_add_test_case kill9_expunge
}
