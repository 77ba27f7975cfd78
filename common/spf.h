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
 * spf.h -- SPF, RFC 7208: check_host() for the MAIL FROM and HELO
 * identities, asynchronous on resolver.h.  Every mechanism (all,
 * include, a, mx, ptr, ip4, ip6, exists) and modifier (redirect, exp),
 * macros (section 7), the limit of 10 DNS-querying terms (4.6.4), the
 * limit of 10 names per mx/ptr lookup, and the limit of 2 void lookups.
 *
 * SECURITY: records, macros and names come from the network.  Lengths
 * are bounded (a record of at most SPF_RECORD_MAX octets, a name of 253,
 * a macro expansion of SPF_EXPAND_MAX), the number of lookups is
 * bounded as the RFC says, and an evaluation that is cancelled while
 * lookups are in flight is freed only once they have all come back.
 */

#ifndef CARTERO_SPF_H
#define CARTERO_SPF_H

#include <stddef.h>

#include "resolver.h"

#define SPF_RECORD_MAX		4096
#define SPF_EXPAND_MAX		512
#define SPF_DOMAIN_MAX		256
#define SPF_LOOKUP_MAX		10	/* terms that query the DNS */
#define SPF_VOID_MAX		2
#define SPF_MXPTR_MAX		10	/* names per mx or ptr */

enum spf_result {
	SPF_NONE = 0,
	SPF_NEUTRAL,
	SPF_PASS,
	SPF_FAIL,
	SPF_SOFTFAIL,
	SPF_TEMPERROR,
	SPF_PERMERROR,
};

#define SPF_ID_MAILFROM		0	/* sender's domain (postmaster@helo if <>) */
#define SPF_ID_HELO		1	/* the HELO name itself */

struct spf_outcome {
	enum spf_result	 result;
	int		 identity;		/* SPF_ID_* */
	char		 domain[SPF_DOMAIN_MAX];	/* <domain> checked */
	char		 sender[SPF_DOMAIN_MAX + 65];	/* the identity */
	char		 mechanism[SPF_EXPAND_MAX];	/* matched, or "" */
	char		 explanation[SPF_EXPAND_MAX];	/* on fail */
	char		 reason[128];	/* on temperror/permerror */
	unsigned int	 lookups;
	unsigned int	 voids;
};

typedef void	(*spf_cb)(void *, const struct spf_outcome *);

struct spf;

/*
 * check_host() for ip (IPv4 or IPv6 text), the HELO/EHLO name, and the
 * sender ("local@domain"; "" for the null sender: postmaster@helo),
 * identity SPF_ID_MAILFROM or SPF_ID_HELO; receiver is our host name
 * (macro %{r}).  done() is called exactly once, from the event loop;
 * the evaluation is freed when done() returns (spf_cancel() is allowed
 * inside done(), not after it).  NULL out of memory (nothing is called
 * then).
 */
struct spf	*spf_check(resolver_query_fn, const char *ip, const char *helo,
		    const char *sender, int identity, const char *receiver,
		    spf_cb, void *);
/* No callback after this; lookups still running are dropped safely. */
void		 spf_cancel(struct spf *);

const char	*spf_result_name(enum spf_result);	/* "pass" ... */

/*
 * The syntax of one record (RFC 7208 12): 0, or -1 and a reason.  The
 * evaluation uses the same parser; also the fuzzing entry.
 */
int		 spf_record_check(const char *, size_t, char *, size_t);

#endif /* CARTERO_SPF_H */
