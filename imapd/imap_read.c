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
 * imap_read.c -- the incremental IMAP command reader (imap_parse.h): cuts
 * the client's byte stream into whole commands, lines and literals
 * ({n}, {n+}, ~{n}) inline.  A line or literal over the limits switches
 * the reader to skipping: the rest of the command is read and dropped,
 * keeping only the last bytes of the current line (to see whether it
 * announces a literal), and IMAP_RD_TOOBIG is returned with the tag.
 */

#include <sys/types.h>

#include <stdint.h>
#include <string.h>

#include "imap_parse.h"

#define RS_LINE		0
#define RS_LITERAL	1
#define RS_DONE		2

#define SKIP_TAIL	32	/* bytes of a skipped line kept */
#define LIT_DIGITS_MAX	19	/* fits in int64_t */

static int	reader_litmark(const char *, size_t, uint64_t *, int *);
static void	reader_tag(struct imap_reader *);
static void	reader_skip(struct imap_reader *);
static void	reader_tail(struct imap_reader *, const char *, size_t);
static int	reader_eol(struct imap_reader *, enum imap_rd *);
static size_t	reader_line(struct imap_reader *, const char *, size_t,
		    enum imap_rd *, int *);

void
imap_reader_init(struct imap_reader *r, size_t max_literal,
    size_t max_command)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->cmd);
	r->max_literal = max_literal;
	r->max_command = max_command;
}

void
imap_reader_free(struct imap_reader *r)
{
	buf_free(&r->cmd);
	memset(r, 0, sizeof(*r));
}

void
imap_reader_reset(struct imap_reader *r)
{
	buf_reset(&r->cmd);
	r->tag[0] = '\0';
	r->toobig_literal = 0;
	r->state = RS_LINE;
	r->lit_left = 0;
	r->line_start = 0;
	r->skipping = 0;
}

/*
 * Does the line (CRLF removed) end with a literal announcement?  1 with
 * its size and whether it is non-synchronizing ({n+}), else 0.
 */
static int
reader_litmark(const char *s, size_t len, uint64_t *n, int *plus)
{
	size_t	 end, i, digits;
	uint64_t v;

	if (len < 3 || s[len - 1] != '}')
		return 0;
	end = len - 1;
	*plus = 0;
	if (s[end - 1] == '+') {
		*plus = 1;
		end--;
	}
	i = end;
	while (i > 0 && s[i - 1] >= '0' && s[i - 1] <= '9')
		i--;
	digits = end - i;
	if (digits == 0 || digits > LIT_DIGITS_MAX || i == 0 ||
	    s[i - 1] != '{')
		return 0;
	v = 0;
	for (; i < end; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	*n = v;
	return 1;
}

/* the tag of the command in r->cmd, if it has a whole one */
static void
reader_tag(struct imap_reader *r)
{
	size_t		 i;
	unsigned char	 c;

	if (r->tag[0] != '\0')
		return;
	for (i = 0; i < r->cmd.len && i <= IMAP_TAG_MAX; i++) {
		c = (unsigned char)r->cmd.s[i];
		if (c == ' ')
			break;
		if (c <= 0x20 || c >= 0x7f || strchr("(){%*\"\\+", c) != NULL)
			return;
	}
	if (i == 0 || i > IMAP_TAG_MAX || i == r->cmd.len)
		return;
	memcpy(r->tag, r->cmd.s, i);
	r->tag[i] = '\0';
}

static void
reader_skip(struct imap_reader *r)
{
	reader_tag(r);
	buf_reset(&r->cmd);
	r->line_start = 0;
	r->skipping = 1;
}

/* keep the last bytes of a skipped line */
static void
reader_tail(struct imap_reader *r, const char *p, size_t n)
{
	if (n >= SKIP_TAIL) {
		buf_reset(&r->cmd);
		buf_add(&r->cmd, p + n - SKIP_TAIL, SKIP_TAIL);
		return;
	}
	if (r->cmd.len + n > 2 * SKIP_TAIL) {
		memmove(r->cmd.s, r->cmd.s + r->cmd.len - SKIP_TAIL,
		    SKIP_TAIL);
		r->cmd.len = SKIP_TAIL;
	}
	buf_add(&r->cmd, p, n);
}

/*
 * A line ended (r->cmd holds it from line_start, LF included): 1 with
 * *res when the reader must stop, else 0 (a literal to read follows).
 */
static int
reader_eol(struct imap_reader *r, enum imap_rd *res)
{
	const char	*s = r->cmd.s + r->line_start;
	size_t		 len = r->cmd.len - r->line_start - 1;
	uint64_t	 n;
	int		 plus;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (!reader_litmark(s, len, &n, &plus)) {
		r->state = RS_DONE;
		*res = r->skipping ? IMAP_RD_TOOBIG : IMAP_RD_COMMAND;
		return 1;
	}
	if (!r->skipping && (n > r->max_literal ||
	    n > r->max_command - r->cmd.len ||
	    (plus && r->literal_minus && n > IMAP_LITERAL_MINUS_MAX))) {
		r->toobig_literal = 1;
		reader_skip(r);
	}
	if (r->skipping && !plus) {
		/* the client waits for "+": never asked, the command ends */
		r->state = RS_DONE;
		*res = IMAP_RD_TOOBIG;
		return 1;
	}
	if (r->skipping)
		buf_reset(&r->cmd);
	r->lit_left = n;
	r->state = n > 0 ? RS_LITERAL : RS_LINE;
	r->line_start = r->cmd.len;
	if (!plus) {
		*res = IMAP_RD_CONTINUE;
		return 1;
	}
	return 0;
}

/* bytes of a line: how many taken, *stop set with *res when done */
static size_t
reader_line(struct imap_reader *r, const char *p, size_t len,
    enum imap_rd *res, int *stop)
{
	const char	*lf;
	size_t		 n, linelen, room;

	lf = memchr(p, '\n', len);
	n = lf != NULL ? (size_t)(lf - p) + 1 : len;
	if (r->skipping)
		reader_tail(r, p, n);
	else {
		linelen = r->cmd.len - r->line_start;
		room = IMAP_LINE_MAX - linelen;
		if (r->max_command - r->cmd.len < room)
			room = r->max_command - r->cmd.len;
		if (n > room) {
			/* keep what fits (the tag), then skip */
			buf_add(&r->cmd, p, room);
			reader_skip(r);
			return room;
		}
		buf_add(&r->cmd, p, n);
	}
	if (lf != NULL)
		*stop = reader_eol(r, res);
	return n;
}

enum imap_rd
imap_reader_feed(struct imap_reader *r, const char *data, size_t len,
    size_t *used)
{
	enum imap_rd	 res = IMAP_RD_MORE;
	size_t		 i = 0, n;
	int		 stop = 0;

	if (r->state == RS_DONE)
		imap_reader_reset(r);
	while (i < len && !stop) {
		if (r->state == RS_LITERAL) {
			n = len - i;
			if (n > r->lit_left)
				n = (size_t)r->lit_left;
			if (!r->skipping)
				buf_add(&r->cmd, data + i, n);
			i += n;
			r->lit_left -= n;
			if (r->lit_left == 0) {
				r->state = RS_LINE;
				r->line_start = r->cmd.len;
			}
			continue;
		}
		i += reader_line(r, data + i, len - i, &res, &stop);
	}
	*used = i;
	return res;
}
