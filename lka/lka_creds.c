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
 * lka_creds.c -- the credentials a relay action logs in to its relay
 * host with ("relay host smtp+tls://LABEL@host auth <table>"): the
 * table is OpenSMTPD's credentials table, one "LABEL user:password" a
 * line (the password in clear: it is sent, not checked).
 *
 * SECURITY: the mta asks by table and label; lka answers only for a
 * table that some relay action names in "auth <table>" (so a
 * compromised smtp cannot read other tables, say a password file of
 * hashes, through this door), and only the entry of that label.  The
 * password is wiped from lka's copies once sent, and never logged: the
 * log line names the table, the label and the result.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <string.h>

#include "log.h"
#include "proc.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"

static int	lka_creds_served(const struct smtpd_config *, const char *);

/*
 * label's entry of db into c (user, password): ST_OK, ST_PERMFAIL (no
 * such label, no "user:password" value, too long) or ST_TEMPFAIL.
 */
int
lka_creds_get(const struct table_db *db, const char *label,
    struct mta_creds *c)
{
	const char	*val, *colon;
	size_t		 ulen;
	int		 r;

	memset(c->user, 0, sizeof(c->user));
	memset(c->password, 0, sizeof(c->password));
	if (db == NULL)
		return (ST_TEMPFAIL);
	if (*label == '\0')
		return (ST_PERMFAIL);
	if ((r = table_get(db, label, &val)) == -1)
		return (ST_TEMPFAIL);
	if (r == 0 || val == NULL || !table_db_is_map(db))
		return (ST_PERMFAIL);
	if ((colon = strchr(val, ':')) == NULL || colon == val)
		return (ST_PERMFAIL);
	ulen = (size_t)(colon - val);
	if (ulen >= sizeof(c->user) ||
	    strlcpy(c->password, colon + 1, sizeof(c->password)) >=
	    sizeof(c->password)) {
		explicit_bzero(c->password, sizeof(c->password));
		return (ST_PERMFAIL);
	}
	memcpy(c->user, val, ulen);
	c->user[ulen] = '\0';
	return (ST_OK);
}

/* Is table the "auth <table>" of some relay action? */
static int
lka_creds_served(const struct smtpd_config *conf, const char *table)
{
	const struct action	*a;

	TAILQ_FOREACH(a, &conf->actions, entry)
		if (a->method == A_RELAY && a->relay.auth[0] != '\0' &&
		    strcmp(a->relay.auth, table) == 0)
			return (1);
	return (0);
}

/* IMSG_MTA_CREDS -> IMSG_LKA_CREDS */
void
lka_imsg_creds(struct peer *p, struct imsg *imsg,
    const struct smtpd_config *conf, const struct table_set *set)
{
	struct mta_creds_req	 req;
	struct mta_creds	 rep;
	char			 label[NAME_MAX_CONF * 4];

	imsg_payload(imsg, &req, sizeof(req));
	memset(&rep, 0, sizeof(rep));
	rep.reqid = req.reqid;
	if (!lka_creds_served(conf, req.table)) {
		log_warnx("lka: credentials from table <%s>, which no relay "
		    "action uses for auth: refused", req.table);
		rep.status = ST_PERMFAIL;
	} else
		rep.status = lka_creds_get(table_set_find(set, req.table),
		    req.label, &rep);
	(void)log_escape(label, sizeof(label), req.label, strlen(req.label));
	log_info("%016llx lka creds table=%s label=%s result=%s",
	    (unsigned long long)req.reqid, req.table, label,
	    rep.status == ST_OK ? "ok" : rep.status == ST_TEMPFAIL ?
	    "tempfail" : "not-found");
	peer_compose(p, IMSG_LKA_CREDS, 0, 0, -1, &rep, sizeof(rep));
	explicit_bzero(&rep, sizeof(rep));
}
