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
 * cmd_append.c -- APPEND with flags and INTERNALDATE, MULTIAPPEND (RFC
 * 3502: several messages, all checked before the first is stored),
 * APPENDLIMIT (RFC 7889), UIDPLUS's APPENDUID (RFC 4315), TRYCREATE,
 * QUOTA's OVERQUOTA (RFC 9208).  The reader (imap_parse.c) has already
 * taken the literals, within the APPENDLIMIT.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "session_priv.h"

#define APPEND_MSGS_MAX	1000	/* messages in a MULTIAPPEND */

struct app_msg {
	const char	*data;
	size_t		 len;
	uint64_t	 flags;
	const char	*kw[MF_KEYWORDS_MAX];
	size_t		 nkw;
	time_t		 date;
};

/* one message's [flags] [date] literal from args[*i]; -1 with *err */
static int
app_parse_one(const struct imap_arg *a, size_t n, size_t *i,
    struct app_msg *m, const char **err)
{
	memset(m, 0, sizeof(*m));
	if (*i < n && a[*i].type == IMAP_ARG_LIST) {
		m->nkw = MF_KEYWORDS_MAX;
		if (imap_flags_parse(&a[*i], &m->flags, m->kw, &m->nkw,
		    err) == -1)
			return (-1);
		(*i)++;
	}
	if (*i < n && a[*i].type == IMAP_ARG_STRING) {
		if (imap_datetime_parse(a[*i].s, &m->date) == -1) {
			*err = "Bad date-time";
			return (-1);
		}
		(*i)++;
	}
	/* RFC 6855 3.4: UTF8 (literal8) */
	if (*i + 1 < n && a[*i].type == IMAP_ARG_ATOM &&
	    strcasecmp(a[*i].s, "UTF8") == 0 &&
	    a[*i + 1].type == IMAP_ARG_LIST && a[*i + 1].nlist == 1 &&
	    a[*i + 1].list[0].type == IMAP_ARG_LITERAL) {
		m->data = a[*i + 1].list[0].s;
		m->len = a[*i + 1].list[0].len;
		*i += 2;
		return (0);
	}
	if (*i >= n || a[*i].type != IMAP_ARG_LITERAL) {
		*err = "APPEND name [(flags)] [date-time] literal";
		return (-1);
	}
	m->data = a[*i].s;
	m->len = a[*i].len;
	(*i)++;
	return (0);
}

/* NO reasons before anything is stored: limits and quota */
static const char *
app_check(struct imap_conn *c, const struct app_msg *m, size_t n)
{
	const struct session_params	*p = session_params();
	uint64_t			 total = 0, bytes = 0, msgs = 0;
	size_t				 i;

	for (i = 0; i < n; i++) {
		if (m[i].len == 0)
			return ("[CANNOT] Empty message");
		if (m[i].len > p->max_append)
			return ("[TOOBIG] Message over the APPENDLIMIT");
		total += m[i].len;
	}
	if (p->quota_bytes == 0 && p->quota_msgs == 0)
		return (NULL);
	if (mstore_usage(c->store, &bytes, &msgs) == -1)
		return ("[SERVERBUG] Cannot read the quota usage");
	if ((p->quota_bytes > 0 && bytes + total > p->quota_bytes) ||
	    (p->quota_msgs > 0 && msgs + n > p->quota_msgs))
		return ("[OVERQUOTA] Quota exceeded");
	return (NULL);
}

static void
app_store(struct imap_conn *c, const char *name, const struct app_msg *m,
    size_t n)
{
	struct buf	 b;
	uint32_t	*uids, uidvalidity = 0;
	const char	*err = NULL;
	size_t		 i;

	uids = xreallocarray(NULL, n, sizeof(*uids));
	for (i = 0; i < n; i++) {
		if (mstore_append(c->store, name, m[i].data, m[i].len,
		    m[i].flags, m[i].kw, m[i].nkw, m[i].date, &uidvalidity,
		    &uids[i], &err) == -1) {
			log_warnx("imap append user=%s folder=%s failed "
			    "after %zu of %zu: %s", c->user, name, i, n,
			    err != NULL ? err : "?");
			conn_tagged(c, "NO", "%s", err != NULL ? err :
			    "[SERVERBUG] Cannot store the message");
			free(uids);
			return;
		}
		c->n_appended++;
	}
	buf_init(&b);
	seqset_from_list(&b, uids, n);
	conn_tagged(c, "OK", "[APPENDUID %u %s] APPEND completed",
	    uidvalidity, b.s);
	buf_free(&b);
	free(uids);
}

void
cmd_append(struct imap_conn *c)
{
	const struct imap_arg	*a = c->cmd.args;
	struct app_msg		*m = NULL;
	struct buf		 name;
	const char		*err = NULL, *no;
	size_t			 n = 0, i = 1;

	buf_init(&name);
	if (c->cmd.nargs < 2 || conn_mbox_name(c, &a[0], &name, &err) == -1) {
		conn_tagged(c, "BAD", "%s", err != NULL ? err :
		    "APPEND name [(flags)] [date-time] literal");
		goto done;
	}
	while (i < c->cmd.nargs) {
		if (n == APPEND_MSGS_MAX) {
			conn_tagged(c, "NO", "[LIMIT] Too many messages");
			goto done;
		}
		m = xreallocarray(m, n + 1, sizeof(*m));
		if (app_parse_one(a, c->cmd.nargs, &i, &m[n], &err) == -1) {
			conn_tagged(c, "BAD", "%s", err);
			goto done;
		}
		n++;
	}
	if (!mstore_exists(c->store, name.s))
		conn_tagged(c, "NO", "[TRYCREATE] No such folder");
	else if ((no = app_check(c, m, n)) != NULL)
		conn_tagged(c, "NO", "%s", no);
	else
		app_store(c, name.s, m, n);
 done:
	free(m);
	buf_free(&name);
}
