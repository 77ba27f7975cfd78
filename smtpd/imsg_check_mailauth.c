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
 * imsg_check_mailauth.c -- payload validators of the mail authentication
 * imsgs between smtp and lka (smtpd/mailauth.h).
 *
 * SECURITY: as imsg_check.c: run by common/proc.c before any handler;
 * every string must end inside its array, every enum hold one of its
 * values, every count and index stay within its bound, so that lka's
 * handlers (and the common/ libraries they hand the data to) can use the
 * payload as it is.  The content (names, hashes) is still the network's.
 */

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proc.h"
#include "smtpd.h"
#include "mailauth.h"

#define STR_OK(a)	str_terminated((a), sizeof(a))

static int	spf_outcome_ok(const struct spf_outcome *);
static int	sigcheck_ok(const struct dkim_sigcheck *);

static int
spf_outcome_ok(const struct spf_outcome *o)
{
	switch (o->result) {
	case SPF_NONE:
	case SPF_NEUTRAL:
	case SPF_PASS:
	case SPF_FAIL:
	case SPF_SOFTFAIL:
	case SPF_TEMPERROR:
	case SPF_PERMERROR:
		break;
	default:
		return (0);
	}
	if (o->identity != SPF_ID_MAILFROM && o->identity != SPF_ID_HELO)
		return (0);
	return (STR_OK(o->domain) && STR_OK(o->sender) &&
	    STR_OK(o->mechanism) && STR_OK(o->explanation) &&
	    STR_OK(o->reason));
}

static int
sigcheck_ok(const struct dkim_sigcheck *sc)
{
	switch (sc->alg) {
	case DKIM_ALG_NONE:
	case DKIM_ALG_RSA_SHA256:
	case DKIM_ALG_ED25519_SHA256:
	case DKIM_ALG_RSA_SHA1:
		break;
	default:
		return (0);
	}
	if ((sc->hcanon != DKIM_CANON_SIMPLE &&
	    sc->hcanon != DKIM_CANON_RELAXED) ||
	    (sc->bcanon != DKIM_CANON_SIMPLE &&
	    sc->bcanon != DKIM_CANON_RELAXED))
		return (0);
	if (sc->blen > DKIM_B_MAX)
		return (0);
	return (STR_OK(sc->perror) && STR_OK(sc->d) && STR_OK(sc->s) &&
	    STR_OK(sc->i) && STR_OK(sc->b8));
}

/* An address, a HELO name, a sender: terminated, address not empty. */
int
imsg_check_spf_req(const void *data, size_t len)
{
	const struct mailauth_spf_req	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->ip) || !STR_OK(r->helo) ||
	    !STR_OK(r->sender) || r->ip[0] == '\0')
		return (-1);
	return (0);
}

int
imsg_check_spf_reply(const void *data, size_t len)
{
	const struct mailauth_spf_reply	*r = data;

	if (len != sizeof(*r) || (r->status != ST_OK &&
	    r->status != ST_TEMPFAIL))
		return (-1);
	if (!spf_outcome_ok(&r->mailfrom) || !spf_outcome_ok(&r->helo))
		return (-1);
	return (0);
}

int
imsg_check_dkim_sig(const void *data, size_t len)
{
	const struct mailauth_sig	*m = data;

	if (len != sizeof(*m) || m->index >= DKIM_SIG_MAX ||
	    !sigcheck_ok(&m->sc))
		return (-1);
	return (0);
}

int
imsg_check_mailauth_req(const void *data, size_t len)
{
	const struct mailauth_req	*r = data;

	if (len != sizeof(*r) || r->nsig > DKIM_SIG_MAX ||
	    (r->flags & ~(uint32_t)(MA_SPF | MA_SPF_HELO | MA_POLICY |
	    MA_FROM_BAD)) ||
	    !STR_OK(r->from_domain))
		return (-1);
	if (!spf_outcome_ok(&r->spf) || !spf_outcome_ok(&r->spf_helo))
		return (-1);
	return (0);
}

/* A verdict (ST_OK, with a field) or none (ST_TEMPFAIL). */
int
imsg_check_mailauth_reply(const void *data, size_t len)
{
	const struct mailauth_reply	*r = data;

	if (len != sizeof(*r) || !STR_OK(r->domain) || !STR_OK(r->results) ||
	    !STR_OK(r->authres))
		return (-1);
	switch (r->disposition) {
	case DMARC_P_NONE:
	case DMARC_P_QUARANTINE:
	case DMARC_P_REJECT:
		break;
	default:
		return (-1);
	}
	if (r->status == ST_OK)
		return (r->authres[0] != '\0' ? 0 : -1);
	return (r->status == ST_TEMPFAIL ? 0 : -1);
}

int
imsg_check_mailauth_cancel(const void *data, size_t len)
{
	return (len == sizeof(struct mailauth_cancel) ? 0 : -1);
}
