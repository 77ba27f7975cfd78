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
 * smtp_parse.c -- pure SMTP parsers: line assembler, command parser,
 * ESMTP parameters and the DATA/BDAT body decoder.
 *
 * SECURITY: everything here handles bytes straight from the network.
 * No allocation, no I/O, no logging: a function either accepts its input
 * or says why not, and never reads past the length it was given.  Only
 * CRLF.CRLF ends DATA (RFC 5321 2.3.8, 4.1.1.4): LF.LF, LF.CRLF, CRLF.LF
 * and CR.CRLF are body bytes, and any bare CR or LF marks the message as
 * unacceptable, so that no two parsers of the same bytes disagree about
 * where a message ends ("SMTP smuggling").
 */

#include <sys/types.h>

#include <ctype.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "smtp_parse.h"

#define HELO_MAX	255	/* longest HELO/EHLO argument */

enum data_state {
	D_BOL,		/* at the start of a line (after CRLF) */
	D_MID,		/* inside a line */
	D_CR,		/* after a CR inside a line */
	D_DOT,		/* after a '.' at the start of a line */
	D_DOTCR,	/* after ".\r" at the start of a line */
};

static const struct {
	const char	*name;
	enum smtp_verb	 verb;
} smtp_verbs[] = {
	{ "AUTH", V_AUTH },
	{ "HELO", V_HELO },
	{ "EHLO", V_EHLO },
	{ "MAIL", V_MAIL },
	{ "RCPT", V_RCPT },
	{ "DATA", V_DATA },
	{ "BDAT", V_BDAT },
	{ "RSET", V_RSET },
	{ "NOOP", V_NOOP },
	{ "QUIT", V_QUIT },
	{ "VRFY", V_VRFY },
	{ "EXPN", V_EXPN },
	{ "HELP", V_HELP },
	{ "STARTTLS", V_STARTTLS },
};

static int	smtp_parse_verb(const char *, size_t, enum smtp_verb *);
static int	smtp_parse_args(struct smtp_cmd *);
static int	smtp_parse_helo(const char *);
static int	smtp_parse_path(char *, const char *, struct smtp_cmd *);
static int	smtp_parse_bdat(char *, struct smtp_cmd *);
static char	*smtp_param_next(char **);
static int	smtp_param_split(char *, char **);
static void	smtp_data_content(struct smtp_data_dec *, unsigned char,
		    char *, size_t *);
static int	smtp_data_char(struct smtp_data_dec *, unsigned char, char *,
		    size_t *);

void
smtp_line_init(struct smtp_line *l, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->max = max;
}

int
smtp_line_next(struct smtp_line *l, const char *buf, size_t len,
    size_t *used, size_t *linelen)
{
	const char	*lf;
	size_t		 n;

	*used = 0;
	*linelen = 0;
	l->nul = 0;
	if (len == 0)
		return (LINE_NONE);
	if (l->skipping) {
		if ((lf = memchr(buf, '\n', len)) == NULL) {
			*used = len;
			return (LINE_NONE);
		}
		*used = (size_t)(lf - buf) + 1;
		l->skipping = 0;
		return (LINE_NONE);
	}
	if ((lf = memchr(buf, '\n', len)) != NULL) {
		*used = (size_t)(lf - buf) + 1;
		n = (size_t)(lf - buf);
		if (n > 0 && buf[n - 1] == '\r')
			n--;
		if (n > l->max)
			return (LINE_TOOLONG);
		*linelen = n;
		l->nul = memchr(buf, '\0', n) != NULL;
		return (LINE_OK);
	}
	/* No LF yet: too long once it cannot fit even with its CR. */
	if (len > l->max + 1 || (len == l->max + 1 && buf[l->max] != '\r')) {
		*used = len;
		l->skipping = 1;
		return (LINE_TOOLONG);
	}
	return (LINE_NONE);
}

const char *
smtp_verb_name(enum smtp_verb v)
{
	size_t	 i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++)
		if (smtp_verbs[i].verb == v)
			return (smtp_verbs[i].name);
	return ("?");
}

static int
smtp_parse_verb(const char *s, size_t len, enum smtp_verb *v)
{
	size_t	 i;

	for (i = 0; i < sizeof(smtp_verbs) / sizeof(smtp_verbs[0]); i++) {
		if (strlen(smtp_verbs[i].name) == len &&
		    strncasecmp(smtp_verbs[i].name, s, len) == 0) {
			*v = smtp_verbs[i].verb;
			return (0);
		}
	}
	return (-1);
}

int
smtp_parse_command(char *line, size_t len, struct smtp_cmd *cmd)
{
	char		*p, *end;
	size_t		 vlen;
	unsigned char	 c;

	memset(cmd, 0, sizeof(*cmd));
	line[len] = '\0';
	cmd->arg = cmd->path = cmd->params = line + len;
	if (memchr(line, '\0', len) != NULL)
		return (CMD_NUL);
	for (vlen = 0; vlen < len && isalpha((unsigned char)line[vlen]);
	    vlen++)
		;
	if (vlen < len && line[vlen] != ' ')
		return (CMD_UNKNOWN);
	if (smtp_parse_verb(line, vlen, &cmd->verb) == -1)
		return (CMD_UNKNOWN);

	for (p = line + vlen; *p == ' '; p++)
		;
	end = line + len;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		*--end = '\0';
	for (cmd->arg = p; p < end; p++) {
		c = (unsigned char)*p;
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return (CMD_SYNTAX);
	}
	return (smtp_parse_args(cmd));
}

static int
smtp_parse_args(struct smtp_cmd *cmd)
{
	char	*a = cmd->arg;

	switch (cmd->verb) {
	case V_DATA:
	case V_RSET:
	case V_QUIT:
	case V_STARTTLS:
		return (*a == '\0' ? CMD_OK : CMD_SYNTAX);
	case V_HELO:
	case V_EHLO:
		return (smtp_parse_helo(a));
	case V_VRFY:
	case V_EXPN:
	case V_AUTH:
		return (*a == '\0' ? CMD_SYNTAX : CMD_OK);
	case V_MAIL:
		return (smtp_parse_path(a, "FROM:", cmd));
	case V_RCPT:
		return (smtp_parse_path(a, "TO:", cmd));
	case V_BDAT:
		return (smtp_parse_bdat(a, cmd));
	default:
		return (CMD_OK);
	}
}

int
smtp_parse_auth(char *arg, char **mech, char **initial)
{
	char	*p;

	*mech = arg;
	*initial = NULL;
	if (*arg == '\0' || *arg == ' ' || *arg == '\t')
		return (CMD_SYNTAX);
	for (p = arg; *p != '\0' && *p != ' ' && *p != '\t'; p++)
		;
	if (*p == '\0')
		return (CMD_OK);
	*p++ = '\0';
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '\0')
		return (CMD_OK);	/* trailing blanks were trimmed */
	*initial = p;
	/* one initial response, no third word */
	for (; *p != '\0'; p++)
		if (*p == ' ' || *p == '\t')
			return (CMD_SYNTAX);
	return (CMD_OK);
}

#define AUTH_MECH_LOG_MAX	20	/* longest mechanism name logged */

int
smtp_parse_auth_cmdtext(char *dst, size_t size, const char *line,
    size_t len)
{
	size_t		 i, n, start;
	unsigned char	 c;

	if (len < 4 || strncasecmp(line, "AUTH", 4) != 0 ||
	    (len > 4 && isalpha((unsigned char)line[4])))
		return (0);
	(void)strlcpy(dst, "AUTH", size);
	for (start = 4; start < len && line[start] == ' '; start++)
		;
	if (start == 4 || start == len)
		return (1);
	/* a mechanism name (RFC 4422: A-Z 0-9 - _), else nothing */
	for (n = 0; start + n < len && line[start + n] != ' '; n++) {
		c = (unsigned char)line[start + n];
		if (n >= AUTH_MECH_LOG_MAX || (!isalnum(c) && c != '-' &&
		    c != '_'))
			return (1);
	}
	if (size < 6 + n)
		return (1);
	dst[4] = ' ';
	for (i = 0; i < n; i++)
		dst[5 + i] = (char)toupper((unsigned char)line[start + i]);
	dst[5 + n] = '\0';
	return (1);
}

/*
 * The HELO/EHLO argument goes into our Received: header, so it must not
 * be able to forge header structure.  Accepted, leniently (real clients
 * send these): a domain made of letters, digits, '-', '.' and '_' (a
 * trailing dot, empty labels, a bare IPv4 address pass), or an address
 * literal "[...]" of letters, digits, '.', ':' and '-' ([1.2.3.4],
 * [IPv6:::1], RFC 5321 General-address-literal), not checked further.
 * Refused: spaces, parentheses, ';', quotes, CR/LF and other controls,
 * 8-bit bytes, ':' outside brackets, and anything over 255 bytes.
 */
static int
smtp_parse_helo(const char *a)
{
	size_t		 len = strlen(a), i, n;
	const char	*ok;
	unsigned char	 c;

	if (len == 0 || len > HELO_MAX)
		return (CMD_SYNTAX);
	if (a[0] == '[') {
		if (len < 3 || a[len - 1] != ']')
			return (CMD_SYNTAX);
		a++;
		n = len - 2;
		ok = ".:-";
	} else {
		n = len;
		ok = ".-_";
	}
	for (i = 0; i < n; i++) {
		c = (unsigned char)a[i];
		if (c >= 0x80 || (!isalnum(c) && strchr(ok, c) == NULL))
			return (CMD_SYNTAX);
	}
	return (CMD_OK);
}

/* "FROM:" / "TO:", optional spaces, "<path>", then spaces and params. */
static int
smtp_parse_path(char *p, const char *kw, struct smtp_cmd *cmd)
{
	char	*start;
	size_t	 kwlen = strlen(kw);
	int	 inq = 0;

	if (strncasecmp(p, kw, kwlen) != 0)
		return (CMD_SYNTAX);
	for (p += kwlen; *p == ' '; p++)
		;
	if (*p++ != '<')
		return (CMD_SYNTAX);
	for (start = p; *p != '\0'; p++) {
		if (inq) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				inq = 0;
			continue;
		}
		if (*p == '"')
			inq = 1;
		else if (*p == '>')
			break;
		else if (*p == '<')
			return (CMD_SYNTAX);
	}
	if (*p != '>')
		return (CMD_SYNTAX);
	*p++ = '\0';
	if (*p != '\0' && *p != ' ')
		return (CMD_SYNTAX);
	while (*p == ' ')
		p++;
	cmd->path = start;
	cmd->params = p;
	return (CMD_OK);
}

/* "BDAT" SP chunk-size [ SP end-marker ] (RFC 3030) */
static int
smtp_parse_bdat(char *p, struct smtp_cmd *cmd)
{
	const char	*errstr;
	char		*q;

	for (q = p; isdigit((unsigned char)*q); q++)
		;
	if (q == p || q - p > 18)
		return (CMD_SYNTAX);
	if (*q == ' ') {
		*q++ = '\0';
		while (*q == ' ')
			q++;
		if (strcasecmp(q, "LAST") != 0)
			return (CMD_SYNTAX);
		cmd->bdat_last = 1;
	} else if (*q != '\0')
		return (CMD_SYNTAX);
	cmd->bdat_size = (uint64_t)strtonum(p, 0, LLONG_MAX, &errstr);
	if (errstr != NULL)
		return (CMD_SYNTAX);
	return (CMD_OK);
}

/* Next space-separated token of *pp, NULL at the end. */
static char *
smtp_param_next(char **pp)
{
	char	*p = *pp, *tok;

	while (*p == ' ')
		p++;
	if (*p == '\0')
		return (NULL);
	tok = p;
	while (*p != '\0' && *p != ' ')
		p++;
	if (*p == ' ')
		*p++ = '\0';
	*pp = p;
	return (tok);
}

/*
 * esmtp-keyword ["=" esmtp-value]; *value is NULL without "=".
 * Returns -1 on a syntax error.
 */
static int
smtp_param_split(char *tok, char **value)
{
	char	*p;

	*value = NULL;
	if (!isalnum((unsigned char)tok[0]))
		return (-1);
	for (p = tok + 1; *p != '\0' && *p != '='; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return (-1);
	if (*p == '\0')
		return (0);
	*p++ = '\0';
	if (*p == '\0')
		return (-1);
	*value = p;
	for (; *p != '\0'; p++)
		if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e ||
		    *p == '=')
			return (-1);
	return (0);
}

int
smtp_parse_mail_params(char *params, struct smtp_mailparams *mp)
{
	const char	*errstr;
	char		*tok, *val;

	memset(mp, 0, sizeof(*mp));
	while ((tok = smtp_param_next(&params)) != NULL) {
		if (smtp_param_split(tok, &val) == -1)
			return (PARAM_SYNTAX);
		if (strcasecmp(tok, "SIZE") == 0) {
			if (mp->has_size || val == NULL ||
			    strspn(val, "0123456789") != strlen(val))
				return (PARAM_SYNTAX);
			mp->has_size = 1;
			mp->size = (uint64_t)strtonum(val, 0, LLONG_MAX,
			    &errstr);
			if (errstr != NULL)
				mp->size = UINT64_MAX;	/* too big */
		} else if (strcasecmp(tok, "BODY") == 0) {
			if (mp->body != BODY_NONE || val == NULL)
				return (PARAM_SYNTAX);
			if (strcasecmp(val, "7BIT") == 0)
				mp->body = BODY_7BIT;
			else if (strcasecmp(val, "8BITMIME") == 0)
				mp->body = BODY_8BITMIME;
			else
				return (PARAM_SYNTAX);
		} else if (strcasecmp(tok, "SMTPUTF8") == 0) {
			if (mp->smtputf8 || val != NULL)
				return (PARAM_SYNTAX);
			mp->smtputf8 = 1;
		} else if (strcasecmp(tok, "AUTH") == 0) {
			/*
			 * RFC 4954 5: the identity a trusted relay vouches
			 * for (xtext or <>).  Accepted, as a server that
			 * offers AUTH must, and not used: we trust our own
			 * AUTH only.
			 */
			if (mp->has_auth || val == NULL)
				return (PARAM_SYNTAX);
			mp->has_auth = 1;
		} else
			return (PARAM_UNKNOWN);
	}
	return (PARAM_OK);
}

/* No RCPT parameter is supported (no DSN). */
int
smtp_parse_rcpt_params(char *params)
{
	char	*tok, *val;

	while ((tok = smtp_param_next(&params)) != NULL) {
		if (smtp_param_split(tok, &val) == -1)
			return (PARAM_SYNTAX);
		return (PARAM_UNKNOWN);
	}
	return (PARAM_OK);
}

void
smtp_data_init(struct smtp_data_dec *d, size_t max_line, int raw)
{
	memset(d, 0, sizeof(*d));
	d->state = D_BOL;
	d->raw = raw;
	d->max_line = max_line;
	d->in_headers = 1;
}

/* One byte of line content (after unstuffing). */
static void
smtp_data_content(struct smtp_data_dec *d, unsigned char c, char *out,
    size_t *o)
{
	static const char	 rcvd[] = "received:";

	if (c == '\0')
		d->flags |= DATA_F_NUL;
	if (d->in_headers && d->hdrmatch >= 0 &&
	    (size_t)d->hdrmatch < sizeof(rcvd) - 1) {
		if (tolower(c) == rcvd[d->hdrmatch]) {
			if ((size_t)++d->hdrmatch == sizeof(rcvd) - 1)
				d->hops++;
		} else
			d->hdrmatch = -1;
	}
	out[(*o)++] = (char)c;
	d->size++;
}

/* Returns 1 when c completed the terminator. */
static int
smtp_data_char(struct smtp_data_dec *d, unsigned char c, char *out,
    size_t *o)
{
	if (++d->linelen > d->max_line + 2)
		d->flags |= DATA_F_LONG;
again:
	switch (d->state) {
	case D_BOL:
		if (c == '.' && !d->raw) {
			d->state = D_DOT;
			return (0);
		}
		d->state = D_MID;
		goto again;
	case D_MID:
		if (c == '\r') {
			d->state = D_CR;
			return (0);
		}
		if (c == '\n')
			d->flags |= DATA_F_BARE;
		smtp_data_content(d, c, out, o);
		return (0);
	case D_CR:
		if (c == '\n') {
			out[(*o)++] = '\r';
			out[(*o)++] = '\n';
			d->size += 2;
			if (d->linelen == 2)
				d->in_headers = 0;
			d->linelen = 0;
			d->hdrmatch = 0;
			d->state = D_BOL;
			return (0);
		}
		break;
	case D_DOT:
		if (c == '\r') {
			d->state = D_DOTCR;
			return (0);
		}
		d->state = D_MID;	/* the stuffed dot is dropped */
		goto again;
	case D_DOTCR:
		if (c == '\n') {
			d->done = 1;
			return (1);
		}
		break;
	}
	/* A CR not followed by LF. */
	d->flags |= DATA_F_BARE;
	smtp_data_content(d, '\r', out, o);
	d->state = D_MID;
	goto again;
}

/*
 * Decode up to inlen bytes of in into out (outsz bytes, *outlen set).
 * Returns the number of input bytes consumed: fewer than inlen when the
 * terminator was reached (d->done) or out is nearly full.
 */
size_t
smtp_data_decode(struct smtp_data_dec *d, const char *in, size_t inlen,
    char *out, size_t outsz, size_t *outlen)
{
	size_t	 i, o = 0;

	for (i = 0; i < inlen && !d->done; i++) {
		if (outsz - o < DATA_DEC_SLACK)
			break;
		if (smtp_data_char(d, (unsigned char)in[i], out, &o)) {
			i++;
			break;
		}
	}
	*outlen = o;
	return (i);
}

/*
 * End of a BDAT body: a pending CR is bare, and a last line without CRLF
 * gets one.  Returns the bytes written to out (at most DATA_DEC_SLACK).
 */
size_t
smtp_data_end(struct smtp_data_dec *d, char *out, size_t outsz)
{
	size_t	 o = 0;

	if (outsz < DATA_DEC_SLACK)
		return (0);
	if (d->state == D_CR || d->state == D_DOTCR) {
		d->flags |= DATA_F_BARE;
		out[o++] = '\r';
		d->state = D_MID;
	}
	if (d->state != D_BOL) {
		out[o++] = '\r';
		out[o++] = '\n';
		d->state = D_BOL;
	}
	d->size += o;
	return (o);
}
