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
 * dmarc.h -- DMARC, RFC 7489: the policy record, the organisational
 * domain (Debian's publicsuffix list), identifier alignment (relaxed and
 * strict, for SPF and DKIM), and the disposition (p, sp, pct).
 * Asynchronous on resolver.h.
 *
 * SECURITY: the record and the From domain come from the network: the
 * parser checks every tag and bounds every length.  A bad tag value
 * takes its default (RFC 7489 6.3); a record that does not parse at all
 * gives dmarc=permerror with no policy and disposition none, so that it
 * decides nothing, as if there were none (6.6.3), and the
 * Authentication-Results field says why.
 */

#ifndef CARTERO_DMARC_H
#define CARTERO_DMARC_H

#include <stddef.h>

#include "dkim.h"
#include "resolver.h"
#include "spf.h"

#define DMARC_DOMAIN_MAX	256
#define DMARC_PSL_PATH	"/usr/share/publicsuffix/public_suffix_list.dat"

enum dmarc_result {
	DMARC_NONE = 0,		/* no record (or no single From domain) */
	DMARC_PASS,
	DMARC_FAIL,
	DMARC_TEMPERROR,
	DMARC_PERMERROR,
};

enum dmarc_policy {
	DMARC_P_UNSET = 0,	/* no record */
	DMARC_P_NONE,
	DMARC_P_QUARANTINE,
	DMARC_P_REJECT,
};

struct dmarc_record {
	enum dmarc_policy p;
	enum dmarc_policy sp;		/* UNSET: as p */
	int		 pct;		/* 0..100, 100 by default */
	int		 adkim_strict;
	int		 aspf_strict;
	char		 rua[512];	/* as given, for smtpctl dns */
};

/* What DMARC is computed from. */
struct dmarc_input {
	char		 from_domain[DMARC_DOMAIN_MAX];	/* "" : none */
	/*
	 * From there but no single domain (dkim_msg_from_unusable()):
	 * permerror, and disposition reject (what the caller's policy
	 * option applies), never "none".
	 */
	int		 from_unusable;
	enum spf_result	 spf;		/* MAIL FROM identity */
	char		 spf_domain[DMARC_DOMAIN_MAX];	/* its domain */
	size_t		 ndkim;
	struct {
		enum dkim_result result;
		char	 d[DKIM_DOMAIN_MAX];
	} dkim[DKIM_SIG_MAX];
};

struct dmarc_outcome {
	enum dmarc_result result;
	enum dmarc_policy policy;	/* p or sp that applies */
	enum dmarc_policy disposition;	/* what to do, after pct */
	int		 spf_aligned;
	int		 dkim_aligned;
	char		 domain[DMARC_DOMAIN_MAX];	/* header.from */
	char		 reason[128];	/* on temperror/permerror */
};

typedef void	(*dmarc_cb)(void *, const struct dmarc_outcome *);

struct dmarc;

/*
 * Load the public suffix list (before the sandbox).  0, or -1 (then
 * every domain is its own organisational domain's last two labels:
 * logged by the caller).
 */
int		 psl_load(const char *);
/* The organisational domain of a name (RFC 7489 3.2), lower-cased. */
int		 psl_org_domain(const char *, char *, size_t);

/* A record's TXT: 0, or -1 and *err (also the fuzzing entry). */
int		 dmarc_record_parse(struct dmarc_record *, const char *, size_t,
		    const char **err);
/*
 * Look up _dmarc.<from domain>, then _dmarc.<organisational domain>,
 * and judge.  done() is called exactly once, from the event loop.
 * NULL out of memory.
 */
struct dmarc	*dmarc_check(resolver_query_fn, const struct dmarc_input *,
		    dmarc_cb, void *);
void		 dmarc_cancel(struct dmarc *);
/* pct's draw: 0..99 (tests set a fixed one; default arc4random). */
void		 dmarc_set_draw(unsigned int (*)(void));

const char	*dmarc_result_name(enum dmarc_result);
const char	*dmarc_policy_name(enum dmarc_policy);	/* "reject" ... */

#endif /* CARTERO_DMARC_H */
