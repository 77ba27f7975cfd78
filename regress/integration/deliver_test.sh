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

# Local delivery: mail to root, relative mailbox paths, paths
# that fail for one user refused at RCPT, and a full disk that leaves the
# message queued, never bounced or half-written.

. "$(atf_get_srcdir)/lib.sh"

atf_test_case root_mbox cleanup
root_mbox_head()
{
	atf_set descr "mail to root with no alias lands in root's mbox," \
	    "root:mail 0660, appended by nobody"
}
root_mbox_body()
{
	inst_setup
	inst_conf_std mbox
	inst_start
	swaks_send $ALICE@$DOM root@$DOM --header "Subject: cron says" \
	    --body "cron output for root"
	wait_mbox root '^cron output for root$'
	_m=$(mbox_of root)
	assert_grep '^Subject: cron says$' "$_m"
	assert_grep "^From $ALICE@" "$_m"
	[ "$(stat -c '%U:%G %a' "$_m")" = "root:mail 660" ] ||
	    atf_fail "root's mbox is $(stat -c '%U:%G %a' "$_m")"
	assert_grep 'agent delivered method=mbox user=root ' "$T/log"
	# the agent that appended is not root
	grep -q "agent mbox started for uid $(id -u nobody) " "$T/log" ||
	    atf_fail "root's mbox agent did not run as nobody"
	assert_no_grep 'agent mbox started for uid 0 ' "$T/log"
	# a second message is appended, the first is kept
	swaks_send $ALICE@$DOM root@$DOM --body "second for root"
	wait_mbox root '^second for root$'
	assert_grep '^cron output for root$' "$_m"
	queue_is_empty || atf_fail "mail left in the queue"
}
root_mbox_cleanup()
{
	inst_cleanup
}

atf_test_case root_pipe_alias cleanup
root_pipe_alias_head()
{
	atf_set descr "a |command alias for root never runs as root"
}
root_pipe_alias_body()
{
	inst_setup
	mkdir "$T/out"
	chmod 1777 "$T/out"
	echo "root: \"|/usr/bin/id -u >$T/out/uid\"" >"$T/aliases"
	inst_conf <<EOF
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases> allow pipe
match from local for local action "mbox"
EOF
	inst_start
	swaks_send $ALICE@$DOM root@$DOM --body "to the root pipe"
	wait_for_file "$T/out/uid" || atf_fail "the alias command did not run"
	wait_queue_empty || atf_fail "mail left in the queue"
	[ "$(cat "$T/out/uid")" = "$(id -u nobody)" ] ||
	    atf_fail "the command ran as uid $(cat "$T/out/uid")"
	[ ! -e "$(mbox_of root)" ] || atf_fail "root's mbox was written"
}
root_pipe_alias_cleanup()
{
	inst_cleanup
}

atf_test_case relative_maildir cleanup
relative_maildir_head()
{
	atf_set descr "maildir \"Maildir/\" delivers to ~/Maildir/"
}
relative_maildir_body()
{
	inst_setup
	inst_conf <<EOF
action "rel" maildir "Maildir/" alias <aliases>
match from local for local action "rel"
EOF
	inst_start
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: relative" \
	    --body "home mailbox"
	maildir_one $BOB
	assert_grep '^Subject: relative$' "$MSG"
	# no bounce to alice
	wait_queue_empty || atf_fail "mail left in the queue"
	[ ! -d "$(maildir_new $ALICE)" ] ||
	    [ "$(count_files "$(maildir_new $ALICE)")" -eq 0 ] ||
	    atf_fail "alice got a bounce"
}
relative_maildir_cleanup()
{
	inst_cleanup
}

atf_test_case relative_mbox cleanup
relative_mbox_head()
{
	atf_set descr "mbox \"mail/inbox\" delivers to ~/mail/inbox"
}
relative_mbox_body()
{
	inst_setup
	_h=$(home_of $BOB)
	rm -rf "$_h/mail"
	mkdir "$_h/mail"
	chown $BOB "$_h/mail"
	inst_conf <<EOF
action "rel" mbox "mail/inbox" alias <aliases>
match from local for local action "rel"
EOF
	inst_start
	swaks_send $ALICE@$DOM $BOB@$DOM --body "relative mbox body"
	wait_for_grep '^relative mbox body$' "$_h/mail/inbox" ||
	    atf_fail "not delivered to ~/mail/inbox"
	[ "$(stat -c %U "$_h/mail/inbox")" = $BOB ] ||
	    atf_fail "$_h/mail/inbox not owned by bob"
	rm -rf "$_h/mail"
}
relative_mbox_cleanup()
{
	rm -rf "$(home_of $BOB)/mail"
	inst_cleanup
}

atf_test_case rcpt_no_home cleanup
rcpt_no_home_head()
{
	atf_set descr "a Maildir path that cannot be expanded for one user" \
	    "(no home) is refused at RCPT; another user is accepted"
}
rcpt_no_home_body()
{
	inst_setup
	# a person (uid >= UID_MIN, a login shell) whose home does not
	# exist: nobody is a system account now, refused with 5.1.1 first
	_nohome=cartero-nohome
	if ! getent passwd $_nohome >/dev/null; then
		useradd -M -d /nonexistent -s /bin/sh $_nohome 2>/dev/null ||
		    getent passwd $_nohome >/dev/null ||
		    atf_fail "cannot create user $_nohome"
	fi
	getent passwd $_nohome | cut -d: -f6 | grep -qx /nonexistent ||
	    atf_fail "$_nohome's home is not /nonexistent"
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$_nohome@$DOM>
< 550 5.3.5
> RCPT TO:<$BOB@$DOM>
< 250
> DATA
< 354
> Subject: one refused
>
> accepted for bob only
> .
< 250
> QUIT
< 221
EOF
	maildir_one $BOB
	assert_grep '^accepted for bob only$' "$MSG"
	wait_queue_empty || atf_fail "mail left in the queue"
	# nothing was accepted for nobody, so nothing bounces to alice
	[ ! -d "$(maildir_new $ALICE)" ] ||
	    [ "$(count_files "$(maildir_new $ALICE)")" -eq 0 ] ||
	    atf_fail "alice got a bounce"
}
rcpt_no_home_cleanup()
{
	inst_cleanup
}

atf_test_case config_cannot_work cleanup
config_cannot_work_head()
{
	atf_set descr "smtpd -n: a path no recipient can have is file:line"
}
config_cannot_work_body()
{
	inst_setup
	inst_conf <<EOF
action "md" maildir "/srv/%{rcpt.usr}/Maildir"
match from local for local action "md"
EOF
	if "$SMTPD" -n -f "$T/smtpd.conf" >"$T/n.out" 2>&1; then
		cat "$T/n.out" >&2
		atf_fail "smtpd -n accepted an unknown %{...} variable"
	fi
	assert_grep "^$T/smtpd.conf:8: maildir path .* cannot be expanded" \
	    "$T/n.out"
}
config_cannot_work_cleanup()
{
	inst_cleanup
}

#
# A full disk: a small tmpfs at $T/fs, unmounted by the cleanup.
#

# fs_mount SIZE: mount the tmpfs (mode 1777: agents make their dirs).
fs_mount()
{
	mkdir "$T/fs"
	mount -t tmpfs -o "size=$1,mode=1777" cartero-test "$T/fs" ||
	    atf_skip "cannot mount a tmpfs here"
	echo "$T/fs" >"$T/fs.mounted"
}

# Fill the tmpfs, then free $1 KiB of it.
fs_fill()
{
	dd if=/dev/zero of="$T/fs/fill" bs=4096 >/dev/null 2>&1
	_sz=$(stat -c %s "$T/fs/fill")
	truncate -s $((_sz - $1 * 1024)) "$T/fs/fill"
}

fs_cleanup()
{
	[ -f "$INST_REF" ] || return 0
	_t=$(cat "$INST_REF")
	CARTERO_KEEP=1 inst_cleanup
	if [ -f "$_t/fs.mounted" ]; then
		umount "$_t/fs" 2>/dev/null || umount -l "$_t/fs"
	fi
	case "$_t" in
	/tmp/cartero-t.*) [ -n "${CARTERO_KEEP:-}" ] || rm -rf "$_t" ;;
	esac
	return 0
}

# A body of about $1 KiB with one marker line.
big_body()
{
	echo "marker $2"
	_i=0
	while [ "$_i" -lt $(($1 * 16)) ]; do
		echo "line $_i of a big message, padding padding padding...."
		_i=$((_i + 1))
	done
}

# The message waits in the queue with a 4xx: not delivered, not bounced.
assert_held()
{
	wait_log_count "agent failed method=$1 user=$BOB .*status=tempfail" 1 ||
	    atf_fail "no tempfail for bob"
	# the mail system is full (RFC 3463 4.3.1), not bob's mailbox
	_re="agent failed method=$1 user=$BOB .*status=tempfail"
	assert_grep "$_re error=\"452 4\\.3\\.1 " "$T/log"
	ctl show queue
	grep -q "$BOB" "$T/ctl.out" ||
	    { cat "$T/ctl.out" >&2; atf_fail "message not in the queue"; }
	[ "$(queue_count)" -ge 1 ] || atf_fail "queue is empty"
	assert_no_grep 'status=permfail' "$T/log"
	[ ! -d "$(maildir_new $ALICE)" ] ||
	    [ "$(count_files "$(maildir_new $ALICE)")" -eq 0 ] ||
	    atf_fail "alice got a bounce"
}

atf_test_case full_maildir cleanup
full_maildir_head()
{
	atf_set descr "a Maildir on a full filesystem: queued (4xx), then" \
	    "delivered once when space returns"
}
full_maildir_body()
{
	inst_setup
	fs_mount 512k
	inst_conf <<EOF
action "md" maildir "~/Maildir" alias <aliases>
action "fs" maildir "$T/fs/%{user.username}"
match from local for rcpt-to "$BOB@$DOM" action "fs"
match from local for local action "md"
EOF
	inst_start
	_new=$T/fs/$BOB/new
	swaks_send $ALICE@$DOM $BOB@$DOM --body "earlier mail"
	wait_for_count "$_new" 1 || atf_fail "first message not delivered"
	_first=$(find "$_new" -type f)
	cp "$_first" "$T/first.copy"
	fs_fill 8
	big_body 64 full-maildir >"$T/body"
	swaks_send $ALICE@$DOM $BOB@$DOM --body "@$T/body"
	assert_held maildir
	# nothing half-written left behind
	[ "$(count_files "$_new")" -eq 1 ] || atf_fail "new/ changed"
	[ "$(count_files "$T/fs/$BOB/tmp")" -eq 0 ] ||
	    atf_fail "a file was left in tmp/"
	cmp -s "$_first" "$T/first.copy" || atf_fail "earlier mail changed"
	rm -f "$T/fs/fill"
	ctl schedule all
	wait_for_count "$_new" 2 ||
	    atf_fail "not delivered after space returned"
	wait_queue_empty || atf_fail "mail left in the queue"
	[ "$(count_files "$_new")" -eq 2 ] || atf_fail "delivered twice"
	[ "$(grep -l '^marker full-maildir$' "$_new"/* | wc -l)" -eq 1 ] ||
	    atf_fail "the message is not there exactly once"
	cmp -s "$_first" "$T/first.copy" || atf_fail "earlier mail changed"
	[ "$(count_files "$T/fs/$BOB/tmp")" -eq 0 ] ||
	    atf_fail "a file was left in tmp/"
}
full_maildir_cleanup()
{
	fs_cleanup
}

atf_test_case full_mbox cleanup
full_mbox_head()
{
	atf_set descr "an mbox on a full filesystem: queued (4xx), truncated" \
	    "back, then delivered once when space returns"
}
full_mbox_body()
{
	inst_setup
	fs_mount 512k
	chown root:mail "$T/fs"
	chmod 2775 "$T/fs"
	inst_conf <<EOF
action "md" maildir "~/Maildir" alias <aliases>
action "fs" mbox "$T/fs/%{user.username}"
match from local for rcpt-to "$BOB@$DOM" action "fs"
match from local for local action "md"
EOF
	inst_start
	_m=$T/fs/$BOB
	swaks_send $ALICE@$DOM $BOB@$DOM --body "earlier mail"
	wait_for_grep '^earlier mail$' "$_m" || atf_fail "first not delivered"
	cp "$_m" "$T/first.copy"
	# room for part of the message only: the append fails half-way
	fs_fill 16
	big_body 64 full-mbox >"$T/body"
	swaks_send $ALICE@$DOM $BOB@$DOM --body "@$T/body"
	assert_held mbox
	cmp -s "$_m" "$T/first.copy" ||
	    atf_fail "mbox not truncated back: $(stat -c %s "$_m") bytes"
	[ ! -e "$_m.lock" ] || atf_fail "dotlock left behind"
	rm -f "$T/fs/fill"
	ctl schedule all
	wait_for_grep '^marker full-mbox$' "$_m" ||
	    atf_fail "not delivered after space returned"
	wait_queue_empty || atf_fail "mail left in the queue"
	[ "$(grep -c '^marker full-mbox$' "$_m")" -eq 1 ] ||
	    atf_fail "delivered more than once"
	[ "$(grep -c '^From ' "$_m")" -eq 2 ] || atf_fail "not two messages"
	head -c "$(stat -c %s "$T/first.copy")" "$_m" |
	    cmp -s - "$T/first.copy" || atf_fail "earlier mail changed"
}
full_mbox_cleanup()
{
	fs_cleanup
}

atf_test_case system_accounts cleanup
system_accounts_head()
{
	atf_set descr "the daemon's own and system accounts are refused at" \
	    "RCPT (550 5.1.1), no mailbox is made; an alias still routes them"
}
system_accounts_body()
{
	inst_setup
	getent passwd daemon >/dev/null || atf_skip "no user daemon"
	echo "nobody: $BOB" >"$T/aliases"
	inst_conf_std mbox
	inst_start
	_own=
	getent passwd _cartero-lka >/dev/null && _own="_cartero-lka"
	{
		echo "< 220"
		echo "> EHLO client.test"
		echo "< 250"
		echo "> MAIL FROM:<$ALICE@$DOM>"
		echo "< 250"
		echo "> RCPT TO:<daemon@$DOM>"
		echo "< 550 5.1.1"
		if [ -n "$_own" ]; then
			echo "> RCPT TO:<$_own@$DOM>"
			echo "< 550 5.1.1"
		fi
		echo "> RCPT TO:<nobody@$DOM>"
		echo "< 250"
		echo "> DATA"
		echo "< 354"
		echo "> Subject: to nobody"
		echo ">"
		echo "> via the alias"
		echo "> ."
		echo "< 250"
		echo "> QUIT"
		echo "< 221"
	} >"$T/script"
	chat <"$T/script"
	assert_grep 'system account without a mailbox' "$T/chat.out"
	wait_mbox $BOB '^Subject: to nobody$'
	[ ! -e "$T/mail/daemon" ] || atf_fail "a mailbox was made for daemon"
	[ ! -e "$T/mail/nobody" ] || atf_fail "a mailbox was made for nobody"
}
system_accounts_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case root_mbox
	atf_add_test_case system_accounts
	atf_add_test_case root_pipe_alias
	atf_add_test_case relative_maildir
	atf_add_test_case relative_mbox
	atf_add_test_case rcpt_no_home
	atf_add_test_case config_cannot_work
	atf_add_test_case full_maildir
	atf_add_test_case full_mbox
}
