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
 * sasl.c -- SASL PLAIN and LOGIN, server side, and strict base64.
 *
 * SECURITY: every byte here comes from an unauthenticated client.
 * Nothing is allocated; decoded messages live in a stack buffer that is
 * wiped before return, and the credentials in struct sasl are wiped by
 * sasl_clear().  Lengths are checked before any copy: a user longer than
 * SASL_USER_MAX or a password longer than SASL_PASS_MAX is refused, never
 * cut (a cut password could match a shorter one).
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "sasl.h"

#define B64_BAD		0xff
#define B64_PAD		0xfe

/* base64 of "Username:" and "Password:", the LOGIN challenges */
#define LOGIN_USER_CHALLENGE	"VXNlcm5hbWU6"
#define LOGIN_PASS_CHALLENGE	"UGFzc3dvcmQ6"

static const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static uint8_t	b64_value(unsigned char);
static int	sasl_decode_line(const char *, size_t, unsigned char *,
		    size_t *);
static int	sasl_copy_field(char *, size_t, const unsigned char *,
		    size_t);
static enum sasl_result sasl_plain(struct sasl *, const char *, size_t);
static enum sasl_result sasl_login(struct sasl *, const char *, size_t);

static uint8_t
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	if (c == '=')
		return (B64_PAD);
	return (B64_BAD);
}

int
sasl_b64_decode(const char *src, size_t srclen, unsigned char *dst,
    size_t dstsize, size_t *outlen)
{
	uint8_t	 v[4];
	size_t	 i, j, n = 0, pad = 0, need;

	*outlen = 0;
	if (srclen % 4 != 0)
		return (-1);
	if (srclen > 0 && src[srclen - 1] == '=')
		pad = srclen > 1 && src[srclen - 2] == '=' ? 2 : 1;
	need = srclen / 4 * 3 - pad;
	if (need > dstsize)
		return (-1);
	for (i = 0; i < srclen; i += 4) {
		for (j = 0; j < 4; j++) {
			v[j] = b64_value((unsigned char)src[i + j]);
			if (v[j] == B64_BAD)
				return (-1);
			/* '=' only in the last group, only at its end */
			if (v[j] == B64_PAD && (i + 4 < srclen || j < 4 - pad))
				return (-1);
			if (v[j] != B64_PAD && i + 4 == srclen && j >= 4 - pad)
				return (-1);
		}
		if (pad == 2 && i + 4 == srclen) {
			if (v[1] & 0x0f)	/* bits past the end */
				return (-1);
			dst[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
			break;
		}
		if (pad == 1 && i + 4 == srclen) {
			if (v[2] & 0x03)
				return (-1);
			dst[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
			dst[n++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
			break;
		}
		dst[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		dst[n++] = (unsigned char)(v[1] << 4 | v[2] >> 2);
		dst[n++] = (unsigned char)(v[2] << 6 | v[3]);
	}
	*outlen = n;
	return (0);
}

int
sasl_b64_encode(const unsigned char *src, size_t len, char *dst,
    size_t dstsize)
{
	size_t	 i, n = 0;
	uint32_t w;

	if (len > (SIZE_MAX - 1) / 4 * 3 - 3 ||
	    (len + 2) / 3 * 4 + 1 > dstsize)
		return (-1);
	for (i = 0; i + 2 < len; i += 3) {
		w = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8 |
		    src[i + 2];
		dst[n++] = b64_alphabet[w >> 18 & 0x3f];
		dst[n++] = b64_alphabet[w >> 12 & 0x3f];
		dst[n++] = b64_alphabet[w >> 6 & 0x3f];
		dst[n++] = b64_alphabet[w & 0x3f];
	}
	if (len - i == 1) {
		w = (uint32_t)src[i] << 16;
		dst[n++] = b64_alphabet[w >> 18 & 0x3f];
		dst[n++] = b64_alphabet[w >> 12 & 0x3f];
		dst[n++] = '=';
		dst[n++] = '=';
	} else if (len - i == 2) {
		w = (uint32_t)src[i] << 16 | (uint32_t)src[i + 1] << 8;
		dst[n++] = b64_alphabet[w >> 18 & 0x3f];
		dst[n++] = b64_alphabet[w >> 12 & 0x3f];
		dst[n++] = b64_alphabet[w >> 6 & 0x3f];
		dst[n++] = '=';
	}
	dst[n] = '\0';
	return ((int)n);
}

enum sasl_mech
sasl_mech_parse(const char *name)
{
	if (strcasecmp(name, "PLAIN") == 0)
		return (SASL_MECH_PLAIN);
	if (strcasecmp(name, "LOGIN") == 0)
		return (SASL_MECH_LOGIN);
	return (SASL_MECH_NONE);
}

const char *
sasl_mech_name(enum sasl_mech m)
{
	switch (m) {
	case SASL_MECH_PLAIN:
		return ("PLAIN");
	case SASL_MECH_LOGIN:
		return ("LOGIN");
	default:
		return ("NONE");
	}
}

/* A field without NUL, 1..size-1 bytes, into a C string: 0 or -1. */
static int
sasl_copy_field(char *dst, size_t size, const unsigned char *src,
    size_t len)
{
	if (len == 0 || len >= size || memchr(src, '\0', len) != NULL)
		return (-1);
	memcpy(dst, src, len);
	dst[len] = '\0';
	return (0);
}

int
sasl_plain_parse(const unsigned char *msg, size_t len, char *user,
    size_t usersize, char *pass, size_t passsize)
{
	const unsigned char	*nul1, *nul2, *authcid, *pw;
	size_t			 zlen, clen, plen;

	user[0] = pass[0] = '\0';
	if ((nul1 = memchr(msg, '\0', len)) == NULL)
		return (-1);
	authcid = nul1 + 1;
	if ((nul2 = memchr(authcid, '\0', len - (size_t)(authcid - msg))) ==
	    NULL)
		return (-1);
	pw = nul2 + 1;
	zlen = (size_t)(nul1 - msg);
	clen = (size_t)(nul2 - authcid);
	plen = len - (size_t)(pw - msg);
	if (zlen > SASL_USER_MAX || clen > SASL_USER_MAX ||
	    plen > SASL_PASS_MAX)
		return (-1);
	/* acting as someone else is not offered */
	if (zlen != 0 && (zlen != clen || memcmp(msg, authcid, clen) != 0))
		return (-1);
	if (sasl_copy_field(user, usersize, authcid, clen) == -1 ||
	    sasl_copy_field(pass, passsize, pw, plen) == -1) {
		explicit_bzero(user, usersize);
		explicit_bzero(pass, passsize);
		return (-1);
	}
	return (0);
}

/*
 * Decode a client line into buf (SASL_MSG_MAX bytes).  "=" alone is an
 * empty response.  0, or a sasl_result other than SASL_DONE.
 */
static int
sasl_decode_line(const char *line, size_t len, unsigned char *buf,
    size_t *outlen)
{
	*outlen = 0;
	if (len == 1 && line[0] == '*')
		return (SASL_CANCEL);
	if (len == 1 && line[0] == '=')
		return (0);
	if (len > SASL_B64_MAX)
		return (SASL_BAD_MSG);	/* too long to be credentials */
	if (sasl_b64_decode(line, len, buf, SASL_MSG_MAX, outlen) == -1)
		return (SASL_BAD_B64);
	return (0);
}

static enum sasl_result
sasl_plain(struct sasl *sa, const char *line, size_t len)
{
	unsigned char	 buf[SASL_MSG_MAX];
	size_t		 n;
	int		 r;

	if ((r = sasl_decode_line(line, len, buf, &n)) != 0)
		return (r);
	r = sasl_plain_parse(buf, n, sa->user, sizeof(sa->user), sa->pass,
	    sizeof(sa->pass));
	explicit_bzero(buf, sizeof(buf));
	return (r == 0 ? SASL_DONE : SASL_BAD_MSG);
}

static enum sasl_result
sasl_login(struct sasl *sa, const char *line, size_t len)
{
	unsigned char	 buf[SASL_MSG_MAX];
	size_t		 n;
	int		 r;

	if ((r = sasl_decode_line(line, len, buf, &n)) != 0)
		return (r);
	if (sa->step == 1) {
		r = n > SASL_USER_MAX ? -1 : sasl_copy_field(sa->user,
		    sizeof(sa->user), buf, n);
		explicit_bzero(buf, sizeof(buf));
		if (r == -1)
			return (SASL_BAD_MSG);
		sa->step = 2;
		(void)strlcpy(sa->challenge, LOGIN_PASS_CHALLENGE,
		    sizeof(sa->challenge));
		return (SASL_CONTINUE);
	}
	r = n > SASL_PASS_MAX ? -1 : sasl_copy_field(sa->pass,
	    sizeof(sa->pass), buf, n);
	explicit_bzero(buf, sizeof(buf));
	return (r == -1 ? SASL_BAD_MSG : SASL_DONE);
}

enum sasl_result
sasl_start(struct sasl *sa, enum sasl_mech mech, const char *initial)
{
	sasl_clear(sa);
	sa->mech = mech;
	sa->step = 1;
	switch (mech) {
	case SASL_MECH_PLAIN:
		if (initial == NULL)
			return (SASL_CONTINUE);	/* "334 " */
		break;
	case SASL_MECH_LOGIN:
		if (initial == NULL) {
			(void)strlcpy(sa->challenge, LOGIN_USER_CHALLENGE,
			    sizeof(sa->challenge));
			return (SASL_CONTINUE);
		}
		break;
	default:
		return (SASL_BAD_MSG);
	}
	/* "*" is no initial response: cancelling at once is a bad one */
	if (strcmp(initial, "*") == 0)
		return (SASL_BAD_B64);
	return (sasl_step(sa, initial, strlen(initial)));
}

enum sasl_result
sasl_step(struct sasl *sa, const char *line, size_t len)
{
	enum sasl_result	 r;

	sa->challenge[0] = '\0';
	switch (sa->mech) {
	case SASL_MECH_PLAIN:
		r = sasl_plain(sa, line, len);
		break;
	case SASL_MECH_LOGIN:
		r = sasl_login(sa, line, len);
		break;
	default:
		r = SASL_BAD_MSG;
		break;
	}
	if (r != SASL_CONTINUE && r != SASL_DONE)
		sasl_clear(sa);
	return (r);
}

void
sasl_clear(struct sasl *sa)
{
	explicit_bzero(sa, sizeof(*sa));
	sa->mech = SASL_MECH_NONE;
}
