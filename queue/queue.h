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
 * queue.h -- the queue process: durable spool, envelope codec helpers,
 * scheduler and bounces.  Internal to queue/; the envelope codec entry
 * points envelope_dump()/envelope_load() are declared in smtpd.h.
 *
 * On-disk layout (relative to the spool, which is the queue's chroot):
 *
 *	incoming/spare.<n>	files kept for reuse; cleared at start-up
 *	queue/<msgid>.msg	message, being received (smtp holds a write
 *				fd) or built (a bounce), or committed
 *	queue/<msgid>.env	its envelopes, text codec, one block per
 *				envelope, each ending with "end: ok"; its
 *				presence is what commits the message
 *	queue/<msgid>.env.tmp	left by older versions, removed at start-up
 *	corrupt/<msgid>.<t>.*	quarantine (unparseable or incomplete)
 *
 * msgid is printed as %08x, evpid as %016llx.
 */

#ifndef CARTERO_QUEUE_H
#define CARTERO_QUEUE_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/tree.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "smtpd.h"

/* queue/envelope.c */
#define ENVELOPE_VERSION	1
#define ENVELOPE_DUMP_MAX	20480	/* one envelope, all escaped */
#define ENVELOPE_LINE_MAX	8192	/* one "key: value" line */

/*
 * envelope_load() and envelope_load_next() return -1 on error; the reason
 * ("line N: unknown key", "missing key: rcpt", ...) is then available from
 * envelope_errstr() until the next call.  envelope_load_next() parses one
 * envelope at the start of buf and stores in *used how many bytes it took
 * (up to and including the "end: ok" line), so that several envelopes can
 * be read from one file.  envelope_load() requires buf to hold exactly one.
 */
int		 envelope_load_next(struct envelope *, const char *, size_t,
		    size_t *);
const char	*envelope_errstr(void);

/* queue/queue_fs.c: the store.  Paths are relative to a base directory. */
struct queue_fs_loadstats {
	size_t		 messages;	/* loaded */
	size_t		 envelopes;
	size_t		 removed;	/* never acknowledged, removed */
	size_t		 corrupt;	/* moved to corrupt/ */
};

typedef void	(*queue_fs_load_cb)(void *, uint32_t, struct envelope *,
		    size_t);

void		 queue_fs_init(const char *);
const char	*queue_fs_base(void);
int		 queue_fs_mkdirs(uid_t, gid_t);
int		 queue_fs_create(uint32_t);
void		 queue_fs_discard(uint32_t);
int		 queue_fs_msg_check(uint32_t, uint64_t);
int		 queue_fs_msg_prefix(uint32_t, uint64_t, const char *, size_t);
int64_t		 queue_fs_msg_size(uint32_t);
int		 queue_fs_env_stage(uint32_t, const struct envelope *const *,
		    size_t, uint32_t *);
void		 queue_fs_env_unstage(uint32_t);
int		 queue_fs_env_install(uint32_t, uint32_t, int);
int		 queue_fs_data_sync(void);
void		 queue_fs_abort(uint32_t);
int		 queue_fs_sync(void);
void		 queue_fs_delete(uint32_t);
int		 queue_fs_open(uint32_t);
int		 queue_fs_load(queue_fs_load_cb, void *,
		    struct queue_fs_loadstats *);

/* queue/scheduler.c: all scheduling state, in RAM, no I/O. */
#define SCHED_INFLIGHT_MAX	100	/* deliveries in flight at most */

enum qenv_state {
	QENV_PENDING,		/* waiting for nexttry (in the due tree) */
	QENV_INFLIGHT,		/* sent to the parent */
	QENV_BOUNCING,		/* failed for good, bounce being made */
	QENV_HELD,		/* EF_HELD: waits for smtpctl schedule */
};

#define QENV_F_REMOVE		0x01	/* remove when the try ends */
#define QENV_F_BOUNCE		0x02	/* when due: retry the bounce */
#define QENV_F_WARNING		0x04	/* a delay notice is being made */
#define QENV_F_FORCED		0x08	/* smtpctl schedule: try even a host */
					/* the mta holds down */

/*
 * Who delivers an envelope: a local agent (mda) or, for a relay action,
 * the mta.  Each class has its own due tree, so that one can be paused
 * (smtpctl pause mda|mta) while the other goes on.
 */
enum sched_class {
	SCHED_MDA,
	SCHED_MTA,
	SCHED_NCLASS
};

#define SCHED_PAUSE_MDA		(1 << SCHED_MDA)
#define SCHED_PAUSE_MTA		(1 << SCHED_MTA)
#define SCHED_PAUSE_ALL		(SCHED_PAUSE_MDA | SCHED_PAUSE_MTA)

typedef enum sched_class (*sched_classify_fn)(const struct envelope *);

struct qmsg;

struct qenv {
	RB_ENTRY(qenv)		 id_entry;
	RB_ENTRY(qenv)		 due_entry;
	TAILQ_ENTRY(qenv)	 msg_entry;
	struct qmsg		*msg;
	enum qenv_state		 state;
	enum sched_class	 class;		/* due tree, when pending */
	int			 flags;		/* QENV_F_* */
	int			 btemp;		/* bounce expansion tempfails */
	struct envelope		 evp;
};

struct qmsg {
	RB_ENTRY(qmsg)		 entry;
	TAILQ_ENTRY(qmsg)	 dirty_entry;
	TAILQ_HEAD(, qenv)	 envs;
	uint32_t		 msgid;
	size_t			 count;
	int			 dirty;		/* rewrite the .env */
};

RB_HEAD(qenv_ids, qenv);
RB_HEAD(qenv_due, qenv);
RB_HEAD(qmsg_tree, qmsg);
RB_PROTOTYPE(qenv_ids, qenv, id_entry, scheduler_cmp_id);
RB_PROTOTYPE(qenv_due, qenv, due_entry, scheduler_cmp_due);
RB_PROTOTYPE(qmsg_tree, qmsg, entry, scheduler_cmp_msg);

struct scheduler {
	struct qenv_ids		 ids;
	struct qenv_due		 due[SCHED_NCLASS];
	struct qmsg_tree	 msgs;
	TAILQ_HEAD(, qmsg)	 dirty;
	size_t			 nenv;
	size_t			 inflight;
	size_t			 inflight_max;
	int			 paused;	/* SCHED_PAUSE_* */
	time_t			 retry_min;
	time_t			 retry_max;
	sched_classify_fn	 classify;	/* NULL: all SCHED_MDA */
};

enum sched_action {
	SCHED_DONE,		/* delivered: remove the envelope */
	SCHED_RETRY,		/* rescheduled: rewrite the .env */
	SCHED_BOUNCE,		/* failed for good: make a bounce */
	SCHED_HOLD,		/* a bounce to postmaster failed: hold */
	SCHED_REMOVE,		/* removed by smtpctl meanwhile */
};

int		 scheduler_cmp_id(struct qenv *, struct qenv *);
int		 scheduler_cmp_due(struct qenv *, struct qenv *);
int		 scheduler_cmp_msg(struct qmsg *, struct qmsg *);
void		 scheduler_init(struct scheduler *, time_t, time_t);
void		 scheduler_set_retry(struct scheduler *, time_t, time_t);
struct qmsg	*scheduler_msg_new(struct scheduler *, uint32_t);
struct qmsg	*scheduler_msg_find(struct scheduler *, uint32_t);
void		 scheduler_msg_free(struct scheduler *, struct qmsg *);
void		 scheduler_msg_dirty(struct scheduler *, struct qmsg *);
void		 scheduler_msg_clean(struct scheduler *, struct qmsg *);
struct qenv	*scheduler_add(struct scheduler *, struct qmsg *,
		    const struct envelope *);
struct qenv	*scheduler_find(struct scheduler *, uint64_t);
void		 scheduler_delete(struct scheduler *, struct qenv *);
struct qenv	*scheduler_next(struct scheduler *, time_t);
int		 scheduler_next_time(struct scheduler *, time_t *);
time_t		 scheduler_backoff(const struct scheduler *, uint32_t);
enum sched_action scheduler_result(struct scheduler *, struct qenv *, int,
		    const char *, time_t);
void		 scheduler_reschedule(struct scheduler *, struct qenv *,
		    time_t);
void		 scheduler_bouncing(struct scheduler *, struct qenv *);
void		 scheduler_bounce_retry(struct scheduler *, struct qenv *,
		    time_t);
void		 scheduler_hold(struct scheduler *, struct qenv *);
int		 scheduler_release(struct scheduler *, struct qenv *, time_t,
		    time_t);
size_t		 scheduler_match(struct scheduler *, uint64_t,
		    struct qenv ***);
void		 scheduler_pause(struct scheduler *, int, int);
void		 scheduler_set_classify(struct scheduler *, sched_classify_fn);
uint32_t	 scheduler_warn_level(const time_t *, size_t,
		    const struct envelope *, time_t);
const char	*scheduler_state_name(const struct scheduler *,
		    const struct qenv *);

/* queue/bounce.c: RFC 3464 delivery status notifications, no I/O. */
#define BOUNCE_HEADERS_MAX	(64 * 1024)	/* original headers */

struct bounce_info {
	const char		*hostname;	/* Reporting-MTA */
	time_t			 now;
	uint32_t		 msgid;		/* of the bounce */
	uint32_t		 nonce;		/* for boundary, Msg-ID */
	const struct envelope *const *evps;	/* failed, same message */
	size_t			 nevp;
	const char		*headers;	/* original header block */
	size_t			 hlen;
	const char		*to;		/* To: if not the sender */
	const char		*notice;	/* for postmaster, or NULL */
	int			 delayed;	/* a delay notice, not a bounce */
};

char		*bounce_build(const struct bounce_info *, size_t *);
void		 bounce_status(const char *, char *, size_t);
void		 bounce_status_delay(const char *, char *, size_t);
size_t		 bounce_headers_len(const char *, size_t);
int		 bounce_addr(const struct mailaddr *, char *, size_t);

/* queue/queue_space.c: free space thresholds, storage errors. */
#define QUEUE_NO_SPACE		"452 4.3.1 Insufficient system storage"

int		 queue_space_check(void);
int		 queue_space_low(void);
int		 queue_space_errno(int);
const char	*queue_space_reply(int);
void		 queue_space_error(int, const char *);

/* queue/queue.c: pending messages, group commit, shared state. */
#define QUEUE_MAX_ENVELOPES	10000	/* per message */
#define QUEUE_WRITE_ERROR	"451 4.3.0 Queue write error"

struct queue_stats {
	uint64_t		 delivered;
	uint64_t		 tempfail;
	uint64_t		 bounced;
	uint64_t		 corrupt;
	uint64_t		 held;
};

struct qbounce;

extern struct scheduler		 queue_sched;
extern struct queue_stats	 queue_stats;

int		 queue_msgid_alloc(uint32_t *);
void		 queue_pending_bounce(uint32_t, struct qbounce *);
void		 queue_envelope_remove(struct qenv *);
void		 queue_round_schedule(void);

/* queue/queue_deliver.c: deliveries, results, bounces. */
void		 queue_deliver_init(void);
void		 queue_deliver_kick(void);
void		 queue_deliver_imsg_result(struct peer *, struct imsg *);
void		 queue_deliver_bounce_committed(struct qbounce *, int,
		    struct qmsg *);
void		 queue_deliver_bounce_failed(struct qbounce *, int,
		    const char *);
uint64_t	 queue_deliver_bounce_size(const struct qbounce *);
uint32_t	 queue_deliver_bounce_flags(const struct qbounce *);

/* queue/queue_ctl.c: smtpctl requests relayed by control. */
void		 queue_ctl_imsg_show_queue(struct peer *, struct imsg *);
void		 queue_ctl_imsg_show_stats(struct peer *, struct imsg *);
void		 queue_ctl_imsg_schedule(struct peer *, struct imsg *);
void		 queue_ctl_imsg_remove(struct peer *, struct imsg *);
void		 queue_ctl_imsg_pause(struct peer *, struct imsg *);
void		 queue_ctl_imsg_resume(struct peer *, struct imsg *);

#endif /* CARTERO_QUEUE_H */
