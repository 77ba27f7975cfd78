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
 * signer.c -- the signer process: it holds the TLS private keys and the
 * DKIM signing keys, and does the private-key operations the smtp
 * process asks for (keyproxy.h; DKIM signatures, signer_dkim.c).
 *
 * SECURITY: the parent opens each "pki NAME key FILE" and "dkim DOMAIN
 * selector S key FILE" as root and passes the open file
 * (IMSG_CONF_PKI_KEY, IMSG_CONF_DKIM_KEY) before every configuration;
 * the signer reads and parses it (signer_key.c).  It runs as
 * _cartero-sign, chrooted to the empty directory, not dumpable (no core
 * file, no ptrace by its own user), under SANDBOX_SIGNER: stdio alone,
 * no file can be opened, no socket made.  It talks to the parent and to
 * smtp only.  A request it cannot serve gets an error status; a
 * malformed message is a bug in a trusted process (the rule table makes
 * it fatal).  Nothing is logged per operation.
 */

#include <sys/types.h>
#include <sys/prctl.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "sandbox.h"
#include "sandbox_profiles.h"
#include "smtpd.h"
#include "signer.h"

static void	signer_configured(void);
static void	signer_reload(void *);
static void	signer_imsg_key(struct peer *, struct imsg *);
static void	signer_imsg_request(struct peer *, struct imsg *);
static void	signer_imsg_dkim_key(struct peer *, struct imsg *);
static void	signer_imsg_dkim_sign(struct peer *, struct imsg *);
static void	signer_commit(void);

static const struct imsg_handler signer_parent_handlers[] = {
	{ IMSG_CONF_PKI_KEY,		signer_imsg_key },
	{ IMSG_CONF_DKIM_KEY,		signer_imsg_dkim_key },
};

static const struct imsg_handler signer_smtp_handlers[] = {
	{ IMSG_SIGNER_REQUEST,		signer_imsg_request },
	{ IMSG_SIGNER_DKIM_SIGN,	signer_imsg_dkim_sign },
};

static const struct proc_handlers signer_peers[] = {
	PROC_HANDLERS(PROC_PARENT, signer_parent_handlers),
	PROC_HANDLERS(PROC_SMTP, signer_smtp_handlers),
};

static const struct proc_child signer_ops = {
	.id = PROC_SIGNER,
	.configured = signer_configured,
	.reload = signer_reload,
	.peers = signer_peers,
	.npeers = nitems(signer_peers),
};

void
signer_main(void)
{
	signer_key_init();
	child_run(&signer_ops);
}

static void
signer_configured(void)
{
	char	 path[PATH_MAX];
	int	 n;

	n = snprintf(path, sizeof(path), "%s/%s", env->rundir,
	    SMTPD_EMPTYDIR);
	if (n < 0 || (size_t)n >= sizeof(path))
		fatalx("signer: rundir too long");
	privsep_drop(SMTPD_USER_SIGNER, path);
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("signer: prctl(PR_SET_DUMPABLE)");
	smtpd_sandbox(SANDBOX_SIGNER);
	signer_commit();
}

/* The keys sent before this configuration replace the older ones. */
static void
signer_reload(void *old)
{
	signer_commit();
}

/* TLS and DKIM keys: one generation. */
static void
signer_commit(void)
{
	uint64_t	 cur = signer_key_generation();

	signer_key_commit();
	signer_dkim_commit(cur);
}

static void
signer_imsg_key(struct peer *p, struct imsg *imsg)
{
	struct pki_msg	 m;
	int		 fd;

	imsg_payload(imsg, &m, sizeof(m));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("signer: IMSG_CONF_PKI_KEY without a file");
	(void)signer_key_load(m.name, fd);
}

static void
signer_imsg_request(struct peer *p, struct imsg *imsg)
{
	struct keyproxy_req	 req;
	struct keyproxy_res	 res;

	imsg_payload(imsg, &req, sizeof(req));
	signer_key_op(&req, &res);
	peer_compose(p, IMSG_SIGNER_RESULT, imsg_get_id(imsg), 0, -1, &res,
	    sizeof(res));
	explicit_bzero(&req, sizeof(req));
	explicit_bzero(&res, sizeof(res));
}

static void
signer_imsg_dkim_key(struct peer *p, struct imsg *imsg)
{
	struct signer_dkim_msg	 m;
	int			 fd;

	imsg_payload(imsg, &m, sizeof(m));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("signer: IMSG_CONF_DKIM_KEY without a file");
	(void)signer_dkim_load(m.domain, m.selector, fd);
}

/* A DKIM signature for smtp: always answered, never logged. */
static void
signer_imsg_dkim_sign(struct peer *p, struct imsg *imsg)
{
	struct signer_dkim_req	 req;
	struct signer_dkim_res	 res;

	imsg_payload(imsg, &req, sizeof(req));
	signer_dkim_op(&req, &res);
	peer_compose(p, IMSG_SIGNER_DKIM_RESULT, 0, 0, -1, &res,
	    sizeof(res));
}
