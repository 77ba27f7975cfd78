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

# imapd's message commands on the real store and session: one PREAUTH
# session on stdin and stdout ("imapd -s ROOT", or the imapd_stdio helper
# until imapd/main.c has -s) driven by imapmsgcmd.py over a small corpus
# delivered into a fresh Maildir as smtpd does: FETCH of every item,
# partials and \Seen, a FETCH 1:* BODY[] of 5 MB streamed whole, STORE
# with UNCHANGEDSINCE and the flags in the file names, SEARCH keys with
# ESEARCH and SAVE, SORT by each criterion and THREAD, COPY and MOVE with
# COPYUID, EXPUNGE and VANISHED.

. "$(atf_get_srcdir)/lib.sh"

# "imapd -s" when imapd/main.c is there, else the helper
if [ -z "${IMAPD_S:-}" ]; then
	if [ -x "$TOP/build/imapd" ]; then
		IMAPD_S="$TOP/build/imapd -s"
	else
		IMAPD_S=$TOP/build/imapd_stdio
	fi
fi

run_msgcmd()
{
	[ -x "${IMAPD_S%% *}" ] || atf_fail "$IMAPD_S not built"
	mkdir -p Maildir
	# shellcheck disable=SC2086 # IMAPD_S may carry arguments
	if ! timeout 120 python3 "$(atf_get_srcdir)/imapmsgcmd.py" "$1" \
	    $IMAPD_S -- "$(pwd)/Maildir" 2>err; then
		cat err >&2
		tail -20 imapd.stderr >&2 2>/dev/null
		atf_fail "scenario $1 failed: $(tail -3 err)"
	fi
	cat err >&2
}

atf_test_case fetch
fetch_head()
{
	atf_set descr "FETCH: sizes, BODY[] and partials, HEADER.FIELDS, MIME, BINARY, ENVELOPE, BODYSTRUCTURE, \\Seen by BODY[] only"
}
fetch_body()
{
	run_msgcmd fetch
}

atf_test_case stream
stream_head()
{
	atf_set descr "FETCH 1:* BODY[] of 250 messages (5 MB) arrives whole and in order"
}
stream_body()
{
	run_msgcmd stream
}

atf_test_case store
store_head()
{
	atf_set descr "STORE FLAGS/+FLAGS/-FLAGS[.SILENT], keywords, UNCHANGEDSINCE and MODIFIED, flags in file names, EXAMINE refuses"
}
store_body()
{
	run_msgcmd store
}

atf_test_case search
search_head()
{
	atf_set descr "SEARCH keys (flags, dates, headers, text, OR/NOT, UID, MODSEQ), ESEARCH, SAVE and \$"
}
search_body()
{
	run_msgcmd search
}

atf_test_case sort
sort_head()
{
	atf_set descr "SORT by each criterion and REVERSE, ESORT, THREAD REFERENCES and ORDEREDSUBJECT"
}
sort_body()
{
	run_msgcmd sort
}

atf_test_case copy
copy_head()
{
	atf_set descr "COPY and MOVE with COPYUID, TRYCREATE, EXPUNGE and VANISHED"
}
copy_body()
{
	run_msgcmd copy
}

atf_init_test_cases()
{
	atf_add_test_case fetch
	atf_add_test_case stream
	atf_add_test_case store
	atf_add_test_case search
	atf_add_test_case sort
	atf_add_test_case copy
}
