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
 * lka_auth.c -- AUTH credentials: the smtp process asks, lka answers.
 *
 * With a credentials table (listen ... auth <table>), lka looks the user
 * up (a map of user -> crypt(3) hash: "user:hash" or "user hash" lines)
 * and checks the password with common/pwcheck.c, whose cache makes a
 * client that authenticates for every message cost one crypt() per
 * PWCHECK_CACHE_TTL.  Without a table, the parent checks the system's
 * users (lka cannot read /etc/shadow): lka passes the request on and the
 * answer back.
 *
 * SECURITY: a request names a table; lka serves only the tables that a
 * listener of the configuration uses for AUTH, so a compromised smtp
 * process cannot use an alias table as a password oracle.  The password
 * is wiped from lka's copies once it has been checked or passed on.
 * Nothing here logs a password; the user is logged by smtp.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "proc.h"
#include "pwcheck.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"

/* a request passed on to the parent (system users) */
struct lka_auth_pending {
	TAILQ_ENTRY(lka_auth_pending)	 entry;
	uint64_t			 reqid;
};

static TAILQ_HEAD(, lka_auth_pending) lka_auth_pendings =
    TAILQ_HEAD_INITIALIZER(lka_auth_pendings);
static struct pwcheck_cache	*lka_auth_cache;

static int	lka_auth_served(const char *);
static void	lka_auth_answer(uint64_t, int);

/* Before the sandbox: the cache key and libcrypto's digest. */
void
lka_auth_init(void)
{
	if ((lka_auth_cache = pwcheck_cache_new(0, 0)) == NULL)
		fatalx("lka: cannot set up the password cache");
}

/* A reload may change every hash: forget what was checked. */
void
lka_auth_reload(void)
{
	if (lka_auth_cache != NULL)
		pwcheck_cache_flush(lka_auth_cache);
}

/*
 * user's password against table db (NULL: the table is missing): ST_OK,
 * ST_PERMFAIL (unknown user, wrong password, refused hash) or
 * ST_TEMPFAIL.
 */
int
lka_auth_check(const struct table_db *db, struct pwcheck_cache *cache,
    const char *user, const char *password, time_t now)
{
	const char	*hash;
	char		 esc[AUTH_USER_MAX * 4];
	int		 r;

	if (db == NULL)
		return (ST_TEMPFAIL);
	if ((r = table_get(db, user, &hash)) == -1)
		return (ST_TEMPFAIL);
	if (r == 0 || hash == NULL) {
		pwcheck_dummy(password);	/* no user enumeration by time */
		return (ST_PERMFAIL);
	}
	switch (pwcheck_verify(cache, user, password, hash, now)) {
	case PWCHECK_OK:
		return (ST_OK);
	case PWCHECK_BADHASH:
		(void)log_escape(esc, sizeof(esc), user, strlen(user));
		log_warnx("lka: table <%s>: user \"%s\" has no usable hash "
		    "(want yescrypt, bcrypt, sha512-crypt or sha256-crypt: "
		    "smtpctl encrypt makes one)", table_db_name(db), esc);
		return (ST_PERMFAIL);
	case PWCHECK_ERROR:
		return (ST_TEMPFAIL);
	default:
		return (ST_PERMFAIL);
	}
}

/* Is table ("" = system users) the AUTH table of some listener? */
static int
lka_auth_served(const char *table)
{
	const struct listener	*l;

	TAILQ_FOREACH(l, &env->listeners, entry)
		if ((l->flags & (LF_AUTH | LF_AUTH_OPTIONAL)) &&
		    strcmp(l->authtable, table) == 0)
			return (1);
	return (0);
}

static void
lka_auth_answer(uint64_t reqid, int status)
{
	struct auth_result	 r;
	struct peer		*p;

	if ((p = child_peer(PROC_SMTP)) == NULL)
		fatalx("lka: no channel to smtp");
	memset(&r, 0, sizeof(r));
	r.reqid = reqid;
	r.status = status;
	peer_compose(p, IMSG_LKA_AUTH_RESULT, 0, 0, -1, &r, sizeof(r));
}

/* IMSG_SMTP_AUTH */
void
lka_imsg_auth(struct peer *p, struct imsg *imsg, const struct table_set *set)
{
	struct auth_req		 req;
	struct lka_auth_pending	*pa;
	struct peer		*parent;
	int			 status;

	imsg_payload(imsg, &req, sizeof(req));
	if (!lka_auth_served(req.table)) {
		log_warnx("lka: AUTH against %s%s%s, which no listener uses",
		    req.table[0] ? "table <" : "system users",
		    req.table, req.table[0] ? ">" : "");
		lka_auth_answer(req.reqid, ST_PERMFAIL);
	} else if (req.table[0] == '\0') {
		if ((parent = child_peer(PROC_PARENT)) == NULL)
			fatalx("lka: no channel to the parent");
		pa = xcalloc(1, sizeof(*pa));
		pa->reqid = req.reqid;
		TAILQ_INSERT_TAIL(&lka_auth_pendings, pa, entry);
		peer_compose(parent, IMSG_LKA_AUTH_SYSTEM, 0, 0, -1, &req,
		    sizeof(req));
	} else {
		status = lka_auth_check(table_set_find(set, req.table),
		    lka_auth_cache, req.user, req.password,
		    (time_t)(monotonic_ms() / 1000));
		lka_auth_answer(req.reqid, status);
	}
	explicit_bzero(&req, sizeof(req));
}

/* IMSG_PARENT_AUTH_RESULT: the parent's verdict on a system user. */
void
lka_imsg_auth_result(struct peer *p, struct imsg *imsg)
{
	struct auth_result	 r;
	struct lka_auth_pending	*pa;

	imsg_payload(imsg, &r, sizeof(r));
	TAILQ_FOREACH(pa, &lka_auth_pendings, entry)
		if (pa->reqid == r.reqid)
			break;
	if (pa == NULL)
		fatalx("lka: AUTH result for no request");
	TAILQ_REMOVE(&lka_auth_pendings, pa, entry);
	free(pa);
	lka_auth_answer(r.reqid, r.status);
}
