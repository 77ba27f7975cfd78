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
 * smtp_tls.c -- the smtp process's TLS server contexts.
 *
 * SECURITY: the smtp process never holds a private key.  Its libtls
 * configurations use a fake private key (keyproxy_tls_config()): each
 * keypair is the certificate chain alone, and every private-key operation
 * goes to the signer process (common/keyproxy.c).  The certificates come from the
 * parent as open files (IMSG_CONF_PKI_CERT, IMSG_CONF_CA) before each
 * configuration; a reload builds new contexts for the sessions that start
 * after it, while sessions already running keep theirs (a context is
 * reference counted: libtls's SNI callback uses the server context for
 * as long as a handshake runs).
 *
 * Defaults: TLS 1.2 and 1.3, libtls's "secure" ciphers, session tickets
 * for resumption (keys made and rotated by libtls, lifetime below).
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "keyproxy.h"
#include "log.h"
#include "util.h"
#include "smtpd.h"
#include "smtp_session.h"

#define TLS_FILE_MAX		(1024 * 1024)
#define TLS_SESSION_LIFETIME	(2 * 3600)	/* seconds */

/* A certificate file from the parent, by pki or ca name. */
struct tls_file {
	TAILQ_ENTRY(tls_file)	 entry;
	int			 ca;		/* ca, else pki */
	char			 name[HOST_MAX];
	uint8_t			*buf;
	size_t			 len;
};

struct smtp_tls {
	TAILQ_ENTRY(smtp_tls)	 entry;
	uint32_t		 index;		/* listener */
	int			 current;	/* made by the last configure */
	int			 refs;		/* sessions using it */
	struct tls		*ctx;
};

static TAILQ_HEAD(, tls_file)	tls_files = TAILQ_HEAD_INITIALIZER(tls_files);
static TAILQ_HEAD(, smtp_tls)	tls_ctxs = TAILQ_HEAD_INITIALIZER(tls_ctxs);

static struct tls_file	*tls_file_find(int, const char *);
static struct tls	*smtp_tls_server(const struct listener *);
static int		 smtp_tls_keypairs(struct tls_config *,
			    const struct listener *);
static void		 smtp_tls_release(struct smtp_tls *);

static struct tls_file *
tls_file_find(int ca, const char *name)
{
	struct tls_file	*f;

	TAILQ_FOREACH(f, &tls_files, entry)
		if (f->ca == ca && strcmp(f->name, name) == 0)
			return (f);
	return (NULL);
}

/* The certificate chain of pki name (the mta's client certificate). */
int
smtp_tls_cert(const char *name, const uint8_t **buf, size_t *len)
{
	struct tls_file	*f;

	if ((f = tls_file_find(0, name)) == NULL)
		return (-1);
	*buf = f->buf;
	*len = f->len;
	return (0);
}

/*
 * IMSG_CONF_PKI_CERT / IMSG_CONF_CA: read the file the parent opened.  It
 * replaces what was known by that name; one that cannot be read leaves
 * the old one.
 */
void
smtp_tls_file(int ca, const char *name, int fd)
{
	struct tls_file	*f;
	struct stat	 sb;
	uint8_t		*buf;
	size_t		 len = 0;
	ssize_t		 n;

	if (fstat(fd, &sb) == -1 || sb.st_size <= 0 ||
	    sb.st_size > TLS_FILE_MAX) {
		log_warnx("smtp: %s \"%s\": bad certificate file",
		    ca ? "ca" : "pki", name);
		close(fd);
		return;
	}
	buf = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size &&
	    (n = read(fd, buf + len, (size_t)sb.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len == 0) {
		log_warnx("smtp: %s \"%s\": cannot read the certificate file",
		    ca ? "ca" : "pki", name);
		free(buf);
		return;
	}
	buf[len] = '\0';
	if ((f = tls_file_find(ca, name)) == NULL) {
		f = xcalloc(1, sizeof(*f));
		f->ca = ca;
		(void)strlcpy(f->name, name, sizeof(f->name));
		TAILQ_INSERT_TAIL(&tls_files, f, entry);
	}
	free(f->buf);
	f->buf = buf;
	f->len = len;
}

/* The certificates of the listener's pki names: the first is the default,
 * the others are chosen by SNI (libtls matches the names they carry). */
static int
smtp_tls_keypairs(struct tls_config *cfg, const struct listener *l)
{
	struct tls_file	*f;
	size_t		 i;
	int		 r;

	for (i = 0; i < l->npki; i++) {
		if ((f = tls_file_find(0, l->pki[i])) == NULL) {
			log_warnx("smtp: listener %u: no certificate for pki "
			    "\"%s\"", l->index, l->pki[i]);
			return (-1);
		}
		if (i == 0)
			r = tls_config_set_keypair_mem(cfg, f->buf, f->len,
			    NULL, 0);
		else
			r = tls_config_add_keypair_mem(cfg, f->buf, f->len,
			    NULL, 0);
		if (r == -1) {
			log_warnx("smtp: pki \"%s\": %s", l->pki[i],
			    tls_config_error(cfg));
			return (-1);
		}
	}
	return (0);
}

/* A server context for listener l; NULL (logged) on error. */
static struct tls *
smtp_tls_server(const struct listener *l)
{
	struct tls_config	*cfg;
	struct tls_file		*f;
	struct tls		*ctx = NULL;
	uint32_t		 protos;

	if ((cfg = tls_config_new()) == NULL)
		fatal("tls_config_new");
	if (tls_config_parse_protocols(&protos, l->protocols[0] ?
	    l->protocols : "secure") == -1 ||
	    tls_config_set_protocols(cfg, protos) == -1 ||
	    tls_config_set_ciphers(cfg, l->ciphers[0] ? l->ciphers :
	    "secure") == -1 ||
	    tls_config_set_session_lifetime(cfg, TLS_SESSION_LIFETIME) == -1) {
		log_warnx("smtp: listener %u: %s", l->index,
		    tls_config_error(cfg));
		goto done;
	}
	if (keyproxy_tls_config(cfg) == -1)	/* the signer has the keys */
		fatalx("smtp: keyproxy_init was not called");
	if (smtp_tls_keypairs(cfg, l) == -1)
		goto done;
	if (l->ca[0] != '\0') {
		if ((f = tls_file_find(1, l->ca)) == NULL) {
			log_warnx("smtp: listener %u: no certificates for ca "
			    "\"%s\"", l->index, l->ca);
			goto done;
		}
		if (tls_config_set_ca_mem(cfg, f->buf, f->len) == -1) {
			log_warnx("smtp: ca \"%s\": %s", l->ca,
			    tls_config_error(cfg));
			goto done;
		}
		if (l->flags & LF_TLS_VERIFY)
			tls_config_verify_client(cfg);
		else
			tls_config_verify_client_optional(cfg);
	}
	if ((ctx = tls_server()) == NULL)
		fatal("tls_server");
	if (tls_configure(ctx, cfg) == -1) {
		log_warnx("smtp: listener %u: %s", l->index, tls_error(ctx));
		tls_free(ctx);
		ctx = NULL;
	}
done:
	tls_config_free(cfg);	/* the context keeps a reference */
	return (ctx);
}

/*
 * Build the contexts of env's TLS listeners.  A listener whose new context
 * cannot be built keeps the one it had (its certificate was fine before):
 * a reload with a broken certificate file does not stop TLS.  Returns the
 * number of TLS listeners left without a context.
 */
int
smtp_tls_configure(void)
{
	const struct listener	*l;
	struct smtp_tls		*t, *old, *next;
	struct tls		*ctx;
	int			 missing = 0;

	TAILQ_FOREACH(l, &env->listeners, entry) {
		if (!(l->flags & (LF_TLS | LF_SMTPS)))
			continue;
		TAILQ_FOREACH(old, &tls_ctxs, entry)
			if (old->index == l->index && old->current)
				break;
		if ((ctx = smtp_tls_server(l)) == NULL) {
			if (old == NULL)
				missing++;
			continue;
		}
		if (old != NULL) {
			old->current = 0;
			smtp_tls_release(old);	/* the list's reference */
		}
		t = xcalloc(1, sizeof(*t));
		t->index = l->index;
		t->current = 1;
		t->refs = 1;
		t->ctx = ctx;
		TAILQ_INSERT_TAIL(&tls_ctxs, t, entry);
	}
	/* listeners gone from the configuration */
	for (t = TAILQ_FIRST(&tls_ctxs); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (!t->current)
			continue;
		TAILQ_FOREACH(l, &env->listeners, entry)
			if (l->index == t->index &&
			    (l->flags & (LF_TLS | LF_SMTPS)))
				break;
		if (l == NULL) {
			t->current = 0;
			smtp_tls_release(t);
		}
	}
	return (missing);
}

/* The current context of a listener, held until smtp_tls_put(). */
struct smtp_tls *
smtp_tls_get(uint32_t index)
{
	struct smtp_tls	*t;

	TAILQ_FOREACH(t, &tls_ctxs, entry)
		if (t->index == index && t->current) {
			t->refs++;
			return (t);
		}
	return (NULL);
}

struct tls *
smtp_tls_ctx(struct smtp_tls *t)
{
	return (t->ctx);
}

void
smtp_tls_put(struct smtp_tls *t)
{
	if (t != NULL)
		smtp_tls_release(t);
}

static void
smtp_tls_release(struct smtp_tls *t)
{
	if (--t->refs > 0)
		return;
	TAILQ_REMOVE(&tls_ctxs, t, entry);
	tls_free(t->ctx);
	free(t);
}
