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
 * expand.c -- recipient expansion (OpenSMTPD semantics).
 *
 * A request starts with one address node.  Nodes are processed in FIFO
 * order:
 *
 *	address		matched against the rules (the first one with the
 *			client's context, later ones "as if from local");
 *			a relay action makes it final (delivered by the
 *			relay agent as SMTPD_USER_RELAY); no rule for a
 *			domain not ours: "Relaying denied";
 *			with "virtual <T>": mailaddr lookup, values expand;
 *			otherwise its lowercased local part becomes a user
 *	user		"alias <T>" lookup (full name, then without +ext),
 *			values expand; else the userbase must know the user,
 *			then ~/.forward is asked for (asynchronously), its
 *			entries expand; else delivery to the mailbox
 *	|cmd, /file	final, if the action allows them (AF_ALLOW_*); they
 *			run as the owner of the table or .forward (root-owned
 *			sources: SMTPD_USER_NOBODY)
 *	:include:	file read here, entries expand (AF_ALLOW_INCLUDE)
 *
 * Every node is kept in a "seen" tree: a node met again is skipped
 * (de-duplication), a node equal to one of its ancestors is a loop, as is
 * a depth beyond EXPAND_DEPTH_MAX.  A user listed in its own alias or
 * .forward is delivered to its mailbox.  Final envelopes are
 * de-duplicated too.  The first error ends the request.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/tree.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"
#include "mda_expand.h"

enum xn_type {
	XN_ADDRESS,
	XN_USERNAME,
	XN_PIPE,
	XN_FILE,
	XN_INCLUDE,
};

struct expand_node {
	TAILQ_ENTRY(expand_node) all;
	TAILQ_ENTRY(expand_node) work;		/* todo or waiting */
	RB_ENTRY(expand_node)	 seen;
	struct expand_node	*parent;
	enum xn_type		 type;
	int			 depth;
	int			 sameuser;	/* own alias/.forward */
	int			 noalias;	/* "\user" */
	int			 fwdonly;	/* under a forward-only action */
	uint64_t		 token;		/* .forward in flight */
	char			 action[NAME_MAX_CONF];
	char			 owner[USER_MAX];	/* pipes/files run as */
	struct mailaddr		 addr;		/* the address, or dest */
	char			 value[ARG_MAX_CONF];	/* user, cmd, path */
};

struct expand_evp {
	TAILQ_ENTRY(expand_evp)	 list;
	RB_ENTRY(expand_evp)	 tree;
	struct envelope		 evp;
};

TAILQ_HEAD(expand_nodelist, expand_node);
RB_HEAD(expand_tree, expand_node);
RB_HEAD(expand_evptree, expand_evp);

struct expand_session {
	struct expand_req	 req;
	int			 internal;	/* bounce: "from local" */
	const struct expand_ops	*ops;
	void			*arg;
	struct expand_nodelist	 nodes;
	struct expand_nodelist	 todo;
	struct expand_nodelist	 waiting;
	struct expand_tree	 seen;
	size_t			 nnodes;
	TAILQ_HEAD(, expand_evp) evplist;
	struct expand_evptree	 evptree;
	struct envelope		*evps;
	size_t			 nevp;
	int			 pending;
	int			 status;
	char			 text[ERRLINE_MAX];
	char			 action[NAME_MAX_CONF];
	char			 rcpt[MAILADDR_MAX + 2];
};

/* lookup context of one run */
struct expand_run {
	struct expand_session		*sess;
	const struct smtpd_config	*conf;
	const struct table_set		*tables;
};

static int	expand_node_cmp(struct expand_node *, struct expand_node *);
static int	expand_evp_cmp(struct expand_evp *, struct expand_evp *);
RB_PROTOTYPE(expand_tree, expand_node, seen, expand_node_cmp);
RB_PROTOTYPE(expand_evptree, expand_evp, tree, expand_evp_cmp);

static void	expand_fail(struct expand_session *, int, const char *, ...)
		    __attribute__((__format__(printf, 3, 4)));
static void	expand_tempfail(struct expand_session *);
static const struct action *expand_getaction(struct expand_run *,
		    const struct expand_node *);
static void	expand_node(struct expand_run *, struct expand_node *);
static void	expand_address(struct expand_run *, struct expand_node *);
static void	expand_norule(struct expand_run *, struct expand_node *);
static int	expand_relay_rcpt(struct expand_run *, struct expand_node *,
		    const struct action *);
static void	expand_virtual(struct expand_run *, struct expand_node *,
		    const struct action *);
static void	expand_username(struct expand_run *, struct expand_node *);
static int	expand_alias(struct expand_run *, struct expand_node *,
		    const struct action *);
static int	expand_userbase(struct expand_run *, const struct action *,
		    const char *);
static void	expand_mailbox(struct expand_run *, struct expand_node *,
		    const struct action *);
static void	expand_special(struct expand_run *, struct expand_node *);
static void	expand_include(struct expand_run *, struct expand_node *);
static int	expand_readfile(const char *, char **, size_t *, char *,
		    size_t);
static int	expand_lines(struct expand_run *, struct expand_node *,
		    const char *, size_t, const char *, int);
static int	expand_list(struct expand_run *, struct expand_node *,
		    const char *, const char *, int);
static int	expand_child(struct expand_run *, struct expand_node *,
		    const struct alias_item *, const char *);
static int	expand_insert(struct expand_session *, struct expand_node *);
static void	expand_emit(struct expand_run *, struct expand_node *,
		    const struct action *, enum delivery_type, const char *);
static int	expand_check_user(struct expand_run *, const struct action *,
		    struct envelope *);
static const char *expand_check_path(const struct action *,
		    const struct deliver *);
static void	expand_finish(struct expand_session *,
		    const struct smtpd_config *);
static void	expand_baseuser(const char *, char *, size_t);

static uint64_t	 expand_token;

RB_GENERATE(expand_tree, expand_node, seen, expand_node_cmp);
RB_GENERATE(expand_evptree, expand_evp, tree, expand_evp_cmp);

static int
expand_node_cmp(struct expand_node *a, struct expand_node *b)
{
	int	 r;

	if (a->type != b->type)
		return (a->type < b->type ? -1 : 1);
	if (a->type == XN_ADDRESS) {
		if ((r = strcasecmp(a->addr.user, b->addr.user)) != 0)
			return (r);
		return (strcasecmp(a->addr.domain, b->addr.domain));
	}
	if ((r = strcmp(a->action, b->action)) != 0)
		return (r);
	if (a->sameuser != b->sameuser)
		return (a->sameuser < b->sameuser ? -1 : 1);
	if (a->noalias != b->noalias)
		return (a->noalias < b->noalias ? -1 : 1);
	if (a->type == XN_PIPE || a->type == XN_FILE)
		if ((r = strcmp(a->owner, b->owner)) != 0)
			return (r);
	return (strcmp(a->value, b->value));
}

static int
expand_evp_cmp(struct expand_evp *a, struct expand_evp *b)
{
	const struct envelope	*x = &a->evp, *y = &b->evp;
	int			 r;

	if (x->dtype != y->dtype)
		return (x->dtype < y->dtype ? -1 : 1);
	if ((r = strcmp(x->action, y->action)) != 0 ||
	    (r = strcmp(x->user, y->user)) != 0 ||
	    (r = strcmp(x->arg, y->arg)) != 0)
		return (r);
	if (x->dtype != DT_MAILBOX)
		return (0);
	if ((r = strcasecmp(x->dest.user, y->dest.user)) != 0)
		return (r);
	return (strcasecmp(x->dest.domain, y->dest.domain));
}

/* "user@domain" for replies and logs; unsafe characters become '?'. */
void
expand_mailaddr_text(const struct mailaddr *ma, char *buf, size_t bufsz)
{
	char	*p;

	if (ma->domain[0] != '\0')
		(void)snprintf(buf, bufsz, "%s@%s", ma->user, ma->domain);
	else
		(void)snprintf(buf, bufsz, "%s", ma->user);
	for (p = buf; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '<' ||
		    *p == '>')
			*p = '?';
}

struct expand_session *
expand_new(const struct expand_req *req, int internal,
    const struct expand_ops *ops, void *arg)
{
	struct expand_session	*sess;
	struct expand_node	*xn;

	sess = xcalloc(1, sizeof(*sess));
	sess->req = *req;
	sess->req.tag[sizeof(sess->req.tag) - 1] = '\0';
	sess->req.helo[sizeof(sess->req.helo) - 1] = '\0';
	sess->req.hostname[sizeof(sess->req.hostname) - 1] = '\0';
	sess->req.src[sizeof(sess->req.src) - 1] = '\0';
	sess->req.sender.user[sizeof(sess->req.sender.user) - 1] = '\0';
	sess->req.sender.domain[sizeof(sess->req.sender.domain) - 1] = '\0';
	sess->req.rcpt.user[sizeof(sess->req.rcpt.user) - 1] = '\0';
	sess->req.rcpt.domain[sizeof(sess->req.rcpt.domain) - 1] = '\0';
	sess->req.authuser[sizeof(sess->req.authuser) - 1] = '\0';
	lowercase(sess->req.rcpt.domain);
	sess->internal = internal;
	sess->ops = ops;
	sess->arg = arg;
	TAILQ_INIT(&sess->nodes);
	TAILQ_INIT(&sess->todo);
	TAILQ_INIT(&sess->waiting);
	TAILQ_INIT(&sess->evplist);
	RB_INIT(&sess->seen);
	RB_INIT(&sess->evptree);
	sess->status = ST_OK;
	expand_mailaddr_text(&sess->req.rcpt, sess->rcpt, sizeof(sess->rcpt));
	if (sess->req.rcpt.user[0] == '\0') {
		expand_fail(sess, ST_PERMFAIL,
		    "550 5.1.3 <%s>: Bad recipient address syntax",
		    sess->rcpt);
		return (sess);
	}
	xn = xcalloc(1, sizeof(*xn));
	xn->type = XN_ADDRESS;
	xn->addr = sess->req.rcpt;
	(void)expand_insert(sess, xn);
	return (sess);
}

void
expand_free(struct expand_session *sess)
{
	struct expand_node	*xn;
	struct expand_evp	*e;

	if (sess == NULL)
		return;
	while ((xn = TAILQ_FIRST(&sess->nodes)) != NULL) {
		TAILQ_REMOVE(&sess->nodes, xn, all);
		free(xn);
	}
	while ((e = TAILQ_FIRST(&sess->evplist)) != NULL) {
		TAILQ_REMOVE(&sess->evplist, e, list);
		free(e);
	}
	free(sess->evps);
	free(sess);
}

int
expand_status(const struct expand_session *sess)
{
	return (sess->status);
}

const char *
expand_text(const struct expand_session *sess)
{
	return (sess->text);
}

const char *
expand_action(const struct expand_session *sess)
{
	return (sess->action[0] != '\0' ? sess->action : "-");
}

const struct expand_req *
expand_request(const struct expand_session *sess)
{
	return (&sess->req);
}

const struct envelope *
expand_envelopes(const struct expand_session *sess, size_t *n)
{
	*n = sess->nevp;
	return (sess->evps);
}

/* The first failure wins. */
static void
expand_fail(struct expand_session *sess, int status, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	if (sess->status == ST_OK) {
		sess->status = status;
		/* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized) */
		(void)vsnprintf(sess->text, sizeof(sess->text), fmt, ap);
	}
	va_end(ap);
}

static void
expand_tempfail(struct expand_session *sess)
{
	expand_fail(sess, ST_TEMPFAIL,
	    "451 4.3.0 <%s>: Temporary lookup failure", sess->rcpt);
}

int
expand_run(struct expand_session *sess, const struct smtpd_config *conf,
    const struct table_set *tables)
{
	struct expand_run	 run = { sess, conf, tables };
	struct expand_node	*xn;

	while (sess->status == ST_OK &&
	    (xn = TAILQ_FIRST(&sess->todo)) != NULL) {
		TAILQ_REMOVE(&sess->todo, xn, work);
		expand_node(&run, xn);
	}
	if (sess->pending > 0)
		return (EXPAND_PENDING);
	expand_finish(sess, conf);
	return (EXPAND_DONE);
}

int
expand_forward_done(struct expand_session *sess,
    const struct smtpd_config *conf, const struct table_set *tables,
    uint64_t token, int status, const char *buf, size_t len)
{
	struct expand_run	 run = { sess, conf, tables };
	struct expand_node	*xn;
	const struct action	*a;
	char			 user[USER_MAX];

	TAILQ_FOREACH(xn, &sess->waiting, work)
		if (xn->token == token)
			break;
	if (xn == NULL)
		fatalx("expand: no .forward request %llu",
		    (unsigned long long)token);
	TAILQ_REMOVE(&sess->waiting, xn, work);
	sess->pending--;
	if (sess->status != ST_OK)
		return (expand_run(sess, conf, tables));
	if ((a = expand_getaction(&run, xn)) == NULL)
		return (expand_run(sess, conf, tables));
	expand_baseuser(xn->value, user, sizeof(user));
	if (status == ST_TEMPFAIL)
		expand_tempfail(sess);
	else if (status != ST_OK ||
	    expand_lines(&run, xn, buf, len, user, 1) == 0)
		expand_mailbox(&run, xn, a);
	return (expand_run(sess, conf, tables));
}

static const struct action *
expand_getaction(struct expand_run *run, const struct expand_node *xn)
{
	const struct action	*a;

	if ((a = ruleset_action(run->conf, xn->action)) == NULL) {
		log_warnx("expand: action \"%s\" is gone", xn->action);
		expand_tempfail(run->sess);
	}
	return (a);
}

static void
expand_node(struct expand_run *run, struct expand_node *xn)
{
	switch (xn->type) {
	case XN_ADDRESS:
		expand_address(run, xn);
		break;
	case XN_USERNAME:
		expand_username(run, xn);
		break;
	case XN_PIPE:
	case XN_FILE:
		expand_special(run, xn);
		break;
	case XN_INCLUDE:
		expand_include(run, xn);
		break;
	}
}

static void
expand_address(struct expand_run *run, struct expand_node *xn)
{
	struct expand_session	*sess = run->sess;
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct rule_ctx		 ctx;
	const struct rule	*rule;
	const struct action	*a;
	struct expand_node	*child;
	int			 r;

	ss = sess->req.ss;
	ctx.flags = sess->req.flags;
	ctx.tag = sess->req.tag;
	ctx.authuser = sess->req.authuser;
	ctx.ss = &ss;
	ctx.sender = &sess->req.sender;
	ctx.rcpt = &xn->addr;
	if (xn->depth > 0 || sess->internal) {
		/* aliases, .forward, bounces: as if from local */
		ctx.flags |= EF_LOCAL;
		if (ss.ss_family != AF_UNIX) {
			memset(&ss, 0, sizeof(ss));
			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		}
	}
	if ((r = ruleset_match(run->conf, run->tables, &ctx, &rule)) == -1) {
		expand_tempfail(sess);
		return;
	}
	if (r == 0) {
		expand_norule(run, xn);
		return;
	}
	if (rule->reject) {
		expand_fail(sess, ST_PERMFAIL,
		    "550 5.7.1 Delivery not authorized, message refused");
		return;
	}
	(void)strlcpy(xn->action, rule->action, sizeof(xn->action));
	if ((a = expand_getaction(run, xn)) == NULL)
		return;
	if (sess->action[0] == '\0')
		(void)strlcpy(sess->action, a->name, sizeof(sess->action));
	if (a->method == A_FORWARD_ONLY)
		xn->fwdonly = 1;
	if (a->method == A_RELAY) {
		if (expand_relay_rcpt(run, xn, a) == 1)
			expand_emit(run, xn, a, DT_MAILBOX, SMTPD_USER_RELAY);
		return;
	}
	if (a->virtual[0] != '\0') {
		expand_virtual(run, xn, a);
		return;
	}
	child = xcalloc(1, sizeof(*child));
	child->type = XN_USERNAME;
	child->parent = xn;
	child->depth = xn->depth;
	child->fwdonly = xn->fwdonly;
	child->addr = xn->addr;
	(void)strlcpy(child->action, a->name, sizeof(child->action));
	(void)strlcpy(child->value, xn->addr.user, sizeof(child->value));
	lowercase(child->value);
	(void)expand_insert(sess, child);
}

static void
expand_norule(struct expand_run *run, struct expand_node *xn)
{
	int	 local;

	if ((local = ruleset_local_domain(run->tables, xn->addr.domain)) == -1)
		expand_tempfail(run->sess);
	else if (local)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.7.1 <%s>: "
		    "Recipient address rejected: Access denied",
		    run->sess->rcpt);
	else
		expand_fail(run->sess, ST_PERMFAIL,
		    "550 5.7.1 <%s>: Relaying denied", run->sess->rcpt);
}

/*
 * "relay recipients <table>": the recipient a client gave (depth 0; not
 * a bounce, not an alias or .forward target) must be in the table, as
 * for "for rcpt-to <table>": "user@domain", "@domain" or "user", tried
 * as given, then without a "+subaddress".  Refused at RCPT, so that
 * the gateway does not accept mail it would bounce later (backscatter).
 * 1 accepted, 0 refused or failed (the session says why).
 */
static int
expand_relay_rcpt(struct expand_run *run, struct expand_node *xn,
    const struct action *a)
{
	const struct table_db	*db;
	struct mailaddr		 base;
	int			 r;

	if (a->relay.recipients[0] == '\0' || xn->depth > 0 ||
	    run->sess->internal)
		return (1);
	if ((db = table_set_find(run->tables, a->relay.recipients)) == NULL) {
		log_warnx("expand: no table <%s>", a->relay.recipients);
		expand_tempfail(run->sess);
		return (0);
	}
	if ((r = table_match_mailaddr(db, &xn->addr)) == 0 &&
	    strchr(xn->addr.user, SUBADDR_DELIM) != NULL) {
		base = xn->addr;
		expand_baseuser(xn->addr.user, base.user, sizeof(base.user));
		r = table_match_mailaddr(db, &base);
	}
	if (r == -1)
		expand_tempfail(run->sess);
	else if (r == 0)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: user unknown", run->sess->rcpt);
	return (r == 1);
}

/* "u+x@d", "u@d", "@d", "u+x", "u": the first key found. */
static void
expand_virtual(struct expand_run *run, struct expand_node *xn,
    const struct action *a)
{
	const struct table_db	*db;
	const struct mailaddr	*ma = &xn->addr;
	char			 base[LOCALPART_MAX];
	char			 keys[5][MAILADDR_MAX + 2];
	const char		*value = NULL;
	int			 i, r = 0;

	if ((db = table_set_find(run->tables, a->virtual)) == NULL) {
		log_warnx("expand: no table <%s>", a->virtual);
		expand_tempfail(run->sess);
		return;
	}
	expand_baseuser(ma->user, base, sizeof(base));
	(void)snprintf(keys[0], sizeof(keys[0]), "%s@%s", ma->user,
	    ma->domain);
	(void)snprintf(keys[1], sizeof(keys[1]), "%s@%s", base, ma->domain);
	(void)snprintf(keys[2], sizeof(keys[2]), "@%s", ma->domain);
	(void)snprintf(keys[3], sizeof(keys[3]), "%s", ma->user);
	(void)snprintf(keys[4], sizeof(keys[4]), "%s", base);
	for (i = 0; i < 5 && r == 0; i++) {
		if (ma->domain[0] == '\0' && i < 3)
			continue;
		r = table_get(db, keys[i], &value);
	}
	if (r == -1)
		expand_tempfail(run->sess);
	else if (r == 0)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: User unknown in virtual alias table",
		    run->sess->rcpt);
	else if (expand_list(run, xn, value, table_db_owner(db), 0) == 0)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: virtual alias has no valid entry",
		    run->sess->rcpt);
}

static void
expand_username(struct expand_run *run, struct expand_node *xn)
{
	struct expand_session	*sess = run->sess;
	const struct action	*a;
	char			 base[USER_MAX];
	int			 r;

	if ((a = expand_getaction(run, xn)) == NULL)
		return;
	if (a->method == A_FORWARD_ONLY)
		xn->fwdonly = 1;
	if (!xn->sameuser && !xn->noalias && a->alias[0] != '\0' &&
	    expand_alias(run, xn, a) != 0)
		return;
	expand_baseuser(xn->value, base, sizeof(base));
	if ((r = expand_userbase(run, a, base)) == -1) {
		expand_tempfail(sess);
		return;
	}
	if (r == 0) {
		expand_fail(sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: User unknown in local recipient table",
		    sess->rcpt);
		return;
	}
	if (xn->sameuser || xn->noalias || sess->ops->forward == NULL ||
	    (a->userbase[0] != '\0' &&
	    strcmp(a->userbase, TABLE_GETPWNAM) != 0)) {
		expand_mailbox(run, xn, a);
		return;
	}
	xn->token = ++expand_token;
	sess->pending++;
	TAILQ_INSERT_TAIL(&sess->waiting, xn, work);
	sess->ops->forward(sess->arg, xn->token, base);
}

/* 1 expanded (or failed), 0 not an alias. */
static int
expand_alias(struct expand_run *run, struct expand_node *xn,
    const struct action *a)
{
	const struct table_db	*db;
	const char		*value;
	char			 base[USER_MAX];
	int			 r;

	if ((db = table_set_find(run->tables, a->alias)) == NULL) {
		log_warnx("expand: no table <%s>", a->alias);
		expand_tempfail(run->sess);
		return (1);
	}
	r = table_get(db, xn->value, &value);
	expand_baseuser(xn->value, base, sizeof(base));
	if (r == 0 && strcmp(base, xn->value) != 0)
		r = table_get(db, base, &value);
	if (r == 0)
		return (0);
	if (r == -1)
		expand_tempfail(run->sess);
	else if (expand_list(run, xn, value, table_db_owner(db), 0) == 0)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: alias has no valid entry",
		    run->sess->rcpt);
	return (1);
}

static int
expand_userbase(struct expand_run *run, const struct action *a,
    const char *user)
{
	const struct table_db	*db;

	if (a->userbase[0] == '\0' || strcmp(a->userbase, TABLE_GETPWNAM) == 0)
		if (run->sess->ops->getpwnam != NULL)
			return (run->sess->ops->getpwnam(run->sess->arg,
			    user));
	if ((db = table_set_find(run->tables, a->userbase[0] != '\0' ?
	    a->userbase : TABLE_GETPWNAM)) == NULL) {
		log_warnx("expand: no table <%s>", a->userbase);
		return (-1);
	}
	return (table_lookup(db, K_USERINFO, user, NULL));
}

static void
expand_mailbox(struct expand_run *run, struct expand_node *xn,
    const struct action *a)
{
	char	 base[USER_MAX];

	if (a->method == A_EXPAND_ONLY) {
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: no alias or forward for this user",
		    run->sess->rcpt);
		return;
	}
	if (a->method == A_FORWARD_ONLY) {
		expand_fail(run->sess, ST_PERMFAIL, "550 5.7.1 <%s>: Recipient "
		    "address rejected: only forwarding is allowed",
		    run->sess->rcpt);
		return;
	}
	expand_baseuser(xn->value, base, sizeof(base));
	expand_emit(run, xn, a, DT_MAILBOX, a->user[0] != '\0' ? a->user : base);
}

static void
expand_special(struct expand_run *run, struct expand_node *xn)
{
	const struct action	*a;
	int			 ispipe = xn->type == XN_PIPE;

	if ((a = expand_getaction(run, xn)) == NULL)
		return;
	if (!(a->flags & (ispipe ? AF_ALLOW_PIPE : AF_ALLOW_FILE))) {
		expand_fail(run->sess, ST_PERMFAIL,
		    "550 5.7.1 <%s>: delivery to a %s not allowed",
		    run->sess->rcpt, ispipe ? "command" : "file");
		return;
	}
	if (xn->fwdonly || a->method == A_FORWARD_ONLY) {
		expand_fail(run->sess, ST_PERMFAIL, "550 5.7.1 <%s>: Recipient "
		    "address rejected: only forwarding is allowed",
		    run->sess->rcpt);
		return;
	}
	expand_emit(run, xn, a, ispipe ? DT_PIPE : DT_FILE,
	    xn->owner[0] != '\0' ? xn->owner : SMTPD_USER_NOBODY);
}

static void
expand_include(struct expand_run *run, struct expand_node *xn)
{
	const struct action	*a;
	char			*buf;
	char			 owner[USER_MAX];
	size_t			 len;

	if ((a = expand_getaction(run, xn)) == NULL)
		return;
	if (!(a->flags & AF_ALLOW_INCLUDE)) {
		expand_fail(run->sess, ST_PERMFAIL,
		    "550 5.7.1 <%s>: include files not allowed",
		    run->sess->rcpt);
		return;
	}
	if (expand_readfile(xn->value, &buf, &len, owner,
	    sizeof(owner)) == -1) {
		expand_tempfail(run->sess);
		return;
	}
	(void)expand_lines(run, xn, buf, len, owner, 0);
	free(buf);
}

/*
 * Read a whole :include: file; its owner (root: nobody) in owner.  Its
 * entries may run commands and write files as its owner, so it must pass
 * the same checks as a .forward (secure_file_check(), any owner) and not
 * be a symbolic link; otherwise the recipient is tempfailed with a log
 * line (ignoring it would silently drop the list's members).
 */
static int
expand_readfile(const char *path, char **bufp, size_t *lenp, char *owner,
    size_t ownersz)
{
	struct stat	 sb;
	struct passwd	*pw;
	const char	*why;
	char		*buf;
	ssize_t		 n;
	int		 fd;

	fd = secure_file_open(path, SECURE_FILE_ANY_OWNER, &why);
	if (fd == -1 && why == NULL) {
		if (errno == ELOOP)
			log_warnx("expand: %s: include file is a symbolic "
			    "link, ignored", path);
		else
			log_warn("expand: %s", path);
		return (-1);
	}
	if (fd != -1) {
		if (fstat(fd, &sb) == -1)
			why = "cannot be examined";
		else if (sb.st_size > EXPAND_FILE_MAX)
			why = "is too large";
	}
	if (why != NULL) {
		log_warnx("expand: include file %s %s, refused (it must be a "
		    "regular file with one link, writable only by its owner, "
		    "in a directory no one else may write to)", path, why);
		if (fd != -1)
			close(fd);
		return (-1);
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	if ((n = read_full(fd, buf, (size_t)sb.st_size)) == -1) {
		log_warn("expand: %s", path);
		free(buf);
		close(fd);
		return (-1);
	}
	close(fd);
	buf[n] = '\0';
	if (sb.st_uid == 0 || (pw = getpwuid(sb.st_uid)) == NULL)
		(void)strlcpy(owner, SMTPD_USER_NOBODY, ownersz);
	else
		(void)strlcpy(owner, pw->pw_name, ownersz);
	*bufp = buf;
	*lenp = (size_t)n;
	return (0);
}

/*
 * Lines of a .forward or :include: file; '#' starts a comment line.
 * Returns the number of valid entries.
 */
static int
expand_lines(struct expand_run *run, struct expand_node *parent,
    const char *buf, size_t len, const char *owner, int forwarded)
{
	char		 line[ARG_MAX_CONF * 4];
	const char	*p = buf, *end = buf + len, *nl;
	size_t		 l;
	int		 n = 0;

	while (p < end && run->sess->status == ST_OK) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		l = (size_t)(nl - p);
		if (l >= sizeof(line) || memchr(p, '\0', l) != NULL) {
			log_warnx("expand: line too long or binary in %s "
			    "file, ignored", forwarded ? ".forward" :
			    "include");
		} else {
			memcpy(line, p, l);
			line[l] = '\0';
			l = strspn(line, " \t\r");
			if (line[l] != '#' && line[l] != '\0')
				n += expand_list(run, parent, line, owner,
				    forwarded);
		}
		p = nl + 1;
	}
	return (n);
}

/* Expand an alias value list under parent; the number of valid items. */
static int
expand_list(struct expand_run *run, struct expand_node *parent,
    const char *list, const char *owner, int forwarded)
{
	struct alias_item	 it;
	char			 item[ARG_MAX_CONF];
	char			 esc[ARG_MAX_CONF];
	const char		*cursor = list;
	int			 r, n = 0;

	while (run->sess->status == ST_OK &&
	    (r = alias_next(&cursor, item, sizeof(item))) == 1) {
		if (alias_parse(&it, item) == -1 ||
		    (forwarded && it.type == ALIAS_INCLUDE)) {
			(void)log_escape(esc, sizeof(esc), item, strlen(item));
			log_warnx("expand: %s entry \"%s\" ignored",
			    forwarded ? ".forward" : "invalid", esc);
			continue;
		}
		n++;
		if (expand_child(run, parent, &it, owner) == -1)
			break;
	}
	if (r == -1)
		log_warnx("expand: unbalanced quote or entry too long, "
		    "rest of the list ignored");
	return (n);
}

static int
expand_child(struct expand_run *run, struct expand_node *parent,
    const struct alias_item *it, const char *owner)
{
	struct expand_node	*xn;

	xn = xcalloc(1, sizeof(*xn));
	xn->parent = parent;
	xn->depth = parent->depth + 1;
	xn->fwdonly = parent->fwdonly;
	(void)strlcpy(xn->action, parent->action, sizeof(xn->action));
	(void)strlcpy(xn->owner, owner, sizeof(xn->owner));
	xn->addr = parent->addr;
	switch (it->type) {
	case ALIAS_ADDRESS:
		xn->type = XN_ADDRESS;
		xn->addr = it->addr;
		xn->action[0] = '\0';
		break;
	case ALIAS_USERNAME:
		xn->type = XN_USERNAME;
		xn->noalias = it->escaped;
		(void)strlcpy(xn->addr.user, it->value, sizeof(xn->addr.user));
		xn->sameuser = parent->type == XN_USERNAME &&
		    strcmp(parent->value, it->value) == 0;
		break;
	case ALIAS_PIPE:
		xn->type = XN_PIPE;
		break;
	case ALIAS_FILE:
		xn->type = XN_FILE;
		break;
	case ALIAS_INCLUDE:
		xn->type = XN_INCLUDE;
		break;
	}
	if (xn->type != XN_ADDRESS)
		(void)strlcpy(xn->value, it->value, sizeof(xn->value));
	return (expand_insert(run->sess, xn));
}

/* Takes xn.  0 inserted or duplicate, -1 error (loop, too many). */
static int
expand_insert(struct expand_session *sess, struct expand_node *xn)
{
	struct expand_node	*p;

	if (xn->depth > EXPAND_DEPTH_MAX) {
		free(xn);
		expand_fail(sess, ST_PERMFAIL,
		    "550 5.4.6 <%s>: alias/forward loop", sess->rcpt);
		return (-1);
	}
	for (p = xn->parent; p != NULL && !xn->sameuser; p = p->parent) {
		if (expand_node_cmp(p, xn) == 0) {
			free(xn);
			expand_fail(sess, ST_PERMFAIL,
			    "550 5.4.6 <%s>: alias/forward loop", sess->rcpt);
			return (-1);
		}
	}
	if (RB_FIND(expand_tree, &sess->seen, xn) != NULL) {
		free(xn);
		return (0);
	}
	if (++sess->nnodes > EXPAND_NODES_MAX) {
		free(xn);
		expand_fail(sess, ST_PERMFAIL, "550 5.5.3 <%s>: "
		    "Too many recipients in alias expansion", sess->rcpt);
		return (-1);
	}
	RB_INSERT(expand_tree, &sess->seen, xn);
	TAILQ_INSERT_TAIL(&sess->nodes, xn, all);
	TAILQ_INSERT_TAIL(&sess->todo, xn, work);
	return (0);
}

/* One final recipient; duplicates are dropped. */
static void
expand_emit(struct expand_run *run, struct expand_node *xn,
    const struct action *a, enum delivery_type dtype, const char *user)
{
	struct expand_session	*sess = run->sess;
	struct expand_evp	*e;
	struct envelope		*evp;
	int			 local;

	e = xcalloc(1, sizeof(*e));
	evp = &e->evp;
	evp->flags = sess->req.flags;
	(void)strlcpy(evp->tag, sess->req.tag, sizeof(evp->tag));
	(void)strlcpy(evp->helo, sess->req.helo, sizeof(evp->helo));
	(void)strlcpy(evp->hostname, sess->req.hostname,
	    sizeof(evp->hostname));
	(void)strlcpy(evp->src, sess->req.src, sizeof(evp->src));
	evp->peeruid = sess->req.peeruid;
	evp->sender = sess->req.sender;
	evp->rcpt = sess->req.rcpt;
	evp->dest = xn->addr;
	if (evp->dest.domain[0] == '\0')
		(void)strlcpy(evp->dest.domain, run->conf->hostname,
		    sizeof(evp->dest.domain));
	(void)strlcpy(evp->action, a->name, sizeof(evp->action));
	evp->dtype = dtype;
	(void)strlcpy(evp->user, user, sizeof(evp->user));
	if (dtype != DT_MAILBOX)
		(void)strlcpy(evp->arg, xn->value, sizeof(evp->arg));
	if (expand_check_user(run, a, evp) == -1) {
		free(e);
		return;
	}
	if (xn->fwdonly) {
		local = ruleset_local_domain(run->tables, evp->dest.domain);
		if (local != 0) {
			free(e);
			if (local == -1)
				expand_tempfail(sess);
			else
				expand_fail(sess, ST_PERMFAIL, "550 5.7.1 <%s>: "
				    "Recipient address rejected: only "
				    "forwarding is allowed", sess->rcpt);
			return;
		}
	}
	if (RB_INSERT(expand_evptree, &sess->evptree, e) != NULL) {
		free(e);
		return;
	}
	TAILQ_INSERT_TAIL(&sess->evplist, e, list);
	sess->nevp++;
}

/*
 * What the parent will do with this envelope, checked now so that a
 * recipient the delivery would fail for is refused at RCPT rather than
 * bounced: the mailbox path (same mda_mailbox_path() as the agents) or
 * the command (same mda_expand()) must expand for this user, and a
 * command or file from root's .forward runs as SMTPD_USER_NOBODY, never
 * as root.  Root's own mailbox is always an mbox the parent can make
 * (smtpd/parent_agent_root.c).  The daemon's own and system accounts get
 * no mailbox delivery (lka/account.c), unless an alias sent them on.
 */
static int
expand_check_user(struct expand_run *run, const struct action *a,
    struct envelope *evp)
{
	struct deliver	*d;
	const char	*why;
	uid_t		 uid;
	int		 r;

	if (run->sess->ops->userinfo == NULL || evp->dtype == DT_FILE ||
	    (evp->dtype == DT_MAILBOX &&
	    (a->method == A_LMTP || a->method == A_RELAY)))
		return (0);
	d = xcalloc(1, sizeof(*d));
	d->evp = *evp;
	(void)strlcpy(d->username, evp->user, sizeof(d->username));
	r = run->sess->ops->userinfo(run->sess->arg, evp->user, &uid,
	    d->home, sizeof(d->home));
	if (r == -1)
		expand_tempfail(run->sess);
	else if (r == 0 && evp->dtype == DT_MAILBOX)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: "
		    "Recipient address rejected: no such user %s",
		    run->sess->rcpt, evp->user);
	else if (r == 1 && uid == 0 && evp->dtype == DT_PIPE) {
		(void)strlcpy(evp->user, SMTPD_USER_NOBODY, sizeof(evp->user));
		(void)strlcpy(d->username, evp->user, sizeof(d->username));
		d->home[0] = '\0';
		r = run->sess->ops->userinfo(run->sess->arg, evp->user, &uid,
		    d->home, sizeof(d->home));
	}
	if (r == 1 && uid != 0 && evp->dtype == DT_MAILBOX &&
	    a->user[0] == '\0' && run->sess->ops->nomailbox != NULL &&
	    run->sess->ops->nomailbox(run->sess->arg, evp->user))
		expand_fail(run->sess, ST_PERMFAIL, "550 5.1.1 <%s>: "
		    "Recipient address rejected: %s is a system account "
		    "without a mailbox", run->sess->rcpt, evp->user);
	else if (r == 1 && (uid != 0 || evp->dtype == DT_PIPE) &&
	    (why = expand_check_path(a, d)) != NULL)
		expand_fail(run->sess, ST_PERMFAIL, "550 5.3.5 <%s>: "
		    "Recipient address rejected: %s", run->sess->rcpt, why);
	free(d);
	return (run->sess->status == ST_OK ? 0 : -1);
}

/* NULL, or why the delivery d by a cannot work. */
static const char *
expand_check_path(const struct action *a, const struct deliver *d)
{
	static char	 msg[128];
	char		 buf[PATH_MAX];
	const char	*why, *cmd = a->arg;

	if (d->evp.dtype == DT_MAILBOX &&
	    (a->method == A_MBOX || a->method == A_MAILDIR)) {
		if (mda_mailbox_path(buf, sizeof(buf), a->method, a->arg, d,
		    &why) == 0)
			return (NULL);
		(void)snprintf(msg, sizeof(msg), "%s path %s",
		    a->method == A_MBOX ? "mbox" : "maildir", why);
		return (msg);
	}
	if (d->evp.dtype == DT_PIPE)
		cmd = d->evp.arg[0] == '|' ? d->evp.arg + 1 : d->evp.arg;
	else if (a->method != A_MDA)
		return (NULL);
	cmd += strspn(cmd, " \t");
	if (*cmd == '\0' || mda_expand(buf, sizeof(buf), cmd, d, 1) == -1)
		return ("command cannot be expanded for this user");
	return (NULL);
}

static void
expand_finish(struct expand_session *sess, const struct smtpd_config *conf)
{
	struct expand_evp	*e;
	time_t			 now;
	size_t			 i = 0;

	if (sess->status == ST_OK && sess->nevp == 0)
		expand_fail(sess, ST_PERMFAIL, "550 5.1.1 <%s>: Recipient "
		    "address rejected: no deliverable address", sess->rcpt);
	if (sess->status != ST_OK) {
		sess->nevp = 0;
		return;
	}
	now = time(NULL);
	sess->evps = xreallocarray(NULL, sess->nevp, sizeof(*sess->evps));
	TAILQ_FOREACH(e, &sess->evplist, list) {
		sess->evps[i] = e->evp;
		if (sess->req.msgid != 0)
			sess->evps[i].id = evpid_make(sess->req.msgid);
		sess->evps[i].ctime = now;
		sess->evps[i].expire = now + conf->queue_ttl;
		i++;
	}
}

/* "user+ext" -> "user" */
static void
expand_baseuser(const char *user, char *base, size_t basesz)
{
	char	*p;

	(void)strlcpy(base, user, basesz);
	if ((p = strchr(base, SUBADDR_DELIM)) != NULL && p != base)
		*p = '\0';
}
