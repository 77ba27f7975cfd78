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
 * keys.c -- imapd's signer process: it alone holds the TLS private keys
 * and does the private-key operations the login process asks for
 * (common/keyproxy.h), with smtpd's key store (common/signer_key.c).
 *
 * SECURITY: the parent opens each "pki NAME key FILE" as root and passes
 * the open file; the signer parses it and wipes the PEM bytes.  It runs
 * as _cartero-sign, chrooted to the empty directory, not dumpable, under
 * seccomp with stdio alone: no file can be opened, no socket made.
 */

#include <sys/types.h>
#include <sys/prctl.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "imsg.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "sandbox.h"
#include "signer.h"
#include "imapd.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static void	keys_configured(void);
static void	keys_reload(void *);
static void	keys_imsg_key(struct peer *, struct imsg *);
static void	keys_imsg_request(struct peer *, struct imsg *);

static const struct imsg_handler keys_parent_handlers[] = {
	{ IMSG_CONF_PKI_KEY,		keys_imsg_key },
};

static const struct imsg_handler keys_login_handlers[] = {
	{ IMSG_SIGNER_REQUEST,		keys_imsg_request },
};

static const struct proc_handlers keys_peers[] = {
	PROC_HANDLERS(PROC_PARENT, keys_parent_handlers),
	PROC_HANDLERS(PROC_LOGIN, keys_login_handlers),
};

static const struct proc_child keys_ops = {
	.id = PROC_SIGNER,
	.configured = keys_configured,
	.reload = keys_reload,
	.peers = keys_peers,
	.npeers = nitems(keys_peers),
};

static const struct sandbox_profile keys_sandbox = { "signer", SB_STDIO };

void
signer_proc_main(void)
{
	signer_key_init();
	imapd_child_run(&keys_ops);
}

static void
keys_configured(void)
{
	char	 path[PATH_MAX];
	int	 n;

	n = snprintf(path, sizeof(path), "%s/empty", env->rundir);
	if (n < 0 || (size_t)n >= sizeof(path))
		fatalx("signer: rundir too long");
	privsep_drop(IMAPD_USER_SIGNER, path);
	if (prctl(PR_SET_DUMPABLE, 0) == -1)
		fatal("signer: prctl(PR_SET_DUMPABLE)");
	sandbox_apply(&keys_sandbox);
	signer_key_commit();
}

static void
keys_reload(void *old)
{
	signer_key_commit();
}

static void
keys_imsg_key(struct peer *p, struct imsg *imsg)
{
	struct pki_msg	 m;
	int		 fd;

	imsg_payload(imsg, &m, sizeof(m));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("signer: IMSG_CONF_PKI_KEY without a file");
	(void)signer_key_load(m.name, fd);
}

static void
keys_imsg_request(struct peer *p, struct imsg *imsg)
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
