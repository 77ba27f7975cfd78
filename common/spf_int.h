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
 * spf_int.h -- the inside of common/spf*.c (not a contract): the parsed
 * form of a record (spf_record.c) and macro expansion (spf_macro.c),
 * both used by the evaluation (spf.c), the unit tests and the fuzzer.
 *
 * SECURITY: a parsed record points into the text it was parsed from
 * (which must outlive it); every term is bounded by that text, at most
 * SPF_RECORD_MAX octets.
 */

#ifndef CARTERO_SPF_INT_H
#define CARTERO_SPF_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* mechanisms */
#define SPF_M_ALL		1
#define SPF_M_INCLUDE		2
#define SPF_M_A			3
#define SPF_M_MX		4
#define SPF_M_PTR		5
#define SPF_M_IP4		6
#define SPF_M_IP6		7
#define SPF_M_EXISTS		8

#define SPF_NAME_MAX		253	/* a domain name in text, no dot */
#define SPF_XBUF_MAX		8192	/* a domain-spec before truncation */

struct spf_term {
	int		 type;		/* SPF_M_* */
	char		 qual;		/* '+', '-', '~' or '?' */
	const char	*spec;		/* domain-spec, NULL if none */
	size_t		 speclen;
	int		 cidr4;		/* -1: none given */
	int		 cidr6;
	uint8_t		 addr[16];	/* ip4 (4 octets) and ip6 */
	const char	*text;		/* the term as written */
	size_t		 textlen;
};

struct spf_record {
	struct spf_term	*terms;
	size_t		 nterms;
	const char	*redirect;	/* domain-spec, NULL if none */
	size_t		 redirectlen;
	const char	*exp;
	size_t		 explen;
};

/*
 * Parse len octets (the whole TXT record, "v=spf1 ...").  0, or -1 and
 * a reason in err (nothing to free then).  rec points into the text.
 */
int	spf_record_parse(const char *, size_t, struct spf_record *, char *,
	    size_t);
void	spf_record_free(struct spf_record *);
/* Does this TXT record select as SPF ("v=spf1" then SP or the end)? */
int	spf_record_is_spf(const char *, size_t);

/* What the macros of a check expand to (section 7.3). */
struct spf_macro_env {
	const char	*sender;	/* s: local@domain */
	const char	*local;		/* l */
	const char	*sdomain;	/* o */
	const char	*domain;	/* d: the current domain */
	const char	*helo;		/* h */
	const char	*receiver;	/* r */
	const char	*ptr;		/* p: validated name, or "unknown" */
	int		 af;		/* AF_INET or AF_INET6 */
	uint8_t		 addr[16];	/* i, c, v */
	time_t		 now;		/* t */
};

#define SPF_MACRO_DOMAIN	0	/* a domain-spec: no c, r, t */
#define SPF_MACRO_EXP		1	/* explanation text */

/*
 * The syntax of a macro-string (SPF_MACRO_DOMAIN also refuses c, r, t).
 * 0 or -1 and a reason.
 */
int	spf_macro_check(const char *, size_t, int, char *, size_t);
/* Does the macro-string use %{p}? */
int	spf_macro_uses_ptr(const char *, size_t);
/*
 * Expand a macro-string into out (outsz octets with the NUL).  Domain
 * mode: the result is truncated to 253 octets by dropping leading labels
 * (7.3); -1 if it does not fit in out before that.  Explanation mode:
 * the result is cut at outsz - 1 octets.  Returns the length or -1 and
 * a reason.
 */
int	spf_macro_expand(const char *, size_t, const struct spf_macro_env *,
	    int, char *, size_t, char *, size_t);

/* The domain-spec syntax (macro-string domain-end): 0 or -1. */
int	spf_domain_spec_check(const char *, size_t, char *, size_t);

#endif /* CARTERO_SPF_INT_H */
