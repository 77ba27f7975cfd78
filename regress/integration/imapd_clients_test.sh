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

# imapd with real clients on loopback, over STARTTLS ($P143) and implicit
# TLS ($P993), with a self-signed certificate for 127.0.0.1 made here:
# mbsync (isync) syncing both ways, curl imap:// and imaps:// (LIST, a
# search, a FETCH), python3 imaplib (SELECT/FETCH/STORE/SEARCH/APPEND/
# MOVE/IDLE, regress/integration/imaptool.py), neomutt driven through
# tmux, and end to end: swaks submits to smtpd on the submission port with
# AUTH, an imaplib client IDLEing on INBOX is told and sees the message
# unseen and \Recent.  Every case skips while build/imapd is not built.
# CARTERO_TEST_IMAPD names another server taking imapd's command line, e.g.
# imapd_dovecot.sh (Debian's dovecot) to check the tests themselves.

. "$(atf_get_srcdir)/lib.sh"

IMAPD=${CARTERO_TEST_IMAPD:-$TOP/build/imapd}
IMAPTOOL=$(atf_get_srcdir)/imaptool.py
PW='Imap Horse 7'

# imap_setup: an instance directory (inst_setup: users, lock), a
# certificate, alice in a credentials table, the imapd configuration; the
# ports are $P143 (STARTTLS) and $P993 (imaps).
imap_setup()
{
	[ -x "$IMAPD" ] || atf_skip "$IMAPD is not built"
	inst_setup
	C=$T/certs
	mkdir -p "$C"
	openssl req -x509 -nodes -newkey rsa:2048 -sha256 -days 2 \
	    -subj /CN=localhost \
	    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	    -keyout "$C/imap.key" -out "$C/imap.crt" >"$T/openssl.out" 2>&1 ||
	    { cat "$T/openssl.out" >&2; atf_fail "openssl req"; }
	chmod 644 "$C/imap.crt"
	printf '%s:%s\n' "$ALICE" "$("$SMTPCTL" encrypt "$PW")" >"$T/creds"
	chmod 644 "$T/creds"
	P143=$(inst_free_port)
	P993=$(inst_free_port)
	mkdir -p "$T/irun"
	cat >"$T/imapd.conf" <<EOF
pki default cert "$C/imap.crt" key "$C/imap.key"
table creds file:$T/creds
listen on 127.0.0.1 port $P143 tls pki default
listen on 127.0.0.1 port $P993 imaps pki default
auth <creds>
maildir "~/Maildir"
rundir "$T/irun"
EOF
	ALICE_MD=$(home_of "$ALICE")/Maildir
}

# imap_start: check the configuration (imapd -n), start imapd -d in its
# own process group, wait for both ports.
imap_start()
{
	CARTERO_RUNDIR=$T/irun "$IMAPD" -n -f "$T/imapd.conf" \
	    >"$T/imapd.check" 2>&1 ||
	    { cat "$T/imapd.check" >&2; atf_fail "imapd -n failed"; }
	CARTERO_RUNDIR=$T/irun setsid "$IMAPD" -d -f "$T/imapd.conf" \
	    >>"$T/imapd.log" 2>&1 9>&- &
	IPID=$!
	echo "$IPID" >"$T/imapd.pid"
	_n=$((WAIT * 10))
	until port_open "$P143" && port_open "$P993"; do
		if ! alive "$IPID"; then
			cat "$T/imapd.log" >&2
			atf_fail "imapd exited at start-up"
		fi
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] ||
		    { cat "$T/imapd.log" >&2; atf_fail "imapd did not start"; }
		sleep 0.1
	done
}

# The cleanup part: imapd's process group, a tmux server, then smtpd and
# the instance directory (inst_cleanup).
imap_cleanup()
{
	if [ -f "$INST_REF" ]; then
		_t=$(cat "$INST_REF")
		case "$_t" in
		/tmp/cartero-t.*)
			if [ -f "$_t/imapd.pid" ]; then
				_p=$(cat "$_t/imapd.pid")
				kill -TERM -- "-$_p" 2>/dev/null
				sleep 0.5
				kill -9 -- "-$_p" 2>/dev/null
			fi
			[ -S "$_t/tmux.sock" ] &&
			    tmux -S "$_t/tmux.sock" kill-server 2>/dev/null
			[ -f "$_t/idle.pid" ] &&
			    kill "$(cat "$_t/idle.pid")" 2>/dev/null
			;;
		esac
	fi
	inst_cleanup
}

# imap_failed MSG: the imapd log, then fail
imap_failed()
{
	echo "==== imapd log ====" >&2
	tail -n 100 "$T/imapd.log" >&2
	atf_fail "$1"
}

# put_msg MAILDIR NAME SUBJECT: a message in MAILDIR/new as smtpd delivers
# it (tmp/ then rename), owned by alice.
put_msg()
{
	mkdir -p "$1/tmp" "$1/new" "$1/cur"
	{
		printf 'From: <bob@%s>\r\nTo: <%s@%s>\r\n' "$DOM" "$ALICE" "$DOM"
		printf 'Subject: %s\r\nMessage-ID: <%s@%s>\r\n' "$3" "$2" "$DOM"
		printf '\r\nbody of %s\r\n' "$3"
	} >"$1/tmp/$2"
	mv "$1/tmp/$2" "$1/new/$2"
	chown -R "$ALICE:" "$1"
}

idle_ready() { [ -f "$T/idle.ready" ] || ! alive "$1"; }
has_one() { [ "$(md_count "$1")" -ge 1 ]; }

# same_as_a_file FILE MAILDIR: FILE has the bytes of a message in MAILDIR
same_as_a_file()
{
	for _f in "$2"/cur/* "$2"/new/*; do
		[ -f "$_f" ] && cmp -s "$1" "$_f" && return 0
	done
	return 1
}

# has_seen MAILDIR: a file in MAILDIR/cur has the S flag
has_seen()
{
	for _f in "$1"/cur/*:2,*S*; do
		[ -f "$_f" ] && return 0
	done
	return 1
}

# md_count DIR: messages in DIR/cur and DIR/new
md_count()
{
	echo $(($(count_files "$1/cur") + $(count_files "$1/new")))
}

#
# mbsync
#

# mbsync_both SSLTYPE PORT: sync a server INBOX of 2 messages to an empty
# local Maildir, then a local message, flags and a deletion back.
mbsync_both()
{
	put_msg "$ALICE_MD" 1.a.test first
	put_msg "$ALICE_MD" 2.b.test second
	L=$T/local
	mkdir -p "$L"
	cat >"$T/mbsyncrc" <<EOF
IMAPAccount alice
Host localhost
Port $2
User $ALICE
Pass "$PW"
AuthMechs LOGIN PLAIN
SSLType $1
CertificateFile $C/imap.crt
SystemCertificates no

IMAPStore far
Account alice

MaildirStore near
Path $L/
Inbox $L/INBOX

Channel inbox
Far :far:INBOX
Near :near:INBOX
Create Both
Expunge Both
SyncState *
EOF
	timeout 60 mbsync -c "$T/mbsyncrc" -V inbox >"$T/mbsync1.out" 2>&1 ||
	    { cat "$T/mbsync1.out" >&2; imap_failed "mbsync (1) failed"; }
	[ "$(md_count "$L/INBOX")" -eq 2 ] ||
	    { cat "$T/mbsync1.out" >&2;
	      imap_failed "mbsync fetched $(md_count "$L/INBOX") messages"; }
	grep -rq '^Subject: second' "$L/INBOX" ||
	    imap_failed "the local copy has no 'second'"
	# back: a new local message, "first" flagged locally, seen
	put_msg "$L/INBOX" 3.local.test fromlocal
	_f=$(grep -rl '^Subject: first' "$L/INBOX/cur" "$L/INBOX/new" |
	    head -n 1)
	[ -n "$_f" ] || imap_failed "no local 'first'"
	mv "$_f" "$L/INBOX/cur/$(basename "$_f" | sed 's/:2,.*//'):2,FS"
	timeout 60 mbsync -c "$T/mbsyncrc" -V inbox >"$T/mbsync2.out" 2>&1 ||
	    { cat "$T/mbsync2.out" >&2; imap_failed "mbsync (2) failed"; }
	[ "$(md_count "$ALICE_MD")" -eq 3 ] ||
	    { cat "$T/mbsync2.out" >&2; ls -lR "$ALICE_MD" >&2;
	      imap_failed "the server has $(md_count "$ALICE_MD") messages"; }
	grep -rlq '^Subject: fromlocal' "$ALICE_MD/cur" "$ALICE_MD/new" ||
	    imap_failed "the local message did not reach the server"
	_s=$(grep -rl '^Subject: first' "$ALICE_MD/cur" "$ALICE_MD/new")
	case "$_s" in
	*:2,*F*S*) ;;
	*) ls -lR "$ALICE_MD" >&2
	   imap_failed "the server's 'first' is not FS: $_s" ;;
	esac
	# a deletion on the local side is expunged on the server
	_f=$(grep -rl '^Subject: second' "$L/INBOX/cur" "$L/INBOX/new")
	[ -n "$_f" ] || imap_failed "no local 'second'"
	rm -f "$_f"
	timeout 60 mbsync -c "$T/mbsyncrc" -V inbox >"$T/mbsync3.out" 2>&1 ||
	    { cat "$T/mbsync3.out" >&2; imap_failed "mbsync (3) failed"; }
	[ "$(md_count "$ALICE_MD")" -eq 2 ] ||
	    { cat "$T/mbsync3.out" >&2; ls -lR "$ALICE_MD" >&2;
	      imap_failed "the server has $(md_count "$ALICE_MD") messages"; }
	! grep -rq '^Subject: second' "$ALICE_MD/cur" "$ALICE_MD/new" ||
	    imap_failed "the local deletion did not reach the server"
}

atf_test_case mbsync_starttls cleanup
mbsync_starttls_head()
{
	atf_set "descr" "mbsync syncs INBOX both ways over STARTTLS"
	atf_set "require.progs" "mbsync openssl"
}
mbsync_starttls_body()
{
	imap_setup
	imap_start
	mbsync_both STARTTLS "$P143"
}
mbsync_starttls_cleanup() { imap_cleanup; }

atf_test_case mbsync_imaps cleanup
mbsync_imaps_head()
{
	atf_set "descr" "mbsync syncs INBOX both ways over implicit TLS"
	atf_set "require.progs" "mbsync openssl"
}
mbsync_imaps_body()
{
	imap_setup
	imap_start
	mbsync_both IMAPS "$P993"
}
mbsync_imaps_cleanup() { imap_cleanup; }

#
# curl
#

# curl_imap URL OUT [options]: fails the test when curl does
curl_imap()
{
	_u=$1 _o=$2
	shift 2
	timeout 30 curl -sS --cacert "$C/imap.crt" --user "$ALICE:$PW" \
	    "$@" --url "$_u" >"$_o" 2>"$_o.err" ||
	    { cat "$_o" "$_o.err" >&2; imap_failed "curl $_u failed"; }
}

atf_test_case curl cleanup
curl_head()
{
	atf_set "descr" "curl lists and fetches over imap:// (STARTTLS)" \
	    "and imaps://"
	atf_set "require.progs" "curl openssl"
}
curl_body()
{
	imap_setup
	put_msg "$ALICE_MD" 1.a.test first
	put_msg "$ALICE_MD" 2.b.test "second one"
	imap_start
	for _s in "imap://127.0.0.1:$P143 --ssl-reqd" \
	    "imaps://127.0.0.1:$P993"; do
		# shellcheck disable=SC2086 # the URL and options
		set -- $_s
		_b=$1
		shift
		curl_imap "$_b/" "$T/list" "$@"
		assert_grep '^\* LIST .*INBOX' "$T/list"
		curl_imap "$_b/INBOX?SUBJECT%20second" "$T/search" "$@"
		assert_grep '^\* SEARCH [0-9]+' "$T/search"
		_n=$(sed -n 's/^\* SEARCH \([0-9]*\).*/\1/p' "$T/search" |
		    tr -d '\r')
		curl_imap "$_b/INBOX/;MAILINDEX=$_n" "$T/msg" "$@"
		assert_grep '^Subject: second one' "$T/msg"
		assert_grep '^body of second one' "$T/msg"
		# by UID, insecure (-k) on the self-signed certificate: the
		# same bytes as one of the two files
		curl_imap "$_b/INBOX/;UID=1" "$T/msg1" -k "$@"
		assert_grep '^Message-ID: <[12].[ab].test@' "$T/msg1"
		same_as_a_file "$T/msg1" "$ALICE_MD" ||
		    imap_failed "curl: UID 1 is not the bytes of a message file"
	done
}
curl_cleanup() { imap_cleanup; }

#
# python3 imaplib
#

atf_test_case imaplib cleanup
imaplib_head()
{
	atf_set "descr" "python3 imaplib: SELECT FETCH STORE SEARCH APPEND" \
	    "MOVE IDLE over STARTTLS, checked against the Maildir"
	atf_set "require.progs" "python3 openssl"
}
imaplib_body()
{
	imap_setup
	put_msg "$ALICE_MD" 1.a.test first
	put_msg "$ALICE_MD" 2.b.test second
	imap_start
	timeout 120 python3 "$IMAPTOOL" session "$P143" "$ALICE" "$PW" \
	    "$C/imap.crt" "$ALICE_MD" >"$T/imaplib.out" 2>&1 ||
	    { cat "$T/imaplib.out" >&2; imap_failed "imaplib session"; }
}
imaplib_cleanup() { imap_cleanup; }

#
# neomutt through tmux
#

atf_test_case neomutt cleanup
neomutt_head()
{
	atf_set "descr" "neomutt, driven through tmux, opens INBOX over" \
	    "imaps and shows the subjects"
	atf_set "require.progs" "neomutt tmux openssl"
}
neomutt_body()
{
	imap_setup
	put_msg "$ALICE_MD" 1.a.test "hello from cartero"
	put_msg "$ALICE_MD" 2.b.test "another subject"
	imap_start
	mkdir -p "$T/mutthome"
	cat >"$T/muttrc" <<EOF
set folder="imaps://$ALICE@127.0.0.1:$P993/"
set spoolfile="+INBOX"
set imap_user="$ALICE"
set imap_pass="$PW"
set certificate_file="$T/mutt_certs"
set ssl_verify_host=yes
set imap_check_subscribed=no
set imap_passive=yes
set header_cache=""
set message_cachedir=""
set mail_check=1
set timeout=2
set sort=date
set confirmappend=no
set move=no
set quit=yes
set delete=yes
set index_format="%4C %Z %-15.15L %s"
EOF
	cp "$C/imap.crt" "$T/mutt_certs"
	tmux -S "$T/tmux.sock" new-session -d -s mutt -x 160 -y 40 \
	    "env HOME=$T/mutthome TERM=xterm neomutt -n -F $T/muttrc" ||
	    atf_fail "tmux new-session"
	_n=$((WAIT * 10))
	until tmux -S "$T/tmux.sock" capture-pane -p -t mutt \
	    >"$T/screen" 2>/dev/null &&
	    grep -q 'another subject' "$T/screen" &&
	    grep -q 'hello from cartero' "$T/screen"; do
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			cat "$T/screen" >&2
			imap_failed "neomutt did not show INBOX"
		fi
		sleep 0.1
	done
	# open the first message: its body on the screen
	tmux -S "$T/tmux.sock" send-keys -t mutt Enter
	_n=$((WAIT * 10))
	until tmux -S "$T/tmux.sock" capture-pane -p -t mutt \
	    >"$T/screen" 2>/dev/null &&
	    grep -q 'body of' "$T/screen"; do
		_n=$((_n - 1))
		if [ "$_n" -le 0 ]; then
			cat "$T/screen" >&2
			imap_failed "neomutt did not show the message"
		fi
		sleep 0.1
	done
	tmux -S "$T/tmux.sock" send-keys -t mutt q q
	sleep 0.5
	tmux -S "$T/tmux.sock" kill-server 2>/dev/null
	# reading it in neomutt marked it \Seen on the server
	_n=$((WAIT * 10))
	until has_seen "$ALICE_MD"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { ls -lR "$ALICE_MD" >&2;
		    imap_failed "no message became Seen"; }
		sleep 0.1
	done
}
neomutt_cleanup() { imap_cleanup; }

#
# end to end: swaks -> smtpd (587, AUTH) -> Maildir -> imapd IDLE
#

atf_test_case smtpd_idle cleanup
smtpd_idle_head()
{
	atf_set "descr" "swaks submits on the submission port with AUTH to" \
	    "smtpd; an imaplib client IDLEing on INBOX is told and sees" \
	    "the message unseen and \\Recent"
	atf_set "require.progs" "swaks python3 openssl"
}
smtpd_idle_body()
{
	imap_setup
	P587=$(inst_free_port)
	inst_conf <<EOF
pki mx.test cert "$C/imap.crt"
pki mx.test key "$C/imap.key"
table creds file:$T/creds
listen on 127.0.0.1 port $P587 tls-require pki mx.test auth <creds>
action "md" maildir "~/Maildir" alias <aliases>
match from any for local action "md"
EOF
	inst_start
	# an empty INBOX to start with
	mkdir -p "$ALICE_MD/cur" "$ALICE_MD/new" "$ALICE_MD/tmp"
	chown -R "$ALICE:" "$ALICE_MD"
	imap_start
	setsid python3 "$IMAPTOOL" idlewait "$P993" "$ALICE" "$PW" \
	    "$C/imap.crt" "$T/idle.ready" "through smtpd" \
	    >"$T/idle.out" 2>&1 9>&- &
	_ip=$!
	echo "$_ip" >"$T/idle.pid"
	poll_until "$WAIT" idle_ready "$_ip"
	[ -f "$T/idle.ready" ] ||
	    { cat "$T/idle.out" >&2; imap_failed "the IDLE client is not idling"; }
	PORT=$P587 swaks_send "$ALICE@$DOM" "$ALICE@$DOM" --tls \
	    --auth PLAIN --auth-user "$ALICE" --auth-password "$PW" \
	    --header "Subject: through smtpd"
	# delivered (imapd may already have moved it from new/ to cur/)
	poll_until "$WAIT" has_one "$ALICE_MD" ||
	    imap_failed "smtpd did not deliver into $ALICE_MD"
	# the client exits by itself (its waits are bounded)
	_n=$((WAIT * 2 * 10 + 100))
	while alive "$_ip"; do
		_n=$((_n - 1))
		[ "$_n" -gt 0 ] || { kill "$_ip"; cat "$T/idle.out" >&2;
		    imap_failed "the IDLE client did not finish"; }
		sleep 0.1
	done
	wait "$_ip" ||
	    { cat "$T/idle.out" >&2; imap_failed "the IDLE client failed"; }
	assert_grep '^flags .*\\Recent' "$T/idle.out"
}
smtpd_idle_cleanup() { imap_cleanup; }

atf_init_test_cases()
{
	atf_add_test_case mbsync_starttls
	atf_add_test_case mbsync_imaps
	atf_add_test_case curl
	atf_add_test_case imaplib
	atf_add_test_case neomutt
	atf_add_test_case smtpd_idle
}
