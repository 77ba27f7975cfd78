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
 * authres.h -- the Authentication-Results header field, RFC 8601: the
 * one we add, and recognising the ones that claim to be ours.
 *
 *	Authentication-Results: mx.example.org;
 *		spf=pass smtp.mailfrom=alice@example.com;
 *		dkim=pass header.d=example.com header.s=sel
 *		    header.a=rsa-sha256 header.b=AbCdEfGh;
 *		dmarc=pass (p=reject dis=none) header.from=example.com
 */

#ifndef CARTERO_AUTHRES_H
#define CARTERO_AUTHRES_H

#include <stddef.h>

#include "dkim.h"
#include "dmarc.h"
#include "spf.h"

#define AUTHRES_FIELD_MAX	4096

struct authres {
	const char		*authserv_id;	/* our host name */
	const struct spf_outcome *spf;		/* MAIL FROM; NULL: none */
	const struct spf_outcome *spf_helo;	/* NULL: not checked */
	const struct dkim_verdict *dkim;	/* ndkim == 0: dkim=none */
	size_t			 ndkim;
	const struct dmarc_outcome *dmarc;	/* NULL: not checked */
};

/*
 * The whole field, folded, CRLF-terminated, into buf.  Returns its
 * length, or -1 if it does not fit.
 */
int	authres_format(const struct authres *, char *, size_t);
/*
 * 1 if a header field (name, colon, value; folded or not, with or
 * without its CRLF) is an Authentication-Results field whose
 * authserv-id is id (case-insensitive), else 0.
 */
int	authres_is_ours(const char *, size_t, const char *id);

#endif /* CARTERO_AUTHRES_H */
