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
 * store_cache.c -- a folder's cartero.cache: strings the session
 * computed once (ENVELOPE, BODYSTRUCTURE, header blocks, sort keys),
 * appended by any session with one write(2) on an O_APPEND descriptor,
 * keyed by UID and field.  A header carries the folder's UIDVALIDITY (a
 * new one empties the file); every entry has a magic and a checksum of
 * its bytes, checked before it is handed out, so a torn or foreign tail
 * costs a recomputation, never a wrong answer.
 */

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"
#include "store_int.h"

#define CACHE_MAGIC	"CRTCCH1\n"
#define ENT_MAGIC	0x45434331U
#define CACHE_MAXLEN	(16U * 1024 * 1024)

struct cache_fhdr {
	char		 magic[8];
	uint32_t	 uidvalidity;
	uint32_t	 pad;
};

struct cache_ehdr {
	uint32_t	 magic;
	uint32_t	 uid;
	uint32_t	 field;
	uint32_t	 len;
	uint32_t	 cksum;
};

static uint32_t	 cache_sum(const char *, size_t);
static int	 cache_open(struct mbox *);
static void	 cache_build(struct mbox *);

static uint32_t
cache_sum(const char *p, size_t len)
{
	uint64_t	 h = 0xcbf29ce484222325ULL ^ len, w;
	size_t		 i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ULL;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
	return ((uint32_t)(h ^ (h >> 32)));
}

/* Open (and start or restart) the file; -1 if there is none to use. */
static int
cache_open(struct mbox *mb)
{
	struct cache_fhdr	 h, want;
	struct stat		 st;

	if (mb->cfd != -1)
		return (0);
	mb->cfd = openat(mb->idx.dirfd, CACHE_FILE, O_RDWR | O_CREAT |
	    O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (mb->cfd == -1)
		return (-1);
	memset(&want, 0, sizeof(want));
	memcpy(want.magic, CACHE_MAGIC, sizeof(want.magic));
	want.uidvalidity = mb->uidvalidity;
	if (pread(mb->cfd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
	    memcmp(&h, &want, sizeof(h)) == 0)
		return (0);
	if (flock(mb->cfd, LOCK_EX) == 0) {
		/* again under the lock: another session may have done it */
		if (pread(mb->cfd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
		    memcmp(&h, &want, sizeof(h)) != 0) {
			if (fstat(mb->cfd, &st) == 0 && st.st_size > 0 &&
			    ftruncate(mb->cfd, 0) == -1)
				log_warn("imapd store: truncate cache");
			(void)write_full(mb->cfd, &want, sizeof(want));
		}
		(void)flock(mb->cfd, LOCK_UN);
	}
	return (0);
}

/* The table of entries for the view's messages (last entry wins). */
static void
cache_build(struct mbox *mb)
{
	struct cache_ehdr	 e;
	struct stat		 st;
	size_t			 off, end;
	uint32_t		 seq;
	void			*p;

	mb->cent = xcalloc(mb->count + 1, sizeof(*mb->cent));
	if (cache_open(mb) == -1 || fstat(mb->cfd, &st) == -1 ||
	    (size_t)st.st_size <= sizeof(struct cache_fhdr))
		return;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, mb->cfd, 0);
	if (p == MAP_FAILED)
		return;
	mb->cmap = p;
	mb->cmaplen = (size_t)st.st_size;
	end = mb->cmaplen;
	for (off = sizeof(struct cache_fhdr); off + sizeof(e) <= end; ) {
		memcpy(&e, mb->cmap + off, sizeof(e));
		if (e.magic != ENT_MAGIC || e.field >= CF_COUNT ||
		    e.len > end - off - sizeof(e)) {
			off += 4;	/* look for the next entry */
			continue;
		}
		seq = mbox_seq_of_uid(mb, e.uid);
		if (seq != 0) {
			mb->cent[seq - 1].p[e.field] = mb->cmap + off +
			    sizeof(e);
			mb->cent[seq - 1].len[e.field] = e.len;
		}
		off += sizeof(e) + ((e.len + 3) & ~3U);
	}
}

const char *
mbox_cache_get(struct mbox *mb, uint32_t seq, enum cache_field f,
    size_t *len)
{
	struct cache_ent	*c;
	struct cache_ehdr	 e;

	if (seq == 0 || seq > mb->count || (unsigned int)f >= CF_COUNT)
		return (NULL);
	if (mb->cent == NULL)
		cache_build(mb);
	c = &mb->cent[seq - 1];
	if (c->p[f] == NULL)
		return (NULL);
	/* an entry in the mapped file (else a copy of this session's) */
	if (mb->cmap != NULL && c->p[f] >= mb->cmap &&
	    c->p[f] < mb->cmap + mb->cmaplen) {
		memcpy(&e, c->p[f] - sizeof(e), sizeof(e));
		if (e.cksum != cache_sum(c->p[f], e.len) ||
		    e.uid != mb->recs[seq - 1].uid) {
			c->p[f] = NULL;
			return (NULL);
		}
	}
	*len = c->len[f];
	return (c->p[f]);
}

void
mbox_cache_put(struct mbox *mb, uint32_t seq, enum cache_field f,
    const char *s, size_t len)
{
	struct cache_ehdr	 e;
	struct buf		 b;
	char			*copy;
	static const char	 zero[4];

	if (seq == 0 || seq > mb->count || (unsigned int)f >= CF_COUNT ||
	    len > CACHE_MAXLEN)
		return;
	if (mb->cent == NULL)
		cache_build(mb);
	if (cache_open(mb) == 0) {
		e.magic = ENT_MAGIC;
		e.uid = mb->recs[seq - 1].uid;
		e.field = f;
		e.len = (uint32_t)len;
		e.cksum = cache_sum(s, len);
		buf_init(&b);
		buf_add(&b, &e, sizeof(e));
		buf_add(&b, s, len);
		buf_add(&b, zero, ((len + 3) & ~(size_t)3) - len);
		if (write_full(mb->cfd, b.s, b.len) == -1)
			log_warn("imapd store: write cache");
		buf_free(&b);
	}
	copy = xmalloc(len + 1);
	memcpy(copy, s, len);
	copy[len] = '\0';
	mb->cput = xreallocarray(mb->cput, mb->ncput + 1, sizeof(*mb->cput));
	mb->cput[mb->ncput++] = copy;
	mb->cent[seq - 1].p[f] = copy;
	mb->cent[seq - 1].len[f] = (uint32_t)len;
}

/* The view changed: the table is rebuilt when next used. */
void
cache_reset(struct mbox *mb)
{
	size_t	 i;

	free(mb->cent);
	mb->cent = NULL;
	for (i = 0; i < mb->ncput; i++)
		free(mb->cput[i]);
	free(mb->cput);
	mb->cput = NULL;
	mb->ncput = 0;
	if (mb->cmap != NULL)
		(void)munmap((void *)mb->cmap, mb->cmaplen);
	mb->cmap = NULL;
	mb->cmaplen = 0;
}

void
cache_close(struct mbox *mb)
{
	cache_reset(mb);
	if (mb->cfd != -1)
		(void)close(mb->cfd);
	mb->cfd = -1;
}
