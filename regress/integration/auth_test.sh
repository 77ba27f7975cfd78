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

# AUTH PLAIN and LOGIN (RFC 4954) on the enqueue socket listener
# ("listen on socket auth <creds>": no TLS needed there), driven with
# real clients (swaks --socket, python3 smtplib over an AF_UNIX socket)
# and scripted dialogues: success, failures (535), cancel, the 5xx
# refusals, the delays and the per-client refusal after repeated
# failures, system users, and that no password (nor its base64) reaches
# the log even at -v.

. "$(atf_get_srcdir)/lib.sh"

PW_ALICE='Open Sesame 1'
PW_BOB='b0b-pw'
WRONG='not-the-password'

b64() { printf '%b' "$1" | base64 -w0; }

# The instance, with the credentials table $T/creds (alice and bob;
# "user:hash" and "user hash" lines, a comment, a blank line).
auth_setup()
{
	inst_setup
	_ha=$(printf '%s\n' "$PW_ALICE" | "$SMTPCTL" encrypt) ||
	    atf_fail "smtpctl encrypt failed"
	_hb=$("$SMTPCTL" encrypt "$PW_BOB") || atf_fail "smtpctl encrypt"
	{
		echo "# test users"
		echo "$ALICE:$_ha"
		echo
		echo "$BOB $_hb"
	} >"$T/creds"
	chmod 644 "$T/creds"
	SOCK=$T/run/smtpd.sock
	inst_conf <<EOF
table creds file:$T/creds
listen on socket ${1:-auth} <creds>
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
match from local for local action "mbox"
EOF
	inst_start
}

# chat on the socket
schat()
{
	python3 "$TOOL" chat "$SOCK" >"$T/chat.out" 2>&1 ||
	    { cat "$T/chat.out" >&2; atf_fail "SMTP dialogue failed"; }
}

# No password in the log, in clear or base64 (whole or as LOGIN sends it).
assert_no_secret()
{
	for _p in "$PW_ALICE" "$PW_BOB" "$WRONG"; do
		for _s in "$_p" "$(b64 "$_p")" \
		    "$(b64 "\\0$ALICE\\0$_p")" "$(b64 "\\0$BOB\\0$_p")"; do
			! grep -qF -- "$_s" "$T/log" ||
			    atf_fail "the log holds a password: $_s"
		done
	done
}

atf_test_case plain_login cleanup
plain_login_head()
{
	atf_set descr "AUTH PLAIN and LOGIN succeed; MAIL needs AUTH first"
}
plain_login_body()
{
	auth_setup
	_plain=$(b64 "\\0$ALICE\\0$PW_ALICE")
	_login_u=$(b64 "$BOB")
	_login_p=$(b64 "$PW_BOB")
	schat <<EOF
<220
> HELO client.example
<250
> AUTH PLAIN $_plain
<503 5.5.1
> EHLO client.example
<250
> MAIL FROM:<$ALICE@$DOM>
<530 5.7.0 Authentication required
> AUTH PLAIN
<334
> $_plain
<235 2.7.0 Authentication successful
> AUTH PLAIN $_plain
<503 5.5.1 Already authenticated
> RSET
<250
> MAIL FROM:<$ALICE@$DOM>
<250
> AUTH LOGIN
<503 5.5.1
> RCPT TO:<$BOB@$DOM>
<250
> DATA
<354
> Subject: after auth plain
>
> body
> .
<250
> QUIT
<221
EOF
	grep -q '250-AUTH PLAIN LOGIN' "$T/chat.out" ||
	    atf_fail "EHLO does not offer AUTH PLAIN LOGIN"
	wait_mbox $BOB '^Subject: after auth plain$'
	schat <<EOF
<220
> EHLO client.example
<250
> AUTH LOGIN
<334 VXNlcm5hbWU6
> $_login_u
<334 UGFzc3dvcmQ6
> $_login_p
<235
> QUIT
<221
EOF
	schat <<EOF
<220
> EHLO client.example
<250
> AUTH login $_login_u
<334 UGFzc3dvcmQ6
> $_login_p
<235
> QUIT
<221
EOF
	wait_log_count "smtp authenticated address=local user=\"$ALICE\" mechanism=PLAIN" 1
	wait_log_count "smtp authenticated address=local user=\"$BOB\" mechanism=LOGIN" 2
	assert_no_grep 'command="AUTH PLAIN [^"]' "$T/log"
	assert_no_secret
}
plain_login_cleanup()
{
	inst_cleanup
}

atf_test_case clients cleanup
clients_head()
{
	atf_set descr "swaks --socket and python3 smtplib authenticate and send"
}
clients_body()
{
	auth_setup
	for _m in PLAIN LOGIN; do
		swaks --socket "$SOCK" --auth "$_m" --auth-user "$ALICE" \
		    --auth-password "$PW_ALICE" --from "$ALICE@$DOM" \
		    --to "$BOB@$DOM" --header "Subject: swaks $_m" \
		    >"$T/swaks.out" 2>&1 ||
		    { cat "$T/swaks.out" >&2; atf_fail "swaks $_m failed"; }
		wait_mbox $BOB "^Subject: swaks $_m\$"
	done
	for _m in PLAIN LOGIN; do
		python3 - "$SOCK" "$_m" "$BOB" "$PW_BOB" "$DOM" \
		    >"$T/py.out" 2>&1 <<'EOF' ||
import smtplib, socket, sys
path, mech, user, pw, dom = sys.argv[1:]
s = smtplib.SMTP()
s.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.sock.settimeout(30)
s.sock.connect(path)
s.file = None
code, _ = s.getreply()
assert code == 220, code
s.ehlo("client.example")
assert s.has_extn("auth") and "PLAIN" in s.esmtp_features["auth"]
s.user, s.password = user, pw
if mech == "PLAIN":
    code, _ = s.auth("PLAIN", s.auth_plain)
else:
    code, _ = s.auth("LOGIN", s.auth_login, initial_response_ok=False)
assert code == 235, code
s.sendmail("%s@%s" % (user, dom), ["%s@%s" % (user, dom)],
           "Subject: smtplib %s\r\n\r\nbody\r\n" % mech)
s.quit()
EOF
		    { cat "$T/py.out" >&2; atf_fail "smtplib $_m failed"; }
		wait_mbox $BOB "^Subject: smtplib $_m\$"
	done
	# a wrong password through a real client
	! swaks --socket "$SOCK" --auth PLAIN --auth-user "$ALICE" \
	    --auth-password "$WRONG" --from "$ALICE@$DOM" --to "$BOB@$DOM" \
	    >"$T/swaks.out" 2>&1 || atf_fail "swaks with a wrong password sent"
	grep -q '535 5.7.8' "$T/swaks.out" ||
	    { cat "$T/swaks.out" >&2; atf_fail "no 535 for a wrong password"; }
	assert_no_secret
}
clients_cleanup()
{
	inst_cleanup
}

atf_test_case failures cleanup
failures_head()
{
	atf_set descr "wrong credentials get 535 and are logged without the password; cancel, bad base64, unknown mechanism; three failures end the session"
}
failures_body()
{
	auth_setup
	_wrong=$(b64 "\\0$ALICE\\0$WRONG")
	_nouser=$(b64 "\\0nosuchuser\\0$PW_ALICE")
	schat <<EOF
<220
> EHLO client.example
<250
> AUTH PLAIN $_wrong
<535 5.7.8 Authentication credentials invalid
> AUTH PLAIN
<334
> *
<501 5.7.0
> AUTH LOGIN
<334 VXNlcm5hbWU6
> *
<501 5.7.0
> AUTH PLAIN not!base64
<501 5.5.2
> AUTH CRAM-MD5
<504 5.5.4
> AUTH
<501
> AUTH PLAIN $_nouser
<535 5.7.8
> MAIL FROM:<$ALICE@$DOM>
<530 5.7.0
> AUTH LOGIN $(b64 "$ALICE")
<334 UGFzc3dvcmQ6
> $(b64 "$WRONG")
<535 5.7.8
<421 4.7.0
<eof
EOF
	wait_log_count "smtp auth-failed address=local user=\"$ALICE\" mechanism=PLAIN" 1
	wait_log_count "smtp auth-failed address=local user=\"nosuchuser\" mechanism=PLAIN" 1
	wait_log_count "smtp auth-failed address=local user=\"$ALICE\" mechanism=LOGIN" 1
	wait_log_count 'disconnected address=local reason=auth-failures' 1
	# the commands logged are the mechanism, never the credentials
	assert_grep 'failed-command address=local command="AUTH PLAIN" result="501 5.5.2' "$T/log"
	assert_no_grep 'command="AUTH [A-Z-]+ ' "$T/log"
	# a NUL or a garbage verb does not leak the line either
	schat <<EOF
<220
> EHLO client.example
<250
>> b"AUTH\x00PLAIN $_wrong\r\n"
<500
> QUIT
<221
EOF
	assert_no_secret
	assert_alive
}
failures_cleanup()
{
	inst_cleanup
}

atf_test_case refused cleanup
refused_head()
{
	atf_set descr "a client with too many recent failures gets 421 on AUTH"
}
refused_body()
{
	auth_setup
	_wrong=$(b64 "\\0$ALICE\\0$WRONG")
	# four sessions at once, three failures each: ten failures are
	# reached (some AUTH may already be refused)
	_pids=
	for _i in 1 2 3 4; do
		python3 "$TOOL" chat "$SOCK" >"$T/par$_i.out" 2>&1 <<EOF &
<220
> EHLO client.example
<250
> AUTH PLAIN $_wrong
<?
> AUTH PLAIN $_wrong
<?
> AUTH PLAIN $_wrong
<?
EOF
		_pids="$_pids $!"
	done
	# shellcheck disable=SC2086 # a list of pids
	wait $_pids
	wait_log_count 'smtp auth-failed address=local' 10
	_good=$(b64 "\\0$ALICE\\0$PW_ALICE")
	# even the right password is refused now, and the client is cut off
	schat <<EOF
<220
> EHLO client.example
<250
> AUTH PLAIN $_good
<421 4.7.0
<eof
EOF
	wait_log_count 'smtp auth-refused address=local reason=too-many-failures' 1
	assert_no_grep 'smtp authenticated' "$T/log"
	assert_no_secret
}
refused_cleanup()
{
	inst_cleanup
}

atf_test_case optional cleanup
optional_head()
{
	atf_set descr "auth-optional: mail without AUTH, AUTH still works; a listener without auth answers 503"
}
optional_body()
{
	auth_setup auth-optional
	schat <<EOF
<220
> EHLO client.example
<250
> MAIL FROM:<$ALICE@$DOM>
<250
> AUTH PLAIN $(b64 "\\0$ALICE\\0$PW_ALICE")
<503 5.5.1
> RSET
<250
> AUTH PLAIN $(b64 "\\0$ALICE\\0$PW_ALICE")
<235
> QUIT
<221
EOF
	# the TCP listener of this instance has no auth: neither offered nor
	# accepted
	python3 "$TOOL" chat "$PORT" >"$T/chat.out" 2>&1 <<EOF ||
<220
> EHLO client.example
<250
> AUTH PLAIN $(b64 "\\0$ALICE\\0$PW_ALICE")
<503 5.5.1 AUTH not available
> QUIT
<221
EOF
	    { cat "$T/chat.out" >&2; atf_fail "TCP dialogue failed"; }
	! grep -q 'AUTH PLAIN LOGIN' "$T/chat.out" ||
	    atf_fail "AUTH offered on a listener without auth"
	assert_no_secret
}
optional_cleanup()
{
	inst_cleanup
}

SYSUSER=cartero-authsys
SYSPW='sys tem-Pw9'

atf_test_case system_users cleanup
system_users_head()
{
	atf_set descr "auth without a table checks the system's users (shadow) in the parent"
}
system_users_body()
{
	inst_setup
	id "$SYSUSER" >/dev/null 2>&1 ||
	    useradd -M -d /nonexistent -s /usr/sbin/nologin "$SYSUSER" ||
	    atf_fail "cannot create $SYSUSER"
	printf '%s:%s\n' "$SYSUSER" "$SYSPW" | chpasswd ||
	    atf_fail "chpasswd failed"
	SOCK=$T/run/smtpd.sock
	inst_conf <<EOF
listen on socket auth
action "mbox" mbox "$T/mail/%{user.username}" alias <aliases>
match from local for local action "mbox"
EOF
	inst_start
	schat <<EOF
<220
> EHLO client.example
<250
> AUTH PLAIN $(b64 "\\0$SYSUSER\\0wrong")
<535 5.7.8
> AUTH PLAIN $(b64 "\\0root\\0$SYSPW")
<535 5.7.8
> AUTH PLAIN $(b64 "\\0$SYSUSER\\0$SYSPW")
<235
> QUIT
<221
EOF
	wait_log_count "smtp authenticated address=local user=\"$SYSUSER\"" 1
	! grep -qF -- "$SYSPW" "$T/log" || atf_fail "password in the log"
	! grep -qF -- "$(b64 "\\0$SYSUSER\\0$SYSPW")" "$T/log" ||
	    atf_fail "base64 password in the log"
}
system_users_cleanup()
{
	userdel "$SYSUSER" 2>/dev/null
	inst_cleanup
}

atf_test_case encrypt cleanup
encrypt_head()
{
	atf_set descr "smtpctl encrypt prints a yescrypt hash, from stdin or argument"
}
encrypt_body()
{
	_h=$(printf 'pw\n' | "$SMTPCTL" encrypt) || atf_fail "encrypt failed"
	case $_h in
	'$y$'*) ;;
	*) atf_fail "not a yescrypt hash: $_h" ;;
	esac
	_h2=$("$SMTPCTL" encrypt pw) || atf_fail "encrypt pw failed"
	[ "$_h" != "$_h2" ] || atf_fail "the same salt twice"
	python3 -c 'import crypt, sys
sys.exit(0 if crypt.crypt("pw", sys.argv[1]) == sys.argv[1] else 1)' \
	    "$_h" 2>/dev/null || atf_fail "the hash does not verify"
	! printf '\n' | "$SMTPCTL" encrypt >/dev/null 2>&1 ||
	    atf_fail "an empty password was hashed"
	! "$SMTPCTL" encrypt a b >/dev/null 2>&1 ||
	    atf_fail "two arguments accepted"
}
encrypt_cleanup()
{
	:
}

atf_test_case fail2ban_filter
fail2ban_filter_head()
{
	atf_set descr "etc/fail2ban's filter matches AUTH failures and refused commands by address=, and nothing else"
}
fail2ban_filter_body()
{
	command -v fail2ban-regex >/dev/null ||
	    atf_skip "fail2ban-regex not installed (package fail2ban)"
	[ -f /etc/fail2ban/filter.d/common.conf ] ||
	    atf_skip "no /etc/fail2ban/filter.d/common.conf"
	mkdir -p f2b/filter.d
	cp /etc/fail2ban/filter.d/common.conf f2b/filter.d/
	cp "$(atf_get_srcdir)/../../etc/fail2ban/filter.d/cartero.conf" \
	    f2b/filter.d/
	_p='Dec  6 02:20:00 mx smtpd[1234]: 000000008a65099c smtp'
	cat >mail.log <<EOF
$_p auth-failed address=192.0.2.7 user="alice" mechanism=PLAIN
$_p auth-failed address=2001:db8::7 user="a \"q\" b" mechanism=LOGIN
$_p auth-refused address=192.0.2.8 reason=too-many-failures
$_p failed-command address=192.0.2.9 command="RCPT TO:<x@\"y\".org>" result="550 5.1.1 Recipient address rejected"
$_p failed-command address=192.0.2.10 command="MAIL FROM:<a@b>" result="451 4.3.0 Temporary failure, try again later"
$_p auth-failed address=local user="alice" mechanism=PLAIN
$_p authenticated address=192.0.2.11 user="alice" mechanism=PLAIN
$_p connected address=192.0.2.12 host=unknown
EOF
	fail2ban-regex mail.log f2b/filter.d/cartero.conf >f2b.out 2>&1 ||
	    { cat f2b.out >&2; atf_fail "fail2ban-regex failed"; }
	grep -q '^Lines: 8 lines, 0 ignored, 4 matched, 4 missed' f2b.out ||
	    { cat f2b.out >&2; atf_fail "the filter matched the wrong lines"; }
}

atf_init_test_cases()
{
	atf_add_test_case plain_login
	atf_add_test_case clients
	atf_add_test_case failures
	atf_add_test_case refused
	atf_add_test_case optional
	atf_add_test_case system_users
	atf_add_test_case encrypt
	atf_add_test_case fail2ban_filter
}
