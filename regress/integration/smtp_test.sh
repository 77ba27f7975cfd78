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

# SMTP server: delivery through real clients (swaks, python3 smtplib) to
# mbox and Maildir, PIPELINING, and hostile input that must be answered,
# not crash anything.

. "$(atf_get_srcdir)/lib.sh"

# A body that exercises the mbox "From " escaping and dot-stuffing.
body_file()
{
	printf 'first line %s\nFrom the start of a line\n.leading dot\n' \
	    "$1" >"$T/body"
	printf '..two dots\nlast line %s\n' "$1" >>"$T/body"
}

check_body_common()
{
	assert_grep '^Received: ' "$1"
	assert_grep "^Subject: test $2" "$1"
	assert_grep "^first line $2\$" "$1"
	assert_grep '^\.leading dot$' "$1"
	assert_grep '^\.\.two dots$' "$1"
	assert_grep "^last line $2\$" "$1"
}

check_mbox()
{
	_m=$(mbox_of $BOB)
	# the mbox starts with a "From " separator line naming the sender
	head -n 1 "$_m" | grep -qE "^From $ALICE@$DOM " ||
	    { cat "$_m" >&2; atf_fail "mbox does not start with From line"; }
	check_body_common "$_m" "$1"
	assert_grep '^>From the start of a line$' "$_m"
	assert_no_grep '^From the start' "$_m"
	# mbox files are the user's, group mail
	[ "$(stat -c %U "$_m")" = $BOB ] || atf_fail "mbox not owned by $BOB"
}

check_maildir()
{
	maildir_one $BOB; _f=$MSG
	check_body_common "$_f" "$1"
	assert_grep '^From the start of a line$' "$_f"
	assert_no_grep '^>From the start' "$_f"
	[ "$(stat -c %U "$_f")" = $BOB ] || atf_fail "message not owned by $BOB"
}

atf_test_case swaks_mbox cleanup
swaks_mbox_head()
{
	atf_set descr "swaks delivers to an mbox with From escaping"
}
swaks_mbox_body()
{
	inst_setup
	inst_conf_std mbox
	inst_start
	body_file tok1
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: test tok1" \
	    --body "@$T/body"
	wait_mbox $BOB '^last line tok1$'
	check_mbox tok1
	assert_alive
}
swaks_mbox_cleanup()
{
	inst_cleanup
}

atf_test_case swaks_maildir cleanup
swaks_maildir_head()
{
	atf_set descr "swaks delivers to ~/Maildir/new"
}
swaks_maildir_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	body_file tok2
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: test tok2" \
	    --body "@$T/body"
	check_maildir tok2
	# nothing left behind in tmp/
	[ "$(count_files "$(home_of $BOB)/Maildir/tmp")" -eq 0 ] ||
	    atf_fail "files left in Maildir/tmp"
}
swaks_maildir_cleanup()
{
	inst_cleanup
}

smtplib_send()
{
	{
		printf 'From: <%s@%s>\nTo: <%s@%s>\nSubject: test %s\n\n' \
		    $ALICE $DOM $BOB $DOM "$1"
		cat "$T/body"
	} | tool send "$PORT" $ALICE@$DOM $BOB@$DOM >"$T/send.out" 2>&1 ||
	    { cat "$T/send.out" >&2; atf_fail "smtplib send failed"; }
}

atf_test_case smtplib_mbox cleanup
smtplib_mbox_head()
{
	atf_set descr "python3 smtplib delivers to an mbox"
}
smtplib_mbox_body()
{
	inst_setup
	inst_conf_std mbox
	inst_start
	body_file tok3
	smtplib_send tok3
	wait_mbox $BOB '^last line tok3$'
	check_mbox tok3
}
smtplib_mbox_cleanup()
{
	inst_cleanup
}

atf_test_case smtplib_maildir cleanup
smtplib_maildir_head()
{
	atf_set descr "python3 smtplib delivers to a Maildir"
}
smtplib_maildir_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	body_file tok4
	smtplib_send tok4
	check_maildir tok4
}
smtplib_maildir_cleanup()
{
	inst_cleanup
}

atf_test_case helo_syntax cleanup
helo_syntax_head()
{
	atf_set descr "HELO/EHLO: what could forge Received: structure gets" \
	    "501 5.5.4 and the session goes on; sloppy names pass"
}
helo_syntax_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO evil.example(forged)
< 501 5.5.4
> EHLO a;by=evil.example
< 501 5.5.4
> HELO "quoted"
< 501 5.5.4
>> b"EHLO h\\xc3\\xa9.example\\r\\n"
< 501 5.5.4
> EHLO [127.0.0.1)]
< 501 5.5.4
> MAIL FROM:<$ALICE@$DOM>
< 503
> EHLO sloppy_host-1.example.
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> DATA
< 354
> Subject: helo
>
> body
> .
< 250
> QUIT
< 221
EOF
	maildir_one $BOB; _f=$MSG
	assert_grep '^Received: from sloppy_host-1\.example\. ' "$_f"
	assert_no_grep 'forged' "$_f"
}
helo_syntax_cleanup()
{
	inst_cleanup
}

atf_test_case utf8_invalid cleanup
utf8_invalid_head()
{
	atf_set descr "SMTPUTF8: malformed UTF-8 in MAIL FROM or RCPT TO is" \
	    "refused with 553 (5.1.7 / 5.1.3); valid UTF-8 passes"
}
utf8_invalid_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
>> b"MAIL FROM:<a\\xc0\\xaf@client.test> SMTPUTF8\\r\\n"
< 553 5.1.7
>> b"MAIL FROM:<a\\xed\\xa0\\x80@client.test> SMTPUTF8\\r\\n"
< 553 5.1.7
>> b"MAIL FROM:<j\\xc3\\xb6rg@client.test> SMTPUTF8\\r\\n"
< 250
>> b"RCPT TO:<$BOB\\xc2\\x85@$DOM>\\r\\n"
< 553 5.1.3
>> b"RCPT TO:<$BOB@$DOM\\xf4\\x90\\x80\\x80>\\r\\n"
< 553 5.1.3
>> b"RCPT TO:<$BOB\\xe2\\x82@$DOM>\\r\\n"
< 553 5.1.3
> RCPT TO:<$BOB@$DOM>
< 250
> QUIT
< 221
EOF
}
utf8_invalid_cleanup()
{
	inst_cleanup
}

atf_test_case mbox_two_messages cleanup
mbox_two_messages_head()
{
	atf_set descr "two messages to one mbox: two From lines, in order"
}
mbox_two_messages_body()
{
	inst_setup
	inst_conf_std mbox
	inst_start
	body_file one
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: test one" \
	    --body "@$T/body"
	wait_mbox $BOB '^last line one$'
	body_file two
	swaks_send $ALICE@$DOM $BOB@$DOM --header "Subject: test two" \
	    --body "@$T/body"
	wait_mbox $BOB '^last line two$'
	[ "$(grep -c '^From ' "$(mbox_of $BOB)")" -eq 2 ] ||
	    atf_fail "expected 2 From lines"
	grep -n '^Subject: test' "$(mbox_of $BOB)" | cut -d' ' -f3 |
	    tr '\n' ' ' | grep -q '^one two $' || atf_fail "wrong order"
}
mbox_two_messages_cleanup()
{
	inst_cleanup
}

atf_test_case pipelining cleanup
pipelining_head()
{
	atf_set descr "a whole transaction in one write: replies in order"
}
pipelining_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	tool pipeline "$PORT" $ALICE@$DOM $BOB@$DOM $ALICE@$DOM piped1 \
	    >"$T/pipe.out" 2>&1 ||
	    { cat "$T/pipe.out" >&2; atf_fail "pipelined session failed"; }
	maildir_one $BOB; _f=$MSG
	assert_grep '^pipelined body piped1' "$_f"
	maildir_one $ALICE; _f=$MSG
	assert_grep '^pipelined body piped1' "$_f"
}
pipelining_cleanup()
{
	inst_cleanup
}

# Bad input: each case checks the reply, that the session goes on, and
# that the daemon still serves a normal transaction afterwards.
good_transaction()
{
	chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> DATA
< 354
> Subject: after $1
>
> still working $1
> .
< 250
> QUIT
< 221
EOF
	maildir_one $BOB; _f=$MSG
	assert_grep "^still working $1" "$_f"
	assert_alive
}

atf_test_case long_line cleanup
long_line_head()
{
	atf_set descr "a 10,000-byte command line: 500 5.5.2, session goes on"
}
long_line_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
>> b"MAIL FROM:<" + b"a" * 10000 + b"@test.example>\r\n"
< 500 5.5.2
> NOOP
< 250
>> b"X" * 10000 + b"\r\n"
< 500 5.5.2
> MAIL FROM:<$ALICE@$DOM>
< 250
> RSET
< 250
> QUIT
< 221
EOF
	good_transaction longline
}
long_line_cleanup()
{
	inst_cleanup
}

atf_test_case max_message_size cleanup
max_message_size_head()
{
	atf_set descr "a message over max-message-size gets 552"
}
max_message_size_body()
{
	inst_setup
	inst_conf <<EOF
smtp max-message-size 100K
action "md" maildir "~/Maildir"
match from local for local action "md"
EOF
	inst_start
	# 3000 lines of 78 bytes: about 240 KB
	chat <<EOF
< 220
> EHLO client.test
<?
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> DATA
< 354
>> b"Subject: big\r\n\r\n" + (b"y" * 76 + b"\r\n") * 3000 + b".\r\n"
< 552
> NOOP
< 250
> MAIL FROM:<$ALICE@$DOM> SIZE=500000
< 552
> QUIT
< 221
EOF
	# EHLO advertises the limit
	chat <<EOF
< 220
> EHLO client.test
< 250
> QUIT
< 221
EOF
	assert_grep '250[- ]SIZE 102400' "$T/chat.out"
	[ "$(count_files "$(maildir_new $BOB)")" -eq 0 ] ||
	    atf_fail "the big message was delivered"
	good_transaction size
}
max_message_size_cleanup()
{
	inst_cleanup
}

atf_test_case unknown_user cleanup
unknown_user_head()
{
	atf_set descr "RCPT to an unknown local user: 550 5.1.1"
}
unknown_user_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<no-such-user-xyz@$DOM>
< 550 5.1.1
> RCPT TO:<$BOB@$DOM>
< 250
> RSET
< 250
> QUIT
< 221
EOF
	good_transaction unknown
}
unknown_user_cleanup()
{
	inst_cleanup
}

atf_test_case vrfy cleanup
vrfy_head()
{
	atf_set descr "VRFY: 252 when off; when on, 250 for a user, 550" \
	    "for an unknown one, and RCPT after it still works"
}
vrfy_body()
{
	inst_setup
	inst_conf <<EOF
smtp vrfy
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "md"
EOF
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
> VRFY <$BOB@$DOM>
< 250 2.1.5 <$BOB@$DOM>
> VRFY <no-such-user-xyz@$DOM>
< 550 5.1.1
> VRFY <$ALICE@$DOM>
< 250 2.1.5
> MAIL FROM:<$ALICE@$DOM>
< 250
> VRFY <no-such-user-xyz@$DOM>
< 550
> RCPT TO:<$BOB@$DOM>
< 250
> RSET
< 250
> QUIT
< 221
EOF
	good_transaction vrfy
	inst_stop
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
> VRFY <$BOB@$DOM>
< 252
> QUIT
< 221
EOF
}
vrfy_cleanup()
{
	inst_cleanup
}

atf_test_case garbage cleanup
garbage_head()
{
	atf_set descr "garbage commands get 500 and the session goes on"
}
garbage_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> XYZZY
< 500
> EHLO client.test
< 250
>> b"\xff\xfe\x80garbage\r\n"
< 500
> MAIL TO:<$BOB@$DOM>
< 5
> RCPT TO:<$BOB@$DOM>
< 503
> DATA
< 503
>> b"\x1b[2J\r\n"
< 500
> NOOP
< 250
> QUIT
< 221
EOF
	good_transaction garbage
}
garbage_cleanup()
{
	inst_cleanup
}

atf_test_case nul_bytes cleanup
nul_bytes_head()
{
	atf_set descr "NUL in a command: 500; NUL in DATA: 554"
}
nul_bytes_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
>> b"NOOP\x00\r\n"
< 500
>> b"MAIL FROM:<a\x00b@test.example>\r\n"
< 500
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> DATA
< 354
>> b"Subject: nul\r\n\r\nbad \x00 byte\r\n.\r\n"
< 554
> NOOP
< 250
> QUIT
< 221
EOF
	[ "$(count_files "$(maildir_new $BOB)")" -eq 0 ] ||
	    atf_fail "the message with a NUL was delivered"
	good_transaction nul
}
nul_bytes_cleanup()
{
	inst_cleanup
}

atf_test_case bare_lf cleanup
bare_lf_head()
{
	atf_set descr "bare LF in DATA: 550 5.6.11; LF.LF does not end DATA"
}
bare_lf_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	# If "\n.\n" ended the data, NOOP would get a reply of its own and
	# the reply to QUIT would not be the one after 550.
	chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> DATA
< 354
>> b"Subject: lf\r\n\r\nbare\nlf\n.\nNOOP\r\nmore\r\n.\r\n"
< 550 5.6.11
> QUIT
< 221
EOF
	[ "$(count_files "$(maildir_new $BOB)")" -eq 0 ] ||
	    atf_fail "the message with bare LFs was delivered"
	good_transaction barelf
}
bare_lf_cleanup()
{
	inst_cleanup
}

atf_test_case max_rcpt cleanup
max_rcpt_head()
{
	atf_set descr "too many recipients: 452, the accepted ones delivered"
}
max_rcpt_body()
{
	inst_setup
	inst_conf <<EOF
smtp limit max-rcpt 2
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "md"
EOF
	inst_start
	chat <<EOF
< 220
> EHLO client.test
< 250
> MAIL FROM:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 250
> RCPT TO:<$ALICE@$DOM>
< 250
> RCPT TO:<$BOB@$DOM>
< 452
> DATA
< 354
> Subject: rcpt limit
>
> two recipients only
> .
< 250
> QUIT
< 221
EOF
	maildir_one $BOB; _f=$MSG
	assert_grep '^two recipients only' "$_f"
	maildir_one $ALICE; _f=$MSG
	assert_grep '^two recipients only' "$_f"
	assert_alive
}
max_rcpt_cleanup()
{
	inst_cleanup
}

atf_test_case duplicate_rcpt cleanup
duplicate_rcpt_head()
{
	atf_set descr "one message to the same mailbox named 3 times: 1 copy"
}
duplicate_rcpt_body()
{
	inst_setup
	inst_conf_std md
	inst_start
	_up=$(echo "$BOB" | tr '[:lower:]' '[:upper:]')
	swaks_send $ALICE@$DOM "$BOB@$DOM,$BOB@$DOM,$_up@$DOM" \
	    --header "Subject: dup" --body "dup"
	wait_queue_empty || atf_fail "queue not empty"
	maildir_one $BOB
}
duplicate_rcpt_cleanup()
{
	inst_cleanup
}

atf_test_case reply_backpressure cleanup
reply_backpressure_head()
{
	atf_set descr "a pipelining client that does not read its replies" \
	    "does not make smtp buffer them without bound"
}
reply_backpressure_body()
{
	inst_setup
	inst_conf <<EOF
smtp limit max-commands 100000
action "md" maildir "~/Maildir" alias <aliases>
match from local for local action "md"
EOF
	inst_start
	_spid=$(child_pid smtp)
	[ -n "$_spid" ] || atf_fail "no smtp process"
	# up to 40,000 EHLO into a 4 KB receive window, sent without reading
	# the replies until the server stops reading; its memory must not
	# follow (before back-pressure: +4 MB and a reset), then every reply
	# must come.
	python3 - "$PORT" "$_spid" >"$T/bp.out" 2>&1 <<'PY' ||
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def rss():
    for l in open('/proc/%s/status' % pid):
        if l.startswith('VmRSS:'):
            return int(l.split()[1])
before = rss()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(('127.0.0.1', port))
line = b'EHLO ' + b'a' * 200 + b'.example\r\n'
data = line * 40000
s.setblocking(False)
sent, stalls = 0, 0
deadline = time.time() + 20
while sent < len(data) and stalls < 10 and time.time() < deadline:
    try:
        sent += s.send(data[sent:sent + 65536])
        stalls = 0
    except BlockingIOError:
        stalls += 1
        time.sleep(0.1)
    except OSError:
        break
time.sleep(0.5)
grown = rss() - before
s.setblocking(True)
s.settimeout(30)
want = sent // len(line)
got = b''
try:
    while got.count(b'250 HELP') < want:
        d = s.recv(65536)
        if not d:
            break
        got += d
except OSError:
    pass
print('sent=%d cmds=%d grown=%d KB replies=%d' % (sent, want, grown,
    got.count(b'250 HELP')))
sys.exit(0 if grown < 1024 and got.count(b'250 HELP') == want else 1)
PY
	    { cat "$T/bp.out" >&2; atf_fail "smtp buffered without bound"; }
	assert_alive
}
reply_backpressure_cleanup()
{
	inst_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case reply_backpressure
	atf_add_test_case duplicate_rcpt
	atf_add_test_case swaks_mbox
	atf_add_test_case swaks_maildir
	atf_add_test_case smtplib_mbox
	atf_add_test_case smtplib_maildir
	atf_add_test_case mbox_two_messages
	atf_add_test_case helo_syntax
	atf_add_test_case utf8_invalid
	atf_add_test_case pipelining
	atf_add_test_case long_line
	atf_add_test_case max_message_size
	atf_add_test_case unknown_user
	atf_add_test_case vrfy
	atf_add_test_case garbage
	atf_add_test_case nul_bytes
	atf_add_test_case bare_lf
	atf_add_test_case max_rcpt
}
