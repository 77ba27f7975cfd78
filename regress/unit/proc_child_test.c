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
 * proc_child_test.c -- common/proc_child.c, the child bootstrap, with a
 * made-up daemon (links libcommon.a only): a parent ("main"), the child
 * under test ("kid") and one peer ("buddy").  The test plays the parent
 * and the buddy with bare imsgbufs: it sends the configuration text, a
 * peer link and SETUP_DONE, then a reload, and checks what the child's
 * callbacks and per-peer handler tables saw.  A child started out of
 * order, or given a configuration that does not parse, dies.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "sandbox.h"

enum { K_MAIN = PROC_ID_PARENT, K_KID, K_BUDDY };

enum {
	T_HELLO = PROC_IMSG_MAX,	/* main, buddy -> kid */
	T_REPLY,			/* kid -> main: text */
};

#define MAIN	PROC_BIT(K_MAIN)
#define KID	PROC_BIT(K_KID)
#define BUDDY	PROC_BIT(K_BUDDY)

static const struct privsep_proc procs[] = {
	{ K_MAIN,	"main",		0 },
	{ K_KID,	"kid",		0 },
	{ K_BUDDY,	"buddy",	0 },
};

static const struct imsg_rule rules[] = {
	{ IMSG_CONF_DATA, MAIN, KID, 1, 64, PROC_FD_NONE, "CONF_DATA",
	    NULL },
	{ IMSG_CONF_END, MAIN, KID, sizeof(struct proc_conf_end),
	    sizeof(struct proc_conf_end), PROC_FD_NONE, "CONF_END", NULL },
	{ IMSG_CONF_LISTENER, MAIN, KID, 4, 4, PROC_FD_REQUIRED,
	    "CONF_LISTENER", NULL },
	{ IMSG_SETUP_PEER, MAIN, KID, 4, 4, PROC_FD_REQUIRED, "SETUP_PEER",
	    NULL },
	{ IMSG_SETUP_DONE, MAIN, KID, 0, 0, PROC_FD_NONE, "SETUP_DONE", NULL },
	{ IMSG_CTL_VERBOSE, MAIN, KID, sizeof(int), sizeof(int),
	    PROC_FD_NONE, "CTL_VERBOSE", NULL },
	{ IMSG_CTL_SANDBOX_TEST, MAIN, KID, 0, 0, PROC_FD_NONE,
	    "CTL_SANDBOX_TEST", NULL },
	{ T_HELLO, MAIN | BUDDY, KID, 0, 0, PROC_FD_NONE, "T_HELLO", NULL },
	{ T_REPLY, KID, MAIN, 1, 128, PROC_FD_NONE, "T_REPLY", NULL },
};

/* The kid's state, as its callbacks see it. */
static char	*kid_conf;
static int	 kid_configured, kid_reloads;

static int	kid_conf_load(const char *, size_t, void **);
static void	kid_conf_free(void *);
static void	kid_reload(void *);
static void	kid_configured_cb(void);
static void	kid_ready(void);
static void	kid_hello_main(struct peer *, struct imsg *);
static void	kid_hello_buddy(struct peer *, struct imsg *);
static void	kid_say(const char *);

static const struct imsg_handler kid_main_handlers[] = {
	{ T_HELLO,	kid_hello_main },
};
static const struct imsg_handler kid_buddy_handlers[] = {
	{ T_HELLO,	kid_hello_buddy },
};
static const struct proc_handlers kid_peers[] = {
	PROC_HANDLERS(K_MAIN, kid_main_handlers),
	PROC_HANDLERS(K_BUDDY, kid_buddy_handlers),
};

static const struct proc_child kid_ops = {
	.id = K_KID,
	.conf_load = kid_conf_load,
	.conf_free = kid_conf_free,
	.reload = kid_reload,
	.configured = kid_configured_cb,
	.ready = kid_ready,
	.peers = kid_peers,
	.npeers = sizeof(kid_peers) / sizeof(kid_peers[0]),
};

static int
kid_conf_load(const char *text, size_t len, void **old)
{
	if (strlen(text) != len || strcmp(text, "bad") == 0)
		return (-1);
	*old = kid_conf;
	kid_conf = strdup(text);
	return (kid_conf == NULL ? -1 : 0);
}

static void
kid_conf_free(void *p)
{
	free(p);
}

static void
kid_reload(void *old)
{
	kid_reloads++;
}

/* What every child must do in configured(): drop root, then sandbox. */
static void
kid_configured_cb(void)
{
	static const struct sandbox_profile	 kid = { "kid", SB_STDIO };

	kid_configured++;
	if (strcmp(kid_conf, "unconfined") == 0)
		return;			/* forgets: the bootstrap kills it */
	privsep_drop("nobody", NULL);
	if (strcmp(kid_conf, "root-less only") != 0)
		sandbox_apply(&kid);
}

static void
kid_say(const char *what)
{
	char	 buf[128];

	(void)snprintf(buf, sizeof(buf), "%s conf=%s configured=%d "
	    "reloads=%d buddy=%d", what, kid_conf, kid_configured,
	    kid_reloads, child_peer(K_BUDDY) != NULL);
	peer_compose(child_peer(K_MAIN), T_REPLY, 0, 0, -1, buf,
	    strlen(buf) + 1);
}

static void
kid_ready(void)
{
	kid_say("ready");
}

static void
kid_hello_main(struct peer *p, struct imsg *imsg)
{
	kid_say("main");
}

static void
kid_hello_buddy(struct peer *p, struct imsg *imsg)
{
	kid_say("buddy");
}

static void
kid_main(void)
{
	proc_child_run(&kid_ops);
}

/* Fork a kid running fn with its end of the channel on fd 3. */
static pid_t
start_kid_with(struct imsgbuf *ib, void (*fn)(void))
{
	pid_t	 pid;
	int	 sv[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		alarm(10);
		close(sv[0]);
		if (dup2(sv[1], 3) == -1)
			_exit(2);
		log_init(1, 0);
		proc_setup(procs, 3, rules, sizeof(rules) / sizeof(rules[0]));
		fn();
		_exit(3);		/* fn returned: the test fails */
	}
	close(sv[1]);
	ATF_REQUIRE(imsgbuf_init(ib, sv[0]) == 0);
	imsgbuf_allow_fdpass(ib);
	return (pid);
}

static pid_t
start_kid(struct imsgbuf *ib)
{
	return (start_kid_with(ib, kid_main));
}

static void
send_msg(struct imsgbuf *ib, uint32_t type, int fd, const void *data,
    size_t len)
{
	ATF_REQUIRE(imsg_compose(ib, type, 0, 0, fd, data, len) != -1);
	ATF_REQUIRE(imsgbuf_flush(ib) == 0);
}

static void
send_conf(struct imsgbuf *ib, const char *text, int reload)
{
	struct proc_conf_end	 ce;
	size_t			 len = strlen(text), half = len / 2;

	memset(&ce, 0, sizeof(ce));
	ce.reload = reload;
	/* in two chunks: the kid puts them together */
	send_msg(ib, IMSG_CONF_DATA, -1, text, half);
	send_msg(ib, IMSG_CONF_DATA, -1, text + half, len - half);
	send_msg(ib, IMSG_CONF_END, -1, &ce, sizeof(ce));
}

/* The next T_REPLY from the kid (5 s at most), as text. */
static void
get_reply(struct imsgbuf *ib, char *out, size_t outsz)
{
	struct pollfd	 pfd = { ib->fd, POLLIN, 0 };
	struct imsg	 imsg;
	ssize_t		 n;

	out[0] = '\0';
	while ((n = imsg_get(ib, &imsg)) == 0) {
		ATF_REQUIRE_MSG(poll(&pfd, 1, 5000) == 1, "no reply");
		ATF_REQUIRE_MSG(imsgbuf_read(ib) == 1, "kid gone");
	}
	ATF_REQUIRE(n > 0);
	ATF_REQUIRE(imsg_get_type(&imsg) == T_REPLY);
	ATF_REQUIRE(imsg_get_len(&imsg) < outsz);
	ATF_REQUIRE(imsg_get_data(&imsg, out, imsg_get_len(&imsg)) == 0);
	out[imsg_get_len(&imsg)] = '\0';
	imsg_free(&imsg);
}

static int
kid_exit(pid_t pid)
{
	int	 status;

	ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
	return (WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
	    WTERMSIG(status));
}

/* The buddy: a peer link of the kid, our end in buddy (bv[0]). */
static void
link_buddy(struct imsgbuf *ib, struct imsgbuf *buddy, int bv[2])
{
	uint32_t	 id = K_BUDDY;

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, bv) == 0);
	send_msg(ib, IMSG_SETUP_PEER, bv[1], &id, sizeof(id));
	ATF_REQUIRE(imsgbuf_init(buddy, bv[0]) == 0);
}

/* The parent goes away: the kid exits 0. */
static void
end_kid(struct imsgbuf *ib, pid_t pid, struct imsgbuf *buddy, int bv0)
{
	imsgbuf_clear(ib);
	close(ib->fd);
	ATF_CHECK_EQ(kid_exit(pid), 0);
	imsgbuf_clear(buddy);
	close(bv0);
}

ATF_TC_WITHOUT_HEAD(boot);
ATF_TC_BODY(boot, tc)
{
	struct imsgbuf	 ib, buddy;
	char		 r[128];
	pid_t		 pid;
	int		 bv[2];

	pid = start_kid(&ib);
	send_conf(&ib, "first", 0);
	link_buddy(&ib, &buddy, bv);
	send_msg(&ib, IMSG_SETUP_DONE, -1, NULL, 0);
	get_reply(&ib, r, sizeof(r));
	ATF_CHECK_STREQ(r, "ready conf=first configured=1 reloads=0 buddy=1");

	/* the buddy's messages go to the buddy's table */
	send_msg(&buddy, T_HELLO, -1, NULL, 0);
	get_reply(&ib, r, sizeof(r));
	ATF_CHECK_STREQ(r, "buddy conf=first configured=1 reloads=0 buddy=1");

	/* a reload: the new text, reload() called once */
	send_conf(&ib, "second", 1);
	send_msg(&ib, T_HELLO, -1, NULL, 0);
	get_reply(&ib, r, sizeof(r));
	ATF_CHECK_STREQ(r, "main conf=second configured=1 reloads=1 buddy=1");

	end_kid(&ib, pid, &buddy, bv[0]);
}

/*
 * A peer that speaks before the set-up is done waits: its message is
 * served after configured() (the smtp process could be ready before the
 * queue, whose request would then be served outside the chroot).
 */
ATF_TC_WITHOUT_HEAD(early_peer);
ATF_TC_BODY(early_peer, tc)
{
	struct imsgbuf	 ib, buddy;
	char		 r[128];
	pid_t		 pid;
	int		 bv[2];

	pid = start_kid(&ib);
	send_conf(&ib, "first", 0);
	link_buddy(&ib, &buddy, bv);
	send_msg(&buddy, T_HELLO, -1, NULL, 0);
	send_msg(&ib, T_HELLO, -1, NULL, 0);
	get_reply(&ib, r, sizeof(r));
	ATF_CHECK_STREQ(r, "main conf=first configured=0 reloads=0 buddy=0");
	send_msg(&ib, IMSG_SETUP_DONE, -1, NULL, 0);
	get_reply(&ib, r, sizeof(r));
	ATF_CHECK_STREQ(r, "ready conf=first configured=1 reloads=0 buddy=1");
	get_reply(&ib, r, sizeof(r));
	ATF_CHECK_STREQ(r, "buddy conf=first configured=1 reloads=0 buddy=1");
	end_kid(&ib, pid, &buddy, bv[0]);
}

/* Out of order or unparsable: fatal (exit 1), never served. */
ATF_TC_WITHOUT_HEAD(refused);
ATF_TC_BODY(refused, tc)
{
	struct imsgbuf	 ib;
	uint32_t	 id = K_KID;
	pid_t		 pid;
	int		 fd;

	pid = start_kid(&ib);
	send_msg(&ib, IMSG_SETUP_DONE, -1, NULL, 0);
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "SETUP_DONE before the conf");
	imsgbuf_clear(&ib);
	close(ib.fd);

	pid = start_kid(&ib);
	send_conf(&ib, "bad", 0);
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "a conf that does not parse");
	imsgbuf_clear(&ib);
	close(ib.fd);

	/* a link to itself */
	pid = start_kid(&ib);
	send_conf(&ib, "ok", 0);
	ATF_REQUIRE((fd = dup(0)) != -1);
	send_msg(&ib, IMSG_SETUP_PEER, fd, &id, sizeof(id));
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "SETUP_PEER to itself");
	imsgbuf_clear(&ib);
	close(ib.fd);

	/* a process the daemon's table does not have */
	pid = start_kid(&ib);
	send_conf(&ib, "ok", 0);
	id = 9;
	ATF_REQUIRE((fd = dup(0)) != -1);
	send_msg(&ib, IMSG_SETUP_PEER, fd, &id, sizeof(id));
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "SETUP_PEER of an unknown id");
	imsgbuf_clear(&ib);
	close(ib.fd);

	/* a message the kid has no handler for from this peer */
	pid = start_kid(&ib);
	send_msg(&ib, T_REPLY, -1, "x", 2);
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "T_REPLY sent to the kid");
	imsgbuf_clear(&ib);
	close(ib.fd);
}

/*
 * configured() that leaves the kid root or without a sandbox: it dies
 * before ready(), never serving anything.
 */
ATF_TC_WITHOUT_HEAD(unconfined);
ATF_TC_BODY(unconfined, tc)
{
	struct imsgbuf	 ib;
	pid_t		 pid;

	pid = start_kid(&ib);
	send_conf(&ib, "unconfined", 0);
	send_msg(&ib, IMSG_SETUP_DONE, -1, NULL, 0);
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "still root");
	imsgbuf_clear(&ib);
	close(ib.fd);

	pid = start_kid(&ib);
	send_conf(&ib, "root-less only", 0);
	send_msg(&ib, IMSG_SETUP_DONE, -1, NULL, 0);
	ATF_CHECK_EQ_MSG(kid_exit(pid), 1, "no sandbox");
	imsgbuf_clear(&ib);
	close(ib.fd);
}

/* The daemon's own tables are checked before anything is received. */
static void
kid_shadow(void)
{
	static const struct imsg_handler h[] = {
		{ IMSG_SETUP_DONE, kid_hello_main },
	};
	static const struct proc_handlers p[] = {
		PROC_HANDLERS(K_MAIN, h),
	};
	struct proc_child	 ops = kid_ops;

	ops.peers = p;
	ops.npeers = 1;
	proc_child_run(&ops);
}

static void
kid_noconf(void)
{
	struct proc_child	 ops = kid_ops;

	ops.conf_load = NULL;
	proc_child_run(&ops);
}

static void
kid_noconfigured(void)
{
	struct proc_child	 ops = kid_ops;

	ops.configured = NULL;
	proc_child_run(&ops);
}

static int
run_bad_kid(void (*fn)(void))
{
	struct imsgbuf	 ib;
	pid_t		 pid;

	pid = start_kid_with(&ib, fn);
	imsgbuf_clear(&ib);
	close(ib.fd);
	return (kid_exit(pid));
}

ATF_TC_WITHOUT_HEAD(bad_ops);
ATF_TC_BODY(bad_ops, tc)
{
	ATF_CHECK_EQ_MSG(run_bad_kid(kid_shadow), 1,
	    "a handler shadowing SETUP_DONE");
	ATF_CHECK_EQ_MSG(run_bad_kid(kid_noconf), 1, "no conf_load");
	ATF_CHECK_EQ_MSG(run_bad_kid(kid_noconfigured), 1, "no configured");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, boot);
	ATF_TP_ADD_TC(tp, early_peer);
	ATF_TP_ADD_TC(tp, refused);
	ATF_TP_ADD_TC(tp, unconfined);
	ATF_TP_ADD_TC(tp, bad_ops);
	return (atf_no_error());
}
