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
 * The parent: parses the configuration once, prepares the run-time
 * directories and sockets, starts every child by re-executing itself,
 * hands each child its slice (configuration text, sockets, peer links) and
 * then supervises: the death of any child stops the daemon.
 *
 * SECURITY: runs as root without a sandbox, because it must fork delivery
 * agents as any user.  It never parses network input; what it gets from
 * children is checked against smtpd/imsg_rules.c, and it resolves users
 * and actions itself from its own configuration (an envelope only names
 * them).
 */
#include <sys/types.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "imsg.h"
#include "log.h"
#include "proc.h"
#include "smtpd.h"
#include "parent.h"
#include "util.h"

struct parent_child {
	enum proc_id	 id;
	pid_t		 pid;
	struct peer	 peer;
	int		 alive;
};

struct parent_opts	*parent_opts;

static struct parent_child	 children[PROC_COUNT];
static const enum proc_id	 child_order[] = {
	PROC_CONTROL, PROC_LKA, PROC_QUEUE, PROC_SIGNER, PROC_SMTP
};
static char		 self_exe[PATH_MAX];
static int		 pidfd = -1;
static int		 shutting_down;
static struct event	 ev_sigterm, ev_sigint, ev_sighup, ev_sigchld;

static void	parent_prepare_dirs(void);
static void	parent_lock_pidfile(void);
static void	parent_check_users(void);
static void	parent_start_child(enum proc_id);
static void	parent_fdlimit(void);
static void	parent_send_config(struct peer *, int reload);
static void	parent_setup_peers(void);
static void	parent_sig(int, short, void *);
static void	parent_child_closed(struct peer *);
static void	parent_child_died(struct parent_child *, int);
static void	parent_reap(void);
static void	parent_unlink_run(const char *);
static int	parent_reload(char *, size_t);
static void	parent_imsg_forward(struct peer *, struct imsg *);
static void	parent_imsg_deliver(struct peer *, struct imsg *);
static void	parent_imsg_ctl_verbose(struct peer *, struct imsg *);
static void	parent_imsg_ctl_reload(struct peer *, struct imsg *);
static void	parent_imsg_ctl_stop(struct peer *, struct imsg *);
static void	parent_imsg_ctl_sandbox(struct peer *, struct imsg *);

static const struct imsg_handler lka_handlers[] = {
	{ IMSG_LKA_OPEN_FORWARD,	parent_imsg_forward },
	{ IMSG_LKA_AUTH_SYSTEM,		parent_imsg_auth },
};
static const struct imsg_handler queue_handlers[] = {
	{ IMSG_QUEUE_DELIVER,		parent_imsg_deliver },
};
static const struct imsg_handler control_handlers[] = {
	{ IMSG_CTL_LOG_VERBOSE,		parent_imsg_ctl_verbose },
	{ IMSG_CTL_RELOAD,		parent_imsg_ctl_reload },
	{ IMSG_CTL_STOP,		parent_imsg_ctl_stop },
	{ IMSG_CTL_SANDBOX,		parent_imsg_ctl_sandbox },
};

static const struct proc_handlers parent_peers[] = {
	PROC_HANDLERS(PROC_LKA, lka_handlers),
	PROC_HANDLERS(PROC_QUEUE, queue_handlers),
	PROC_HANDLERS(PROC_CONTROL, control_handlers),
};

const char *
parent_self_exe(void)
{
	return (self_exe);
}

void
parent_main(struct parent_opts *opts)
{
	struct smtpd_config	*cfg;
	ssize_t			 n;
	size_t			 i;

	parent_opts = opts;
	proc_self = PROC_PARENT;
	if ((n = readlink("/proc/self/exe", self_exe,
	    sizeof(self_exe) - 1)) == -1)
		err(1, "readlink /proc/self/exe");
	self_exe[n] = '\0';

	log_init(1, LOG_MAIL);
	log_setverbose(opts->verbose);
	if ((cfg = parse_config(opts->conffile, opts->verbose)) == NULL ||
	    parent_cert_check(cfg) == -1 ||
	    parent_pki_check(cfg, opts->conffile) == -1 ||
	    parent_dkim_check(cfg, opts->conffile) == -1)
		exit(1);
	if (opts->noaction) {
		config_print(stdout, cfg);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	env = cfg;
	sandbox_test = opts->sandbox_test;

	parent_check_users();
	parent_prepare_dirs();
	parent_lock_pidfile();
	if (parent_listen_all(env) == -1)
		exit(1);

	if (!opts->debug && log_syslog_reachable() == -1) {
		/* say it while stderr is still somebody's terminal */
		warn("cannot reach syslog at %s", _PATH_LOG);
		if (opts->foreground) {
			warnx("-F: logging to stderr instead");
			opts->debug = 1;
		} else
			warnx("log lines are lost until syslog runs; "
			    "-d or -F keep them on stderr");
	}
	log_init(opts->debug, LOG_MAIL);
	log_setverbose(opts->verbose);
	log_procinit("parent");
	relay_warn_open(env);
	if (!opts->debug && !opts->foreground && daemon(0, 0) == -1)
		fatal("daemon");
	tzset();
	parent_fdlimit();

	event_init();
	signal(SIGPIPE, SIG_IGN);
	signal_set(&ev_sigterm, SIGTERM, parent_sig, NULL);
	signal_set(&ev_sigint, SIGINT, parent_sig, NULL);
	signal_set(&ev_sighup, SIGHUP, parent_sig, NULL);
	signal_set(&ev_sigchld, SIGCHLD, parent_sig, NULL);
	signal_add(&ev_sigterm, NULL);
	signal_add(&ev_sigint, NULL);
	signal_add(&ev_sighup, NULL);
	signal_add(&ev_sigchld, NULL);

	for (i = 0; i < nitems(child_order); i++)
		parent_start_child(child_order[i]);
	for (i = 0; i < nitems(child_order); i++)
		parent_send_config(&children[child_order[i]].peer, 0);
	parent_listen_send(&children[PROC_SMTP].peer, env);
	parent_listen_send(&children[PROC_CONTROL].peer, NULL);
	parent_setup_peers();
	for (i = 0; i < nitems(child_order); i++)
		peer_compose(&children[child_order[i]].peer,
		    IMSG_SETUP_DONE, 0, 0, -1, NULL, 0);

	if (ftruncate(pidfd, 0) == 0)
		dprintf(pidfd, "%ld\n", (long)getpid());
	log_info("smtpd %s starting, hostname=%s", CARTERO_VERSION,
	    env->hostname);
	parent_offline_start();

	event_dispatch();
	fatalx("event loop ended");
}

static void
parent_check_users(void)
{
	const char	*users[] = { SMTPD_USER_CONTROL, SMTPD_USER_LKA,
			    SMTPD_USER_QUEUE, SMTPD_USER_SMTP,
			    SMTPD_USER_SIGNER };
	size_t		 i;

	for (i = 0; i < nitems(users); i++)
		if (getpwnam(users[i]) == NULL)
			errx(1, "user %s does not exist: run \"make setup\" "
			    "(etc/setup.sh) first", users[i]);
}

static void
parent_prepare_dirs(void)
{
	char		 path[PATH_MAX];

	if (mkdir_p(env->rundir, 0755) == -1)
		err(1, "mkdir %s", env->rundir);
	if (snprintf(path, sizeof(path), "%s/%s", env->rundir,
	    SMTPD_EMPTYDIR) >= (int)sizeof(path))
		errx(1, "rundir path too long");
	if (mkdir(path, 0555) == -1 && errno != EEXIST)
		err(1, "mkdir %s", path);
	if (chmod(path, 0555) == -1 || chown(path, 0, 0) == -1)
		err(1, "chmod/chown %s", path);

	if (mkdir_p(env->spooldir, 0711) == -1)
		err(1, "mkdir %s", env->spooldir);
	/* The spool root must be root's (chroot); its contents the queue's. */
	if (chown(env->spooldir, 0, 0) == -1 || chmod(env->spooldir, 0711))
		err(1, "chown/chmod %s", env->spooldir);
	if (snprintf(path, sizeof(path), "%s%s", env->spooldir,
	    PATH_OFFLINE) >= (int)sizeof(path))
		errx(1, "spool path too long");
	if (mkdir(path, 01733) == -1 && errno != EEXIST)
		err(1, "mkdir %s", path);
	if (chown(path, 0, 0) == -1 || chmod(path, 01733) == -1)
		err(1, "chown/chmod %s", path);
}

static void
parent_lock_pidfile(void)
{
	char	path[PATH_MAX], buf[32];
	ssize_t	n;

	if (snprintf(path, sizeof(path), "%s/%s", env->rundir,
	    SMTPD_PIDFILE) >= (int)sizeof(path))
		errx(1, "rundir path too long");
	if ((pidfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		err(1, "open %s", path);
	if (flock(pidfd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK)
			err(1, "flock %s", path);
		n = read(pidfd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		errx(1, "smtpd is already running (pid %s)", buf);
	}
}

/*
 * The smtp process holds a descriptor per inbound session, per outbound
 * connection and per message waiting in the mta: raise the soft limit
 * on descriptors to the hard one (inherited by every child), and say so
 * when the limits configured cannot fit.
 */
static void
parent_fdlimit(void)
{
	struct rlimit	 rl;
	size_t		 need;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
	}
	need = env->max_sessions + 2 * env->mta_max_conn + 64;
	if (rl.rlim_cur != RLIM_INFINITY && need > rl.rlim_cur)
		log_warnx("warning: %llu file descriptors allowed, the smtp "
		    "limits may need %zu: lower smtp limit max-sessions or "
		    "mta max-connections, or raise LimitNOFILE",
		    (unsigned long long)rl.rlim_cur, need);
}

static void
parent_start_child(enum proc_id id)
{
	struct parent_child		*c = &children[id];
	const struct imsg_handler	*h;
	char				*argv[8];
	size_t				 n;
	int				 sp[2], argc = 0;
	pid_t				 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	switch ((pid = fork())) {
	case -1:
		fatal("fork");
	case 0:
		if (dup2(sp[1], 3) == -1)
			fatal("dup2");
		closefrom(4);
		argv[argc++] = "smtpd";
		argv[argc++] = "-x";
		argv[argc++] = (char *)proc_name(id);
		if (parent_opts->debug)
			argv[argc++] = "-d";
		if (parent_opts->verbose)
			argv[argc++] = "-v";
		if (parent_opts->verbose > 1)
			argv[argc++] = "-v";
		argv[argc] = NULL;
		execv(self_exe, argv);
		fatal("execv %s", self_exe);
	}
	close(sp[1]);
	c->id = id;
	c->pid = pid;
	c->alive = 1;
	h = proc_handlers_find(parent_peers, nitems(parent_peers), id, &n);
	peer_init(&c->peer, id, sp[0], h, n, parent_child_closed);
}

static void
parent_send_config(struct peer *p, int reload)
{
	struct proc_conf_end	 ce;
	char		*text;
	size_t		 len, off, chunk;

	if (p->id == PROC_SMTP)
		parent_cert_send(p, env);
	/* the signer has the keys when it loads this configuration */
	if (p->id == PROC_SIGNER) {
		parent_pki_send_keys(p, env, parent_opts->conffile);
		parent_dkim_send_keys(p, env, parent_opts->conffile);
	}
	text = config_text(env, &len);
	for (off = 0; off < len; off += chunk) {
		chunk = len - off > CONF_CHUNK ? CONF_CHUNK : len - off;
		peer_compose(p, IMSG_CONF_DATA, 0, 0, -1, text + off, chunk);
	}
	free(text);
	memset(&ce, 0, sizeof(ce));
	ce.reload = reload;
	ce.verbose = log_getverbose();
	ce.sandbox_debug = parent_opts->sandbox_debug;
	ce.sandbox_test = parent_opts->sandbox_test;
	peer_compose(p, IMSG_CONF_END, 0, 0, -1, &ce, sizeof(ce));
}

static void
parent_setup_peers(void)
{
	static const enum proc_id links[][2] = {
		{ PROC_SMTP, PROC_LKA },
		{ PROC_SMTP, PROC_QUEUE },
		{ PROC_LKA, PROC_QUEUE },
		{ PROC_CONTROL, PROC_QUEUE },
		{ PROC_CONTROL, PROC_SMTP },
		{ PROC_CONTROL, PROC_LKA },
		{ PROC_SMTP, PROC_SIGNER },
	};
	size_t		i;
	uint32_t	a, b;
	int		sp[2];

	for (i = 0; i < nitems(links); i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
		    sp) == -1)
			fatal("socketpair");
		a = links[i][0];
		b = links[i][1];
		peer_compose(&children[a].peer, IMSG_SETUP_PEER, 0, 0, sp[0],
		    &b, sizeof(b));
		peer_compose(&children[b].peer, IMSG_SETUP_PEER, 0, 0, sp[1],
		    &a, sizeof(a));
	}
}

static void
parent_sig(int sig, short ev, void *arg)
{
	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("received %s, shutting down",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		parent_shutdown(0);
	case SIGHUP:
		log_info("received SIGHUP, reloading the configuration");
		(void)parent_reload(NULL, 0);
		break;
	case SIGCHLD:
		parent_reap();
		break;
	}
}

static void
parent_child_died(struct parent_child *c, int status)
{
	char	how[64];

	c->alive = 0;
	if (WIFSIGNALED(status))
		snprintf(how, sizeof(how), "killed by SIG%s",
		    sigabbrev_np(WTERMSIG(status)) ?
		    sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(how, sizeof(how), "exited with status %d",
		    WEXITSTATUS(status));
	if (shutting_down)
		return;
	log_warnx("%s process (pid %ld) %s, shutting down",
	    proc_name(c->id), (long)c->pid, how);
	parent_shutdown(1);
}

static void
parent_reap(void)
{
	size_t	 i;
	pid_t	 pid;
	int	 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (parent_agent_reap(pid, status) ||
		    parent_offline_reap(pid, status))
			continue;
		for (i = 0; i < nitems(child_order); i++)
			if (children[child_order[i]].pid == pid)
				parent_child_died(&children[child_order[i]],
				    status);
	}
}

/* A child's channel closed: it is dying; say how before stopping. */
static void
parent_child_closed(struct peer *p)
{
	struct parent_child	*c = &children[p->id];
	int			 i, status;

	if (shutting_down)
		return;
	for (i = 0; i < 40; i++) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			parent_child_died(c, status);
			return;
		}
		usleep(50000);
	}
	log_warnx("lost connection to %s process, shutting down",
	    proc_name(p->id));
	parent_shutdown(1);
}

static void
parent_unlink_run(const char *name)
{
	char	path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", env->rundir, name) <
	    (int)sizeof(path))
		unlink(path);
}

void
parent_shutdown(int code)
{
	size_t	 i, left;
	int	 tries;

	shutting_down = 1;
	parent_agent_shutdown();
	parent_offline_shutdown();
	for (i = 0; i < nitems(child_order); i++) {
		struct parent_child *c = &children[child_order[i]];

		if (c->alive && c->pid > 0)
			kill(c->pid, SIGTERM);
	}
	for (tries = 0; tries < 50; tries++) {
		pid_t	pid;
		int	status;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			if (parent_agent_reap(pid, status))
				continue;
			for (i = 0; i < nitems(child_order); i++)
				if (children[child_order[i]].pid == pid)
					children[child_order[i]].alive = 0;
		}
		left = parent_agent_count();
		for (i = 0; i < nitems(child_order); i++)
			left += children[child_order[i]].alive;
		if (left == 0)
			break;
		usleep(100000);
	}
	for (i = 0; i < nitems(child_order); i++)
		if (children[child_order[i]].alive)
			kill(children[child_order[i]].pid, SIGKILL);
	parent_agent_kill();

	parent_unlink_run(SMTPD_CONTROL_SOCK);
	parent_unlink_run(SMTPD_ENQUEUE_SOCK);
	parent_unlink_run(SMTPD_PIDFILE);
	log_info("smtpd exiting");
	exit(code);
}

/*
 * Reload: parse the file again; on error keep the running configuration.
 * Listeners and directories are kept: they need a restart.
 */
static int
parent_reload(char *err, size_t errlen)
{
	struct smtpd_config	*cfg;
	struct listenerlist	 tmp;
	size_t			 i;

	if ((cfg = parse_config(parent_opts->conffile,
	    parent_opts->verbose)) == NULL || parent_cert_check(cfg) == -1 ||
	    parent_pki_check(cfg, parent_opts->conffile) == -1 ||
	    parent_dkim_check(cfg, parent_opts->conffile) == -1) {
		config_free(cfg);
		log_warnx("reload: %s has errors, keeping the current "
		    "configuration", parent_opts->conffile);
		if (err)
			snprintf(err, errlen, "configuration has errors, "
			    "see the log; nothing changed");
		return (-1);
	}
	if (strcmp(cfg->spooldir, env->spooldir) != 0 ||
	    strcmp(cfg->rundir, env->rundir) != 0)
		log_warnx("reload: queue path and rundir changes need a "
		    "restart");
	strlcpy(cfg->spooldir, env->spooldir, sizeof(cfg->spooldir));
	strlcpy(cfg->rundir, env->rundir, sizeof(cfg->rundir));
	/* keep the listeners the smtp process holds */
	tmp = cfg->listeners;
	TAILQ_INIT(&cfg->listeners);
	TAILQ_CONCAT(&cfg->listeners, &env->listeners, entry);
	TAILQ_INIT(&env->listeners);
	TAILQ_CONCAT(&env->listeners, &tmp, entry);
	config_free(env);
	env = cfg;
	for (i = 0; i < nitems(child_order); i++)
		parent_send_config(&children[child_order[i]].peer, 1);
	log_info("configuration reloaded from %s", parent_opts->conffile);
	relay_warn_open(env);
	parent_offline_rescan();	/* and offline/ looked at again */
	return (0);
}

static void
parent_imsg_forward(struct peer *p, struct imsg *imsg)
{
	struct forward_req	req;
	struct forward_reply	rep;
	int			fd, status;

	imsg_payload(imsg, &req, sizeof(req));
	fd = parent_forward_open(req.user, &status);
	memset(&rep, 0, sizeof(rep));
	rep.reqid = req.reqid;
	rep.status = status;
	peer_compose(p, IMSG_PARENT_FORWARD, 0, 0, fd, &rep, sizeof(rep));
}

static void
parent_imsg_deliver(struct peer *p, struct imsg *imsg)
{
	struct envelope	evp;
	int		fd;

	imsg_payload(imsg, &evp, sizeof(evp));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("IMSG_QUEUE_DELIVER without a message");
	parent_agent_deliver(p, &evp, fd);
}

static void
parent_ctl_reply(struct peer *p, struct imsg *imsg, const char *fail)
{
	if (fail)
		peer_compose(p, IMSG_CTL_FAIL, imsg_get_id(imsg), 0, -1,
		    fail, strlen(fail) + 1);
	else
		peer_compose(p, IMSG_CTL_OK, imsg_get_id(imsg), 0, -1,
		    NULL, 0);
}

static void
parent_imsg_ctl_verbose(struct peer *p, struct imsg *imsg)
{
	size_t	i;
	int	v;

	imsg_payload(imsg, &v, sizeof(v));
	if (v < 0 || v > 3)
		v = 1;
	log_setverbose(v);
	for (i = 0; i < nitems(child_order); i++)
		peer_compose(&children[child_order[i]].peer,
		    IMSG_CTL_VERBOSE, 0, 0, -1, &v, sizeof(v));
	parent_agent_broadcast(IMSG_CTL_VERBOSE, &v, sizeof(v));
	log_info("log verbosity set to %d", v);
	parent_ctl_reply(p, imsg, NULL);
}

static void
parent_imsg_ctl_reload(struct peer *p, struct imsg *imsg)
{
	char	err[ERRLINE_MAX];

	if (parent_reload(err, sizeof(err)) == -1)
		parent_ctl_reply(p, imsg, err);
	else
		parent_ctl_reply(p, imsg, NULL);
}

static void
parent_imsg_ctl_stop(struct peer *p, struct imsg *imsg)
{
	log_info("stop requested by smtpctl, shutting down");
	parent_ctl_reply(p, imsg, NULL);
	peer_flush_blocking(p);
	parent_shutdown(0);
}

static void
parent_imsg_ctl_sandbox(struct peer *p, struct imsg *imsg)
{
	struct ctl_what	w;
	int		id;

	imsg_payload(imsg, &w, sizeof(w));
	if (!parent_opts->sandbox_test) {
		parent_ctl_reply(p, imsg, "sandbox tests are disabled "
		    "(start smtpd with -T sandbox)");
		return;
	}
	if (strcmp(w.what, "agent") == 0) {
		parent_agent_broadcast(IMSG_CTL_SANDBOX_TEST, NULL, 0);
		parent_ctl_reply(p, imsg, NULL);
		return;
	}
	id = proc_byname(w.what);
	if (id < 0 || id == PROC_PARENT || id >= PROC_COUNT ||
	    !children[id].alive) {
		parent_ctl_reply(p, imsg, "no such process");
		return;
	}
	log_warnx("sandbox test requested for %s", w.what);
	peer_compose(&children[id].peer, IMSG_CTL_SANDBOX_TEST, 0, 0, -1,
	    NULL, 0);
	parent_ctl_reply(p, imsg, NULL);
}
