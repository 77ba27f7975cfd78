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
 * dkim.h -- DKIM (RFC 6376, RFC 8463 Ed25519-SHA256, RFC 8301 key and
 * algorithm limits): signing and verifying, on libcrypto.
 *
 * The work is split so that each process does its part:
 *
 *	dkim_msg	fed the message as it is stored (smtp while it
 *			writes the queue file, smtpctl, the bench): keeps
 *			the header section, hashes the body once per
 *			canonicalisation, and at the end gives, per
 *			DKIM-Signature field, a struct dkim_sigcheck (the
 *			parsed tags, whether bh= matched, and the hash that
 *			b= must sign), and for signing the field to add and
 *			the hash to sign
 *	dkim_sign	the private-key operation: the key-holding process
 *			(signer) or a tool with the key file
 *	dkim_verify	the key lookup (resolver.h) and the public-key
 *			check of each dkim_sigcheck: lka, smtpctl
 *
 * struct dkim_sigcheck is fixed-size and holds no pointer, so that it
 * can travel in one imsg.
 *
 * SECURITY: everything parsed here (header fields, tag-lists, key
 * records) comes from the network.  Lengths are checked, nothing is
 * trusted: l= is never honoured when it leaves part of the body
 * unsigned (such a signature is "policy", not "pass"), rsa-sha1 is
 * refused (RFC 8301), RSA keys under DKIM_RSA_MIN_BITS or over
 * DKIM_RSA_MAX_BITS are refused, the header section is bounded.
 */

#ifndef CARTERO_DKIM_H
#define CARTERO_DKIM_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "resolver.h"

#define DKIM_SIG_MAX		8	/* DKIM-Signature fields checked */
#define DKIM_HEADER_MAX		(256 * 1024)	/* header section kept */
#define DKIM_HASH_LEN		32	/* SHA-256 */
#define DKIM_B_MAX		1024	/* signature: RSA-8192 */
#define DKIM_DOMAIN_MAX		256
#define DKIM_SELECTOR_MAX	256
#define DKIM_AUID_MAX		512
#define DKIM_REASON_MAX		96
#define DKIM_FIELD_MAX		4096	/* a DKIM-Signature we write */
#define DKIM_RSA_MIN_BITS	1024	/* verifying (RFC 8301) */
#define DKIM_RSA_MAX_BITS	8192
#define DKIM_RSA_SIGN_BITS	2048	/* keygen default */

enum dkim_alg {
	DKIM_ALG_NONE = 0,
	DKIM_ALG_RSA_SHA256,
	DKIM_ALG_ED25519_SHA256,
	DKIM_ALG_RSA_SHA1,		/* recognised, always refused */
};

enum dkim_canon {
	DKIM_CANON_SIMPLE = 0,
	DKIM_CANON_RELAXED,
};

/* Results, named as in RFC 8601 (dkim_result_name()). */
enum dkim_result {
	DKIM_NONE = 0,			/* no signature */
	DKIM_PASS,
	DKIM_FAIL,			/* signature or body hash wrong */
	DKIM_POLICY,			/* valid but not acceptable (l=) */
	DKIM_NEUTRAL,
	DKIM_TEMPERROR,			/* key lookup failed for now */
	DKIM_PERMERROR,			/* malformed, no key, bad key... */
};

/* One DKIM-Signature field once the message is hashed. */
struct dkim_sigcheck {
	int		 parsed;	/* 0: perror says why */
	char		 perror[DKIM_REASON_MAX];
	enum dkim_alg	 alg;
	enum dkim_canon	 hcanon;
	enum dkim_canon	 bcanon;
	char		 d[DKIM_DOMAIN_MAX];
	char		 s[DKIM_SELECTOR_MAX];
	char		 i[DKIM_AUID_MAX];	/* "@d" when absent */
	int64_t		 l;		/* -1: none */
	int64_t		 t;		/* -1: none */
	int64_t		 x;		/* -1: none */
	int		 bh_ok;		/* body hash matched bh= */
	int		 l_short;	/* l= left part of the body out */
	uint8_t		 hhash[DKIM_HASH_LEN];	/* what b= signs */
	uint8_t		 b[DKIM_B_MAX];
	uint16_t	 blen;
	char		 b8[9];		/* header.b: b='s first 8 chars */
};

/* The verdict on one signature (or one line of "none"). */
struct dkim_verdict {
	enum dkim_result result;
	enum dkim_alg	 alg;
	char		 d[DKIM_DOMAIN_MAX];
	char		 s[DKIM_SELECTOR_MAX];
	char		 i[DKIM_AUID_MAX];
	char		 b8[9];
	int		 testing;	/* key record t=y */
	char		 reason[DKIM_REASON_MAX];	/* "" on pass */
};

/* A DKIM-Signature we add: the field, and the hash to sign. */
struct dkim_sign {
	enum dkim_alg	 alg;
	char		 field[DKIM_FIELD_MAX];	/* "DKIM-Signature: ...b=" */
	size_t		 len;
	uint8_t		 hhash[DKIM_HASH_LEN];
};

const char	*dkim_result_name(enum dkim_result);	/* "pass" ... */
const char	*dkim_alg_name(enum dkim_alg);	/* "rsa-sha256" ... */

/* --- dkim_msg: the message, as stored ---------------------------------- */

#define DKIM_MSG_VERIFY		0x01	/* collect and hash signatures */
#define DKIM_MSG_SIGN		0x02	/* hash the body relaxed for us */

struct dkim_msg;

struct dkim_msg	*dkim_msg_new(int flags);
/*
 * The message's bytes in order (header section, empty line, body), as
 * stored: CRLF or bare LF line ends (a bare LF counts as CRLF), any
 * split.  0, or -1 out of memory.  A header section over
 * DKIM_HEADER_MAX is not kept: no signature is checked (each gets
 * permerror "header too large") and signing fails.
 */
int	dkim_msg_feed(struct dkim_msg *, const char *, size_t);
/* The end of the message: the body hashes and header hashes are final. */
int	dkim_msg_end(struct dkim_msg *);
void	dkim_msg_free(struct dkim_msg *);
/* After dkim_msg_end(): the DKIM-Signature fields, top first. */
size_t	dkim_msg_nsig(const struct dkim_msg *);
const struct dkim_sigcheck *dkim_msg_sigcheck(const struct dkim_msg *,
	    size_t);
/*
 * The domain of the RFC5322.From address, lower-cased, or NULL when
 * there is not exactly one From field with exactly one address (then
 * DMARC has no domain to check: RFC 7489 6.6.1).
 */
const char *dkim_msg_from_domain(const struct dkim_msg *);
/*
 * 1 when the message has From but no single domain can be taken from it:
 * several From fields, a list or a group, an address that does not
 * parse, or a header section too large to be read whole.  Such a message
 * is not "without From": a forger could hide the domain a reader sees
 * from DMARC that way, so DMARC judges it permerror (dmarc.h).
 */
int	dkim_msg_from_unusable(const struct dkim_msg *);
/*
 * After dkim_msg_end() of a message fed with DKIM_MSG_SIGN: the field
 * for domain/selector/alg (v=1, relaxed/relaxed, t= now, the default
 * header list of the fields present, From oversigned), with b= empty,
 * and the hash b= must sign.  0, or -1 (header too large, bad alg...).
 */
int	dkim_msg_sign(const struct dkim_msg *, const char *domain,
	    const char *selector, enum dkim_alg, time_t now,
	    struct dkim_sign *);
/*
 * Append the signature (base64, folded at 78 columns) and CRLF to
 * ds->field: the finished field, ds->len bytes.  0, or -1 too long.
 */
int	dkim_sign_finish(struct dkim_sign *, const uint8_t *, size_t);

/* --- parsers (also fuzzed) ---------------------------------------------- */

/*
 * A DKIM-Signature field's value (after the colon, folded or not) into
 * sc's tags (parsed = 1), or -1 and a reason in sc->perror.
 */
int	dkim_sig_parse(struct dkim_sigcheck *, const char *, size_t);

struct dkim_key {
	int		 ed25519;	/* k=ed25519; 0: k=rsa */
	int		 revoked;	/* p= empty */
	int		 testing;	/* t=y */
	int		 strict;	/* t=s: i= domain must be d= */
	int		 sha256_ok;	/* h= absent or lists sha256 */
	int		 email_ok;	/* s= absent, "*" or "email" */
	uint8_t		 p[1200];	/* DER SubjectPublicKeyInfo (rsa), */
	size_t		 plen;		/* or the raw 32 bytes (ed25519) */
};

/* A key record's TXT (joined strings): 0, or -1 and *err. */
int	dkim_key_parse(struct dkim_key *, const char *, size_t,
	    const char **err);

/* --- private-key side (dkim_crypto.c) ------------------------------------ */

struct evp_pkey_st;

/*
 * Sign hhash with key for alg (RSA PKCS#1 v1.5 over SHA-256's
 * DigestInfo; Ed25519 PureEdDSA over the 32 bytes, RFC 8463 3).
 * sig gets at most DKIM_B_MAX bytes.  0, or -1.
 */
int	dkim_key_sign(struct evp_pkey_st *, enum dkim_alg,
	    const uint8_t *, uint8_t *, size_t *);
/* The algorithm a private key signs with: RSA or Ed25519, else NONE. */
enum dkim_alg dkim_key_alg(struct evp_pkey_st *);
/*
 * The TXT record to publish for a key: "v=DKIM1; k=rsa; p=..." (or
 * k=ed25519).  0, or -1 if it does not fit.
 */
int	dkim_key_txt(struct evp_pkey_st *, char *, size_t);

/* --- verifying ------------------------------------------------------------ */

/*
 * The verdict on one signature given the TXT of its key record
 * (status RESOLVER_*; txt NULL when there is no DKIM1 record): key
 * constraints (k= against a=, h=, s=, t=s, revoked, RSA size), x=
 * against now, bh_ok, l_short, then the signature over hhash.
 */
void	dkim_sigcheck_key(const struct dkim_sigcheck *, int status,
	    const char *txt, size_t len, time_t now, struct dkim_verdict *);

struct dkim_verify;
typedef void	(*dkim_verify_cb)(void *, const struct dkim_verdict *,
		    size_t);

/*
 * Look up the key of each of the n signatures ("s._domainkey.d" TXT)
 * and give every verdict to done(), once, from the event loop (n == 0:
 * done() gets no verdict).  The array is copied.  NULL out of memory.
 */
struct dkim_verify *dkim_verify_start(const struct dkim_sigcheck *, size_t,
	    resolver_query_fn, time_t now, dkim_verify_cb, void *);
/*
 * No callback after this; lookups still running are dropped safely.
 * Only before done() returned: the verification ends with it (a
 * cancel from inside done() is harmless).
 */
void	dkim_verify_cancel(struct dkim_verify *);

#endif /* CARTERO_DKIM_H */
