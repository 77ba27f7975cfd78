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
 * parent_auth.c -- AUTH for the system's users (listen ... auth without a
 * table): the parent, which alone may read /etc/shadow, checks a user and
 * password that lka passes on from the smtp process.
 *
 * SECURITY: the parent gets a bounded, validated pair (struct auth_req,
 * smtpd/imsg_check.c), never network bytes.  root never authenticates
 * this way, nor an expired or locked account ("!", "*": pwcheck refuses
 * them).  The password is wiped once checked.  Successes are cached by
 * common/pwcheck.c (keyed HMAC, checked against the current shadow hash,
 * so a password change takes effect at once).
 */
#include <sys/types.h>

#include <errno.h>
#include <pwd.h>
#include <shadow.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "proc.h"
#include "pwcheck.h"
#include "util.h"
#include "smtpd.h"
#include "parent.h"

static struct pwcheck_cache	*parent_auth_cache;

/* ST_OK, ST_PERMFAIL or ST_TEMPFAIL */
int
parent_auth_system(const char *user, const char *password)
{
	struct passwd	*pw;
	struct spwd	*sp;
	const char	*hash;
	long		 today;

	if (parent_auth_cache == NULL &&
	    (parent_auth_cache = pwcheck_cache_new(0, 0)) == NULL)
		return (ST_TEMPFAIL);
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0 && errno != ENOENT)
			return (ST_TEMPFAIL);
		pwcheck_dummy(password);	/* no user enumeration by time */
		return (ST_PERMFAIL);
	}
	if (pw->pw_uid == 0) {
		pwcheck_dummy(password);
		return (ST_PERMFAIL);
	}
	hash = pw->pw_passwd;
	if ((sp = getspnam(user)) != NULL) {
		today = (long)(time(NULL) / (24 * 3600));
		if (sp->sp_expire > 0 && today >= sp->sp_expire)
			return (ST_PERMFAIL);
		hash = sp->sp_pwdp;
	}
	switch (pwcheck_verify(parent_auth_cache, user, password, hash,
	    (time_t)(monotonic_ms() / 1000))) {
	case PWCHECK_OK:
		return (ST_OK);
	case PWCHECK_ERROR:
		return (ST_TEMPFAIL);
	default:
		return (ST_PERMFAIL);
	}
}

/* IMSG_LKA_AUTH_SYSTEM */
void
parent_imsg_auth(struct peer *p, struct imsg *imsg)
{
	struct auth_req		 req;
	struct auth_result	 r;

	imsg_payload(imsg, &req, sizeof(req));
	memset(&r, 0, sizeof(r));
	r.reqid = req.reqid;
	r.status = parent_auth_system(req.user, req.password);
	explicit_bzero(&req, sizeof(req));
	endspent();
	peer_compose(p, IMSG_PARENT_AUTH_RESULT, 0, 0, -1, &r, sizeof(r));
}
