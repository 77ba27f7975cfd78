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
 * cmd_mailbox.c -- the commands on folders and on the session itself:
 * CAPABILITY, NOOP, LOGOUT, ID, ENABLE, NAMESPACE, CREATE, DELETE,
 * RENAME, SUBSCRIBE/UNSUBSCRIBE, STATUS, CHECK, CLOSE/UNSELECT, EXPUNGE
 * and UID EXPUNGE, GETQUOTA/GETQUOTAROOT.  SELECT is in cmd_select.c,
 * LIST in cmd_list.c, APPEND in cmd_append.c.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "util.h"
#include "session.h"
#include "session_priv.h"

static const struct {
	const char	*name;
	unsigned int	 ena;
} mb_enable[] = {
	{ "CONDSTORE",		ENA_CONDSTORE },
	{ "QRESYNC",		ENA_QRESYNC },
	{ "IMAP4rev2",		ENA_IMAP4REV2 },
	{ "UTF8=ACCEPT",	ENA_UTF8 },
};

static const struct {
	const char	*name;
	unsigned int	 item;
} mb_status_items[] = {
	{ "MESSAGES",		STATUS_MESSAGES },
	{ "RECENT",		STATUS_RECENT },
	{ "UIDNEXT",		STATUS_UIDNEXT },
	{ "UIDVALIDITY",	STATUS_UIDVALIDITY },
	{ "UNSEEN",		STATUS_UNSEEN },
	{ "DELETED",		STATUS_DELETED },
	{ "SIZE",		STATUS_SIZE },
	{ "HIGHESTMODSEQ",	STATUS_HIGHESTMODSEQ },
};

static const struct {
	const char	*name;
	unsigned int	 su;
} mb_special[] = {
	{ "\\All",	SU_ALL },
	{ "\\Archive",	SU_ARCHIVE },
	{ "\\Drafts",	SU_DRAFTS },
	{ "\\Junk",	SU_JUNK },
	{ "\\Sent",	SU_SENT },
	{ "\\Trash",	SU_TRASH },
};

/*
 * Mailbox names.
 */

int
conn_mbox_name(struct imap_conn *c, const struct imap_arg *a, struct buf *b,
    const char **err)
{
	buf_reset(b);
	if (!imap_arg_astring(a)) {
		*err = "Mailbox name expected";
		return (-1);
	}
	if (memchr(a->s, '\0', a->len) != NULL) {
		*err = "NUL in mailbox name";
		return (-1);
	}
	if (conn_utf8(c)) {
		if (!imap_utf8_valid(a->s, a->len)) {
			*err = "Mailbox name is not UTF-8";
			return (-1);
		}
		buf_add(b, a->s, a->len);
	} else if (imap_mutf7_to_utf8(a->s, b) == -1) {
		*err = "Mailbox name is not modified UTF-7";
		return (-1);
	}
	if (b->len == 0)
		buf_add(b, "", 0);
	while (b->len > 1 && b->s[b->len - 1] == '/')
		b->s[--b->len] = '\0';
	if (strncasecmp(b->s, "INBOX", 5) == 0 &&
	    (b->s[5] == '\0' || b->s[5] == '/'))
		memcpy(b->s, "INBOX", 5);
	return (0);
}

void
conn_add_mbox_name(struct imap_conn *c, struct buf *b, const char *name)
{
	struct buf	 t;

	if (conn_utf8(c)) {
		buf_add_astring(b, name, strlen(name), 1);
		return;
	}
	buf_init(&t);
	imap_utf8_to_mutf7(name, &t);
	if (t.s == NULL)
		buf_add(&t, "", 0);
	buf_add_astring(b, t.s, t.len, 0);
	buf_free(&t);
}

/* "NO text" for a store error: the store's text has its code */
static void
mb_no(struct imap_conn *c, const char *err, const char *dflt)
{
	conn_tagged(c, "NO", "%s", err != NULL ? err : dflt);
}

/*
 * The session.
 */

void
cmd_capability(struct imap_conn *c)
{
	struct buf	 b;

	if (c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "CAPABILITY takes no argument");
		return;
	}
	buf_init(&b);
	imap_capability(&b, CAPA_AUTH, c->tls[0] != '\0', 0, 0,
	    session_params()->max_append);
	conn_untagged(c, "CAPABILITY %s", b.s);
	buf_free(&b);
	conn_tagged(c, "OK", "CAPABILITY completed");
}

void
cmd_noop(struct imap_conn *c)
{
	if (c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "%s takes no argument", c->cmd.name);
		return;
	}
	conn_tagged(c, "OK", "%s completed", c->cmd.name);
}

void
cmd_check(struct imap_conn *c)
{
	cmd_noop(c);
}

void
cmd_logout(struct imap_conn *c)
{
	if (c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "LOGOUT takes no argument");
		return;
	}
	conn_untagged(c, "BYE Logging out");
	conn_tagged(c, "OK", "LOGOUT completed");
	c->state = CS_LOGOUT;
}

void
cmd_id(struct imap_conn *c)
{
	const struct imap_arg	*a = c->cmd.args;

	if (c->cmd.nargs != 1 || (a->type != IMAP_ARG_NIL &&
	    a->type != IMAP_ARG_LIST) || (a->type == IMAP_ARG_LIST &&
	    (a->nlist % 2 != 0 || a->nlist > 60))) {
		conn_tagged(c, "BAD", "ID takes NIL or a list of pairs");
		return;
	}
	conn_untagged(c, "ID (\"name\" \"cartero\" \"vendor\" \"cartero\")");
	conn_tagged(c, "OK", "ID completed");
}

void
cmd_enable(struct imap_conn *c)
{
	struct buf	 b;
	unsigned int	 ena;
	size_t		 i, j;

	if (c->cmd.nargs == 0) {
		conn_tagged(c, "BAD", "ENABLE needs a capability");
		return;
	}
	for (i = 0; i < c->cmd.nargs; i++)
		if (c->cmd.args[i].type != IMAP_ARG_ATOM) {
			conn_tagged(c, "BAD", "ENABLE takes atoms");
			return;
		}
	buf_init(&b);
	buf_adds(&b, "ENABLED");
	for (i = 0; i < c->cmd.nargs; i++)
		for (j = 0; j < sizeof(mb_enable) / sizeof(mb_enable[0]); j++) {
			ena = mb_enable[j].ena;
			if (strcasecmp(c->cmd.args[i].s, mb_enable[j].name) != 0
			    || (c->enabled & ena))
				continue;
			c->enabled |= ena;
			buf_addc(&b, ' ');
			buf_adds(&b, mb_enable[j].name);
		}
	if (c->enabled & ENA_QRESYNC)
		c->enabled |= ENA_CONDSTORE;
	if (c->enabled & ENA_CONDSTORE)
		c->condstore = 1;
	conn_untagged(c, "%s", b.s);
	buf_free(&b);
	conn_tagged(c, "OK", "ENABLE completed");
}

void
cmd_namespace(struct imap_conn *c)
{
	if (c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "NAMESPACE takes no argument");
		return;
	}
	conn_untagged(c, "NAMESPACE ((\"\" \"/\")) NIL NIL");
	conn_tagged(c, "OK", "NAMESPACE completed");
}

/*
 * Folders.
 */

/* CREATE's (USE (\Sent ...)) (RFC 6154 5.2); -1 for a BAD, -2 for NO */
static int
mb_create_use(const struct imap_arg *a, unsigned int *su)
{
	const struct imap_arg	*u;
	size_t			 i, j;

	*su = 0;
	if (a->type != IMAP_ARG_LIST || a->nlist != 2 ||
	    a->list[0].type != IMAP_ARG_ATOM ||
	    strcasecmp(a->list[0].s, "USE") != 0 ||
	    a->list[1].type != IMAP_ARG_LIST)
		return (-1);
	u = a->list[1].list;
	for (i = 0; i < a->list[1].nlist; i++) {
		if (u[i].type != IMAP_ARG_ATOM)
			return (-1);
		for (j = 0; j < sizeof(mb_special) / sizeof(mb_special[0]);
		    j++)
			if (strcasecmp(u[i].s, mb_special[j].name) == 0)
				break;
		if (j == sizeof(mb_special) / sizeof(mb_special[0]))
			return (-2);
		*su |= mb_special[j].su;
	}
	return (0);
}

void
cmd_create(struct imap_conn *c)
{
	struct buf	 name;
	const char	*err = NULL;
	unsigned int	 su = 0;
	int		 r;

	buf_init(&name);
	if (c->cmd.nargs < 1 || c->cmd.nargs > 2 ||
	    conn_mbox_name(c, &c->cmd.args[0], &name, &err) == -1) {
		conn_tagged(c, "BAD", "%s", err ? err : "CREATE name [(USE)]");
		goto done;
	}
	if (c->cmd.nargs == 2 &&
	    (r = mb_create_use(&c->cmd.args[1], &su)) != 0) {
		if (r == -2)
			conn_tagged(c, "NO", "[USEATTR] Unknown special use");
		else
			conn_tagged(c, "BAD", "CREATE name (USE (attrs))");
		goto done;
	}
	if (name.len == 0 || strcmp(name.s, "INBOX") == 0)
		conn_tagged(c, "NO", "[ALREADYEXISTS] %s", name.len ?
		    "INBOX exists" : "Empty name");
	else if (mstore_create(c->store, name.s, su, &err) == -1)
		mb_no(c, err, "[CANNOT] Cannot create the folder");
	else
		conn_tagged(c, "OK", "CREATE completed");
 done:
	buf_free(&name);
}

void
cmd_delete(struct imap_conn *c)
{
	struct buf	 name;
	const char	*err = NULL;

	buf_init(&name);
	if (c->cmd.nargs != 1 ||
	    conn_mbox_name(c, &c->cmd.args[0], &name, &err) == -1)
		conn_tagged(c, "BAD", "%s", err ? err : "DELETE name");
	else if (strcmp(name.s, "INBOX") == 0)
		conn_tagged(c, "NO", "[CANNOT] INBOX cannot be deleted");
	else if (c->mbox != NULL && strcmp(mbox_name(c->mbox), name.s) == 0)
		conn_tagged(c, "NO", "[INUSE] The folder is selected");
	else if (mstore_delete(c->store, name.s, &err) == -1)
		mb_no(c, err, "[CANNOT] Cannot delete the folder");
	else
		conn_tagged(c, "OK", "DELETE completed");
	buf_free(&name);
}

void
cmd_rename(struct imap_conn *c)
{
	struct buf	 from, to;
	const char	*err = NULL;

	buf_init(&from);
	buf_init(&to);
	if (c->cmd.nargs != 2 ||
	    conn_mbox_name(c, &c->cmd.args[0], &from, &err) == -1 ||
	    conn_mbox_name(c, &c->cmd.args[1], &to, &err) == -1)
		conn_tagged(c, "BAD", "%s", err ? err : "RENAME from to");
	else if (to.len == 0 || strcmp(to.s, "INBOX") == 0)
		conn_tagged(c, "NO", "[ALREADYEXISTS] Bad new name");
	else if (mstore_rename(c->store, from.s, to.s, &err) == -1)
		mb_no(c, err, "[CANNOT] Cannot rename the folder");
	else
		conn_tagged(c, "OK", "RENAME completed");
	buf_free(&from);
	buf_free(&to);
}

void
cmd_subscribe(struct imap_conn *c)
{
	struct buf	 name;
	const char	*err = NULL;
	int		 on = strcmp(c->cmd.name, "SUBSCRIBE") == 0;

	buf_init(&name);
	if (c->cmd.nargs != 1 ||
	    conn_mbox_name(c, &c->cmd.args[0], &name, &err) == -1)
		conn_tagged(c, "BAD", "%s", err ? err : "name expected");
	else if (mstore_subscribe(c->store, name.s, on, &err) == -1)
		mb_no(c, err, "[CANNOT] Cannot change the subscriptions");
	else
		conn_tagged(c, "OK", "%s completed", c->cmd.name);
	buf_free(&name);
}

/*
 * STATUS, also for LIST-STATUS.
 */

int
conn_status_items(const struct imap_arg *a, unsigned int *items,
    const char **err)
{
	size_t	 i, j;

	*items = 0;
	if (a->type != IMAP_ARG_LIST || a->nlist == 0) {
		*err = "STATUS items list expected";
		return (-1);
	}
	for (i = 0; i < a->nlist; i++) {
		for (j = 0; j < sizeof(mb_status_items) /
		    sizeof(mb_status_items[0]); j++)
			if (a->list[i].type == IMAP_ARG_ATOM &&
			    strcasecmp(a->list[i].s,
			    mb_status_items[j].name) == 0)
				break;
		if (j == sizeof(mb_status_items) / sizeof(mb_status_items[0])) {
			*err = "Unknown STATUS item";
			return (-1);
		}
		*items |= mb_status_items[j].item;
	}
	return (0);
}

void
conn_send_status(struct imap_conn *c, const char *name, unsigned int items,
    const struct mbox_status *st)
{
	struct buf	 b;
	uint64_t	 v = 0;
	size_t		 j;

	buf_init(&b);
	buf_adds(&b, "* STATUS ");
	conn_add_mbox_name(c, &b, name);
	buf_adds(&b, " (");
	for (j = 0; j < sizeof(mb_status_items) / sizeof(mb_status_items[0]);
	    j++) {
		if (!(items & mb_status_items[j].item))
			continue;
		switch (mb_status_items[j].item) {
		case STATUS_MESSAGES:	v = st->messages; break;
		case STATUS_RECENT:	v = st->recent; break;
		case STATUS_UIDNEXT:	v = st->uidnext; break;
		case STATUS_UIDVALIDITY: v = st->uidvalidity; break;
		case STATUS_UNSEEN:	v = st->unseen; break;
		case STATUS_DELETED:	v = st->deleted; break;
		case STATUS_SIZE:	v = st->size; break;
		default:		v = st->highestmodseq; break;
		}
		if (b.s[b.len - 1] != '(')
			buf_addc(&b, ' ');
		buf_adds(&b, mb_status_items[j].name);
		buf_addc(&b, ' ');
		buf_addu64(&b, v);
	}
	buf_add(&b, ")\r\n", 3);
	conn_write_buf(c, &b);
	buf_free(&b);
}

void
cmd_status(struct imap_conn *c)
{
	struct mbox_status	 st;
	struct buf		 name;
	const char		*err = NULL;
	unsigned int		 items;

	buf_init(&name);
	memset(&st, 0, sizeof(st));
	if (c->cmd.nargs != 2 ||
	    conn_mbox_name(c, &c->cmd.args[0], &name, &err) == -1 ||
	    conn_status_items(&c->cmd.args[1], &items, &err) == -1)
		conn_tagged(c, "BAD", "%s", err ? err : "STATUS name (items)");
	else if (mstore_status(c->store, name.s, &st, &err) == -1)
		mb_no(c, err, "[NONEXISTENT] No such folder");
	else {
		if (items & STATUS_HIGHESTMODSEQ)
			c->condstore = 1;	/* RFC 7162 3.1 */
		conn_send_status(c, name.s, items, &st);
		conn_tagged(c, "OK", "STATUS completed");
	}
	buf_free(&name);
}

/*
 * Leaving a folder, expunging.
 */

void
cmd_close(struct imap_conn *c)
{
	struct mbox_changes	 ch;

	if (c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "%s takes no argument", c->cmd.name);
		return;
	}
	if (strcmp(c->cmd.name, "CLOSE") == 0 && !c->readonly) {
		/* silently: no EXPUNGE responses (RFC 9051 6.4.1) */
		memset(&ch, 0, sizeof(ch));
		if (mbox_expunge(c->mbox, NULL, 0, &ch) == 0)
			c->n_expunged += ch.nexpunged;
		mbox_changes_free(&ch);
	}
	conn_unselect(c);
	conn_tagged(c, "OK", "%s completed", c->cmd.name);
}

void
conn_unselect(struct imap_conn *c)
{
	if (c->mbox != NULL)
		mbox_close(c->mbox);
	c->mbox = NULL;
	c->readonly = 0;
	free(c->saved);
	c->saved = NULL;
	c->nsaved = 0;
	if (c->state == CS_SELECTED)
		c->state = CS_AUTH;
}

/* UID EXPUNGE's set as UIDs ("$" is the saved result's UIDs) */
static int
mb_expunge_set(struct imap_conn *c, struct seqset *set, const char **err)
{
	const struct imap_arg	*a = c->cmd.args;
	size_t			 i;

	memset(set, 0, sizeof(*set));
	if (c->cmd.nargs != 1 || a->type != IMAP_ARG_ATOM) {
		*err = "UID EXPUNGE takes a UID set";
		return (-1);
	}
	if (imap_seqset_parse(a->s, set, err) == -1)
		return (-1);
	if (!set->saved)
		return (0);
	seqset_free(set);
	memset(set, 0, sizeof(*set));
	set->r = xreallocarray(NULL, c->nsaved + 1, sizeof(*set->r));
	for (i = 0; i < c->nsaved; i++)
		set->r[i].lo = set->r[i].hi = c->saved[i];
	set->n = c->nsaved;
	return (0);
}

void
cmd_expunge(struct imap_conn *c)
{
	struct mbox_changes	 ch;
	struct seqset		 set;
	const char		*err = NULL;

	memset(&set, 0, sizeof(set));
	memset(&ch, 0, sizeof(ch));
	if (!c->cmd.uid && c->cmd.nargs != 0) {
		conn_tagged(c, "BAD", "EXPUNGE takes no argument");
		return;
	}
	if (c->cmd.uid && mb_expunge_set(c, &set, &err) == -1) {
		conn_tagged(c, "BAD", "%s", err ? err : "Bad UID set");
		goto done;
	}
	if (c->readonly) {
		conn_tagged(c, "NO", "[READ-ONLY] The folder is read-only");
		goto done;
	}
	if (mbox_expunge(c->mbox, c->cmd.uid ? &set : NULL, 0, &ch) == -1) {
		conn_tagged(c, "NO", "[SERVERBUG] Expunge failed");
		goto done;
	}
	c->n_expunged += ch.nexpunged;
	conn_send_changes(c, &ch);
	if (c->condstore)
		conn_tagged(c, "OK", "[HIGHESTMODSEQ %llu] %sEXPUNGE completed",
		    (unsigned long long)mbox_highestmodseq(c->mbox),
		    c->cmd.uid ? "UID " : "");
	else
		conn_tagged(c, "OK", "%sEXPUNGE completed",
		    c->cmd.uid ? "UID " : "");
 done:
	mbox_changes_free(&ch);
	if (set.r != NULL)
		seqset_free(&set);
}

/*
 * QUOTA (RFC 9208): one root, "", over all folders.
 */

static void
mb_quota_line(struct imap_conn *c)
{
	const struct session_params	*p = session_params();
	struct buf			 b;
	uint64_t			 bytes = 0, msgs = 0;

	(void)mstore_usage(c->store, &bytes, &msgs);
	buf_init(&b);
	buf_adds(&b, "QUOTA \"\" (");
	if (p->quota_bytes > 0)
		buf_addf(&b, "STORAGE %llu %llu",
		    (unsigned long long)((bytes + 1023) / 1024),
		    (unsigned long long)(p->quota_bytes / 1024));
	if (p->quota_msgs > 0)
		buf_addf(&b, "%sMESSAGE %llu %llu", p->quota_bytes ? " " : "",
		    (unsigned long long)msgs,
		    (unsigned long long)p->quota_msgs);
	buf_addc(&b, ')');
	conn_untagged(c, "%s", b.s);
	buf_free(&b);
}

void
cmd_getquota(struct imap_conn *c)
{
	const struct session_params	*p = session_params();
	struct buf			 name, b;
	const char			*err = NULL;
	int				 have;

	have = p->quota_bytes > 0 || p->quota_msgs > 0;
	buf_init(&name);
	buf_init(&b);
	if (c->cmd.nargs != 1 ||
	    (strcmp(c->cmd.name, "GETQUOTA") == 0 ?
	    !imap_arg_astring(&c->cmd.args[0]) :
	    conn_mbox_name(c, &c->cmd.args[0], &name, &err) == -1))
		conn_tagged(c, "BAD", "%s", err ? err : "Argument expected");
	else if (strcmp(c->cmd.name, "GETQUOTA") == 0) {
		if (!have || c->cmd.args[0].len != 0)
			conn_tagged(c, "NO",
			    "[NONEXISTENT] No such quota root");
		else {
			mb_quota_line(c);
			conn_tagged(c, "OK", "GETQUOTA completed");
		}
	} else if (!mstore_exists(c->store, name.s))
		conn_tagged(c, "NO", "[NONEXISTENT] No such folder");
	else {
		buf_adds(&b, "QUOTAROOT ");
		conn_add_mbox_name(c, &b, name.s);
		if (have)
			buf_adds(&b, " \"\"");
		conn_untagged(c, "%s", b.s);
		if (have)
			mb_quota_line(c);
		conn_tagged(c, "OK", "GETQUOTAROOT completed");
	}
	buf_free(&name);
	buf_free(&b);
}
