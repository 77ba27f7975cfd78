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
 * imapd_store_test.c -- unit tests for imapd's Maildir store: folders,
 * UIDs kept across reopens, deliveries into new/ seen and signalled,
 * flags in file names, two sessions on one folder, expunge/copy/move,
 * reconciliation with files changed behind the index's back, a damaged
 * index, and two processes changing one folder at once.
 */

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store.h"
#include "store_int.h"

#define MSG1	"Subject: one\r\nFrom: a@example.org\r\n\r\nbody one\r\n"
#define MSG2	"Subject: two\r\n\r\nbody two\r\n"
#define MSG3	"Subject: three\r\n\r\nbody three\r\n"

static char	 root[PATH_MAX / 2];

static struct mstore *
open_store(void)
{
	struct mstore	*ms;
	const char	*err = NULL;
	char		 cwd[PATH_MAX];

	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_REQUIRE((size_t)snprintf(root, sizeof(root), "%s/Maildir", cwd) <
	    sizeof(root));
	ms = mstore_open(root, &err);
	ATF_REQUIRE_MSG(ms != NULL, "mstore_open: %s", err ? err : "?");
	return (ms);
}

static struct mbox *
open_box(struct mstore *ms, const char *name, int ro)
{
	struct mbox	*mb;
	const char	*err = NULL;

	mb = mbox_open(ms, name, ro, &err);
	ATF_REQUIRE_MSG(mb != NULL, "mbox_open %s: %s", name, err ? err : "?");
	return (mb);
}

static uint32_t
append(struct mstore *ms, const char *box, const char *msg, uint64_t flags)
{
	const char	*err = NULL;
	uint32_t	 uidv = 0, uid = 0;

	ATF_REQUIRE_MSG(mstore_append(ms, box, msg, strlen(msg), flags, NULL,
	    0, 0, &uidv, &uid, &err) == 0, "append: %s", err ? err : "?");
	ATF_REQUIRE(uidv != 0 && uid != 0);
	return (uid);
}

static void
sync_box(struct mbox *mb, struct mbox_changes *ch)
{
	ATF_REQUIRE(mbox_sync(mb, ch) == 0);
}

/* files in root/dir (not starting with '.'), the first name in first */
static int
count_files(const char *dir, char *first, size_t len)
{
	char		 path[PATH_MAX];
	DIR		*d;
	struct dirent	*de;
	int		 n = 0;

	(void)snprintf(path, sizeof(path), "%s/%s", root, dir);
	ATF_REQUIRE((d = opendir(path)) != NULL);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (n++ == 0 && first != NULL)
			(void)strlcpy(first, de->d_name, len);
	}
	(void)closedir(d);
	return (n);
}

/* as smtpd delivers: tmp/ then rename(2) into new/ */
static void
deliver(const char *dir, const char *name, const char *msg)
{
	char	 tmp[PATH_MAX], dst[PATH_MAX];
	FILE	*fp;

	(void)snprintf(tmp, sizeof(tmp), "%s/%s/tmp/%s", root, dir, name);
	(void)snprintf(dst, sizeof(dst), "%s/%s/new/%s", root, dir, name);
	ATF_REQUIRE((fp = fopen(tmp, "w")) != NULL);
	ATF_REQUIRE(fputs(msg, fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
	ATF_REQUIRE(rename(tmp, dst) == 0);
}

static struct folder_info *
find_folder(struct folder_info *v, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return (&v[i]);
	return (NULL);
}

ATF_TC_WITHOUT_HEAD(defaults);
ATF_TC_BODY(defaults, tc)
{
	static const struct {
		const char	*name;
		unsigned int	 su;
	} want[] = {
		{ "Sent", SU_SENT }, { "Drafts", SU_DRAFTS },
		{ "Trash", SU_TRASH }, { "Junk", SU_JUNK },
		{ "Archive", SU_ARCHIVE },
	};
	struct mstore		*ms = open_store();
	struct folder_info	*v, *f;
	size_t			 n, i;
	const char		*err;

	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	ATF_REQUIRE(n >= 6);
	ATF_REQUIRE_STREQ(v[0].name, "INBOX");
	ATF_REQUIRE(v[0].attrs & FA_SUBSCRIBED);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		f = find_folder(v, n, want[i].name);
		ATF_REQUIRE_MSG(f != NULL, "%s missing", want[i].name);
		ATF_REQUIRE_EQ(f->special, want[i].su);
		ATF_REQUIRE(f->attrs & FA_HASNOCHILDREN);
		ATF_REQUIRE(f->attrs & FA_SUBSCRIBED);
		ATF_REQUIRE(!(f->attrs & FA_NOSELECT));
		ATF_REQUIRE(mstore_exists(ms, want[i].name));
	}
	folder_list_free(v, n);
	ATF_REQUIRE(mstore_exists(ms, "inbox"));
	ATF_REQUIRE(!mstore_exists(ms, "Nope"));
	/* a deleted default folder is not created again */
	ATF_REQUIRE(mstore_delete(ms, "Junk", &err) == 0);
	mstore_close(ms);
	ms = open_store();
	ATF_REQUIRE(!mstore_exists(ms, "Junk"));
	ATF_REQUIRE(mstore_delete(ms, "INBOX", &err) == -1);
	ATF_REQUIRE(mstore_create(ms, "Sent", 0, &err) == -1);
	ATF_REQUIRE(strstr(err, "ALREADYEXISTS") != NULL);
	mstore_close(ms);
}

/*
 * A Junk folder the delivery agent made (quarantined mail) before imapd
 * first opened the store: it is \\Junk all the same, and keeps its mail.
 */
ATF_TC_WITHOUT_HEAD(defaults_junk_first);
ATF_TC_BODY(defaults_junk_first, tc)
{
	static const char *const dirs[] = { "Maildir", "Maildir/.Junk",
	    "Maildir/.Junk/tmp", "Maildir/.Junk/new", "Maildir/.Junk/cur" };
	struct mstore		*ms;
	struct folder_info	*v, *f;
	struct mbox		*mb;
	size_t			 n, i;
	int			 fd;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		ATF_REQUIRE(mkdir(dirs[i], 0700) == 0);
	ATF_REQUIRE((fd = open("Maildir/.Junk/new/1.E1.host",
	    O_WRONLY | O_CREAT | O_EXCL, 0600)) != -1);
	ATF_REQUIRE(write(fd, MSG1, strlen(MSG1)) == (ssize_t)strlen(MSG1));
	close(fd);
	ms = open_store();
	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	f = find_folder(v, n, "Junk");
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->special, SU_JUNK);
	folder_list_free(v, n);
	mb = open_box(ms, "Junk", 1);
	ATF_CHECK_EQ(mbox_count(mb), 1);
	mbox_close(mb);
	/* a second open adds nothing twice */
	mstore_close(ms);
	ms = open_store();
	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	f = find_folder(v, n, "Junk");
	ATF_REQUIRE(f != NULL);
	ATF_CHECK_EQ(f->special, SU_JUNK);
	folder_list_free(v, n);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(append_reopen);
ATF_TC_BODY(append_reopen, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*mb;
	struct mbox_status	 st;
	const struct mrec	*r;
	const char		*p, *err;
	size_t			 len;
	uint32_t		 u1, u2, u3, uidv;

	u1 = append(ms, "INBOX", MSG1, MF_SEEN);
	u2 = append(ms, "INBOX", MSG2, 0);
	u3 = append(ms, "INBOX", "a\nb\n", MF_FLAGGED | MF_ANSWERED);
	ATF_REQUIRE(u1 < u2 && u2 < u3);
	mb = open_box(ms, "INBOX", 0);
	uidv = mbox_uidvalidity(mb);
	ATF_REQUIRE_EQ(mbox_count(mb), 3);
	ATF_REQUIRE_EQ(mbox_uidnext(mb), u3 + 1);
	ATF_REQUIRE_EQ(mbox_first_unseen(mb), 2);
	r = mbox_rec(mb, 1);
	ATF_REQUIRE_EQ(r->uid, u1);
	ATF_REQUIRE_EQ(r->size, strlen(MSG1));
	ATF_REQUIRE((r->flags & MF_SYSTEM) == MF_SEEN);
	ATF_REQUIRE(r->flags & MF_RECENT);
	ATF_REQUIRE_EQ(mbox_rec(mb, 3)->size, 6);	/* "a\r\nb\r\n" */
	ATF_REQUIRE_EQ(mbox_recent(mb), 3);
	/* the file has LF line ends */
	ATF_REQUIRE(mbox_map(mb, 1, &p, &len) == 0);
	ATF_REQUIRE_EQ(len, strlen(MSG1) - 4);
	ATF_REQUIRE(memcmp(p, "Subject: one\nFrom", 17) == 0);
	mbox_unmap(mb, 1);
	mbox_close(mb);
	mstore_close(ms);

	/* a restart: same UIDs, same UIDVALIDITY, no longer \Recent */
	ms = open_store();
	mb = open_box(ms, "INBOX", 0);
	ATF_REQUIRE_EQ(mbox_uidvalidity(mb), uidv);
	ATF_REQUIRE_EQ(mbox_count(mb), 3);
	ATF_REQUIRE_EQ(mbox_rec(mb, 1)->uid, u1);
	ATF_REQUIRE_EQ(mbox_rec(mb, 2)->uid, u2);
	ATF_REQUIRE_EQ(mbox_rec(mb, 3)->uid, u3);
	ATF_REQUIRE_EQ(mbox_recent(mb), 0);
	ATF_REQUIRE_EQ(mbox_seq_of_uid(mb, u2), 2);
	ATF_REQUIRE_EQ(mbox_seq_of_uid(mb, u3 + 5), 0);
	mbox_close(mb);
	ATF_REQUIRE(mstore_status(ms, "INBOX", &st, &err) == 0);
	ATF_REQUIRE_EQ(st.messages, 3);
	ATF_REQUIRE_EQ(st.unseen, 2);
	ATF_REQUIRE_EQ(st.uidnext, u3 + 1);
	ATF_REQUIRE_EQ(st.uidvalidity, uidv);
	ATF_REQUIRE_EQ(st.size, strlen(MSG1) + strlen(MSG2) + 6);
	ATF_REQUIRE(mstore_status(ms, "Nope", &st, &err) == -1);
	ATF_REQUIRE(mstore_append(ms, "Nope", "x", 1, 0, NULL, 0, 0, &uidv,
	    &u1, &err) == -1);
	ATF_REQUIRE(strstr(err, "TRYCREATE") != NULL);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(delivery);
ATF_TC_BODY(delivery, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*mb;
	struct mbox_changes	 ch;
	struct pollfd		 pfd;
	char			 name[NAME_MAX + 1];
	uint32_t		 u1, next;

	u1 = append(ms, "INBOX", MSG1, 0);
	mb = open_box(ms, "INBOX", 0);
	next = mbox_uidnext(mb);
	ATF_REQUIRE_EQ(next, u1 + 1);
	pfd.fd = mbox_notify_fd(mb);
	ATF_REQUIRE(pfd.fd != -1);
	pfd.events = POLLIN;
	ATF_REQUIRE_EQ(poll(&pfd, 1, 0), 0);
	deliver(".", "1765000000.E0000000000000001.host", "Subject: x\n\nhi\n");
	ATF_REQUIRE_EQ(poll(&pfd, 1, 2000), 1);
	mbox_notify_drain(mb);
	sync_box(mb, &ch);
	ATF_REQUIRE(ch.new_messages);
	ATF_REQUIRE_EQ(ch.exists, 2);
	ATF_REQUIRE_EQ(ch.nexpunged, 0);
	mbox_changes_free(&ch);
	ATF_REQUIRE_EQ(mbox_rec(mb, 2)->uid, next);
	ATF_REQUIRE_EQ(mbox_rec(mb, 2)->size, 18);	/* 15 + 3 CRs */
	ATF_REQUIRE(mbox_rec(mb, 2)->flags & MF_RECENT);
	ATF_REQUIRE_EQ(mbox_uidnext(mb), next + 1);
	/* moved to cur/ with an info part */
	ATF_REQUIRE_EQ(count_files("new", NULL, 0), 0);
	ATF_REQUIRE_EQ(count_files("cur", NULL, 0), 2);
	ATF_REQUIRE(access("Maildir/cur/1765000000.E0000000000000001.host:2,",
	    F_OK) == 0);
	/* nothing more: an empty sync */
	sync_box(mb, &ch);
	ATF_REQUIRE(!ch.new_messages && ch.nexpunged == 0 && ch.nflagged == 0);
	mbox_changes_free(&ch);
	/* STATUS picks up a delivery too */
	deliver(".", "1765000001.E0000000000000002.host", "Subject: y\n\n");
	{
		struct mbox_status	 st;
		const char		*err;

		ATF_REQUIRE(mstore_status(ms, "INBOX", &st, &err) == 0);
		ATF_REQUIRE_EQ(st.messages, 3);
		ATF_REQUIRE_EQ(st.uidnext, next + 2);
	}
	ATF_REQUIRE_EQ(count_files("new", name, sizeof(name)), 0);
	mbox_close(mb);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(flags_two_sessions);
ATF_TC_BODY(flags_two_sessions, tc)
{
	struct mstore		*ms = open_store(), *ms2;
	struct mbox		*a, *b;
	struct mbox_changes	 ch;
	char			 name[NAME_MAX + 1];
	const char		*const *kw;
	uint64_t		 m0;
	int			 k;

	(void)append(ms, "INBOX", MSG1, 0);
	(void)append(ms, "INBOX", MSG2, 0);
	a = open_box(ms, "INBOX", 0);
	ms2 = open_store();
	b = open_box(ms2, "INBOX", 0);
	m0 = mbox_rec(a, 1)->modseq;
	ATF_REQUIRE(mbox_set_flags(a, 1, MF_SEEN | MF_FLAGGED) == 0);
	ATF_REQUIRE(mbox_rec(a, 1)->modseq > m0);
	ATF_REQUIRE(mbox_highestmodseq(a) <= mbox_rec(a, 1)->modseq);
	ATF_REQUIRE_EQ(count_files("cur", NULL, 0), 2);
	/* the name carries the flags */
	{
		char	 path[PATH_MAX];
		DIR	*d;
		struct dirent *de;
		int	 found = 0;

		(void)snprintf(path, sizeof(path), "%s/cur", root);
		ATF_REQUIRE((d = opendir(path)) != NULL);
		while ((de = readdir(d)) != NULL)
			if (strstr(de->d_name, ":2,FS") != NULL)
				found++;
		(void)closedir(d);
		ATF_REQUIRE_EQ(found, 1);
	}
	/* a's own sync reports nothing new */
	sync_box(a, &ch);
	ATF_REQUIRE_EQ(ch.nflagged, 0);
	mbox_changes_free(&ch);
	/* b sees it */
	sync_box(b, &ch);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_REQUIRE_EQ(ch.flagged[0], 1);
	mbox_changes_free(&ch);
	ATF_REQUIRE_EQ(mbox_rec(b, 1)->flags & MF_SYSTEM, MF_SEEN | MF_FLAGGED);
	ATF_REQUIRE_EQ(mbox_rec(b, 1)->modseq, mbox_rec(a, 1)->modseq);
	/* the same flags again: no new modseq */
	m0 = mbox_rec(a, 1)->modseq;
	ATF_REQUIRE(mbox_set_flags(a, 1, MF_SEEN | MF_FLAGGED) == 0);
	ATF_REQUIRE_EQ(mbox_rec(a, 1)->modseq, m0);
	/* a keyword: a letter in the name, dovecot-keywords */
	k = mbox_keyword(a, "$Forwarded", 1);
	ATF_REQUIRE_EQ(k, 0);
	ATF_REQUIRE_EQ(mbox_keyword(a, "$forwarded", 0), 0);
	ATF_REQUIRE_EQ(mbox_keyword(a, "Other", 0), -1);
	ATF_REQUIRE(mbox_set_flags(a, 2, MF_KEYWORD(k)) == 0);
	ATF_REQUIRE_EQ(count_files("cur", NULL, 0), 2);
	sync_box(b, &ch);
	ATF_REQUIRE(ch.keywords_changed);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_REQUIRE_EQ(ch.flagged[0], 2);
	mbox_changes_free(&ch);
	ATF_REQUIRE_EQ(mbox_keywords(b, &kw), 1);
	ATF_REQUIRE_STREQ(kw[0], "$Forwarded");
	ATF_REQUIRE(mbox_rec(b, 2)->flags & MF_KEYWORD(0));
	/* expunge in a, b is told with seqs and UIDs */
	ATF_REQUIRE(mbox_set_flags(a, 1, MF_DELETED) == 0);
	{
		uint32_t	 uid1 = mbox_rec(a, 1)->uid;

		ATF_REQUIRE(mbox_expunge(a, NULL, 0, &ch) == 0);
		ATF_REQUIRE_EQ(ch.nexpunged, 1);
		ATF_REQUIRE_EQ(ch.expunged[0], 1);
		ATF_REQUIRE_EQ(ch.expunged_uids[0], uid1);
		mbox_changes_free(&ch);
		ATF_REQUIRE_EQ(mbox_count(a), 1);
		sync_box(b, &ch);
		ATF_REQUIRE_EQ(ch.nexpunged, 1);
		ATF_REQUIRE_EQ(ch.expunged[0], 1);
		ATF_REQUIRE_EQ(ch.expunged_uids[0], uid1);
		ATF_REQUIRE_EQ(ch.exists, 1);
		mbox_changes_free(&ch);
	}
	ATF_REQUIRE_EQ(count_files("cur", name, sizeof(name)), 1);
	ATF_REQUIRE(strstr(name, ":2,a") != NULL);
	mbox_close(a);
	mbox_close(b);
	mstore_close(ms);
	mstore_close(ms2);
}

ATF_TC_WITHOUT_HEAD(expunge_order);
ATF_TC_BODY(expunge_order, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*a, *b;
	struct mbox_changes	 ch;
	struct seqset		 set;
	struct seqrange		 rg;
	uint32_t		 u[5];
	int			 i;

	for (i = 0; i < 5; i++)
		u[i] = append(ms, "INBOX", MSG3, (i % 2) ? 0 : MF_DELETED);
	a = open_box(ms, "INBOX", 0);
	b = open_box(ms, "INBOX", 1);
	/* UID EXPUNGE of u[2]:u[4]: only \Deleted ones, 5 then 3 */
	rg.lo = u[2];
	rg.hi = IMAP_SEQ_STAR;
	set.r = &rg;
	set.n = 1;
	set.saved = 0;
	ATF_REQUIRE(mbox_expunge(a, &set, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 2);
	ATF_REQUIRE_EQ(ch.expunged[0], 5);
	ATF_REQUIRE_EQ(ch.expunged[1], 3);
	ATF_REQUIRE_EQ(ch.expunged_uids[0], u[4]);
	ATF_REQUIRE_EQ(ch.expunged_uids[1], u[2]);
	mbox_changes_free(&ch);
	/* read-only views cannot expunge */
	ATF_REQUIRE(mbox_expunge(b, NULL, 0, &ch) == -1);
	sync_box(b, &ch);
	ATF_REQUIRE_EQ(ch.nexpunged, 2);
	ATF_REQUIRE_EQ(ch.exists, 3);
	mbox_changes_free(&ch);
	/* the rest of \Deleted: u[0] */
	ATF_REQUIRE(mbox_expunge(a, NULL, 0, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_REQUIRE_EQ(ch.expunged_uids[0], u[0]);
	mbox_changes_free(&ch);
	ATF_REQUIRE_EQ(mbox_count(a), 2);
	ATF_REQUIRE_EQ(mbox_rec(a, 1)->uid, u[1]);
	ATF_REQUIRE_EQ(mbox_rec(a, 2)->uid, u[3]);
	ATF_REQUIRE_EQ(count_files("cur", NULL, 0), 2);
	mbox_close(a);
	mbox_close(b);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(copy_move);
ATF_TC_BODY(copy_move, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*a, *t;
	struct mbox_changes	 ch;
	struct seqset		 set;
	struct seqrange		 rg;
	struct stat		 st;
	char			 name[NAME_MAX + 1], path[PATH_MAX];
	const char		*err, *p;
	size_t			 len;
	uint32_t		 uidv, uid, u1;
	int			 k;

	u1 = append(ms, "INBOX", MSG1, MF_SEEN);
	(void)append(ms, "INBOX", MSG2, 0);
	a = open_box(ms, "INBOX", 0);
	k = mbox_keyword(a, "Work", 1);
	ATF_REQUIRE(k >= 0);
	ATF_REQUIRE(mbox_set_flags(a, 1, MF_SEEN | MF_KEYWORD(k)) == 0);
	ATF_REQUIRE(mbox_copy(a, 1, ms, "Trash", &uidv, &uid, &err) == 0);
	ATF_REQUIRE_EQ(uid, 1);
	ATF_REQUIRE(mbox_copy(a, 1, ms, "Nope", &uidv, &uid, &err) == -1);
	ATF_REQUIRE(strstr(err, "TRYCREATE") != NULL);
	/* a hard link */
	ATF_REQUIRE_EQ(count_files(".Trash/cur", name, sizeof(name)), 1);
	(void)snprintf(path, sizeof(path), "%s/.Trash/cur/%s", root, name);
	ATF_REQUIRE(stat(path, &st) == 0);
	ATF_REQUIRE_EQ(st.st_nlink, 2);
	ATF_REQUIRE(strstr(name, ":2,Sa") != NULL);
	t = open_box(ms, "Trash", 0);
	ATF_REQUIRE_EQ(mbox_uidvalidity(t), uidv);
	ATF_REQUIRE_EQ(mbox_count(t), 1);
	ATF_REQUIRE_EQ(mbox_rec(t, 1)->size, strlen(MSG1));
	ATF_REQUIRE(mbox_rec(t, 1)->flags & MF_SEEN);
	ATF_REQUIRE_EQ(mbox_keyword(t, "Work", 0), 0);
	ATF_REQUIRE(mbox_map(t, 1, &p, &len) == 0);
	ATF_REQUIRE(memcmp(p, "Subject: one", 12) == 0);
	/* MOVE: copy, then expunge with force */
	ATF_REQUIRE(mbox_copy(a, 2, ms, "Trash", &uidv, &uid, &err) == 0);
	ATF_REQUIRE_EQ(uid, 2);
	rg.lo = rg.hi = mbox_rec(a, 2)->uid;
	set.r = &rg;
	set.n = 1;
	set.saved = 0;
	ATF_REQUIRE(mbox_expunge(a, &set, 1, &ch) == 0);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_REQUIRE_EQ(ch.expunged[0], 2);
	mbox_changes_free(&ch);
	ATF_REQUIRE_EQ(mbox_count(a), 1);
	ATF_REQUIRE_EQ(mbox_rec(a, 1)->uid, u1);
	sync_box(t, &ch);
	ATF_REQUIRE(ch.new_messages);
	ATF_REQUIRE_EQ(ch.exists, 2);
	mbox_changes_free(&ch);
	mbox_close(t);
	mbox_close(a);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(folders);
ATF_TC_BODY(folders, tc)
{
	static const char *const bad[] = {
		"", "/a", "a//b", "a/./b", "a/../b", "..", ".",
		"a\001b", "x\177", "\xff\xfe",
	};
	struct mstore		*ms = open_store();
	struct folder_info	*v, *f;
	struct mbox		*mb;
	size_t			 n, i;
	const char		*err;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_REQUIRE_MSG(mstore_create(ms, bad[i], 0, &err) == -1,
		    "created \"%s\"", bad[i]);
	ATF_REQUIRE(mstore_create(ms, "a/b/c", 0, &err) == 0);
	ATF_REQUIRE(mstore_create(ms, "a/x", 0, &err) == 0);
	ATF_REQUIRE(mstore_create(ms, "dotted.name/50%", 0, &err) == 0);
	ATF_REQUIRE(mstore_create(ms, "Ünïcødé", 0, &err) == 0);
	ATF_REQUIRE(mstore_exists(ms, "a"));
	ATF_REQUIRE(mstore_exists(ms, "a/b"));
	ATF_REQUIRE(access("Maildir/.dotted%2Ename.50%25/cur", F_OK) == 0);
	(void)append(ms, "a/b/c", MSG1, 0);
	ATF_REQUIRE(mstore_subscribe(ms, "a/x", 1, &err) == 0);
	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	ATF_REQUIRE((f = find_folder(v, n, "a")) != NULL);
	ATF_REQUIRE(f->attrs & FA_HASCHILDREN);
	ATF_REQUIRE((f = find_folder(v, n, "dotted.name/50%")) != NULL);
	ATF_REQUIRE((f = find_folder(v, n, "dotted.name")) != NULL);
	ATF_REQUIRE((f = find_folder(v, n, "Ünïcødé")) != NULL);
	ATF_REQUIRE((f = find_folder(v, n, "a/x")) != NULL);
	ATF_REQUIRE(f->attrs & FA_SUBSCRIBED);
	folder_list_free(v, n);

	/* RENAME moves the children along, keeps UIDVALIDITY and UIDs */
	mb = open_box(ms, "a/b/c", 0);
	{
		uint32_t	 uidv = mbox_uidvalidity(mb);

		mbox_close(mb);
		ATF_REQUIRE(mstore_rename(ms, "a", "z/y", &err) == 0);
		ATF_REQUIRE(mstore_rename(ms, "z/y", "z/y/q", &err) == -1);
		ATF_REQUIRE(mstore_rename(ms, "Sent", "Trash", &err) == -1);
		ATF_REQUIRE(strstr(err, "ALREADYEXISTS") != NULL);
		ATF_REQUIRE(mstore_rename(ms, "nope", "x", &err) == -1);
		ATF_REQUIRE(!mstore_exists(ms, "a"));
		ATF_REQUIRE(!mstore_exists(ms, "a/b/c"));
		ATF_REQUIRE(mstore_exists(ms, "z/y/b/c"));
		ATF_REQUIRE(mstore_exists(ms, "z/y/x"));
		mb = open_box(ms, "z/y/b/c", 0);
		ATF_REQUIRE_EQ(mbox_uidvalidity(mb), uidv);
		ATF_REQUIRE_EQ(mbox_count(mb), 1);
		mbox_close(mb);
	}
	/* a subscription to a folder gone shows as \NonExistent */
	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	ATF_REQUIRE((f = find_folder(v, n, "a/x")) != NULL);
	ATF_REQUIRE(f->attrs & FA_NONEXISTENT);
	folder_list_free(v, n);
	ATF_REQUIRE(mstore_subscribe(ms, "a/x", 0, &err) == 0);

	/* DELETE of a folder with children leaves it \Noselect */
	ATF_REQUIRE(mstore_delete(ms, "z/y/b", &err) == 0);
	ATF_REQUIRE(!mstore_exists(ms, "z/y/b"));
	ATF_REQUIRE(mstore_exists(ms, "z/y/b/c"));
	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	ATF_REQUIRE((f = find_folder(v, n, "z/y/b")) != NULL);
	ATF_REQUIRE(f->attrs & FA_NOSELECT);
	ATF_REQUIRE(f->attrs & FA_HASCHILDREN);
	ATF_REQUIRE(find_folder(v, n, "a/x") == NULL);
	folder_list_free(v, n);
	ATF_REQUIRE(mstore_delete(ms, "z/y/b", &err) == -1);
	ATF_REQUIRE(mstore_delete(ms, "z/y/b/c", &err) == 0);
	ATF_REQUIRE(mstore_delete(ms, "z/y/b", &err) == 0);
	ATF_REQUIRE(mstore_delete(ms, "z/y/b", &err) == -1);
	ATF_REQUIRE(strstr(err, "NONEXISTENT") != NULL);

	/* RENAME INBOX: the messages move, INBOX stays (empty) */
	(void)append(ms, "INBOX", MSG1, 0);
	(void)append(ms, "INBOX", MSG2, MF_SEEN);
	ATF_REQUIRE(mstore_rename(ms, "INBOX", "Old", &err) == 0);
	mb = open_box(ms, "Old", 0);
	ATF_REQUIRE_EQ(mbox_count(mb), 2);
	ATF_REQUIRE(mbox_rec(mb, 2)->flags & MF_SEEN);
	mbox_close(mb);
	mb = open_box(ms, "INBOX", 0);
	ATF_REQUIRE_EQ(mbox_count(mb), 0);
	mbox_close(mb);
	/* special-use follows a rename */
	ATF_REQUIRE(mstore_rename(ms, "Sent", "Sent Items", &err) == 0);
	ATF_REQUIRE(mstore_list(ms, &v, &n) == 0);
	ATF_REQUIRE((f = find_folder(v, n, "Sent Items")) != NULL);
	ATF_REQUIRE_EQ(f->special, SU_SENT);
	folder_list_free(v, n);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(reconcile);
ATF_TC_BODY(reconcile, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*mb;
	struct mbox_changes	 ch;
	char			 path[PATH_MAX], name[NAME_MAX + 1];
	uint32_t		 u[3], next;
	FILE			*fp;
	int			 i;

	for (i = 0; i < 3; i++)
		u[i] = append(ms, "INBOX", MSG2, 0);
	mb = open_box(ms, "INBOX", 0);
	next = mbox_uidnext(mb);
	/* another program: removes message 2, adds one, flags message 3 */
	{
		DIR		*d;
		struct dirent	*de;
		char		 n2[NAME_MAX + 1] = "", n3[NAME_MAX + 1] = "";
		size_t		 l;

		(void)snprintf(path, sizeof(path), "%s/cur", root);
		ATF_REQUIRE((d = opendir(path)) != NULL);
		while ((de = readdir(d)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			/* keys sort by time then counter: find by Q */
			if (strstr(de->d_name, "Q2.") != NULL)
				(void)strlcpy(n2, de->d_name, sizeof(n2));
			if (strstr(de->d_name, "Q3.") != NULL)
				(void)strlcpy(n3, de->d_name, sizeof(n3));
		}
		(void)closedir(d);
		ATF_REQUIRE(n2[0] != '\0' && n3[0] != '\0');
		(void)snprintf(path, sizeof(path), "%s/cur/%s", root, n2);
		ATF_REQUIRE(unlink(path) == 0);
		(void)snprintf(path, sizeof(path), "%s/cur/%s", root, n3);
		(void)strlcpy(name, path, sizeof(name));
		l = strlen(path);
		ATF_REQUIRE(l + 2 < sizeof(path));
		(void)snprintf(name, sizeof(name), "%sS", n3);
		{
			char	 to[PATH_MAX];

			(void)snprintf(to, sizeof(to), "%s/cur/%s", root, name);
			ATF_REQUIRE(rename(path, to) == 0);
		}
	}
	(void)snprintf(path, sizeof(path), "%s/cur/outside.host:2,F", root);
	ATF_REQUIRE((fp = fopen(path, "w")) != NULL);
	ATF_REQUIRE(fputs("Subject: outside\n\n", fp) >= 0);
	ATF_REQUIRE(fclose(fp) == 0);
	sync_box(mb, &ch);
	ATF_REQUIRE_EQ(ch.nexpunged, 1);
	ATF_REQUIRE_EQ(ch.expunged[0], 2);
	ATF_REQUIRE_EQ(ch.expunged_uids[0], u[1]);
	ATF_REQUIRE(ch.new_messages);
	ATF_REQUIRE_EQ(ch.exists, 3);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	ATF_REQUIRE_EQ(ch.flagged[0], 2);
	mbox_changes_free(&ch);
	ATF_REQUIRE_EQ(mbox_rec(mb, 1)->uid, u[0]);
	ATF_REQUIRE_EQ(mbox_rec(mb, 2)->uid, u[2]);
	ATF_REQUIRE(mbox_rec(mb, 2)->flags & MF_SEEN);
	ATF_REQUIRE_EQ(mbox_rec(mb, 3)->uid, next);
	ATF_REQUIRE(mbox_rec(mb, 3)->flags & MF_FLAGGED);
	ATF_REQUIRE_EQ(mbox_rec(mb, 3)->size, 20);
	mbox_close(mb);
	mstore_close(ms);
}

/* the index's header and slots, read raw */
static void
read_index(const char *path, struct idx_hdr *h, off_t *size)
{
	struct stat	 st;
	int		 fd;

	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	ATF_REQUIRE(pread(fd, h, sizeof(*h), 0) == (ssize_t)sizeof(*h));
	ATF_REQUIRE(fstat(fd, &st) == 0);
	*size = st.st_size;
	(void)close(fd);
}

ATF_TC_WITHOUT_HEAD(crash);
ATF_TC_BODY(crash, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*mb;
	struct idx_hdr		 old, h;
	char			 path[PATH_MAX];
	uint32_t		 u[6], uidv;
	off_t			 size;
	int			 fd, i;

	(void)snprintf(path, sizeof(path), "%s/.Drafts/%s", root, IDX_FILE);
	for (i = 0; i < 3; i++)
		u[i] = append(ms, "Drafts", MSG1, 0);
	read_index(path, &old, &size);
	for (; i < 6; i++)
		u[i] = append(ms, "Drafts", MSG2, MF_SEEN);
	mb = open_box(ms, "Drafts", 0);
	uidv = mbox_uidvalidity(mb);
	ATF_REQUIRE(mbox_set_flags(mb, 2, MF_FLAGGED) == 0);
	mbox_close(mb);
	read_index(path, &h, &size);
	ATF_REQUIRE_EQ(h.nrec, 6);

	/* a writer died: an old header, the last record cut in half */
	ATF_REQUIRE((fd = open(path, O_RDWR)) != -1);
	ATF_REQUIRE(pwrite(fd, &old, sizeof(old), 0) == (ssize_t)sizeof(old));
	ATF_REQUIRE(ftruncate(fd, size - 50) == 0);
	(void)close(fd);
	mb = open_box(ms, "Drafts", 0);
	ATF_REQUIRE_EQ(mbox_uidvalidity(mb), uidv);
	ATF_REQUIRE_EQ(mbox_count(mb), 6);
	for (i = 0; i < 5; i++)
		ATF_REQUIRE_EQ(mbox_rec(mb, i + 1)->uid, u[i]);
	/* the file of the lost record is found again, with a fresh UID */
	ATF_REQUIRE(mbox_rec(mb, 6)->uid > u[4]);
	ATF_REQUIRE(mbox_rec(mb, 6)->flags & MF_SEEN);
	ATF_REQUIRE_EQ(mbox_rec(mb, 2)->flags & MF_SYSTEM, MF_FLAGGED);
	ATF_REQUIRE(mbox_highestmodseq(mb) >= mbox_rec(mb, 2)->modseq);
	ATF_REQUIRE(mbox_uidnext(mb) > mbox_rec(mb, 6)->uid);
	mbox_close(mb);
	read_index(path, &h, &size);
	ATF_REQUIRE_EQ(h.nrec, 6);
	ATF_REQUIRE_EQ(h.busy, 0);
	ATF_REQUIRE_EQ((size - 64) % 128, 0);

	/* a writer died busy; a header damaged beyond use */
	ATF_REQUIRE((fd = open(path, O_RDWR)) != -1);
	h.busy = 1;
	h.uidnext = 2;
	ATF_REQUIRE(pwrite(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h));
	(void)close(fd);
	mb = open_box(ms, "Drafts", 0);
	ATF_REQUIRE_EQ(mbox_count(mb), 6);
	ATF_REQUIRE_EQ(mbox_rec(mb, 1)->uid, u[0]);
	ATF_REQUIRE(mbox_uidnext(mb) > mbox_rec(mb, 6)->uid);
	mbox_close(mb);
	ATF_REQUIRE((fd = open(path, O_RDWR)) != -1);
	ATF_REQUIRE(pwrite(fd, "garbage!", 8, 0) == 8);
	(void)close(fd);
	mb = open_box(ms, "Drafts", 0);
	ATF_REQUIRE(mbox_uidvalidity(mb) != uidv);
	ATF_REQUIRE_EQ(mbox_count(mb), 6);
	ATF_REQUIRE_EQ(mbox_rec(mb, 1)->uid, u[0]);
	mbox_close(mb);
	/* no index at all: a new UIDVALIDITY, every file indexed */
	ATF_REQUIRE(unlink(path) == 0);
	mb = open_box(ms, "Drafts", 0);
	ATF_REQUIRE(mbox_uidvalidity(mb) != uidv);
	ATF_REQUIRE_EQ(mbox_count(mb), 6);
	mbox_close(mb);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(cache);
ATF_TC_BODY(cache, tc)
{
	struct mstore	*ms = open_store();
	struct mbox	*a, *b;
	const char	*s;
	char		 path[PATH_MAX];
	size_t		 len;
	int		 fd;

	(void)append(ms, "INBOX", MSG1, 0);
	(void)append(ms, "INBOX", MSG2, 0);
	a = open_box(ms, "INBOX", 0);
	ATF_REQUIRE(mbox_cache_get(a, 1, CF_ENVELOPE, &len) == NULL);
	mbox_cache_put(a, 1, CF_ENVELOPE, "(\"env one\")", 11);
	mbox_cache_put(a, 2, CF_BODYSTRUCTURE, "(\"text\")", 8);
	s = mbox_cache_get(a, 1, CF_ENVELOPE, &len);
	ATF_REQUIRE(s != NULL && len == 11);
	ATF_REQUIRE(memcmp(s, "(\"env one\")", 11) == 0);
	b = open_box(ms, "INBOX", 1);
	s = mbox_cache_get(b, 2, CF_BODYSTRUCTURE, &len);
	ATF_REQUIRE(s != NULL && len == 8 && memcmp(s, "(\"text\")", 8) == 0);
	ATF_REQUIRE(mbox_cache_get(b, 2, CF_ENVELOPE, &len) == NULL);
	mbox_close(b);
	/* a damaged entry is not handed out */
	(void)snprintf(path, sizeof(path), "%s/%s", root, CACHE_FILE);
	ATF_REQUIRE((fd = open(path, O_RDWR)) != -1);
	ATF_REQUIRE(pwrite(fd, "X", 1, 16 + 20 + 2) == 1);
	(void)close(fd);
	b = open_box(ms, "INBOX", 1);
	ATF_REQUIRE(mbox_cache_get(b, 1, CF_ENVELOPE, &len) == NULL);
	ATF_REQUIRE(mbox_cache_get(b, 2, CF_BODYSTRUCTURE, &len) != NULL);
	mbox_close(b);
	mbox_close(a);
	mstore_close(ms);
}

/* One of two processes changing INBOX: its UIDs and kills to *out. */
#define CHILD_ROUNDS	40

static void
child(int id, const char *out)
{
	struct mstore		*ms;
	struct mbox		*mb;
	struct mbox_changes	 ch;
	struct seqset		 set;
	struct seqrange		 rg;
	const char		*err;
	char			 msg[128];
	uint32_t		 uidv, uid, mine[CHILD_ROUNDS], seq;
	size_t			 nmine = 0;
	FILE			*fp;
	int			 i;

	(void)alarm(60);
	if ((ms = mstore_open(root, &err)) == NULL ||
	    (mb = mbox_open(ms, "INBOX", 0, &err)) == NULL ||
	    (fp = fopen(out, "w")) == NULL)
		_exit(2);
	for (i = 0; i < CHILD_ROUNDS; i++) {
		(void)snprintf(msg, sizeof(msg),
		    "Subject: child %d round %d\n\nbody\n", id, i);
		if (mstore_append(ms, "INBOX", msg, strlen(msg), 0, NULL, 0, 0,
		    &uidv, &uid, &err) == -1)
			_exit(3);
		mine[nmine++] = uid;
		(void)fprintf(fp, "A %u %d\n", uid, i);
		if (mbox_sync(mb, &ch) == -1)
			_exit(4);
		mbox_changes_free(&ch);
		if (mbox_count(mb) > 0 && mbox_set_flags(mb,
		    1 + (uint32_t)i % mbox_count(mb), MF_SEEN |
		    ((i & 1) ? MF_FLAGGED : 0)) == -1) {
			/* the other one expunged it meanwhile: fine */
		}
		if (i % 3 == 2) {
			/* expunge one of ours */
			rg.lo = rg.hi = mine[i / 2];
			set.r = &rg;
			set.n = 1;
			set.saved = 0;
			seq = mbox_seq_of_uid(mb, rg.lo);
			if (mbox_expunge(mb, &set, 1, &ch) == -1)
				_exit(5);
			mbox_changes_free(&ch);
			if (seq != 0 && mbox_seq_of_uid(mb, rg.lo) == 0)
				(void)fprintf(fp, "X %u\n", rg.lo);
		}
	}
	(void)fclose(fp);
	mbox_close(mb);
	mstore_close(ms);
	_exit(0);
}

ATF_TC_WITHOUT_HEAD(concurrent);
ATF_TC_BODY(concurrent, tc)
{
	struct mstore	*ms = open_store();
	struct mbox	*mb;
	char		 out[2][32], line[64], want[64];
	uint32_t	 appended[2 * CHILD_ROUNDS], uid;
	int		 round[2 * CHILD_ROUNDS], gone[2 * CHILD_ROUNDS];
	size_t		 napp = 0, i, j, nexp = 0, len;
	const char	*p;
	pid_t		 pid[2];
	FILE		*fp;
	int		 c, st, r;

	for (c = 0; c < 2; c++) {
		(void)snprintf(out[c], sizeof(out[c]), "child%d.out", c);
		ATF_REQUIRE((pid[c] = fork()) != -1);
		if (pid[c] == 0)
			child(c, out[c]);
	}
	for (c = 0; c < 2; c++) {
		ATF_REQUIRE(waitpid(pid[c], &st, 0) == pid[c]);
		ATF_REQUIRE_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "child %d status %d", c, st);
	}
	memset(gone, 0, sizeof(gone));
	for (c = 0; c < 2; c++) {
		ATF_REQUIRE((fp = fopen(out[c], "r")) != NULL);
		while (fgets(line, sizeof(line), fp) != NULL) {
			if (sscanf(line, "A %u %d", &uid, &r) == 2) {
				ATF_REQUIRE(napp < 2 * CHILD_ROUNDS);
				round[napp] = c * 1000 + r;
				appended[napp++] = uid;
			} else if (sscanf(line, "X %u", &uid) == 1) {
				for (i = 0; i < napp; i++)
					if (appended[i] == uid)
						gone[i] = 1;
				nexp++;
			}
		}
		(void)fclose(fp);
	}
	ATF_REQUIRE_EQ(napp, 2 * CHILD_ROUNDS);
	/* UIDs unique */
	for (i = 0; i < napp; i++)
		for (j = i + 1; j < napp; j++)
			ATF_REQUIRE_MSG(appended[i] != appended[j],
			    "UID %u given twice", appended[i]);
	/* the survivors: strictly increasing, the right message each */
	mb = open_box(ms, "INBOX", 0);
	ATF_REQUIRE_EQ(mbox_count(mb), napp - nexp);
	ATF_REQUIRE_EQ((size_t)count_files("cur", NULL, 0), napp - nexp);
	for (i = 1; i <= mbox_count(mb); i++) {
		if (i > 1)
			ATF_REQUIRE(mbox_rec(mb, (uint32_t)i)->uid >
			    mbox_rec(mb, (uint32_t)i - 1)->uid);
		uid = mbox_rec(mb, (uint32_t)i)->uid;
		for (j = 0; j < napp && appended[j] != uid; j++)
			;
		ATF_REQUIRE_MSG(j < napp && !gone[j], "UID %u unknown", uid);
		(void)snprintf(want, sizeof(want),
		    "Subject: child %d round %d\n", round[j] / 1000,
		    round[j] % 1000);
		ATF_REQUIRE(mbox_map(mb, (uint32_t)i, &p, &len) == 0);
		ATF_REQUIRE_MSG(len > strlen(want) &&
		    memcmp(p, want, strlen(want)) == 0, "UID %u: %.30s", uid,
		    p);
	}
	mbox_close(mb);
	mstore_close(ms);
}

/* A writer killed at a random point: appends, flags, expunges. */
static void
writer(void)
{
	struct mstore		*ms;
	struct mbox		*mb;
	struct mbox_changes	 ch;
	struct seqset		 set;
	struct seqrange		 rg;
	const char		*err;
	char			 msg[128];
	uint32_t		 uidv, uid;
	int			 i;

	(void)alarm(30);
	if ((ms = mstore_open(root, &err)) == NULL ||
	    (mb = mbox_open(ms, "INBOX", 0, &err)) == NULL)
		_exit(2);
	for (i = 0; i < 100000; i++) {
		(void)snprintf(msg, sizeof(msg), "Subject: w %d %d\n\nx\n",
		    (int)getpid(), i);
		(void)mstore_append(ms, "INBOX", msg, strlen(msg), 0, NULL, 0,
		    0, &uidv, &uid, &err);
		if (mbox_sync(mb, &ch) == 0)
			mbox_changes_free(&ch);
		if (mbox_count(mb) > 0)
			(void)mbox_set_flags(mb, 1 + (uint32_t)i %
			    mbox_count(mb), (i & 1) ? MF_SEEN : MF_FLAGGED);
		if (i % 2 == 1 && mbox_count(mb) > 0) {
			rg.lo = rg.hi = mbox_rec(mb, 1 + (uint32_t)(i * 7) %
			    mbox_count(mb))->uid;
			set.r = &rg;
			set.n = 1;
			set.saved = 0;
			if (mbox_expunge(mb, &set, 1, &ch) == 0)
				mbox_changes_free(&ch);
		}
	}
	_exit(0);
}

/* the Subject line of message seq */
static void
subject_of(struct mbox *mb, uint32_t seq, char *out, size_t len)
{
	const char	*p, *e;
	size_t		 n;

	ATF_REQUIRE(mbox_map(mb, seq, &p, &n) == 0);
	e = memchr(p, '\n', n);
	ATF_REQUIRE(e != NULL && (size_t)(e - p) < len);
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	mbox_unmap(mb, seq);
}

ATF_TC_WITHOUT_HEAD(kill9);
ATF_TC_BODY(kill9, tc)
{
	struct mstore	*ms = open_store();
	struct mbox	*mb;
	char		(*subj)[64] = NULL, s[64];
	uint32_t	*uids = NULL, i, j, n = 0;
	pid_t		 pid;
	int		 round, st;

	for (round = 0; round < 8; round++) {
		ATF_REQUIRE((pid = fork()) != -1);
		if (pid == 0)
			writer();
		(void)usleep(20000 + (useconds_t)(round * 7919 % 40000));
		ATF_REQUIRE(kill(pid, SIGKILL) == 0);
		ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
		ATF_REQUIRE_MSG(WIFSIGNALED(st), "writer ended early: %d", st);

		/* the index opens and agrees with the files */
		mb = open_box(ms, "INBOX", 0);
		ATF_REQUIRE_EQ((int)mbox_count(mb), count_files("cur", NULL,
		    0));
		ATF_REQUIRE_EQ(count_files("new", NULL, 0), 0);
		for (i = 2; i <= mbox_count(mb); i++)
			ATF_REQUIRE(mbox_rec(mb, i)->uid >
			    mbox_rec(mb, i - 1)->uid);
		ATF_REQUIRE(mbox_uidnext(mb) > (mbox_count(mb) ?
		    mbox_rec(mb, mbox_count(mb))->uid : 0));
		/* the survivors of the last round kept their UIDs */
		for (i = 1; i <= mbox_count(mb); i++) {
			subject_of(mb, i, s, sizeof(s));
			for (j = 0; j < n; j++)
				if (strcmp(subj[j], s) == 0)
					ATF_REQUIRE_EQ_MSG(uids[j],
					    mbox_rec(mb, i)->uid, "%s", s);
		}
		free(subj);
		free(uids);
		n = mbox_count(mb);
		subj = calloc(n + 1, sizeof(*subj));
		uids = calloc(n + 1, sizeof(*uids));
		ATF_REQUIRE(subj != NULL && uids != NULL);
		for (i = 0; i < n; i++) {
			subject_of(mb, i + 1, subj[i], sizeof(subj[i]));
			uids[i] = mbox_rec(mb, i + 1)->uid;
		}
		mbox_close(mb);
	}
	ATF_REQUIRE_MSG(n > 0, "the writer never got to write");
	free(subj);
	free(uids);
	mstore_close(ms);
}

ATF_TC_WITHOUT_HEAD(compact);
ATF_TC_BODY(compact, tc)
{
	struct mstore		*ms = open_store();
	struct mbox		*a, *b;
	struct mbox_changes	 ch;
	struct seqset		 set;
	struct seqrange		 rg;
	struct stat		 st;
	char			 name[64], path[PATH_MAX];
	uint32_t		 keep[6];
	int			 i;

	for (i = 0; i < 1100; i++) {
		(void)snprintf(name, sizeof(name), "%d.E%016x.host",
		    1765000000 + i, i);
		deliver(".", name, "Subject: c\n\nx\n");
	}
	a = open_box(ms, "INBOX", 0);
	b = open_box(ms, "INBOX", 1);
	ATF_REQUIRE_EQ(mbox_count(a), 1100);
	for (i = 0; i < 6; i++)
		keep[i] = mbox_rec(a, (uint32_t)(i * 200 + 1))->uid;
	/* expunge all but 6 (seqs 1, 201 ... 1001) at once */
	rg.lo = 1;
	rg.hi = IMAP_SEQ_STAR;
	set.r = &rg;
	set.n = 1;
	set.saved = 0;
	for (i = 0; i < 6; i++)
		ATF_REQUIRE(mbox_set_flags(a, (uint32_t)(i * 200 + 1),
		    MF_SEEN) == 0);
	for (i = 1; i <= 1100; i++)
		if (i % 200 != 1)
			ATF_REQUIRE(mbox_set_flags(a, (uint32_t)i,
			    MF_DELETED) == 0);
	ATF_REQUIRE(mbox_expunge(a, &set, 0, &ch) == 0);
	ATF_REQUIRE_EQ_MSG(ch.nexpunged, 1094, "%zu", ch.nexpunged);
	mbox_changes_free(&ch);
	(void)snprintf(path, sizeof(path), "%s/%s", root, IDX_FILE);
	ATF_REQUIRE(stat(path, &st) == 0);
	ATF_REQUIRE_EQ(st.st_size, 64 + 6 * 128);
	ATF_REQUIRE_EQ(mbox_count(a), 6);
	sync_box(b, &ch);
	ATF_REQUIRE_EQ(ch.nexpunged, 1094);
	ATF_REQUIRE_EQ(ch.exists, 6);
	ATF_REQUIRE_EQ(ch.expunged[0], 1100);
	mbox_changes_free(&ch);
	for (i = 0; i < 6; i++) {
		ATF_REQUIRE_EQ(mbox_rec(a, (uint32_t)i + 1)->uid, keep[i]);
		ATF_REQUIRE_EQ(mbox_rec(b, (uint32_t)i + 1)->uid, keep[i]);
		ATF_REQUIRE(mbox_rec(b, (uint32_t)i + 1)->flags & MF_SEEN);
	}
	/* both still work on the new file */
	ATF_REQUIRE(mbox_set_flags(a, 1, MF_FLAGGED) == 0);
	sync_box(b, &ch);
	ATF_REQUIRE_EQ(ch.nflagged, 1);
	mbox_changes_free(&ch);
	mbox_close(a);
	mbox_close(b);
	mstore_close(ms);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, defaults);
	ATF_TP_ADD_TC(tp, defaults_junk_first);
	ATF_TP_ADD_TC(tp, append_reopen);
	ATF_TP_ADD_TC(tp, delivery);
	ATF_TP_ADD_TC(tp, flags_two_sessions);
	ATF_TP_ADD_TC(tp, expunge_order);
	ATF_TP_ADD_TC(tp, copy_move);
	ATF_TP_ADD_TC(tp, folders);
	ATF_TP_ADD_TC(tp, reconcile);
	ATF_TP_ADD_TC(tp, crash);
	ATF_TP_ADD_TC(tp, cache);
	ATF_TP_ADD_TC(tp, concurrent);
	ATF_TP_ADD_TC(tp, kill9);
	ATF_TP_ADD_TC(tp, compact);
	return (atf_no_error());
}
