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
 * parent.c -- imapd's parent process: reads the configuration, opens the
 * listening sockets, the private keys and the certificates as root,
 * starts the signer and the login process by re-executing itself (imapd
 * -x NAME, channel on fd 3), then serves them: the credential checks and
 * the session processes are parent_auth.c's, the control socket
 * parent_ctl.c's.
 *
 * SECURITY: runs as root without a sandbox, because it must start session
 * processes as any user and read /etc/shadow.  It reads no network input:
 * what reaches it comes from the login process (fixed-size messages,
 * checked by the rule table) and from root on the control socket.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "proc.h"
#include "util.h"
#include "imapd.h"
#include "parent.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define CONF_CHUNK	8192
#define LISTEN_MAX	64	/* sockets */

struct imapd_config	*penv;
struct imapd_opts	*popts;

struct pchild {
	int		 id;
	pid_t		 pid;
	int		 alive;
	struct peer	 peer;
};

static struct pchild	 children[PROC_COUNT];
static char		 self_exe[PATH_MAX];
static int		 shutting_down;
static struct event	 ev_sigterm, ev_sigint, ev_sighup, ev_sigchld;

static struct {
	uint32_t	 index;
	int		 fd;
} socks[LISTEN_MAX];
static size_t		 nsocks;

static int	 parent_check_files(const char *);
static int	 parent_listen(void);
static int	 listen_addr(uint32_t, const struct sockaddr *, socklen_t,
		    in_port_t, const char *);
static void	 parent_prepare(void);
static void	 parent_start(int);
static void	 parent_send_pki(struct peer *, int);
static void	 parent_sig(int, short, void *);
static void	 parent_child_closed(struct peer *);

static const struct imsg_handler login_handlers[] = {
	{ IMSG_LOGIN_AUTH,		parent_imsg_auth },
	{ IMSG_LOGIN_CLOSED,		parent_imsg_closed },
};

void
parent_main(struct imapd_opts *opts)
{
	struct imapd_config	*cfg;
	char			*text;
	ssize_t			 n;
	size_t			 i;
	uint32_t		 id;
	int			 sp[2];

	popts = opts;
	proc_self = PROC_PARENT;
	if ((n = readlink("/proc/self/exe", self_exe,
	    sizeof(self_exe) - 1)) == -1)
		err(1, "readlink /proc/self/exe");
	self_exe[n] = '\0';

	log_init(1, LOG_MAIL);
	log_setverbose(opts->verbose);
	if ((cfg = imapd_parse_config(opts->conffile, opts->verbose)) == NULL)
		exit(1);
	penv = cfg;
	if (parent_check_files(opts->conffile) == -1)
		exit(1);
	if (opts->noaction) {
		text = imapd_config_text(cfg, NULL);
		fputs(text, stdout);
		free(text);
		fprintf(stderr, "configuration OK\n");
		exit(0);
	}
	if (geteuid() != 0)
		errx(1, "need root privileges");
	if (getpwnam(IMAPD_USER) == NULL)
		errx(1, "no user %s: run etc/setup.sh", IMAPD_USER);
	if (getpwnam(IMAPD_USER_SIGNER) == NULL)
		errx(1, "no user %s: run etc/setup.sh", IMAPD_USER_SIGNER);
	if (TAILQ_EMPTY(&cfg->listeners))
		errx(1, "%s: no \"listen on\": nothing to serve",
		    opts->conffile);
	parent_prepare();
	if (parent_listen() == -1)
		exit(1);

	if (!opts->debug && log_syslog_reachable() == -1 &&
	    opts->foreground) {
		warnx("cannot reach syslog: -F logs to stderr instead");
		opts->debug = 1;
	}
	log_init(opts->debug, LOG_MAIL);
	log_setverbose(opts->verbose);
	log_procinit("parent");
	if (!opts->debug && !opts->foreground && daemon(0, 0) == -1)
		fatal("daemon");
	tzset();

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

	parent_start(PROC_SIGNER);
	parent_start(PROC_LOGIN);
	/* the signer has the keys, the login process the certificates */
	parent_send_pki(&children[PROC_SIGNER].peer, 1);
	parent_send_config(&children[PROC_SIGNER].peer);
	parent_send_pki(&children[PROC_LOGIN].peer, 0);
	parent_send_config(&children[PROC_LOGIN].peer);
	for (i = 0; i < nsocks; i++) {
		peer_compose(&children[PROC_LOGIN].peer, IMSG_CONF_LISTENER,
		    0, 0, socks[i].fd, &socks[i].index,
		    sizeof(socks[i].index));
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
		fatal("socketpair");
	id = PROC_SIGNER;
	peer_compose(&children[PROC_LOGIN].peer, IMSG_SETUP_PEER, 0, 0,
	    sp[0], &id, sizeof(id));
	id = PROC_LOGIN;
	peer_compose(&children[PROC_SIGNER].peer, IMSG_SETUP_PEER, 0, 0,
	    sp[1], &id, sizeof(id));
	peer_compose(&children[PROC_SIGNER].peer, IMSG_SETUP_DONE, 0, 0, -1,
	    NULL, 0);
	peer_compose(&children[PROC_LOGIN].peer, IMSG_SETUP_DONE, 0, 0, -1,
	    NULL, 0);
	parent_ctl_init();
	log_info("imapd %s starting, hostname=%s", IMAPD_VERSION,
	    cfg->hostname);
	event_dispatch();
	fatalx("event loop ended");
}

struct peer *
parent_login_peer(void)
{
	return (children[PROC_LOGIN].alive ? &children[PROC_LOGIN].peer :
	    NULL);
}

/* Every pki's files must be readable now (as root): -1 (reported). */
static int
parent_check_files(const char *conffile)
{
	struct imapd_pki	*p;
	int			 fd, bad = 0;

	TAILQ_FOREACH(p, &penv->pkis, entry) {
		if ((fd = open(p->cert, O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "%s:%d: pki \"%s\": cannot open "
			    "\"%s\": %s\n", conffile, p->line, p->name,
			    p->cert, strerror(errno));
			bad = 1;
		} else
			close(fd);
		if ((fd = open(p->key, O_RDONLY | O_CLOEXEC)) == -1) {
			fprintf(stderr, "%s:%d: pki \"%s\": cannot open "
			    "\"%s\": %s\n", conffile, p->line, p->name,
			    p->key, strerror(errno));
			bad = 1;
		} else
			close(fd);
	}
	return (bad ? -1 : 0);
}

/* The run directory (control socket) and the empty chroot directory. */
static void
parent_prepare(void)
{
	char	 path[PATH_MAX];
	int	 n;

	if (mkdir_p(penv->rundir, 0755) == -1)
		err(1, "%s", penv->rundir);
	n = snprintf(path, sizeof(path), "%s/empty", penv->rundir);
	if (n < 0 || (size_t)n >= sizeof(path))
		errx(1, "rundir too long");
	if (mkdir(path, 0755) == -1 && errno != EEXIST)
		err(1, "%s", path);
	if (chown(path, 0, 0) == -1 || chmod(path, 0755) == -1)
		err(1, "%s", path);
}

static int
listen_addr(uint32_t index, const struct sockaddr *sa, socklen_t salen,
    in_port_t port, const char *on)
{
	struct sockaddr_storage	 ss;
	char			 host[NI_MAXHOST];
	int			 fd, one = 1;

	if (nsocks == LISTEN_MAX) {
		warnx("listen on %s: too many sockets", on);
		return (-1);
	}
	memcpy(&ss, sa, salen);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
	(void)getnameinfo((struct sockaddr *)&ss, salen, host, sizeof(host),
	    NULL, 0, NI_NUMERICHOST);
	if ((fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		warn("listen on %s: socket", on);
		return (-1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, salen) == -1 ||
	    listen(fd, 128) == -1) {
		warn("listen on %s: %s port %u", on, host, (unsigned)port);
		close(fd);
		return (-1);
	}
	socks[nsocks].index = index;
	socks[nsocks].fd = fd;
	nsocks++;
	return (0);
}

/*
 * Each "listen on": an address, an interface name (its addresses) or a
 * host name (its addresses).
 */
static int
parent_listen(void)
{
	struct imapd_listener	*l;
	struct ifaddrs		*ifa, *i;
	struct addrinfo		 hints, *res, *ai;
	uint32_t		 index = 0;
	int			 found, r;

	if (getifaddrs(&ifa) == -1)
		err(1, "getifaddrs");
	TAILQ_FOREACH(l, &penv->listeners, entry) {
		found = 0;
		for (i = ifa; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL ||
			    strcmp(i->ifa_name, l->on) != 0 ||
			    (i->ifa_addr->sa_family != AF_INET &&
			    i->ifa_addr->sa_family != AF_INET6))
				continue;
			/* link-local IPv6 needs a scope: skip it */
			if (i->ifa_addr->sa_family == AF_INET6 &&
			    IN6_IS_ADDR_LINKLOCAL(&((struct sockaddr_in6 *)
			    i->ifa_addr)->sin6_addr))
				continue;
			if (listen_addr(index, i->ifa_addr,
			    i->ifa_addr->sa_family == AF_INET ?
			    sizeof(struct sockaddr_in) :
			    sizeof(struct sockaddr_in6), l->port, l->on) == -1)
				goto fail;
			found = 1;
		}
		if (!found) {
			memset(&hints, 0, sizeof(hints));
			hints.ai_family = AF_UNSPEC;
			hints.ai_socktype = SOCK_STREAM;
			hints.ai_flags = AI_PASSIVE;
			if (strcmp(l->on, "any") == 0 ||
			    strcmp(l->on, "*") == 0)
				r = getaddrinfo(NULL, "0", &hints, &res);
			else
				r = getaddrinfo(l->on, "0", &hints, &res);
			if (r != 0) {
				warnx("listen on %s: %s", l->on,
				    gai_strerror(r));
				goto fail;
			}
			for (ai = res; ai != NULL; ai = ai->ai_next)
				if (listen_addr(index, ai->ai_addr,
				    ai->ai_addrlen, l->port, l->on) == -1) {
					freeaddrinfo(res);
					goto fail;
				}
			freeaddrinfo(res);
		}
		index++;
	}
	freeifaddrs(ifa);
	return (0);
fail:
	freeifaddrs(ifa);
	return (-1);
}

/* fork and re-execute: imapd -x name [-u user]; *fdp: our channel end. */
pid_t
parent_exec_child(int id, const char *user, int *fdp)
{
	char	*argv[12];
	int	 sp[2], argc = 0;
	pid_t	 pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1) {
		log_warn("socketpair");
		return (-1);
	}
	switch ((pid = fork())) {
	case -1:
		log_warn("fork");
		close(sp[0]);
		close(sp[1]);
		return (-1);
	case 0:
		if (dup2(sp[1], 3) == -1)
			fatal("dup2");
		closefrom(4);
		argv[argc++] = "imapd";
		argv[argc++] = "-x";
		argv[argc++] = (char *)proc_name(id);
		if (user != NULL) {
			argv[argc++] = "-u";
			argv[argc++] = (char *)user;
		}
		if (popts->debug)
			argv[argc++] = "-d";
		if (popts->verbose)
			argv[argc++] = "-v";
		if (popts->verbose > 1)
			argv[argc++] = "-v";
		argv[argc] = NULL;
		execv(self_exe, argv);
		fatal("execv %s", self_exe);
	}
	close(sp[1]);
	*fdp = sp[0];
	return (pid);
}

static void
parent_start(int id)
{
	struct pchild	*c = &children[id];
	int		 fd;

	if ((c->pid = parent_exec_child(id, NULL, &fd)) == -1)
		fatalx("cannot start the %s process", proc_name(id));
	c->id = id;
	c->alive = 1;
	if (id == PROC_LOGIN)
		peer_init(&c->peer, id, fd, login_handlers,
		    nitems(login_handlers), parent_child_closed);
	else
		peer_init(&c->peer, id, fd, NULL, 0, parent_child_closed);
}

/* The pki files, opened here as root: keys to the signer, certs to login */
static void
parent_send_pki(struct peer *p, int keys)
{
	struct imapd_pki	*k;
	struct pki_msg		 m;
	int			 fd;

	TAILQ_FOREACH(k, &penv->pkis, entry) {
		if ((fd = open(keys ? k->key : k->cert,
		    O_RDONLY | O_CLOEXEC)) == -1) {
			log_warn("pki \"%s\": %s", k->name,
			    keys ? k->key : k->cert);
			continue;
		}
		memset(&m, 0, sizeof(m));
		(void)strlcpy(m.name, k->name, sizeof(m.name));
		peer_compose(p, keys ? IMSG_CONF_PKI_KEY : IMSG_CONF_PKI_CERT,
		    0, 0, fd, &m, sizeof(m));
	}
}

void
parent_send_config(struct peer *p)
{
	struct proc_conf_end	 ce;
	char			*text;
	size_t			 len, off, chunk;

	text = imapd_config_text(penv, &len);
	for (off = 0; off < len; off += chunk) {
		chunk = len - off > CONF_CHUNK ? CONF_CHUNK : len - off;
		peer_compose(p, IMSG_CONF_DATA, 0, 0, -1, text + off, chunk);
	}
	free(text);
	memset(&ce, 0, sizeof(ce));
	ce.verbose = log_getverbose();
	peer_compose(p, IMSG_CONF_END, 0, 0, -1, &ce, sizeof(ce));
}

static void
parent_reap(void)
{
	pid_t	 pid;
	int	 status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < PROC_COUNT; i++)
			if (children[i].alive && children[i].pid == pid)
				break;
		if (i == PROC_COUNT) {
			parent_session_reaped(pid, status);
			continue;
		}
		children[i].alive = 0;
		if (shutting_down)
			continue;
		if (WIFSIGNALED(status))
			log_warnx("%s process (pid %ld) killed by signal %d, "
			    "shutting down", proc_name(i), (long)pid,
			    WTERMSIG(status));
		else
			log_warnx("%s process (pid %ld) exited with status "
			    "%d, shutting down", proc_name(i), (long)pid,
			    WEXITSTATUS(status));
		parent_shutdown(1);
	}
}

static void
parent_child_closed(struct peer *p)
{
	int	 i, status;

	if (shutting_down)
		return;
	for (i = 0; i < 40; i++) {
		if (waitpid(children[p->id].pid, &status, WNOHANG) ==
		    children[p->id].pid) {
			children[p->id].alive = 0;
			log_warnx("%s process exited, shutting down",
			    proc_name(p->id));
			parent_shutdown(1);
		}
		usleep(50000);
	}
	log_warnx("lost connection to the %s process, shutting down",
	    proc_name(p->id));
	parent_shutdown(1);
}

void
parent_shutdown(int code)
{
	int	 i, status;

	shutting_down = 1;
	parent_ctl_close();
	parent_auth_shutdown();
	for (i = 1; i < PROC_COUNT; i++)
		if (children[i].alive)
			(void)kill(children[i].pid, SIGTERM);
	for (i = 1; i < PROC_COUNT; i++)
		if (children[i].alive)
			(void)waitpid(children[i].pid, &status, 0);
	log_info("imapd exiting");
	exit(code);
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
		log_info("received SIGHUP: restart imapd to reload");
		break;
	case SIGCHLD:
		parent_reap();
		break;
	}
}
