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
 * thread.c -- THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256
 * sections 2.2 and 3): the caller gives one thread_msg per message of
 * the SEARCH result, in mailbox order (which breaks date ties); the
 * reply is the thread list "(1 2)(3 (4)(5))" without the "* THREAD".
 * REFERENCES is Jamie Zawinski's algorithm as the RFC states it: parent
 * links from References (or In-Reply-To), dummies for messages not
 * there, dummies pruned, roots merged by base subject, siblings sorted
 * by sent date.  Containers are indices into one array; a hash table
 * maps Message-IDs (and, later, base subjects) to them.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "buf.h"
#include "mime.h"

#define NONE	SIZE_MAX

struct cont {
	const char	*id;		/* Message-ID, NULL if none */
	size_t		 idlen;
	size_t		 msg;		/* index in the messages, NONE: dummy */
	size_t		 parent, child, next;
};

struct hslot {
	const char	*key;
	size_t		 len;
	size_t		 val;
};

struct thr {
	const struct thread_msg *m;
	size_t		 nm;
	struct cont	*c;
	size_t		 nc, cc;
	struct hslot	*h;
	size_t		 hcap, hn;
};

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t	 h = 1469598103934665603ULL;
	size_t		 i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static void	 h_put(struct thr *, const char *, size_t, size_t);

static void
h_grow(struct thr *t)
{
	struct hslot	*old = t->h;
	size_t		 i, ocap = t->hcap;

	t->hcap = ocap == 0 ? 64 : ocap * 2;
	t->h = xcalloc(t->hcap, sizeof(*t->h));
	t->hn = 0;
	for (i = 0; i < ocap; i++)
		if (old[i].key != NULL)
			h_put(t, old[i].key, old[i].len, old[i].val);
	free(old);
}

static struct hslot *
h_find(struct thr *t, const char *k, size_t n)
{
	size_t	 i;

	if (t->hcap == 0)
		return NULL;
	for (i = hash(k, n) & (t->hcap - 1); t->h[i].key != NULL;
	    i = (i + 1) & (t->hcap - 1))
		if (t->h[i].len == n && memcmp(t->h[i].key, k, n) == 0)
			return &t->h[i];
	return NULL;
}

static void
h_put(struct thr *t, const char *k, size_t n, size_t v)
{
	size_t	 i;

	if ((t->hn + 1) * 2 > t->hcap)
		h_grow(t);
	for (i = hash(k, n) & (t->hcap - 1); t->h[i].key != NULL;
	    i = (i + 1) & (t->hcap - 1))
		;
	t->h[i].key = k;
	t->h[i].len = n;
	t->h[i].val = v;
	t->hn++;
}

static void
h_clear(struct thr *t)
{
	free(t->h);
	t->h = NULL;
	t->hcap = t->hn = 0;
}

static size_t
cont_new(struct thr *t, const char *id, size_t n, size_t msg)
{
	struct cont	*c;

	if (t->nc == t->cc) {
		t->cc = t->cc == 0 ? 64 : t->cc * 2;
		t->c = xreallocarray(t->c, t->cc, sizeof(*t->c));
	}
	c = &t->c[t->nc];
	c->id = id;
	c->idlen = n;
	c->msg = msg;
	c->parent = c->child = c->next = NONE;
	if (id != NULL)
		h_put(t, id, n, t->nc);
	return t->nc++;
}

static size_t
cont_of(struct thr *t, const char *id, size_t n)
{
	struct hslot	*s;

	if ((s = h_find(t, id, n)) != NULL)
		return s->val;
	return cont_new(t, id, n, NONE);
}

/* is a an ancestor of b (or b itself)? */
static int
ancestor(const struct thr *t, size_t a, size_t b)
{
	for (; b != NONE; b = t->c[b].parent)
		if (a == b)
			return 1;
	return 0;
}

static void
unlink_child(struct thr *t, size_t c)
{
	size_t	 p = t->c[c].parent, *pp;

	if (p == NONE)
		return;
	for (pp = &t->c[p].child; *pp != NONE; pp = &t->c[*pp].next)
		if (*pp == c) {
			*pp = t->c[c].next;
			break;
		}
	t->c[c].parent = NONE;
	t->c[c].next = NONE;
}

static void
link_child(struct thr *t, size_t p, size_t c)
{
	size_t	*pp;

	unlink_child(t, c);
	for (pp = &t->c[p].child; *pp != NONE; pp = &t->c[*pp].next)
		;
	*pp = c;
	t->c[c].parent = p;
}

/* the next <id> of a References value: its inside, or NULL */
static const char *
next_ref(const char **pp, size_t *n)
{
	const char	*s, *e;

	if ((s = strchr(*pp, '<')) == NULL)
		return NULL;
	if ((e = strchr(s + 1, '>')) == NULL)
		return NULL;
	*pp = e + 1;
	*n = (size_t)(e - s - 1);
	return s + 1;
}

/* step 1: containers and parent links */
static void
thread_link(struct thr *t)
{
	const struct thread_msg	*m;
	const char		*r, *id;
	size_t			 i, n, c, prev, last;

	for (i = 0; i < t->nm; i++) {
		m = &t->m[i];
		n = m->msgid == NULL ? 0 : strlen(m->msgid);
		c = NONE;
		if (n > 0) {
			c = cont_of(t, m->msgid, n);
			if (t->c[c].msg != NONE)
				c = NONE;	/* a duplicate Message-ID */
		}
		if (c == NONE)
			c = cont_new(t, NULL, 0, i);
		t->c[c].msg = i;
		prev = NONE;
		for (r = m->refs; r != NULL && (id = next_ref(&r, &n)) !=
		    NULL; prev = last) {
			last = cont_of(t, id, n);
			if (prev != NONE && last != prev &&
			    t->c[last].parent == NONE &&
			    !ancestor(t, last, prev))
				link_child(t, prev, last);
		}
		if (prev != NONE && prev != c && !ancestor(t, c, prev))
			link_child(t, prev, c);
		else if (prev == NONE || prev == c)
			unlink_child(t, c);
	}
}

/* step 3: prune dummies; returns the new first of the list at *pp */
static void
prune(struct thr *t, size_t *pp, int root)
{
	size_t	 c, k, next;

	while ((c = *pp) != NONE) {
		if (t->c[c].child != NONE)
			prune(t, &t->c[c].child, 0);
		if (t->c[c].msg != NONE || (root && t->c[c].child != NONE &&
		    t->c[t->c[c].child].next != NONE)) {
			pp = &t->c[c].next;
			continue;
		}
		/* a dummy: its children take its place */
		next = t->c[c].next;
		*pp = t->c[c].child;
		for (k = t->c[c].child; k != NONE; k = t->c[k].next) {
			t->c[k].parent = t->c[c].parent;
			if (t->c[k].next == NONE) {
				t->c[k].next = next;
				break;
			}
		}
		if (t->c[c].child == NONE)
			*pp = next;
		t->c[c].child = NONE;
		if (root)
			continue;	/* look at the promoted ones again */
	}
}

/* the message a container sorts by: itself, or a dummy's first child */
static size_t
sort_msg(const struct thr *t, size_t c)
{
	while (t->c[c].msg == NONE && t->c[c].child != NONE)
		c = t->c[c].child;
	return t->c[c].msg == NONE ? 0 : t->c[c].msg;
}

static const struct thr	*sort_thr;

static int
date_cmp(const void *a, const void *b)
{
	const struct thread_msg	*m = sort_thr->m;
	size_t			 x, y;

	x = sort_msg(sort_thr, *(const size_t *)a);
	y = sort_msg(sort_thr, *(const size_t *)b);
	if (m[x].date != m[y].date && m[x].date != -1 && m[y].date != -1)
		return m[x].date < m[y].date ? -1 : 1;
	return x < y ? -1 : x > y;
}

/* step 6: every sibling list by sent date, children first */
static void
sort_siblings(struct thr *t, size_t *pp, size_t *tmp)
{
	size_t	 c, n = 0, i;

	for (c = *pp; c != NONE; c = t->c[c].next)
		if (t->c[c].child != NONE)
			sort_siblings(t, &t->c[c].child, tmp);
	for (c = *pp; c != NONE; c = t->c[c].next)
		tmp[n++] = c;
	if (n < 2)
		return;
	sort_thr = t;
	qsort(tmp, n, sizeof(*tmp), date_cmp);
	*pp = tmp[0];
	for (i = 0; i + 1 < n; i++)
		t->c[tmp[i]].next = tmp[i + 1];
	t->c[tmp[n - 1]].next = NONE;
}

static const char *
root_subject(const struct thr *t, size_t c, int *reply)
{
	size_t	 m;

	if (t->c[c].msg == NONE && t->c[c].child == NONE)
		return NULL;
	m = t->c[c].msg != NONE ? t->c[c].msg : t->c[t->c[c].child].msg;
	if (m == NONE)
		return NULL;
	*reply = t->m[m].is_reply;
	return t->m[m].subject;
}

/* step 5: roots with the same base subject become one thread */
static void
group_subjects(struct thr *t, size_t *roots)
{
	struct hslot	*s;
	const char	*subj;
	size_t		 c, o, d, *pp;
	int		 reply = 0, oreply = 0;

	h_clear(t);
	for (c = *roots; c != NONE; c = t->c[c].next) {
		if ((subj = root_subject(t, c, &reply)) == NULL ||
		    *subj == '\0')
			continue;
		if ((s = h_find(t, subj, strlen(subj))) == NULL) {
			h_put(t, subj, strlen(subj), c);
			continue;
		}
		(void)root_subject(t, s->val, &oreply);
		if ((t->c[c].msg == NONE && t->c[s->val].msg != NONE) ||
		    (oreply && !reply && t->c[s->val].msg != NONE &&
		    t->c[c].msg != NONE))
			s->val = c;
	}
	for (pp = roots; (c = *pp) != NONE; ) {
		if ((subj = root_subject(t, c, &reply)) == NULL ||
		    *subj == '\0' || (s = h_find(t, subj, strlen(subj))) ==
		    NULL || (o = s->val) == c) {
			pp = &t->c[c].next;
			continue;
		}
		*pp = t->c[c].next;	/* c leaves the root set */
		t->c[c].next = NONE;
		(void)root_subject(t, o, &oreply);
		if (t->c[o].msg == NONE && t->c[c].msg == NONE) {
			while (t->c[c].child != NONE)
				link_child(t, o, t->c[c].child);
		} else if (t->c[o].msg == NONE)
			link_child(t, o, c);
		else if (reply && !oreply)
			link_child(t, o, c);
		else {
			d = cont_new(t, NULL, 0, NONE);
			/* d takes o's place in the root list */
			t->c[d].next = t->c[o].next;
			t->c[o].next = NONE;
			for (pp = roots; *pp != o; pp = &t->c[*pp].next)
				;
			*pp = d;
			link_child(t, d, o);
			link_child(t, d, c);
			s->val = d;
			pp = roots;	/* the list changed: rescan */
		}
	}
}

static void	 out_thread(const struct thr *, size_t, struct buf *);

/* a container and its descendants, without the outer parentheses */
static void
out_chain(const struct thr *t, size_t c, struct buf *out)
{
	size_t	 k;
	int	 first = 1;

	for (;;) {
		if (t->c[c].msg != NONE) {
			if (!first)
				buf_addc(out, ' ');
			buf_addu64(out, t->m[t->c[c].msg].id);
			first = 0;
		}
		k = t->c[c].child;
		if (k == NONE)
			return;
		if (t->c[k].next == NONE && t->c[c].msg != NONE) {
			c = k;
			continue;
		}
		if (!first)
			buf_addc(out, ' ');
		for (; k != NONE; k = t->c[k].next)
			out_thread(t, k, out);
		return;
	}
}

static void
out_thread(const struct thr *t, size_t c, struct buf *out)
{
	buf_addc(out, '(');
	out_chain(t, c, out);
	buf_addc(out, ')');
}

void
thread_references(const struct thread_msg *msgs, size_t n, struct buf *out)
{
	struct thr	 t;
	size_t		 i, roots = NONE, *pp = &roots, *tmp;

	memset(&t, 0, sizeof(t));
	t.m = msgs;
	t.nm = n;
	thread_link(&t);
	for (i = 0; i < t.nc; i++)	/* step 2: the root set */
		if (t.c[i].parent == NONE) {
			*pp = i;
			pp = &t.c[i].next;
		}
	*pp = NONE;
	prune(&t, &roots, 1);
	tmp = xreallocarray(NULL, t.nc * 2 + 1, sizeof(*tmp));
	sort_siblings(&t, &roots, tmp);
	group_subjects(&t, &roots);
	free(tmp);
	tmp = xreallocarray(NULL, t.nc + 1, sizeof(*tmp));
	sort_siblings(&t, &roots, tmp);
	for (i = roots; i != NONE; i = t.c[i].next)
		out_thread(&t, i, out);
	free(tmp);
	free(t.c);
	free(t.h);
	sort_thr = NULL;
}

static const struct thread_msg	*os_msgs;

static int
subject_cmp(const void *a, const void *b)
{
	const struct thread_msg	*x = &os_msgs[*(const size_t *)a];
	const struct thread_msg	*y = &os_msgs[*(const size_t *)b];
	int			 r;

	if ((r = strcmp(x->subject == NULL ? "" : x->subject,
	    y->subject == NULL ? "" : y->subject)) != 0)
		return r;
	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

static int
first_cmp(const void *a, const void *b)
{
	const size_t	*x = a, *y = b;	/* pairs: first index, count */

	if (os_msgs[x[0]].date != os_msgs[y[0]].date)
		return os_msgs[x[0]].date < os_msgs[y[0]].date ? -1 : 1;
	return x[0] < y[0] ? -1 : x[0] > y[0];
}

void
thread_orderedsubject(const struct thread_msg *msgs, size_t n,
    struct buf *out)
{
	size_t	*idx, *grp, ng = 0, i, j, k;

	if (n == 0)
		return;
	idx = xreallocarray(NULL, n, sizeof(*idx));
	grp = xreallocarray(NULL, n, 2 * sizeof(*grp));
	for (i = 0; i < n; i++)
		idx[i] = i;
	os_msgs = msgs;
	qsort(idx, n, sizeof(*idx), subject_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && strcmp(msgs[idx[j]].subject == NULL ?
		    "" : msgs[idx[j]].subject, msgs[idx[i]].subject == NULL ?
		    "" : msgs[idx[i]].subject) == 0; j++)
			;
		grp[2 * ng] = idx[i];
		grp[2 * ng + 1] = i;
		ng++;
	}
	/* the threads by the date of their first message */
	qsort(grp, ng, 2 * sizeof(*grp), first_cmp);
	for (k = 0; k < ng; k++) {
		i = grp[2 * k + 1];
		for (j = i + 1; j < n && subject_cmp(&idx[i], &idx[j]) < 0 &&
		    strcmp(msgs[idx[j]].subject == NULL ? "" :
		    msgs[idx[j]].subject, msgs[idx[i]].subject == NULL ? "" :
		    msgs[idx[i]].subject) == 0; j++)
			;
		buf_addc(out, '(');
		buf_addu64(out, msgs[idx[i]].id);
		if (j - i == 2) {
			buf_addc(out, ' ');
			buf_addu64(out, msgs[idx[i + 1]].id);
		} else if (j - i > 2) {
			buf_addc(out, ' ');
			for (i++; i < j; i++) {
				buf_addc(out, '(');
				buf_addu64(out, msgs[idx[i]].id);
				buf_addc(out, ')');
			}
		}
		buf_addc(out, ')');
	}
	free(idx);
	free(grp);
}
