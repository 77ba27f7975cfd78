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
 * config.c -- the configuration object: defaults, lookup, and the
 * normalised text form.
 *
 * config_print() writes every statement on one line, every default made
 * explicit, in a fixed order (global options, tables, listeners, actions,
 * match rules), with every string double-quoted.  The same text, made by
 * config_text(), is what the parent sends to the children, which parse it
 * with parse_config_buffer(): print -> parse -> print is a fixed point
 * (regress/unit/config_test.c checks it on every fixture).
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"
#include "smtpd.h"

static void	 config_quote(FILE *, const char *);
static const char *config_size(size_t);
static void	 config_print_globals(FILE *, const struct smtpd_config *);
static void	 config_print_table(FILE *, const struct table *);
static void	 config_print_listener(FILE *, const struct listener *);
static void	 config_print_listener_tls(FILE *, const struct listener *);
static void	 config_print_pki(FILE *, const struct smtpd_config *);
static void	 config_print_relay(FILE *, const struct relay_opts *);
static void	 config_print_action(FILE *, const struct action *);
static void	 config_print_cond(FILE *, const char *,
		    const struct rule_cond *);
static void	 config_print_rule(FILE *, const struct rule *);

struct smtpd_config *
config_new(void)
{
	struct smtpd_config	*cfg;

	cfg = xcalloc(1, sizeof(*cfg));
	(void)strlcpy(cfg->spooldir, SMTPD_SPOOL, sizeof(cfg->spooldir));
	(void)strlcpy(cfg->rundir, SMTPD_RUNDIR, sizeof(cfg->rundir));
	cfg->max_message_size = DEFAULT_MAX_MESSAGE;
	cfg->max_line = DEFAULT_MAX_LINE;
	cfg->max_rcpt = DEFAULT_MAX_RCPT;
	cfg->max_mails = DEFAULT_MAX_MAILS;
	cfg->max_cmds = DEFAULT_MAX_CMDS;
	cfg->max_errors = DEFAULT_MAX_ERRORS;
	cfg->max_sessions = DEFAULT_MAX_SESSIONS;
	cfg->max_sessions_local = DEFAULT_MAX_SESS_LOCAL;
	cfg->max_sessions_addr = DEFAULT_MAX_SESS_ADDR;
	cfg->timeout = DEFAULT_TIMEOUT;
	cfg->queue_ttl = DEFAULT_QUEUE_TTL;
	cfg->retry_min = DEFAULT_RETRY_MIN;
	cfg->retry_max = DEFAULT_RETRY_MAX;
	cfg->bounce_warn[0] = DEFAULT_BOUNCE_WARN;
	cfg->mta_max_conn = DEFAULT_MTA_MAX_CONN;
	cfg->mta_max_conn_route = DEFAULT_MTA_MAX_CONN_ROUTE;
	cfg->mta_max_msgs_conn = DEFAULT_MTA_MAX_MSGS_CONN;
	cfg->queue_minfree.value = DEFAULT_MINFREE;
	cfg->queue_minfree_inodes.value = DEFAULT_MINFREE_INODES;
	TAILQ_INIT(&cfg->tables);
	TAILQ_INIT(&cfg->pkis);
	TAILQ_INIT(&cfg->cas);
	TAILQ_INIT(&cfg->listeners);
	TAILQ_INIT(&cfg->actions);
	TAILQ_INIT(&cfg->rules);
	return (cfg);
}

void
config_free(struct smtpd_config *cfg)
{
	struct table	*t;
	struct pki	*pki;
	struct ca	*ca;
	struct listener	*l;
	struct action	*a;
	struct rule	*r;
	size_t		 i;

	if (cfg == NULL)
		return;
	while ((t = TAILQ_FIRST(&cfg->tables)) != NULL) {
		TAILQ_REMOVE(&cfg->tables, t, entry);
		for (i = 0; i < t->count; i++) {
			free(t->keys[i]);
			if (t->values != NULL)
				free(t->values[i]);
		}
		free(t->keys);
		free(t->values);
		free(t);
	}
	while ((pki = TAILQ_FIRST(&cfg->pkis)) != NULL) {
		TAILQ_REMOVE(&cfg->pkis, pki, entry);
		free(pki);
	}
	while ((ca = TAILQ_FIRST(&cfg->cas)) != NULL) {
		TAILQ_REMOVE(&cfg->cas, ca, entry);
		free(ca);
	}
	while ((l = TAILQ_FIRST(&cfg->listeners)) != NULL) {
		TAILQ_REMOVE(&cfg->listeners, l, entry);
		free(l);
	}
	while ((a = TAILQ_FIRST(&cfg->actions)) != NULL) {
		TAILQ_REMOVE(&cfg->actions, a, entry);
		free(a);
	}
	while ((r = TAILQ_FIRST(&cfg->rules)) != NULL) {
		TAILQ_REMOVE(&cfg->rules, r, entry);
		free(r);
	}
	free(cfg);
}

struct table *
config_table(const struct smtpd_config *cfg, const char *name)
{
	struct table	*t;

	TAILQ_FOREACH(t, &cfg->tables, entry)
		if (strcmp(t->name, name) == 0)
			return (t);
	return (NULL);
}

struct action *
config_action(const struct smtpd_config *cfg, const char *name)
{
	struct action	*a;

	TAILQ_FOREACH(a, &cfg->actions, entry)
		if (strcmp(a->name, name) == 0)
			return (a);
	return (NULL);
}

/* A double-quoted string: only '"' and '\' need escaping. */
static void
config_quote(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', fp);
		fputc(*s, fp);
	}
	fputc('"', fp);
}

/* The largest exact unit: 35M, 512K, 1000. */
static const char *
config_size(size_t sz)
{
	static char	 buf[32];

	if (sz != 0 && sz % (1024UL * 1024 * 1024) == 0)
		(void)snprintf(buf, sizeof(buf), "%zuG",
		    sz / (1024UL * 1024 * 1024));
	else if (sz != 0 && sz % (1024 * 1024) == 0)
		(void)snprintf(buf, sizeof(buf), "%zuM", sz / (1024 * 1024));
	else if (sz != 0 && sz % 1024 == 0)
		(void)snprintf(buf, sizeof(buf), "%zuK", sz / 1024);
	else
		(void)snprintf(buf, sizeof(buf), "%zu", sz);
	return (buf);
}

static void
config_print_globals(FILE *fp, const struct smtpd_config *cfg)
{
	size_t	 i;

	fputs("hostname ", fp);
	config_quote(fp, cfg->hostname);
	fputs("\nrundir ", fp);
	config_quote(fp, cfg->rundir);
	fputs("\nqueue path ", fp);
	config_quote(fp, cfg->spooldir);
	fprintf(fp, "\nqueue ttl %s\n", duration_to_text(cfg->queue_ttl));
	fprintf(fp, "queue retry min %s", duration_to_text(cfg->retry_min));
	fprintf(fp, " max %s\n", duration_to_text(cfg->retry_max));
	if (cfg->bounce_warn[0] != 0) {
		fputs("bounce warn-interval", fp);
		for (i = 0; i < BOUNCE_WARN_MAX && cfg->bounce_warn[i]; i++)
			fprintf(fp, "%s %s", i ? "," : "",
			    duration_to_text(cfg->bounce_warn[i]));
		fputc('\n', fp);
	}
	for (i = 0; i < cfg->nresolvers; i++) {
		fputs("resolver ", fp);
		config_quote(fp, cfg->resolvers[i]);
		fputc('\n', fp);
	}
	if (cfg->dnssec)
		fputs("resolver dnssec\n", fp);
	if (cfg->authserv_id[0] != '\0') {
		fputs("authserv-id ", fp);
		config_quote(fp, cfg->authserv_id);
		fputc('\n', fp);
	}
	for (i = 0; i < cfg->ndkim; i++) {
		fputs("dkim ", fp);
		config_quote(fp, cfg->dkim[i].domain);
		fputs(" selector ", fp);
		config_quote(fp, cfg->dkim[i].selector);
		fputs(" key ", fp);
		config_quote(fp, cfg->dkim[i].keyfile);
		fputc('\n', fp);
	}
	fprintf(fp, "mta max-connections %zu max-connections-per-host %zu "
	    "max-messages-per-connection %zu\n", cfg->mta_max_conn,
	    cfg->mta_max_conn_route, cfg->mta_max_msgs_conn);
	if (cfg->queue_minfree.percent)
		fprintf(fp, "queue min-free %llu%%\n",
		    (unsigned long long)cfg->queue_minfree.value);
	else
		fprintf(fp, "queue min-free %s\n",
		    config_size((size_t)cfg->queue_minfree.value));
	fprintf(fp, "queue min-free-inodes %llu%s\n",
	    (unsigned long long)cfg->queue_minfree_inodes.value,
	    cfg->queue_minfree_inodes.percent ? "%" : "");
	fprintf(fp, "smtp max-message-size %s\n",
	    config_size(cfg->max_message_size));
	fprintf(fp, "smtp limit max-rcpt %zu max-mails %zu max-commands %zu "
	    "max-errors %zu max-sessions %zu max-line-length %zu\n",
	    cfg->max_rcpt, cfg->max_mails, cfg->max_cmds, cfg->max_errors,
	    cfg->max_sessions, cfg->max_line);
	fprintf(fp, "smtp limit max-sessions-local %zu "
	    "max-sessions-per-address %zu\n", cfg->max_sessions_local,
	    cfg->max_sessions_addr);
	fprintf(fp, "smtp timeout %s\n", duration_to_text(cfg->timeout));
	if (cfg->vrfy)
		fputs("smtp vrfy\n", fp);
}

static void
config_print_table(FILE *fp, const struct table *t)
{
	size_t	 i;
	char	 path[sizeof(t->path) + 8];

	fputs("table ", fp);
	config_quote(fp, t->name);
	if (t->backend == TABLE_FILE) {
		(void)snprintf(path, sizeof(path), "file:%s", t->path);
		fputc(' ', fp);
		config_quote(fp, path);
		fputc('\n', fp);
		return;
	}
	fputs(" {", fp);
	for (i = 0; i < t->count; i++) {
		fputs(i == 0 ? " " : ", ", fp);
		config_quote(fp, t->keys[i]);
		if (t->is_map) {
			fputs(" = ", fp);
			config_quote(fp, t->values[i]);
		}
	}
	fputs(" }\n", fp);
}

static void
config_print_listener(FILE *fp, const struct listener *l)
{
	if (l->kind == L_SOCKET)
		fputs("listen on socket", fp);
	else {
		fputs("listen on ", fp);
		config_quote(fp, l->on);
		fprintf(fp, " port %u", (unsigned)l->port);
	}
	if (l->hostname[0] != '\0') {
		fputs(" hostname ", fp);
		config_quote(fp, l->hostname);
	}
	if (l->flags & (LF_AUTH | LF_AUTH_OPTIONAL))
		fputs(l->flags & LF_AUTH ? " auth" : " auth-optional", fp);
	if (l->flags & (LF_AUTH | LF_AUTH_OPTIONAL) && l->authtable[0] != '\0')
		fprintf(fp, " <%s>", l->authtable);
	if (l->tag[0] != '\0') {
		fputs(" tag ", fp);
		config_quote(fp, l->tag);
	}
	config_print_listener_tls(fp, l);
	if (l->senders[0] != '\0')
		fprintf(fp, " senders <%s>%s", l->senders,
		    (l->flags & LF_MASQUERADE) ? " masquerade" : "");
	if (l->flags & LF_MAILAUTH)
		fputs(" mail-auth", fp);
	if (l->flags & LF_DMARC_POLICY)
		fputs(" dmarc-policy", fp);
	if (l->flags & LF_SPF_REJECT)
		fputs(" spf-reject", fp);
	fputc('\n', fp);
}

static void
config_print_listener_tls(FILE *fp, const struct listener *l)
{
	const char	*verify = (l->flags & LF_TLS_VERIFY) ? " verify" : "";
	size_t		 i;

	if (l->flags & LF_SMTPS)
		fprintf(fp, " smtps%s", verify);
	else if (l->flags & LF_TLS_REQUIRE)
		fprintf(fp, " tls-require%s", verify);
	else if (l->flags & LF_TLS)
		fputs(" tls", fp);
	for (i = 0; i < l->npki; i++) {
		fputs(" pki ", fp);
		config_quote(fp, l->pki[i]);
	}
	if (l->ca[0] != '\0') {
		fputs(" ca ", fp);
		config_quote(fp, l->ca);
	}
	if (l->ciphers[0] != '\0') {
		fputs(" ciphers ", fp);
		config_quote(fp, l->ciphers);
	}
	if (l->protocols[0] != '\0') {
		fputs(" protocols ", fp);
		config_quote(fp, l->protocols);
	}
	if (l->flags & LF_RECEIVED_AUTH)
		fputs(" received-auth", fp);
}

static void
config_print_pki(FILE *fp, const struct smtpd_config *cfg)
{
	struct pki	*p;
	struct ca	*c;

	TAILQ_FOREACH(p, &cfg->pkis, entry) {
		fputs("pki ", fp);
		config_quote(fp, p->name);
		fputs(" cert ", fp);
		config_quote(fp, p->cert);
		fputs("\npki ", fp);
		config_quote(fp, p->name);
		fputs(" key ", fp);
		config_quote(fp, p->key);
		fputc('\n', fp);
	}
	TAILQ_FOREACH(c, &cfg->cas, entry) {
		fputs("ca ", fp);
		config_quote(fp, c->name);
		fputs(" cert ", fp);
		config_quote(fp, c->cert);
		fputc('\n', fp);
	}
}

static void
config_print_relay(FILE *fp, const struct relay_opts *ro)
{
	char	 url[HOST_MAX + NAME_MAX_CONF + 32];

	if (ro->host.host[0] != '\0' &&
	    relayhost_text(&ro->host, url, sizeof(url)) == 0) {
		fputs(" host ", fp);
		config_quote(fp, url);
	}
	if (ro->flags & RO_BACKUP) {
		fputs(" backup", fp);
		if (ro->backup[0] != '\0') {
			fputs(" mx ", fp);
			config_quote(fp, ro->backup);
		}
	}
	if (ro->helo[0] != '\0') {
		fputs(" helo ", fp);
		config_quote(fp, ro->helo);
	}
	if (ro->flags & RO_SRC_TABLE)
		fprintf(fp, " src <%s>", ro->src);
	else if (ro->src[0] != '\0') {
		fputs(" src ", fp);
		config_quote(fp, ro->src);
	}
	if (ro->flags & RO_TLS)
		fputs(ro->flags & RO_VERIFY ? " tls verify" : " tls no-verify",
		    fp);
	if (ro->auth[0] != '\0')
		fprintf(fp, " auth <%s>", ro->auth);
	if (ro->pki[0] != '\0') {
		fputs(" pki ", fp);
		config_quote(fp, ro->pki);
	}
	if (ro->domain[0] != '\0')
		fprintf(fp, " domain <%s>", ro->domain);
	if (ro->recipients[0] != '\0')
		fprintf(fp, " recipients <%s>", ro->recipients);
}

static void
config_print_action(FILE *fp, const struct action *a)
{
	static const char *methods[] = {
		"mbox", "maildir", "lmtp", "mda", "expand-only",
		"forward-only", "relay"
	};

	fputs("action ", fp);
	config_quote(fp, a->name);
	fprintf(fp, " %s", methods[a->method]);
	if (a->method <= A_MDA) {
		fputc(' ', fp);
		config_quote(fp, a->arg);
	}
	if (a->method == A_RELAY)
		config_print_relay(fp, &a->relay);
	if (a->flags & AF_LMTP_RCPTTO)
		fputs(" rcpt-to", fp);
	if (a->alias[0] != '\0')
		fprintf(fp, " alias <%s>", a->alias);
	if (a->virtual[0] != '\0')
		fprintf(fp, " virtual <%s>", a->virtual);
	if (a->userbase[0] != '\0')
		fprintf(fp, " userbase <%s>", a->userbase);
	if (a->user[0] != '\0') {
		fputs(" user ", fp);
		config_quote(fp, a->user);
	}
	if (a->flags & AF_ALLOW_PIPE)
		fputs(" allow pipe", fp);
	if (a->flags & AF_ALLOW_FILE)
		fputs(" allow file", fp);
	if (a->flags & AF_ALLOW_INCLUDE)
		fputs(" allow include", fp);
	fputc('\n', fp);
}

static void
config_print_cond(FILE *fp, const char *what, const struct rule_cond *c)
{
	static const char *kinds[] = {
		"local", "any", "local", "socket", "src", "mail-from",
		"domain", "rcpt-to", "auth"
	};

	if (what != NULL)
		fprintf(fp, " %s%s %s", c->neg ? "!" : "", what,
		    kinds[c->kind]);
	else	/* the transaction condition "auth" */
		fprintf(fp, " %s%s", c->neg ? "!" : "", kinds[c->kind]);
	if (c->kind < C_SRC || (c->kind == C_AUTH && c->table[0] == '\0' &&
	    c->value[0] == '\0'))
		return;
	if (c->table[0] != '\0')
		fprintf(fp, " <%s>", c->table);
	else {
		fputc(' ', fp);
		config_quote(fp, c->value);
	}
}

static void
config_print_rule(FILE *fp, const struct rule *r)
{
	fputs("match", fp);
	config_print_cond(fp, "from", &r->from);
	config_print_cond(fp, "for", &r->dest);
	if (r->tag[0] != '\0') {
		fprintf(fp, " %stag ", r->tag_neg ? "!" : "");
		config_quote(fp, r->tag);
	}
	if (r->auth.kind == C_AUTH)
		config_print_cond(fp, NULL, &r->auth);
	if (r->reject)
		fputs(" reject\n", fp);
	else {
		fputs(" action ", fp);
		config_quote(fp, r->action);
		fputs(r->unsafe_open ? " unsafe-open-relay\n" : "\n", fp);
	}
}

void
config_print(FILE *fp, const struct smtpd_config *cfg)
{
	struct table	*t;
	struct listener	*l;
	struct action	*a;
	struct rule	*r;

	config_print_globals(fp, cfg);
	TAILQ_FOREACH(t, &cfg->tables, entry)
		config_print_table(fp, t);
	config_print_pki(fp, cfg);
	TAILQ_FOREACH(l, &cfg->listeners, entry)
		config_print_listener(fp, l);
	TAILQ_FOREACH(a, &cfg->actions, entry)
		config_print_action(fp, a);
	TAILQ_FOREACH(r, &cfg->rules, entry)
		config_print_rule(fp, r);
}

char *
config_text(const struct smtpd_config *cfg, size_t *lenp)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0;

	if ((fp = open_memstream(&buf, &len)) == NULL)
		fatal("open_memstream");
	config_print(fp, cfg);
	if (ferror(fp) || fclose(fp) == EOF)
		fatalx("config_text: cannot build the configuration text");
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}
