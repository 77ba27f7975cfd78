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
 * envelope.c -- text codec for struct envelope.
 *
 * One envelope is a block of "key: value" lines:
 *
 *	version: 1			always first
 *	id: 0123456789abcdef		%016llx, msgid in the high half
 *	flags: 5			EF_*, decimal
 *	tag, helo, hostname, src	text
 *	peeruid: 1000			decimal
 *	sender, rcpt, dest		"user@domain", "" for <>
 *	action, user, arg		text
 *	dtype: mailbox|file|pipe
 *	ctime, expire, lasttry, nexttry	seconds since the epoch
 *	retry: 2			attempts so far
 *	errorline			text
 *	warned: 1			delay notices sent; written only
 *					when not 0 (older envelopes have
 *					none, and load as 0)
 *	end: ok				always last
 *
 * Values are escaped so that no byte of a value can break the format:
 * backslash is "\\", LF "\n", CR "\r", TAB "\t", other bytes below 0x20
 * and DEL are "\xHH".  Bytes from 0x80 up (UTF-8) are kept as they are.
 *
 * The loader is strict: unknown or repeated keys, missing mandatory keys,
 * bad numbers or escapes, values longer than their field and a missing
 * "end: ok" are errors.  envelope_errstr() tells which.
 */

#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue.h"
#include "smtpd.h"

enum ekind {
	EK_ID,			/* uint64_t, 16 hex digits */
	EK_U32,			/* uint32_t, decimal */
	EK_TIME,		/* time_t >= 0, decimal */
	EK_STR,			/* char[size] */
	EK_ADDR,		/* struct mailaddr */
	EK_DTYPE,		/* enum delivery_type */
};

struct efield {
	const char	*key;
	enum ekind	 kind;
	size_t		 off;
	size_t		 size;
	int		 presence;	/* FP_* */
};

#define FP_MANDATORY	1	/* must be present */
#define FP_NONZERO	2	/* optional, EK_U32 only: written if not 0 */

#define F(k, kind, m, mand) \
	{ k, kind, offsetof(struct envelope, m), \
	    sizeof(((struct envelope *)0)->m), mand }

static const struct efield efields[] = {
	F("id",		EK_ID,		id,		FP_MANDATORY),
	F("flags",	EK_U32,		flags,		FP_MANDATORY),
	F("tag",	EK_STR,		tag,		0),
	F("helo",	EK_STR,		helo,		0),
	F("hostname",	EK_STR,		hostname,	0),
	F("src",	EK_STR,		src,		0),
	F("peeruid",	EK_U32,		peeruid,	0),
	F("sender",	EK_ADDR,	sender,		FP_MANDATORY),
	F("rcpt",	EK_ADDR,	rcpt,		FP_MANDATORY),
	F("dest",	EK_ADDR,	dest,		FP_MANDATORY),
	F("action",	EK_STR,		action,		FP_MANDATORY),
	F("dtype",	EK_DTYPE,	dtype,		FP_MANDATORY),
	F("user",	EK_STR,		user,		FP_MANDATORY),
	F("arg",	EK_STR,		arg,		0),
	F("ctime",	EK_TIME,	ctime,		FP_MANDATORY),
	F("expire",	EK_TIME,	expire,		FP_MANDATORY),
	F("lasttry",	EK_TIME,	lasttry,	FP_MANDATORY),
	F("nexttry",	EK_TIME,	nexttry,	FP_MANDATORY),
	F("retry",	EK_U32,		retry,		FP_MANDATORY),
	F("errorline",	EK_STR,		errorline,	0),
	F("warned",	EK_U32,		warned,		FP_NONZERO),
};
#define NFIELDS		(sizeof(efields) / sizeof(efields[0]))

static const char *const dtype_names[] = {
	[DT_MAILBOX] = "mailbox",
	[DT_FILE] = "file",
	[DT_PIPE] = "pipe",
};

struct dumpbuf {
	char		*buf;
	size_t		 size;
	size_t		 len;
	int		 overflow;
};

static char	envelope_err[128];

static void	envelope_seterr(size_t, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
static void	envelope_put(struct dumpbuf *, const char *, size_t);
static void	envelope_put_escaped(struct dumpbuf *, const char *, size_t);
static int	envelope_dump_field(struct dumpbuf *, const struct envelope *,
		    const struct efield *);
static int	envelope_unescape(const char *, size_t, char *, size_t);
static int	envelope_number(const char *, uint64_t, uint64_t *);
static int	envelope_load_field(struct envelope *, const struct efield *,
		    const char *, size_t);
static int	envelope_parse_line(const char *, size_t, const char **,
		    size_t *, const char **, size_t *);
static int	envelope_load_addr(struct mailaddr *, const char *);
static const struct efield *envelope_field_find(const char *, size_t,
		    size_t *);
static int	envelope_check_mandatory(const unsigned char *, size_t);

const char *
envelope_errstr(void)
{
	return (envelope_err[0] ? envelope_err : "no error");
}

static void
envelope_seterr(size_t line, const char *fmt, ...)
{
	char	 msg[96];
	va_list	 ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line)
		(void)snprintf(envelope_err, sizeof(envelope_err),
		    "line %zu: %s", line, msg);
	else
		(void)snprintf(envelope_err, sizeof(envelope_err), "%s", msg);
}

static void
envelope_put(struct dumpbuf *d, const char *s, size_t len)
{
	if (d->overflow || len >= d->size - d->len) {
		d->overflow = 1;
		return;
	}
	memcpy(d->buf + d->len, s, len);
	d->len += len;
	d->buf[d->len] = '\0';
}

static void
envelope_put_escaped(struct dumpbuf *d, const char *s, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	char			 esc[4];
	size_t			 i, start = 0;
	unsigned char		 c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c >= 0x20 && c != 0x7f && c != '\\')
			continue;
		envelope_put(d, s + start, i - start);
		start = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '\\':
			envelope_put(d, "\\\\", 2);
			continue;
		case '\n':
			envelope_put(d, "\\n", 2);
			continue;
		case '\r':
			envelope_put(d, "\\r", 2);
			continue;
		case '\t':
			envelope_put(d, "\\t", 2);
			continue;
		}
		esc[1] = 'x';
		esc[2] = hex[c >> 4];
		esc[3] = hex[c & 0xf];
		envelope_put(d, esc, 4);
	}
	envelope_put(d, s + start, len - start);
}

static int
envelope_dump_field(struct dumpbuf *d, const struct envelope *evp,
    const struct efield *f)
{
	const char		*p = (const char *)evp + f->off;
	const struct mailaddr	*ma;
	char			 num[32];
	size_t			 ul, dl;

	envelope_put(d, f->key, strlen(f->key));
	envelope_put(d, ": ", 2);
	switch (f->kind) {
	case EK_ID:
		(void)snprintf(num, sizeof(num), "%016llx",
		    (unsigned long long)evp->id);
		envelope_put(d, num, strlen(num));
		break;
	case EK_U32:
		(void)snprintf(num, sizeof(num), "%u",
		    *(const uint32_t *)(const void *)p);
		envelope_put(d, num, strlen(num));
		break;
	case EK_TIME:
		if (*(const time_t *)(const void *)p < 0)
			return (-1);
		(void)snprintf(num, sizeof(num), "%lld",
		    (long long)*(const time_t *)(const void *)p);
		envelope_put(d, num, strlen(num));
		break;
	case EK_STR:
		if ((ul = strnlen(p, f->size)) == f->size)
			return (-1);
		envelope_put_escaped(d, p, ul);
		break;
	case EK_ADDR:
		ma = (const struct mailaddr *)(const void *)p;
		ul = strnlen(ma->user, sizeof(ma->user));
		dl = strnlen(ma->domain, sizeof(ma->domain));
		if (ul == sizeof(ma->user) || dl == sizeof(ma->domain))
			return (-1);
		if (ul == 0 && dl == 0)
			break;
		envelope_put_escaped(d, ma->user, ul);
		envelope_put(d, "@", 1);
		envelope_put_escaped(d, ma->domain, dl);
		break;
	case EK_DTYPE:
		if ((unsigned int)evp->dtype >= nitems(dtype_names))
			return (-1);
		p = dtype_names[evp->dtype];
		envelope_put(d, p, strlen(p));
		break;
	}
	envelope_put(d, "\n", 1);
	return (0);
}

/*
 * Write evp as text into buf (NUL-terminated).  Returns the length, or -1
 * if buf is too small or a field is invalid (unterminated string, negative
 * time, unknown dtype).  ENVELOPE_DUMP_MAX bytes are always enough.
 */
int
envelope_dump(const struct envelope *evp, char *buf, size_t size)
{
	struct dumpbuf	 d;
	size_t		 i;
	char		 v[32];

	if (size == 0)
		return (-1);
	d.buf = buf;
	d.size = size;
	d.len = 0;
	d.overflow = 0;
	buf[0] = '\0';
	(void)snprintf(v, sizeof(v), "version: %d\n", ENVELOPE_VERSION);
	envelope_put(&d, v, strlen(v));
	for (i = 0; i < NFIELDS; i++) {
		if (efields[i].presence == FP_NONZERO &&
		    *(const uint32_t *)(const void *)((const char *)evp +
		    efields[i].off) == 0)
			continue;
		if (envelope_dump_field(&d, evp, &efields[i]) == -1)
			return (-1);
	}
	envelope_put(&d, "end: ok\n", 8);
	if (d.overflow || d.len > INT_MAX)
		return (-1);
	return ((int)d.len);
}

/* Undo the escapes into out (size bytes, NUL included).  -1 on error. */
static int
envelope_unescape(const char *s, size_t len, char *out, size_t size)
{
	size_t		 i, o = 0;
	unsigned char	 c;
	char		 hx[3];

	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			envelope_seterr(0, "raw control character");
			return (-1);
		}
		if (c == '\\') {
			if (++i >= len)
				goto bad;
			switch (s[i]) {
			case '\\':
				c = '\\';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'x':
				if (i + 2 >= len ||
				    !isxdigit((unsigned char)s[i + 1]) ||
				    !isxdigit((unsigned char)s[i + 2]))
					goto bad;
				hx[0] = s[i + 1];
				hx[1] = s[i + 2];
				hx[2] = '\0';
				c = (unsigned char)strtoul(hx, NULL, 16);
				if (c == '\0')
					goto bad;
				i += 2;
				break;
			default:
				goto bad;
			}
		}
		if (o + 1 >= size) {
			envelope_seterr(0, "value too long");
			return (-1);
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return (0);
bad:
	envelope_seterr(0, "bad escape");
	return (-1);
}

/* Decimal digits only, no sign, no blanks, <= max. */
static int
envelope_number(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	 v = 0;
	const char	*p;

	if (*s == '\0')
		return (-1);
	if (s[0] == '0' && s[1] != '\0')
		return (-1);
	for (p = s; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return (-1);
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return (-1);
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return (0);
}

static int
envelope_load_addr(struct mailaddr *ma, const char *val)
{
	const char	*at;
	size_t		 ul;

	memset(ma, 0, sizeof(*ma));
	if (*val == '\0')
		return (0);
	if ((at = strrchr(val, '@')) == NULL) {
		envelope_seterr(0, "bad address");
		return (-1);
	}
	ul = (size_t)(at - val);
	if (ul >= sizeof(ma->user) ||
	    strlcpy(ma->domain, at + 1, sizeof(ma->domain)) >=
	    sizeof(ma->domain)) {
		envelope_seterr(0, "value too long");
		return (-1);
	}
	memcpy(ma->user, val, ul);
	ma->user[ul] = '\0';
	return (0);
}

static int
envelope_load_field(struct envelope *evp, const struct efield *f,
    const char *s, size_t len)
{
	char		 val[ENVELOPE_LINE_MAX];
	char		*p = (char *)evp + f->off;
	uint64_t	 n;
	size_t		 i;

	if (envelope_unescape(s, len, val, sizeof(val)) == -1)
		return (-1);
	switch (f->kind) {
	case EK_ID:
		if (strlen(val) != 16 ||
		    strspn(val, "0123456789abcdef") != 16)
			goto badnum;
		n = strtoull(val, NULL, 16);
		if (n == 0 || evpid_to_msgid(n) == 0)
			goto badnum;
		evp->id = n;
		return (0);
	case EK_U32:
		if (envelope_number(val, UINT32_MAX, &n) == -1)
			goto badnum;
		*(uint32_t *)(void *)p = (uint32_t)n;
		return (0);
	case EK_TIME:
		if (envelope_number(val, (uint64_t)LLONG_MAX, &n) == -1 ||
		    (time_t)n < 0)
			goto badnum;
		*(time_t *)(void *)p = (time_t)n;
		return (0);
	case EK_STR:
		if (strlcpy(p, val, f->size) >= f->size) {
			envelope_seterr(0, "value too long");
			return (-1);
		}
		return (0);
	case EK_ADDR:
		return (envelope_load_addr((struct mailaddr *)(void *)p, val));
	case EK_DTYPE:
		for (i = 0; i < nitems(dtype_names); i++)
			if (strcmp(val, dtype_names[i]) == 0) {
				evp->dtype = (enum delivery_type)i;
				return (0);
			}
		envelope_seterr(0, "bad dtype");
		return (-1);
	}
badnum:
	envelope_seterr(0, "bad number");
	return (-1);
}

/* Split one line (without its '\n') into key and value at ": ". */
static int
envelope_parse_line(const char *line, size_t len, const char **key,
    size_t *klen, const char **val, size_t *vlen)
{
	const char	*colon;

	if ((colon = memchr(line, ':', len)) == NULL || colon == line ||
	    (size_t)(colon - line) + 1 >= len || colon[1] != ' ')
		return (-1);
	*key = line;
	*klen = (size_t)(colon - line);
	*val = colon + 2;
	*vlen = len - *klen - 2;
	return (0);
}

static const struct efield *
envelope_field_find(const char *key, size_t klen, size_t *idx)
{
	size_t	 i;

	for (i = 0; i < NFIELDS; i++)
		if (strlen(efields[i].key) == klen &&
		    memcmp(efields[i].key, key, klen) == 0) {
			*idx = i;
			return (&efields[i]);
		}
	return (NULL);
}

static int
envelope_check_mandatory(const unsigned char *seen, size_t lineno)
{
	size_t	 i;

	for (i = 0; i < NFIELDS; i++)
		if (efields[i].presence == FP_MANDATORY && !seen[i]) {
			envelope_seterr(lineno, "missing key: %s",
			    efields[i].key);
			return (-1);
		}
	return (0);
}

int
envelope_load_next(struct envelope *evp, const char *buf, size_t len,
    size_t *used)
{
	const struct efield	*f;
	const char		*line, *nl, *key, *val;
	unsigned char		 seen[NFIELDS];
	size_t			 off = 0, lineno = 0, ll, klen, vlen, idx;
	char			 err[sizeof(envelope_err)];

	memset(evp, 0, sizeof(*evp));
	memset(seen, 0, sizeof(seen));
	envelope_err[0] = '\0';
	while (off < len) {
		line = buf + off;
		lineno++;
		if ((nl = memchr(line, '\n', len - off)) == NULL) {
			envelope_seterr(lineno, "unterminated line");
			return (-1);
		}
		ll = (size_t)(nl - line);
		off += ll + 1;
		if (ll >= ENVELOPE_LINE_MAX) {
			envelope_seterr(lineno, "line too long");
			return (-1);
		}
		if (envelope_parse_line(line, ll, &key, &klen, &val,
		    &vlen) == -1) {
			envelope_seterr(lineno, "syntax error");
			return (-1);
		}
		if (lineno == 1) {
			if (klen != 7 || memcmp(key, "version", 7) != 0) {
				envelope_seterr(lineno, "missing version");
				return (-1);
			}
			if (vlen != 1 || val[0] != '0' + ENVELOPE_VERSION) {
				envelope_seterr(lineno, "unsupported version");
				return (-1);
			}
			continue;
		}
		if (klen == 3 && memcmp(key, "end", 3) == 0) {
			if (vlen != 2 || memcmp(val, "ok", 2) != 0) {
				envelope_seterr(lineno, "bad end line");
				return (-1);
			}
			if (envelope_check_mandatory(seen, lineno) == -1)
				return (-1);
			/* the definition the imsg validators use, too */
			if (!envelope_ok(evp)) {
				envelope_seterr(lineno, "invalid envelope");
				return (-1);
			}
			*used = off;
			return (0);
		}
		if ((f = envelope_field_find(key, klen, &idx)) == NULL) {
			envelope_seterr(lineno, "unknown key");
			return (-1);
		}
		if (seen[idx]) {
			envelope_seterr(lineno, "duplicate key: %s", f->key);
			return (-1);
		}
		seen[idx] = 1;
		if (envelope_load_field(evp, f, val, vlen) == -1) {
			(void)strlcpy(err, envelope_err, sizeof(err));
			envelope_seterr(lineno, "%s: %s", f->key, err);
			return (-1);
		}
	}
	envelope_seterr(lineno, lineno ? "missing end: ok" : "empty envelope");
	return (-1);
}

/* Parse exactly one envelope from buf.  -1: see envelope_errstr(). */
int
envelope_load(struct envelope *evp, const char *buf, size_t len)
{
	size_t	 used;

	if (envelope_load_next(evp, buf, len, &used) == -1)
		return (-1);
	if (used != len) {
		envelope_seterr(0, "trailing data after end: ok");
		return (-1);
	}
	return (0);
}
