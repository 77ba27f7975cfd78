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

# The offline spool as an attack surface: file names in log lines, and
# the pickup process that re-injects a user's file as that user.

. "$(atf_get_srcdir)/lib.sh"

STOOL=$(atf_get_srcdir)/submittool.py

offline_cleanup_all()
{
	[ -f "$INST_REF" ] || return 0
	_t=$(cat "$INST_REF")
	for _p in "$_t/proxy.pid" "$_t/stuck"; do
		[ -f "$_p" ] && kill -9 "$(cat "$_p")" 2>/dev/null
	done
	inst_cleanup
}

# offline_file USER NAME TO: a message from USER to TO, kept offline by
# sendmail while smtpd is down, then renamed NAME (in $T/held/ if NAME
# is held/...).
offline_file()
{
	printf 'Subject: offline from %s\n\nheld\n' "$1" |
	    sendmail_as "$1" "$3" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "sendmail as $1 failed"; }
	_f=$(find "$T/spool/offline" -type f -user "$1" |
	    head -n 1)
	[ -n "$_f" ] || atf_fail "no offline file from $1"
	mv "$_f" "$2"
}

atf_test_case log_forgery cleanup
log_forgery_head()
{
	atf_set descr "offline file names with a newline do not forge" \
	    "daemon log lines"
}
log_forgery_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	inst_stop
	: >"$T/log"
	# alice's traps: a file that is no offline message and a symlink,
	# both named to start a log line of their own
	su $ALICE -s /bin/sh -c "cd '$T/spool/offline' &&
	    printf 'junk\n' >\"\$(printf 'x\nparent: forged-file')\" &&
	    ln -s /etc/passwd \"\$(printf 'y\nparent: forged-link')\"" ||
	    atf_fail "cannot create the traps"
	printf 'Subject: real one\n\nreal\n' | sendmail_as $ALICE "$BOB" \
	    >"$T/sm.out" 2>&1 || { cat "$T/sm.out" >&2; atf_fail "sendmail"; }
	inst_start
	maildir_one $BOB
	# both names reach the log (escaped or not), then: not as a line
	wait_log_count 'forged-file' 2 ||
	    atf_fail "no log line about the junk file"
	wait_log_count 'forged-link' 1 ||
	    atf_fail "no log line about the symlink"
	assert_no_grep '^parent: forged' "$T/log"
	assert_no_grep '^forged' "$T/log"
	assert_grep 'file="x\\nparent: forged-file" .*not enqueued' "$T/log"
	assert_grep 'file="y\\nparent: forged-link" .*skipped' "$T/log"
}
log_forgery_cleanup()
{
	offline_cleanup_all
}

atf_test_case pickup_confined cleanup
pickup_confined_head()
{
	atf_set descr "the pickup of a user's file is non-dumpable, under" \
	    "seccomp, holds only its file, output and socket; stopped by" \
	    "its owner it does not delay another user's offline mail"
	atf_set timeout 300
}
pickup_confined_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	inst_stop
	mkdir "$T/held"
	offline_file $ALICE "$T/held/from-alice" $BOB
	offline_file $BOB "$T/held/from-bob" $ALICE
	inst_start
	# alice's pickup reaches a stand-in socket that never answers her
	mv "$T/run/smtpd.sock" "$T/run/real.sock"
	python3 "$STOOL" proxy "$T/run/smtpd.sock" "$T/run/real.sock" \
	    "$(id -u $ALICE)" "$T/stuck" >"$T/proxy.out" 2>&1 9>&- &
	echo $! >"$T/proxy.pid"
	wait_for_file "$T/run/smtpd.sock" || atf_fail "no proxy socket"
	mv "$T/held/from-alice" "$T/spool/offline/"
	ctl reload
	wait_for_file "$T/stuck" ||
	    { cat "$T/proxy.out" >&2; atf_fail "alice's pickup never came"; }
	pid=$(cat "$T/stuck")
	su $ALICE -s /bin/sh -c "kill -STOP $pid" ||
	    atf_fail "alice cannot stop her own pickup"
	_st=/proc/$pid/status
	assert_grep "^Uid:[[:space:]]+$(id -u $ALICE)[[:space:]]" "$_st"
	assert_grep '^Seccomp:[[:space:]]+2$' "$_st"
	assert_grep '^State:[[:space:]]+T' "$_st"
	assert_grep '^NoNewPrivs:[[:space:]]+1$' "$_st"
	# non-dumpable: /proc/PID/* are root's, alice cannot read its memory
	[ "$(stat -c %u "/proc/$pid/status")" -eq 0 ] ||
	    atf_fail "pickup $pid is dumpable (/proc/$pid/status owned by" \
	    "uid $(stat -c %u "/proc/$pid/status"))"
	if su $ALICE -s /bin/sh -c "cat /proc/$pid/maps" >/dev/null 2>&1; then
		atf_fail "alice can read her pickup's memory map"
	fi
	# (a sanitizer build's report file, make check-asan, does not count)
	for _fd in $(ls "/proc/$pid/fd" | sort -n); do
		case "$(readlink "/proc/$pid/fd/$_fd")" in
		*/build/asan/reports/*) ;;
		*) printf '%s ' "$_fd" ;;
		esac
	done >"$T/fds"
	[ "$(cat "$T/fds")" = "0 1 2 3 " ] ||
	    atf_fail "pickup fds: $(cat "$T/fds")(want 0 1 2 3)"
	case "$(readlink "/proc/$pid/fd/0")" in
	"$T/spool/offline/from-alice") ;;
	*) atf_fail "fd 0 is $(readlink "/proc/$pid/fd/0")" ;;
	esac
	for _fd in 1 2; do
		case "$(readlink "/proc/$pid/fd/$_fd")" in
		pipe:*) ;;
		*) atf_fail "fd $_fd is $(readlink "/proc/$pid/fd/$_fd")" ;;
		esac
	done
	case "$(readlink "/proc/$pid/fd/3")" in
	socket:*) ;;
	*) atf_fail "fd 3 is $(readlink "/proc/$pid/fd/3")" ;;
	esac
	# bob's file goes through while alice's pickup is stopped
	mv "$T/held/from-bob" "$T/spool/offline/"
	ctl reload
	maildir_one $ALICE
	assert_grep "^Subject: offline from $BOB$" "$MSG"
	alive "$pid" || atf_fail "alice's pickup is gone already"
	[ -e "$T/spool/offline/from-alice" ] ||
	    atf_fail "alice's file went away while its pickup is stopped"
}
pickup_confined_cleanup()
{
	offline_cleanup_all
}

atf_test_case root_file cleanup
root_file_head()
{
	atf_set descr "root's offline mail (cron) is picked up as root and" \
	    "delivered; the file is removed"
}
root_file_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	inst_stop
	printf 'Subject: from cron\n\nroot offline\n' |
	    "$SENDMAIL" "$BOB" >"$T/sm.out" 2>&1 ||
	    { cat "$T/sm.out" >&2; atf_fail "sendmail as root failed"; }
	[ "$(count_files "$T/spool/offline")" -eq 1 ] ||
	    atf_fail "root's message is not in offline/"
	inst_start
	maildir_one $BOB
	assert_grep '^Subject: from cron$' "$MSG"
	assert_grep '^Return-Path: <root@' "$MSG"
	wait_log_count 'offline: file=.* uid=0 enqueued' 1 ||
	    atf_fail "no log line for root's pickup"
	[ "$(count_files "$T/spool/offline")" -eq 0 ] ||
	    atf_fail "root's offline file was not removed"
}
root_file_cleanup()
{
	offline_cleanup_all
}

atf_init_test_cases()
{
	atf_add_test_case log_forgery
	atf_add_test_case pickup_confined
	atf_add_test_case root_file
}
