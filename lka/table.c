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
 * table.c -- loaded tables and their lookups.
 *
 * A table is a sorted array of (key, value) entries searched with
 * bsearch(3); keys are stored lowercased.  Keys that are addresses or
 * CIDR blocks are also kept in a second sorted array of masked networks,
 * searched once per prefix length present in the table, so every lookup
 * is O(log n).  Built-in tables: <localhost>, <localnames>, <getpwnam>.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <ifaddrs.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "lka.h"

#define TT_NONE		0
#define TT_LIST		1
#define TT_MAP		2

#define TB_NONE		0
#define TB_LOCALHOST	1	/* also matches the local socket */
#define TB_GETPWNAM	2	/* no entries: asks getpwnam(3) */

#define LOCALADDR_MAX	32

struct table_entry {
	char		*key;
	char		*value;
	int		 line;
};

struct table_net {
	int		 family;
	int		 plen;
	uint8_t		 addr[16];
};

struct table_db {
	char			 name[NAME_MAX_CONF];
	char			 source[PATH_MAX];
	char			 owner[USER_MAX];
	int			 builtin;
	int			 type;
	struct table_entry	*ent;
	size_t			 nent;
	size_t			 ment;
	struct table_net	*net;
	size_t			 nnet;
	size_t			 mnet;
	uint64_t		 plen4;		/* bit n: /n present */
	uint64_t		 plen6[3];
};

struct table_set {
	struct table_db		**db;
	size_t			  ndb;
};

static int	table_entry_cmp(const void *, const void *);
static int	table_entry_key_cmp(const void *, const void *);
static int	table_net_cmp(const void *, const void *);
static int	table_net_parse(const char *, struct table_net *);
static void	table_net_mask(struct table_net *);
static int	table_net_of(const struct sockaddr *, struct table_net *);
static void	table_net_add(struct table_db *, const struct table_net *);
static int	table_net_find(const struct table_db *, struct table_net *);
static int	table_match_domain(const struct table_db *, const char *);
static struct table_db *table_builtin_localhost(void);
static struct table_db *table_builtin_localnames(const char *);
static struct table_db *table_static(const struct table *, char *, size_t);

static char	 table_localaddr[LOCALADDR_MAX][ADDRTEXT_MAX + 8];
static size_t	 table_nlocaladdr;
static int	 table_localaddr_done;

struct table_db *
table_db_new(const char *name)
{
	struct table_db	*db;

	db = xcalloc(1, sizeof(*db));
	if (strlcpy(db->name, name, sizeof(db->name)) >= sizeof(db->name))
		fatalx("table name too long: %s", name);
	(void)strlcpy(db->owner, SMTPD_USER_NOBODY, sizeof(db->owner));
	return (db);
}

void
table_db_free(struct table_db *db)
{
	size_t	 i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nent; i++) {
		free(db->ent[i].key);
		free(db->ent[i].value);
	}
	free(db->ent);
	free(db->net);
	free(db);
}

int
table_db_add(struct table_db *db, const char *key, const char *value,
    int line, char *err, size_t errsz)
{
	struct table_entry	*e;
	struct table_net	 n;
	int			 type = value == NULL ? TT_LIST : TT_MAP;

	if (*key == '\0') {
		(void)snprintf(err, errsz, "%s:%d: empty key", db->source, line);
		return (-1);
	}
	if (db->type != TT_NONE && db->type != type) {
		(void)snprintf(err, errsz, "%s:%d: %s entry in a %s table",
		    db->source, line, type == TT_MAP ? "map" : "list",
		    db->type == TT_MAP ? "map" : "list");
		return (-1);
	}
	db->type = type;
	if (db->nent == db->ment) {
		db->ment = db->ment == 0 ? 16 : db->ment * 2;
		db->ent = xreallocarray(db->ent, db->ment, sizeof(*db->ent));
	}
	e = &db->ent[db->nent++];
	e->key = lowercase(xstrdup(key));
	e->value = value == NULL ? NULL : xstrdup(value);
	e->line = line;
	if (table_net_parse(e->key, &n) == 0)
		table_net_add(db, &n);
	return (0);
}

int
table_db_finish(struct table_db *db, char *err, size_t errsz)
{
	size_t	 i, o;

	if (db->nent > 0)
		qsort(db->ent, db->nent, sizeof(*db->ent), table_entry_cmp);
	if (db->nnet > 0)
		qsort(db->net, db->nnet, sizeof(*db->net), table_net_cmp);
	for (i = 1, o = db->nent ? 1 : 0; i < db->nent; i++) {
		if (strcmp(db->ent[i].key, db->ent[o - 1].key) != 0) {
			db->ent[o++] = db->ent[i];
			continue;
		}
		if (db->type == TT_MAP) {
			(void)snprintf(err, errsz,
			    "%s:%d: duplicate key \"%s\" (first on line %d)",
			    db->source, db->ent[i].line, db->ent[i].key,
			    db->ent[o - 1].line);
			/* keep the array consistent for table_db_free() */
			memmove(&db->ent[o], &db->ent[i],
			    (db->nent - i) * sizeof(*db->ent));
			db->nent = o + (db->nent - i);
			return (-1);
		}
		free(db->ent[i].key);
		free(db->ent[i].value);
	}
	db->nent = o;
	return (0);
}

const char *
table_db_name(const struct table_db *db)
{
	return (db->name);
}

int
table_db_is_map(const struct table_db *db)
{
	return (db->type == TT_MAP);
}

size_t
table_db_count(const struct table_db *db)
{
	return (db->nent);
}

int
table_db_entry(const struct table_db *db, size_t i, const char **key,
    const char **value)
{
	if (i >= db->nent)
		return (0);
	if (key != NULL)
		*key = db->ent[i].key;
	if (value != NULL)
		*value = db->ent[i].value != NULL ? db->ent[i].value :
		    db->ent[i].key;
	return (1);
}

const char *
table_db_owner(const struct table_db *db)
{
	return (db->owner);
}

void
table_db_set_owner(struct table_db *db, const char *owner)
{
	if (strlcpy(db->owner, owner, sizeof(db->owner)) >= sizeof(db->owner))
		(void)strlcpy(db->owner, SMTPD_USER_NOBODY,
		    sizeof(db->owner));
}

void
table_db_set_source(struct table_db *db, const char *source)
{
	(void)strlcpy(db->source, source, sizeof(db->source));
}

const char *
table_db_source(const struct table_db *db)
{
	return (db->source[0] != '\0' ? db->source : db->name);
}

static int
table_entry_cmp(const void *a, const void *b)
{
	const struct table_entry	*ea = a, *eb = b;
	int				 r;

	if ((r = strcmp(ea->key, eb->key)) != 0)
		return (r);
	return (ea->line < eb->line ? -1 : ea->line > eb->line);
}

static int
table_entry_key_cmp(const void *key, const void *b)
{
	const struct table_entry	*eb = b;

	return (strcmp(key, eb->key));
}

static int
table_net_cmp(const void *a, const void *b)
{
	const struct table_net	*na = a, *nb = b;

	if (na->family != nb->family)
		return (na->family < nb->family ? -1 : 1);
	if (na->plen != nb->plen)
		return (na->plen < nb->plen ? -1 : 1);
	return (memcmp(na->addr, nb->addr, sizeof(na->addr)));
}

/* "192.0.2.1", "192.0.2.0/24", "::1", "2001:db8::/32": 0 or -1. */
static int
table_net_parse(const char *s, struct table_net *n)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	char		*slash;
	const char	*errstr;
	int		 max;

	if (strlcpy(buf, s, sizeof(buf)) >= sizeof(buf))
		return (-1);
	memset(n, 0, sizeof(*n));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, n->addr) == 1) {
		n->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, n->addr) == 1) {
		n->family = AF_INET6;
		max = 128;
	} else
		return (-1);
	n->plen = max;
	if (slash != NULL) {
		n->plen = (int)strtonum(slash, 0, max, &errstr);
		if (errstr != NULL)
			return (-1);
	}
	table_net_mask(n);
	return (0);
}

static void
table_net_mask(struct table_net *n)
{
	int	 i, bits;

	for (i = 0; i < 16; i++) {
		bits = n->plen - i * 8;
		if (bits >= 8)
			continue;
		if (bits <= 0)
			n->addr[i] = 0;
		else
			n->addr[i] &= (uint8_t)(0xff << (8 - bits));
	}
}

/* Address of a socket; IPv4-mapped IPv6 becomes IPv4.  0 or -1. */
static int
table_net_of(const struct sockaddr *sa, struct table_net *n)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(n, 0, sizeof(*n));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		n->family = AF_INET;
		n->plen = 32;
		memcpy(n->addr, &sin->sin_addr, 4);
		return (0);
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			n->family = AF_INET;
			n->plen = 32;
			memcpy(n->addr, &sin6->sin6_addr.s6_addr[12], 4);
			return (0);
		}
		n->family = AF_INET6;
		n->plen = 128;
		memcpy(n->addr, &sin6->sin6_addr, 16);
		return (0);
	default:
		return (-1);
	}
}

static void
table_net_add(struct table_db *db, const struct table_net *n)
{
	if (db->nnet == db->mnet) {
		db->mnet = db->mnet == 0 ? 8 : db->mnet * 2;
		db->net = xreallocarray(db->net, db->mnet, sizeof(*db->net));
	}
	db->net[db->nnet++] = *n;
	if (n->family == AF_INET)
		db->plen4 |= 1ULL << n->plen;
	else
		db->plen6[n->plen / 64] |= 1ULL << (n->plen % 64);
}

/* Longest prefix first; n is a full-length address, clobbered. */
static int
table_net_find(const struct table_db *db, struct table_net *n)
{
	struct table_net	 key;
	uint64_t		 present;
	int			 plen;

	for (plen = n->plen; plen >= 0; plen--) {
		if (n->family == AF_INET)
			present = (db->plen4 >> plen) & 1;
		else
			present = (db->plen6[plen / 64] >> (plen % 64)) & 1;
		if (present == 0)
			continue;
		key = *n;
		key.plen = plen;
		table_net_mask(&key);
		if (bsearch(&key, db->net, db->nnet, sizeof(*db->net),
		    table_net_cmp) != NULL)
			return (1);
	}
	return (0);
}

/* 1 if user is a system user, 0 if not, -1 on a lookup error. */
int
table_getpwnam(const char *user)
{
	errno = 0;
	if (getpwnam(user) != NULL)
		return (1);
	switch (errno) {
	case EIO:
	case EINTR:
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ERANGE:
		log_warn("getpwnam");
		return (-1);
	default:
		return (0);
	}
}

/* Exact lookup of a key (lowercased here). */
int
table_get(const struct table_db *db, const char *key, const char **value)
{
	const struct table_entry	*e;
	char				 buf[MAILADDR_MAX + 2];

	if (value != NULL)
		*value = NULL;
	if (strlcpy(buf, key, sizeof(buf)) >= sizeof(buf))
		return (0);
	lowercase(buf);
	if (db->builtin == TB_GETPWNAM)
		return (table_getpwnam(buf));
	if (db->nent == 0)
		return (0);
	e = bsearch(buf, db->ent, db->nent, sizeof(*db->ent),
	    table_entry_key_cmp);
	if (e == NULL)
		return (0);
	if (value != NULL)
		*value = e->value != NULL ? e->value : e->key;
	return (1);
}

/* "a.b.example.org": itself, then "*.b.example.org", "*.example.org"... */
static int
table_match_domain(const struct table_db *db, const char *domain)
{
	char		 buf[DOMAIN_MAX + 2];
	const char	*p;
	int		 r;

	if (*domain == '\0' || db->builtin == TB_GETPWNAM)
		return (0);
	if ((r = table_get(db, domain, NULL)) != 0)
		return (r);
	for (p = strchr(domain, '.'); p != NULL; p = strchr(p + 1, '.')) {
		if ((size_t)snprintf(buf, sizeof(buf), "*%s", p) >= sizeof(buf))
			return (0);
		if ((r = table_get(db, buf, NULL)) != 0)
			return (r);
	}
	return (0);
}

int
table_match_netaddr(const struct table_db *db, const struct sockaddr *sa)
{
	struct table_net	 n;

	if (sa->sa_family == AF_UNIX)
		return (db->builtin == TB_LOCALHOST);
	if (table_net_of(sa, &n) == -1)
		return (0);
	return (table_net_find(db, &n));
}

/* "user@domain", then "@domain", then "user". */
int
table_match_mailaddr(const struct table_db *db, const struct mailaddr *ma)
{
	char	 buf[MAILADDR_MAX + 2];
	int	 r;

	if (db->builtin == TB_GETPWNAM)
		return (ma->user[0] == '\0' ? 0 : table_get(db, ma->user, NULL));
	if (ma->domain[0] != '\0') {
		if ((size_t)snprintf(buf, sizeof(buf), "%s@%s", ma->user,
		    ma->domain) >= sizeof(buf))
			return (0);
		if (ma->user[0] != '\0' && (r = table_get(db, buf, NULL)) != 0)
			return (r);
		if ((r = table_get(db, strchr(buf, '@'), NULL)) != 0)
			return (r);
	}
	if (ma->user[0] == '\0')
		return (0);
	return (table_get(db, ma->user, NULL));
}

/* A lookup by kind with a text key. */
int
table_lookup(const struct table_db *db, enum table_kind kind,
    const char *key, const char **value)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct mailaddr		 ma;

	if (value != NULL)
		*value = NULL;
	switch (kind) {
	case K_DOMAIN:
		return (table_match_domain(db, key));
	case K_NETADDR:
		memset(&ss, 0, sizeof(ss));
		if (inet_pton(AF_INET, key, &sin->sin_addr) == 1)
			ss.ss_family = AF_INET;
		else if (inet_pton(AF_INET6, key, &sin6->sin6_addr) == 1)
			ss.ss_family = AF_INET6;
		else
			return (0);
		return (table_match_netaddr(db, (struct sockaddr *)&ss));
	case K_MAILADDR:
		if (alias_mailaddr(&ma, key) == -1)
			return (0);
		return (table_match_mailaddr(db, &ma));
	case K_ALIAS:
	case K_USERINFO:
		return (table_get(db, key, value));
	}
	return (0);
}

int
table_literal_domain(const char *pattern, const char *domain)
{
	size_t	 plen, dlen;

	if (*domain == '\0')
		return (0);
	if (strcasecmp(pattern, domain) == 0)
		return (1);
	if (pattern[0] != '*' || pattern[1] != '.')
		return (0);
	plen = strlen(pattern + 1);
	dlen = strlen(domain);
	return (dlen > plen &&
	    strcasecmp(domain + dlen - plen, pattern + 1) == 0);
}

int
table_literal_netaddr(const char *pattern, const struct sockaddr *sa)
{
	struct table_net	 p, n;

	if (table_net_parse(pattern, &p) == -1 || table_net_of(sa, &n) == -1)
		return (0);
	if (p.family != n.family)
		return (0);
	n.plen = p.plen;
	table_net_mask(&n);
	return (memcmp(p.addr, n.addr, sizeof(p.addr)) == 0);
}

int
table_literal_mailaddr(const char *pattern, const struct mailaddr *ma)
{
	const char	*at;
	size_t		 ulen;

	if ((at = strrchr(pattern, '@')) == NULL)
		return (ma->user[0] != '\0' &&
		    strcasecmp(pattern, ma->user) == 0);
	if (strcasecmp(at + 1, ma->domain) != 0)
		return (0);
	ulen = (size_t)(at - pattern);
	if (ulen == 0)
		return (1);	/* "@domain" */
	return (strlen(ma->user) == ulen &&
	    strncasecmp(pattern, ma->user, ulen) == 0);
}

struct table_set *
table_set_new(void)
{
	return (xcalloc(1, sizeof(struct table_set)));
}

void
table_set_free(struct table_set *set)
{
	size_t	 i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ndb; i++)
		table_db_free(set->db[i]);
	free(set->db);
	free(set);
}

void
table_set_add(struct table_set *set, struct table_db *db)
{
	size_t	 i;

	for (i = 0; i < set->ndb; i++) {
		if (strcmp(set->db[i]->name, db->name) == 0) {
			table_db_free(set->db[i]);
			set->db[i] = db;
			return;
		}
	}
	set->db = xreallocarray(set->db, set->ndb + 1,
	    sizeof(struct table_db *));
	set->db[set->ndb++] = db;
}

struct table_db *
table_set_find(const struct table_set *set, const char *name)
{
	size_t	 i;

	for (i = 0; i < set->ndb; i++)
		if (strcmp(set->db[i]->name, name) == 0)
			return (set->db[i]);
	return (NULL);
}

/* Cache this host's address literals; called before the sandbox. */
void
table_localnames_init(void)
{
	struct ifaddrs	*ifa, *p;
	char		 addr[INET6_ADDRSTRLEN];
	const void	*src;
	char		*lit;

	if (table_localaddr_done)
		return;
	table_localaddr_done = 1;
	if (getifaddrs(&ifa) == -1) {
		log_warn("getifaddrs");
		return;
	}
	for (p = ifa; p != NULL && table_nlocaladdr < LOCALADDR_MAX;
	    p = p->ifa_next) {
		if (p->ifa_addr == NULL)
			continue;
		if (p->ifa_addr->sa_family == AF_INET)
			src = &((struct sockaddr_in *)p->ifa_addr)->sin_addr;
		else if (p->ifa_addr->sa_family == AF_INET6)
			src = &((struct sockaddr_in6 *)p->ifa_addr)->sin6_addr;
		else
			continue;
		if (inet_ntop(p->ifa_addr->sa_family, src, addr,
		    sizeof(addr)) == NULL || strchr(addr, '%') != NULL)
			continue;
		lit = table_localaddr[table_nlocaladdr++];
		(void)snprintf(lit, sizeof(table_localaddr[0]), "[%s%s]",
		    p->ifa_addr->sa_family == AF_INET6 ? "IPv6:" : "", addr);
	}
	freeifaddrs(ifa);
}

static struct table_db *
table_builtin_localhost(void)
{
	struct table_db	*db;
	char		 err[64];

	db = table_db_new(TABLE_LOCALHOST);
	db->builtin = TB_LOCALHOST;
	table_db_set_source(db, "<localhost>");
	if (table_db_add(db, "127.0.0.0/8", NULL, 0, err, sizeof(err)) == -1 ||
	    table_db_add(db, "::1", NULL, 0, err, sizeof(err)) == -1 ||
	    table_db_finish(db, err, sizeof(err)) == -1)
		fatalx("%s", err);
	return (db);
}

static struct table_db *
table_builtin_localnames(const char *hostname)
{
	static const char	*names[] = { "localhost",
				    "localhost.localdomain", "[127.0.0.1]",
				    "[IPv6:::1]" };
	struct table_db		*db;
	char			 err[64];
	size_t			 i;
	int			 r = 0;

	table_localnames_init();
	db = table_db_new(TABLE_LOCALNAMES);
	table_db_set_source(db, "<localnames>");
	if (hostname[0] != '\0')
		r |= table_db_add(db, hostname, NULL, 0, err, sizeof(err));
	for (i = 0; i < nitems(names); i++)
		r |= table_db_add(db, names[i], NULL, 0, err, sizeof(err));
	for (i = 0; i < table_nlocaladdr; i++)
		r |= table_db_add(db, table_localaddr[i], NULL, 0, err,
		    sizeof(err));
	if (r != 0 || table_db_finish(db, err, sizeof(err)) == -1)
		fatalx("%s", err);
	return (db);
}

static struct table_db *
table_static(const struct table *t, char *err, size_t errsz)
{
	struct table_db	*db;
	char		 src[NAME_MAX_CONF + 32];
	size_t		 i;

	db = table_db_new(t->name);
	(void)snprintf(src, sizeof(src), "table %s", t->name);
	table_db_set_source(db, src);
	for (i = 0; i < t->count; i++) {
		if (table_db_add(db, t->keys[i],
		    t->is_map ? t->values[i] : NULL, t->line, err,
		    errsz) == -1) {
			table_db_free(db);
			return (NULL);
		}
	}
	if (table_db_finish(db, err, errsz) == -1) {
		table_db_free(db);
		return (NULL);
	}
	return (db);
}

int
table_set_load(struct table_set *set, const struct smtpd_config *conf,
    char *err, size_t errsz)
{
	const struct table	*t;
	struct table_db		*db;

	table_set_add(set, table_builtin_localhost());
	table_set_add(set, table_builtin_localnames(conf->hostname));
	db = table_db_new(TABLE_GETPWNAM);
	db->builtin = TB_GETPWNAM;
	table_set_add(set, db);
	TAILQ_FOREACH(t, &conf->tables, entry) {
		if (t->backend == TABLE_FILE)
			db = table_file_load(t->name, t->path, err, errsz);
		else
			db = table_static(t, err, errsz);
		if (db == NULL)
			return (-1);
		table_set_add(set, db);
	}
	return (0);
}
