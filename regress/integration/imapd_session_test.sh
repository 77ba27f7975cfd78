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

# imapd's session process on its own: one PREAUTH session on stdin and
# stdout ("imapd -s ROOT", or the imapd_stdio helper that calls the same
# session_stdio()) driven by imapsession.py over a fresh Maildir: the
# greeting and CAPABILITY, LIST with the default special-use folders,
# CREATE/RENAME/DELETE/SUBSCRIBE, APPEND (synchronizing literal,
# LITERAL+, MULTIAPPEND, APPENDUID, TRYCREATE), SELECT/EXAMINE, STATUS,
# EXPUNGE and CLOSE, IDLE told of a delivery, ENABLE QRESYNC and SELECT
# (QRESYNC ...) with VANISHED (EARLIER), garbage answered with BAD.

. "$(atf_get_srcdir)/lib.sh"

# the daemon's -s when build/imapd is built; the helper otherwise
if [ -z "${IMAPD_S:-}" ] && [ -x "$TOP/build/imapd" ]; then
	IMAPD_S="$TOP/build/imapd -s"
fi
IMAPD_S=${IMAPD_S:-$TOP/build/imapd_stdio}

run_scenario()
{
	[ -x "${IMAPD_S%% *}" ] || atf_fail "$IMAPD_S not built"
	mkdir -p Maildir
	# shellcheck disable=SC2086 # IMAPD_S may carry arguments
	if ! timeout 120 python3 "$(atf_get_srcdir)/imapsession.py" "$1" \
	    $IMAPD_S -- "$(pwd)/Maildir" 2>err; then
		cat err >&2
		tail -20 imapd.stderr >&2 2>/dev/null
		atf_fail "scenario $1: $(grep -m1 FAIL err | cut -c1-300)"
	fi
	cat err >&2
}

atf_test_case greeting
greeting_head()
{
	atf_set descr "PREAUTH greeting, CAPABILITY, NOOP, ID, NAMESPACE, LOGOUT"
}
greeting_body()
{
	run_scenario greeting
}

atf_test_case list_special_use
list_special_use_head()
{
	atf_set descr "LIST: the default folders with SPECIAL-USE, LIST-EXTENDED, LIST-STATUS"
}
list_special_use_body()
{
	run_scenario list
}

atf_test_case folders
folders_head()
{
	atf_set descr "CREATE, RENAME, DELETE, SUBSCRIBE, LSUB, modified UTF-7"
}
folders_body()
{
	run_scenario folders
}

atf_test_case append
append_head()
{
	atf_set descr "APPEND: literal, LITERAL+, MULTIAPPEND, APPENDUID, TRYCREATE; STATUS, SELECT, EXAMINE"
}
append_body()
{
	run_scenario append
}

atf_test_case expunge
expunge_head()
{
	atf_set descr "EXPUNGE responses, silent CLOSE, the logout log line"
}
expunge_body()
{
	run_scenario expunge
}

atf_test_case idle
idle_head()
{
	atf_set descr "IDLE: a file delivered into new/ is announced; DONE"
}
idle_body()
{
	run_scenario idle
}

atf_test_case qresync
qresync_head()
{
	atf_set descr "ENABLE QRESYNC: VANISHED on EXPUNGE, SELECT (QRESYNC) VANISHED (EARLIER)"
}
qresync_body()
{
	run_scenario qresync
}

atf_test_case garbage
garbage_head()
{
	atf_set descr "malformed commands get BAD and the session lives on"
}
garbage_body()
{
	run_scenario garbage
}

atf_test_case bigfetch
bigfetch_head()
{
	atf_set descr "a FETCH of several MB resumes as the client reads; pipelined commands in order"
}
bigfetch_body()
{
	run_scenario bigfetch
}

atf_test_case rev2
rev2_head()
{
	atf_set descr "ENABLE IMAP4rev2 (no RECENT, UTF-8 names), STATUS SIZE, QUOTA, CREATE USE, RECURSIVEMATCH, UID EXPUNGE"
}
rev2_body()
{
	run_scenario rev2
}

atf_test_case imaplib
imaplib_head()
{
	atf_set descr "python3 imaplib over imapd -s: LIST, APPEND, SELECT, FETCH, STORE, EXPUNGE, STATUS"
}
imaplib_body()
{
	run_scenario imaplib
}

atf_test_case twosessions
twosessions_head()
{
	atf_set descr "two sessions on one folder: flags, EXISTS, EXPUNGE told at the right time"
}
twosessions_body()
{
	run_scenario twosessions
}

atf_init_test_cases()
{
	atf_add_test_case greeting
	atf_add_test_case list_special_use
	atf_add_test_case folders
	atf_add_test_case append
	atf_add_test_case expunge
	atf_add_test_case idle
	atf_add_test_case qresync
	atf_add_test_case garbage
	atf_add_test_case bigfetch
	atf_add_test_case rev2
	atf_add_test_case imaplib
	atf_add_test_case twosessions
}
