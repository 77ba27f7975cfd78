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
 * ruleset.c -- match rules, first match wins.
 *
 * Each rule is tested in order: tag, then the origin condition ("from"),
 * then the destination condition ("for"), then the transaction condition
 * "auth".  A missing origin means "from local", a missing destination
 * "for local".  Every condition can be negated.  "from auth" and "auth"
 * hold for a client that authenticated (EF_AUTH), "auth <table>" and
 * "auth USER" for one of those users (compared without case, as table
 * keys are).  A table error (missing table, failed lookup) stops the
 * evaluation: the caller answers with a temporary failure.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>
#include <strings.h>

#include "log.h"
#include "smtpd.h"
#include "lka.h"

static int	ruleset_rule(const struct table_set *, const struct rule *,
		    const struct rule_ctx *);
static int	ruleset_cond(const struct table_set *,
		    const struct rule_cond *, int, const struct rule_ctx *);
static int	ruleset_table(const struct table_set *,
		    const struct rule_cond *, const struct rule_ctx *);
static int	ruleset_literal(const struct rule_cond *,
		    const struct rule_ctx *);
static int	ruleset_auth(const struct table_set *,
		    const struct rule_cond *, const struct rule_ctx *);

const struct action *
ruleset_action(const struct smtpd_config *conf, const char *name)
{
	const struct action	*a;

	TAILQ_FOREACH(a, &conf->actions, entry)
		if (strcmp(a->name, name) == 0)
			return (a);
	return (NULL);
}

int
ruleset_local_domain(const struct table_set *tables, const char *domain)
{
	const struct table_db	*db;

	if (*domain == '\0')
		return (1);
	if ((db = table_set_find(tables, TABLE_LOCALNAMES)) == NULL) {
		log_warnx("ruleset: no <%s> table", TABLE_LOCALNAMES);
		return (-1);
	}
	return (table_lookup(db, K_DOMAIN, domain, NULL));
}

int
ruleset_match(const struct smtpd_config *conf,
    const struct table_set *tables, const struct rule_ctx *ctx,
    const struct rule **match)
{
	const struct rule	*r;
	int			 m;

	*match = NULL;
	TAILQ_FOREACH(r, &conf->rules, entry) {
		if ((m = ruleset_rule(tables, r, ctx)) == -1)
			return (-1);
		if (m == 1) {
			*match = r;
			return (1);
		}
	}
	return (0);
}

static int
ruleset_rule(const struct table_set *tables, const struct rule *r,
    const struct rule_ctx *ctx)
{
	int	 m;

	if (r->tag[0] != '\0') {
		m = ctx->tag != NULL && strcmp(r->tag, ctx->tag) == 0;
		if (m == r->tag_neg)
			return (0);
	}
	if ((m = ruleset_cond(tables, &r->from, 1, ctx)) != 1)
		return (m);
	if ((m = ruleset_cond(tables, &r->dest, 0, ctx)) != 1 ||
	    r->auth.kind == C_NONE)
		return (m);
	return (ruleset_cond(tables, &r->auth, 1, ctx));
}

/* from auth [<table>|user]: 1, 0, -1 on table error. */
static int
ruleset_auth(const struct table_set *tables, const struct rule_cond *c,
    const struct rule_ctx *ctx)
{
	const struct table_db	*db;

	if (!(ctx->flags & EF_AUTH) || ctx->authuser == NULL ||
	    ctx->authuser[0] == '\0')
		return (0);
	if (c->value[0] != '\0')
		return (strcasecmp(c->value, ctx->authuser) == 0);
	if (c->table[0] == '\0')
		return (1);
	if ((db = table_set_find(tables, c->table)) == NULL) {
		log_warnx("ruleset: no table <%s>", c->table);
		return (-1);
	}
	return (table_get(db, ctx->authuser, NULL));
}

/* 1 if the condition holds (negation applied), 0, -1 on table error. */
static int
ruleset_cond(const struct table_set *tables, const struct rule_cond *c,
    int from, const struct rule_ctx *ctx)
{
	int	 m;

	switch (c->kind) {
	case C_NONE:
	case C_LOCAL:
		if (from)
			m = (ctx->flags & EF_LOCAL) != 0;
		else
			m = ruleset_local_domain(tables, ctx->rcpt->domain);
		break;
	case C_ANY:
		m = 1;
		break;
	case C_SOCKET:
		m = (ctx->flags & EF_SOCKET) != 0;
		break;
	case C_AUTH:
		m = ruleset_auth(tables, c, ctx);
		break;
	case C_SRC:
	case C_MAILFROM:
	case C_DOMAIN:
	case C_RCPTTO:
		if (c->table[0] != '\0')
			m = ruleset_table(tables, c, ctx);
		else
			m = ruleset_literal(c, ctx);
		break;
	default:
		log_warnx("ruleset: unknown condition %d", (int)c->kind);
		return (-1);
	}
	if (m == -1)
		return (-1);
	return (m != c->neg);
}

/*
 * senders <table>: may the authenticated user give this MAIL FROM?  The
 * table maps the user to a list of addresses ("alice@example.com") and
 * domains ("@example.com"); entries without '@' are ignored.  The null
 * sender is always allowed.  1 yes, 0 no, -1 table error.
 */
int
ruleset_sender(const struct table_set *tables, const char *table,
    const char *user, const struct mailaddr *sender)
{
	const struct table_db	*db;
	const char		*value, *cursor;
	char			 item[MAILADDR_MAX + 2];
	int			 r;

	if (sender->user[0] == '\0' && sender->domain[0] == '\0')
		return (1);
	if ((db = table_set_find(tables, table)) == NULL) {
		log_warnx("ruleset: no senders table <%s>", table);
		return (-1);
	}
	if (!table_db_is_map(db) || user[0] == '\0')
		return (0);
	if ((r = table_get(db, user, &value)) != 1)
		return (r);
	cursor = value;
	while (alias_next(&cursor, item, sizeof(item)) == 1)
		if (strchr(item, '@') != NULL &&
		    table_literal_mailaddr(item, sender))
			return (1);
	return (0);
}

static int
ruleset_table(const struct table_set *tables, const struct rule_cond *c,
    const struct rule_ctx *ctx)
{
	const struct table_db	*db;

	if ((db = table_set_find(tables, c->table)) == NULL) {
		log_warnx("ruleset: no table <%s>", c->table);
		return (-1);
	}
	switch (c->kind) {
	case C_SRC:
		return (table_match_netaddr(db,
		    (const struct sockaddr *)ctx->ss));
	case C_MAILFROM:
		if (ctx->sender->user[0] == '\0' &&
		    ctx->sender->domain[0] == '\0')
			return (0);
		return (table_match_mailaddr(db, ctx->sender));
	case C_DOMAIN:
		return (table_lookup(db, K_DOMAIN, ctx->rcpt->domain, NULL));
	default:	/* C_RCPTTO */
		return (table_match_mailaddr(db, ctx->rcpt));
	}
}

static int
ruleset_literal(const struct rule_cond *c, const struct rule_ctx *ctx)
{
	switch (c->kind) {
	case C_SRC:
		return (table_literal_netaddr(c->value,
		    (const struct sockaddr *)ctx->ss));
	case C_MAILFROM:
		if (ctx->sender->user[0] == '\0' &&
		    ctx->sender->domain[0] == '\0')
			return (0);
		return (table_literal_mailaddr(c->value, ctx->sender));
	case C_DOMAIN:
		return (table_literal_domain(c->value, ctx->rcpt->domain));
	default:	/* C_RCPTTO */
		return (table_literal_mailaddr(c->value, ctx->rcpt));
	}
}
