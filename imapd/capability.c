/*
 * Copyright (c) 2026 the cartero authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */


/*
 * capability.c -- the CAPABILITY list, before and after authentication.
 * Only what the server implements is listed: the table is the place to
 * look when a command or an extension is added or dropped.
 */

#include <sys/types.h>

#include <stddef.h>

#include "session.h"

/* after authentication, in this order (APPENDLIMIT is added) */
static const char *const capa_auth[] = {
	"IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE",
	"NAMESPACE", "UNSELECT", "UIDPLUS", "MOVE", "IDLE", "CHILDREN",
	"LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "CREATE-SPECIAL-USE",
	"CONDSTORE", "QRESYNC", "ESEARCH", "SEARCHRES", "SORT", "ESORT",
	"THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "BINARY",
	"MULTIAPPEND", "STATUS=SIZE", "QUOTA", "QUOTA=RES-STORAGE",
	"QUOTA=RES-MESSAGE", "UTF8=ACCEPT",
};

/* before: enough for a client to log in and to know what follows */
static const char *const capa_preauth[] = {
	"IMAP4rev1", "IMAP4rev2", "LITERAL+", "SASL-IR", "ID", "ENABLE",
	"IDLE",
};

void
imap_capability(struct buf *b, int state, int tls_active,
    int starttls_offered, int logindisabled, size_t max_append)
{
	const char *const	*list;
	size_t			 n, i;

	if (state == CAPA_PREAUTH) {
		list = capa_preauth;
		n = sizeof(capa_preauth) / sizeof(capa_preauth[0]);
	} else {
		list = capa_auth;
		n = sizeof(capa_auth) / sizeof(capa_auth[0]);
	}
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_addc(b, ' ');
		buf_adds(b, list[i]);
	}
	if (state == CAPA_PREAUTH) {
		if (starttls_offered && !tls_active)
			buf_adds(b, " STARTTLS");
		if (logindisabled)
			buf_adds(b, " LOGINDISABLED");
		else
			buf_adds(b, " AUTH=PLAIN");
		return;
	}
	if (max_append > 0)
		buf_addf(b, " APPENDLIMIT=%zu", max_append);
}
