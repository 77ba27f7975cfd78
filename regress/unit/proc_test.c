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
 * proc_test.c -- unit tests for common/proc.c: the imsg rule checks, for a
 * made-up daemon of four processes (links libcommon.a only).
 *
 * The "remote" end of each channel is a bare imsgbuf, so that the tests can
 * send what a broken or hostile peer would.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <errno.h>
#include <event.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"

/* The made-up daemon: a parent, a trusted worker, two untrusted peers. */
enum {
	W_MAIN = PROC_ID_PARENT,
	W_WORKER,
	W_GUEST,		/* a control client */
	W_USER,			/* runs as an ordinary user */
};

static const struct privsep_proc procs[] = {
	{ W_MAIN,	"main",		0 },
	{ W_WORKER,	"worker",	0 },
	{ W_GUEST,	"guest",	PROC_F_UNTRUSTED },
	{ W_USER,	"user",		PROC_F_UNTRUSTED },
};

enum {
	T_PING = 1,		/* worker, guest -> main, 4 bytes */
	T_FD = 2,		/* worker -> main, fd required */
	T_DOWN = 3,		/* main -> worker, 0..16 bytes */
	T_NOHANDLER = 4,	/* worker, guest -> main, no handler */
	T_TEXT = 5,		/* worker, guest -> main, 1..8 bytes, a string */
};

static int	check_text(const void *, size_t);

static const struct imsg_rule imsg_rules[] = {
	{ T_PING, PROC_BIT(W_WORKER) | PROC_BIT(W_GUEST),
	    PROC_BIT(W_MAIN), 4, 4, PROC_FD_NONE, "T_PING", NULL },
	{ T_FD, PROC_BIT(W_WORKER), PROC_BIT(W_MAIN), 0, 0,
	    PROC_FD_REQUIRED, "T_FD", NULL },
	{ T_DOWN, PROC_BIT(W_MAIN), PROC_BIT(W_WORKER), 0, 16,
	    PROC_FD_NONE, "T_DOWN", NULL },
	{ T_NOHANDLER, PROC_BIT(W_WORKER) | PROC_BIT(W_GUEST),
	    PROC_BIT(W_MAIN), 0, 0, PROC_FD_NONE, "T_NOHANDLER", NULL },
	{ T_TEXT, PROC_BIT(W_WORKER) | PROC_BIT(W_GUEST),
	    PROC_BIT(W_MAIN), 1, 8, PROC_FD_NONE, "T_TEXT", check_text },
};
static const size_t imsg_rules_count = sizeof(imsg_rules) /
    sizeof(imsg_rules[0]);

static int			 pings, fds, closes, texts, checks;
static struct event_base	*base;
static uint32_t	 last_ping;

static void	h_ping(struct peer *, struct imsg *);
static void	h_fd(struct peer *, struct imsg *);
static void	h_text(struct peer *, struct imsg *);
static void	on_close(struct peer *);
static void	setup(struct peer *, int, struct imsgbuf *,
		    void (*)(struct peer *));
static void	run(int *, int);
static int	child_status(void (*)(void));
static void	child_bad_len(void);
static void	child_bad_dir(void);
static void	child_eof(void);
static void	child_compose_bug(void);
static void	child_bad_payload(void);

static const struct imsg_handler handlers[] = {
	{ T_PING, h_ping },
	{ T_FD, h_fd },
	{ T_TEXT, h_text },
};

/* The validator of T_TEXT: a NUL-terminated string. */
static int
check_text(const void *data, size_t len)
{
	checks++;
	return (memchr(data, '\0', len) == NULL ? -1 : 0);
}

static void
h_text(struct peer *p, struct imsg *imsg)
{
	texts++;
}

static void
h_ping(struct peer *p, struct imsg *imsg)
{
	imsg_payload(imsg, &last_ping, sizeof(last_ping));
	pings++;
}

static void
h_fd(struct peer *p, struct imsg *imsg)
{
	int	 fd;

	fd = imsg_get_fd(imsg);
	if (fd >= 0 && write(fd, "ok", 2) == 2)
		fds++;
	close(fd);
}

static void
on_close(struct peer *p)
{
	closes++;
}

static void
setup(struct peer *p, int id, struct imsgbuf *remote,
    void (*cb)(struct peer *))
{
	int	 sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if (base != NULL)
		event_base_free(base);
	base = event_init();
	log_init(1, 0);
	log_procinit("test");
	proc_setup(procs, sizeof(procs) / sizeof(procs[0]), imsg_rules,
	    imsg_rules_count);
	proc_self = W_MAIN;
	pings = fds = closes = texts = checks = 0;
	peer_init(p, id, sv[0], handlers, sizeof(handlers) /
	    sizeof(handlers[0]), cb);
	ATF_REQUIRE(imsgbuf_init(remote, sv[1]) == 0);
}

/* Run the event loop until *counter reaches want (or 2 s pass). */
static void
run(int *counter, int want)
{
	struct timeval	 tv = { 0, 10000 };
	int		 i;

	for (i = 0; i < 200 && *counter < want; i++) {
		event_loopexit(&tv);
		event_loop(EVLOOP_ONCE);
	}
}

ATF_TC_WITHOUT_HEAD(valid);
ATF_TC_BODY(valid, tc)
{
	struct peer	 p;
	struct imsgbuf	 r;
	struct imsg	 imsg;
	uint32_t	 v;
	int		 pfd[2], i;
	char		 buf[4];

	setup(&p, W_WORKER, &r, on_close);
	for (v = 1; v <= 50; v++)
		ATF_REQUIRE(imsg_compose(&r, T_PING, 0, 0, -1, &v,
		    sizeof(v)) != -1);
	ATF_REQUIRE(imsg_compose(&r, T_TEXT, 0, 0, -1, "hi", 3) != -1);
	ATF_REQUIRE(pipe(pfd) == 0);
	ATF_REQUIRE(imsg_compose(&r, T_FD, 0, 0, pfd[1], NULL, 0) != -1);
	ATF_REQUIRE(imsgbuf_flush(&r) == 0);
	run(&fds, 1);
	ATF_CHECK_EQ(pings, 50);
	ATF_CHECK_EQ(last_ping, 50);
	ATF_CHECK_EQ(checks, 1);	/* only T_TEXT has a validator */
	ATF_CHECK_EQ(texts, 1);
	ATF_CHECK_EQ(fds, 1);
	ATF_CHECK_EQ(closes, 0);
	ATF_CHECK(read(pfd[0], buf, sizeof(buf)) == 2);

	/* parent -> lka goes out through EV_WRITE */
	ATF_CHECK(peer_compose(&p, T_DOWN, 7, 0, -1, "hello", 5) == 0);
	ATF_CHECK(peer_compose(&p, T_DOWN, 8, 0, -1, NULL, 0) == 0);
	ATF_CHECK(imsgbuf_queuelen(&p.ibuf) == 2);
	for (i = 0; i < 10 && imsgbuf_queuelen(&p.ibuf) > 0; i++)
		event_loop(EVLOOP_ONCE);
	ATF_CHECK(imsgbuf_queuelen(&p.ibuf) == 0);
	ATF_REQUIRE(imsgbuf_read(&r) == 1);
	ATF_REQUIRE(imsg_get(&r, &imsg) > 0);
	ATF_CHECK(imsg_get_type(&imsg) == T_DOWN && imsg_get_id(&imsg) == 7);
	ATF_CHECK(imsg_get_len(&imsg) == 5);
	imsg_free(&imsg);
	ATF_REQUIRE(imsg_get(&r, &imsg) > 0);
	ATF_CHECK(imsg_get_id(&imsg) == 8 && imsg_get_len(&imsg) == 0);
	imsg_free(&imsg);

	/* EOF from the remote end: on_close */
	imsgbuf_clear(&r);
	close(r.fd);
	run(&closes, 1);
	ATF_CHECK_EQ(closes, 1);
	ATF_CHECK(p.closed);
	ATF_CHECK_STREQ(imsg_name(T_FD), "T_FD");
	ATF_CHECK_STREQ(imsg_name(99), "IMSG_99");
	ATF_CHECK_STREQ(proc_name(W_GUEST), "guest");
	ATF_CHECK_STREQ(proc_name(PROC_MAX), "unknown");
	ATF_CHECK(proc_byname("worker") == W_WORKER);
	ATF_CHECK(proc_byname("nope") == -1);
	ATF_CHECK(!proc_untrusted(W_WORKER));
	ATF_CHECK(proc_untrusted(W_USER));
	ATF_CHECK(proc_untrusted(9));	/* not in the table */
}

/* Each bad message from an smtpctl client closes it, nothing more. */
ATF_TC_WITHOUT_HEAD(client_violation);
ATF_TC_BODY(client_violation, tc)
{
	static const struct {
		uint32_t	 type;
		size_t		 len;
		int		 withfd;
		int		 checked;	/* the validator ran */
	} bad[] = {
		{ T_PING, 3, 0, 0 },	/* too short */
		{ T_PING, 5, 0, 0 },	/* too long */
		{ T_FD, 0, 1, 0 },	/* client may not send it */
		{ T_DOWN, 0, 0, 0 },	/* parent may not receive it */
		{ 42, 0, 0, 0 },	/* unknown */
		{ T_NOHANDLER, 0, 0, 0 },	/* allowed, but no handler */
		{ T_TEXT, 4, 0, 1 },	/* payload refused: unterminated */
		{ T_TEXT, 9, 0, 0 },	/* too long: validator not reached */
	};
	struct peer	 p;
	struct imsgbuf	 r;
	size_t		 i;
	uint32_t	 v = 1;
	char		 payload[16];
	int		 pfd[2], fd;

	memset(payload, 'x', sizeof(payload));

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setup(&p, W_GUEST, &r, on_close);
		/* one good message first: it is handled */
		ATF_REQUIRE(imsg_compose(&r, T_PING, 0, 0, -1, &v,
		    sizeof(v)) != -1);
		fd = -1;
		if (bad[i].withfd) {
			ATF_REQUIRE(pipe(pfd) == 0);
			close(pfd[0]);
			fd = pfd[1];
		}
		ATF_REQUIRE(imsg_compose(&r, bad[i].type, 0, 0, fd, payload,
		    bad[i].len) != -1);
		ATF_REQUIRE(imsg_compose(&r, T_PING, 0, 0, -1, &v,
		    sizeof(v)) != -1);
		ATF_REQUIRE(imsgbuf_flush(&r) == 0);
		run(&closes, 1);
		ATF_CHECK_MSG(closes == 1, "case %zu: closes %d", i, closes);
		ATF_CHECK_MSG(pings == 1, "case %zu: pings %d", i, pings);
		ATF_CHECK_MSG(texts == 0, "case %zu: handler ran", i);
		ATF_CHECK_MSG(checks == bad[i].checked, "case %zu: checks %d",
		    i, checks);
		ATF_CHECK(p.closed);
		ATF_CHECK(p.ibuf.fd == -1);
		imsgbuf_clear(&r);
		close(r.fd);
	}
}

/*
 * No rule lets a guest send a descriptor: one it sends anyway is closed
 * on arrival, never held, and the message comes without it.
 */
ATF_TC_WITHOUT_HEAD(client_fd_dropped);
ATF_TC_BODY(client_fd_dropped, tc)
{
	struct peer	 p;
	struct imsgbuf	 r;
	uint32_t	 v = 7;
	char		 c;
	int		 pfd[2];

	setup(&p, W_GUEST, &r, on_close);
	ATF_REQUIRE(pipe(pfd) == 0);
	ATF_REQUIRE(imsg_compose(&r, T_PING, 0, 0, pfd[1], &v,
	    sizeof(v)) != -1);
	ATF_REQUIRE(imsgbuf_flush(&r) == 0);
	run(&pings, 1);
	ATF_CHECK_EQ(pings, 1);
	ATF_CHECK_EQ(closes, 0);
	ATF_CHECK(!p.closed);
	/* no write end left open anywhere: EOF */
	ATF_CHECK_EQ(read(pfd[0], &c, 1), 0);
	close(pfd[0]);
	imsgbuf_clear(&r);
	close(r.fd);
}

static int
child_status(void (*fn)(void))
{
	pid_t	 pid;
	int	 status;

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		alarm(5);
		fn();
		_exit(0);	/* survived: the test fails */
	}
	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	return (status);
}

static void
child_bad_len(void)
{
	struct peer	 p;
	struct imsgbuf	 r;

	setup(&p, W_WORKER, &r, on_close);
	imsg_compose(&r, T_PING, 0, 0, -1, "abc", 3);
	imsgbuf_flush(&r);
	run(&closes, 1);
}

static void
child_bad_dir(void)
{
	struct peer	 p;
	struct imsgbuf	 r;

	/* a trusted peer sending what only the parent may send */
	setup(&p, W_WORKER, &r, on_close);
	imsg_compose(&r, T_DOWN, 0, 0, -1, NULL, 0);
	imsgbuf_flush(&r);
	run(&closes, 1);
}

static void
child_eof(void)
{
	struct peer	 p;
	struct imsgbuf	 r;

	setup(&p, W_WORKER, &r, NULL);
	close(r.fd);
	run(&closes, 1);
}

/* A trusted peer's payload the validator refuses: fatal, no handler. */
static void
child_bad_payload(void)
{
	struct peer	 p;
	struct imsgbuf	 r;

	setup(&p, W_WORKER, &r, on_close);
	imsg_compose(&r, T_TEXT, 0, 0, -1, "xxxx", 4);
	imsgbuf_flush(&r);
	run(&texts, 1);
}

static void
child_compose_bug(void)
{
	struct peer	 p;
	struct imsgbuf	 r;

	setup(&p, W_WORKER, &r, on_close);
	peer_compose(&p, T_DOWN, 0, 0, -1, "0123456789abcdefg", 17);
}

/* A delivery agent runs as a mail user: its garbage closes it only. */
static void
child_agent_violation(void)
{
	struct peer	 p;
	struct imsgbuf	 r;
	uint32_t	 v = 1;

	setup(&p, W_USER, &r, on_close);
	imsg_compose(&r, T_PING, 0, 0, -1, &v, sizeof(v));
	imsgbuf_flush(&r);
	run(&closes, 1);
	_exit(closes == 1 && p.closed ? 0 : 3);
}

ATF_TC_WITHOUT_HEAD(agent_violation);
ATF_TC_BODY(agent_violation, tc)
{
	int	 st;

	st = child_status(child_agent_violation);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "agent violation: status %d", st);
}

ATF_TC_WITHOUT_HEAD(trusted_violation);
ATF_TC_BODY(trusted_violation, tc)
{
	int	 st;

	st = child_status(child_bad_len);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "bad_len %d", st);
	st = child_status(child_bad_dir);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "bad_dir %d", st);
	st = child_status(child_eof);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "eof %d", st);
	st = child_status(child_bad_payload);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "payload %d", st);
	st = child_status(child_compose_bug);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "compose %d", st);
}

static void
child_dup_id(void)
{
	static const struct privsep_proc dup[] = {
		{ 0, "a", 0 }, { 1, "b", 0 }, { 1, "c", 0 },
	};

	proc_setup(dup, 3, imsg_rules, imsg_rules_count);
}

static void
child_big_id(void)
{
	static const struct privsep_proc big[] = { { PROC_MAX, "a", 0 } };

	proc_setup(big, 1, imsg_rules, imsg_rules_count);
}

/* Tables that contradict themselves, one per case. */
static int	bad_table;

static void
child_bad_table(void)
{
	static const struct privsep_proc noname[] = {
		{ W_MAIN, "main", 0 }, { W_WORKER, NULL, 0 },
	};
	static const struct privsep_proc twice[] = {
		{ W_MAIN, "main", 0 }, { W_WORKER, "main", 0 },
	};
	static const struct privsep_proc noparent[] = {
		{ W_WORKER, "worker", 0 },
	};
	static const struct privsep_proc badparent[] = {
		{ W_MAIN, "main", PROC_F_UNTRUSTED },
	};
	static const struct imsg_rule lens[] = {
		{ 1, 1, 1, 8, 4, PROC_FD_NONE, "LENS", NULL },
	};
	static const struct imsg_rule huge[] = {
		{ 1, 1, 1, 0, MAX_IMSGSIZE, PROC_FD_NONE, "HUGE", NULL },
	};
	static const struct imsg_rule fd[] = {
		{ 1, 1, 1, 0, 0, 7, "FD", NULL },
	};
	static const struct imsg_rule stranger[] = {
		{ 1, PROC_BIT(9), 1, 0, 0, PROC_FD_NONE, "STRANGER", NULL },
	};

	switch (bad_table) {
	case 0:
		proc_setup(noname, 2, imsg_rules, 0);
		break;
	case 1:
		proc_setup(twice, 2, imsg_rules, 0);
		break;
	case 2:
		proc_setup(noparent, 1, imsg_rules, 0);
		break;
	case 3:
		proc_setup(badparent, 1, imsg_rules, 0);
		break;
	case 4:
		proc_setup(procs, 4, lens, 1);
		break;
	case 5:
		proc_setup(procs, 4, huge, 1);
		break;
	case 6:
		proc_setup(procs, 4, fd, 1);
		break;
	case 7:
		proc_setup(procs, 4, stranger, 1);
		break;
	case 8:
		proc_setup(procs, 4, NULL, 1);
		break;
	default:
		_exit(0);
	}
}

static void
child_unsorted(void)
{
	static const struct imsg_rule rules[] = {
		{ 2, 1, 1, 0, 0, PROC_FD_NONE, "TWO", NULL },
		{ 1, 1, 1, 0, 0, PROC_FD_NONE, "ONE", NULL },
	};

	proc_setup(procs, 4, rules, 2);
}

static void
child_no_setup(void)
{
	struct peer	 p;
	int		 sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		_exit(2);
	log_init(1, 0);
	event_init();
	peer_init(&p, W_WORKER, sv[0], handlers, 2, on_close);
}

/* A daemon's tables are checked when it hands them over. */
/*
 * peer_call(): the reply is found among other messages, which are held
 * and dispatched afterwards, in order; no reply is a timeout; EOF is -1.
 */
ATF_TC_WITHOUT_HEAD(call);
ATF_TC_BODY(call, tc)
{
	struct peer	 p;
	struct imsgbuf	 r;
	struct imsg	 imsg;
	uint32_t	 v;

	setup(&p, W_WORKER, &r, on_close);
	ATF_REQUIRE(imsg_compose(&r, T_TEXT, 0, 0, -1, "a", 2) != -1);
	v = 4;
	ATF_REQUIRE(imsg_compose(&r, T_PING, 4, 0, -1, &v, 4) != -1);
	v = 5;
	ATF_REQUIRE(imsg_compose(&r, T_PING, 5, 0, -1, &v, 4) != -1);
	ATF_REQUIRE(imsg_compose(&r, T_TEXT, 0, 0, -1, "b", 2) != -1);
	ATF_REQUIRE(imsgbuf_flush(&r) == 0);

	ATF_REQUIRE_EQ(peer_call(&p, T_DOWN, 5, "q", 1, T_PING, &imsg,
	    5000), 1);
	ATF_CHECK(imsg_get_id(&imsg) == 5);
	ATF_REQUIRE(imsg_get_data(&imsg, &v, sizeof(v)) == 0);
	ATF_CHECK_EQ(v, 5);
	imsg_free(&imsg);
	/* the others wait for the event loop */
	ATF_CHECK_EQ(texts, 0);
	ATF_CHECK_EQ(pings, 0);
	/* the request went out, with its id */
	ATF_REQUIRE(imsgbuf_read(&r) == 1);
	ATF_REQUIRE(imsg_get(&r, &imsg) > 0);
	ATF_CHECK(imsg_get_type(&imsg) == T_DOWN && imsg_get_id(&imsg) == 5);
	imsg_free(&imsg);

	run(&texts, 2);
	ATF_CHECK_EQ(texts, 2);
	ATF_CHECK_EQ(pings, 1);
	ATF_CHECK_EQ(last_ping, 4);
	ATF_CHECK_EQ(checks, 2);

	/* no answer: 0, and nothing is lost when it comes late */
	ATF_CHECK_EQ(peer_call(&p, T_DOWN, 6, NULL, 0, T_PING, &imsg, 50), 0);
	v = 6;
	ATF_REQUIRE(imsg_compose(&r, T_PING, 6, 0, -1, &v, 4) != -1);
	ATF_REQUIRE(imsgbuf_flush(&r) == 0);
	run(&pings, 2);
	ATF_CHECK_EQ(pings, 2);
	ATF_CHECK_EQ(last_ping, 6);

	/* the other end is gone: -1, and the peer is closed */
	imsgbuf_clear(&r);
	close(r.fd);
	ATF_CHECK_EQ(peer_call(&p, T_DOWN, 7, NULL, 0, T_PING, &imsg, 5000),
	    -1);
	ATF_CHECK_EQ(closes, 1);
	ATF_CHECK_EQ(peer_call(&p, T_DOWN, 8, NULL, 0, T_PING, &imsg, 5000),
	    -1);
}

ATF_TC_WITHOUT_HEAD(setup_checks);
ATF_TC_BODY(setup_checks, tc)
{
	int	 st;

	st = child_status(child_no_setup);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "nosetup %d", st);
	st = child_status(child_dup_id);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "dup %d", st);
	st = child_status(child_big_id);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "big %d", st);
	st = child_status(child_unsorted);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1, "sort %d", st);
	for (bad_table = 0; bad_table < 9; bad_table++) {
		st = child_status(child_bad_table);
		ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 1,
		    "table %d: %d", bad_table, st);
	}
	/* the good table passes */
	proc_setup(procs, 4, imsg_rules, imsg_rules_count);
}

/* Handler tables by peer process: found by id, nothing for others. */
ATF_TC_WITHOUT_HEAD(handlers_find);
ATF_TC_BODY(handlers_find, tc)
{
	static const struct imsg_handler one[] = { { T_PING, h_ping } };
	static const struct proc_handlers peers[] = {
		PROC_HANDLERS(W_WORKER, handlers),
		PROC_HANDLERS(W_GUEST, one),
	};
	const struct imsg_handler	*h;
	size_t				 n = 99;

	h = proc_handlers_find(peers, 2, W_WORKER, &n);
	ATF_CHECK(h == handlers && n == sizeof(handlers) / sizeof(handlers[0]));
	h = proc_handlers_find(peers, 2, W_GUEST, &n);
	ATF_CHECK(h == one && n == 1);
	h = proc_handlers_find(peers, 2, W_USER, &n);
	ATF_CHECK(h == NULL && n == 0);
}

ATF_TC_WITHOUT_HEAD(helpers);
ATF_TC_BODY(helpers, tc)
{
	char	 a[4] = { 'a', 'b', 'c', 'd' };
	char	 b[4] = { 'a', 'b', '\0', 'd' };

	ATF_CHECK(str_terminated(a, sizeof(a)) == 0);
	ATF_CHECK(str_terminated(b, sizeof(b)) == 1);
	ATF_CHECK(str_terminated(b, 2) == 0);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, valid);
	ATF_TP_ADD_TC(tp, client_violation);
	ATF_TP_ADD_TC(tp, client_fd_dropped);
	ATF_TP_ADD_TC(tp, trusted_violation);
	ATF_TP_ADD_TC(tp, agent_violation);
	ATF_TP_ADD_TC(tp, call);
	ATF_TP_ADD_TC(tp, setup_checks);
	ATF_TP_ADD_TC(tp, handlers_find);
	ATF_TP_ADD_TC(tp, helpers);
	return (atf_no_error());
}
