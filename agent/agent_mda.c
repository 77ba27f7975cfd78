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
 * agent_mda.c -- "mda" actions and alias/.forward "|command" pipes.
 *
 * SECURITY: runs as the recipient, under SANDBOX_AGENT_MDA (no seccomp
 * filter: the user's command inherits it).  The command line is the
 * administrator's template (or the user's own alias/.forward line) with
 * %{...} values expanded by mda_expand() in command mode: every byte of
 * a client-supplied value outside [A-Za-z0-9@._+=-] becomes ':', and
 * :raw is refused, so an address such as "x;rm -rf /" or "$(id)" cannot
 * become shell syntax.  The command runs as /bin/sh -c with a clean
 * environment, cwd = home, in its own process group, and is killed after
 * agent_mda_timeout seconds.
 *
 * Exit 0 is delivered; 75 (EX_TEMPFAIL), 71 (EX_OSERR) and death by a
 * signal are temporary; anything else is permanent, with the last line
 * the command printed as the reason.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "util.h"
#include "agent.h"
#include "mda_expand.h"

#define MDA_CMD_MAX	4096
#define MDA_ENV_MAX	16
#define MDA_CHUNK	16384
#define MDA_EX_OSERR	71
#define MDA_EX_TEMPFAIL	75

int			 agent_mda_timeout = AGENT_MDA_TIMEOUT;
/* the running command's process group (its pid), or 0 */
static volatile sig_atomic_t	 agent_mda_pgid;
static pid_t			 agent_mda_ppid;	/* the agent */

struct mda_io {
	int			 msgfd;
	int			 in;		/* stdin, or -1 */
	int			 out;		/* stdout+stderr, or -1 */
	int			 msgeof;
	struct agent_xform	 x;
	struct agent_obuf	 ob;
	size_t			 off;		/* written from ob */
	off_t			 size;
	char			 cur[ERRLINE_MAX];
	size_t			 curlen;
	char			 last[ERRLINE_MAX];
};

static void	agent_mda_env(char **, const struct deliver *);
static void	agent_mda_child(const char *, char **, const char *, int,
		    int) __attribute__((__noreturn__));
static int	agent_mda_run(pid_t, struct mda_io *, int *);
static void	agent_mda_fill(struct mda_io *);
static void	agent_mda_write(struct mda_io *);
static void	agent_mda_read(struct mda_io *);
static int	agent_mda_status(int, int, struct mda_io *,
		    struct agent_report *);

int
agent_mda_deliver(const struct deliver *d, int msgfd,
    struct agent_report *rep)
{
	char		 cmd[MDA_CMD_MAX], hdr[2 * MAILADDR_MAX + 64];
	char		*envp[MDA_ENV_MAX];
	struct mda_io	 io;
	sigset_t	 term, omask;
	const char	*tmpl = d->arg;
	int		 in[2], out[2], ws = 0, timedout, i;
	pid_t		 pid;

	agent_report_init(rep);
	if (d->evp.dtype == DT_PIPE)
		tmpl = d->evp.arg[0] == '|' ? d->evp.arg + 1 : d->evp.arg;
	tmpl += strspn(tmpl, " \t");
	if (*tmpl == '\0' || mda_expand(cmd, sizeof(cmd), tmpl, d, 1) == -1)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.5 cannot expand mda command"));
	if (agent_headers(hdr, sizeof(hdr), d) == -1)
		return (agent_report_set(rep, ST_PERMFAIL,
		    "550 5.3.0 address too long"));
	(void)strlcpy(rep->path, cmd, sizeof(rep->path));
	(void)signal(SIGPIPE, SIG_IGN);
	if (pipe(in) == -1)
		return (agent_report_errno(rep, errno, "mda pipe"));
	if (pipe(out) == -1) {
		close(in[0]);
		close(in[1]);
		return (agent_report_errno(rep, errno, "mda pipe"));
	}
	for (i = 0; i < 2; i++)
		if (fd_set_cloexec(in[i]) == -1 || fd_set_cloexec(out[i]) == -1)
			fatal("agent mda: cloexec");
	agent_mda_env(envp, d);
	/* a SIGTERM between fork() and the pgid below would miss the child */
	(void)sigemptyset(&term);
	(void)sigaddset(&term, SIGTERM);
	(void)sigprocmask(SIG_BLOCK, &term, &omask);
	agent_mda_ppid = getpid();
	if ((pid = fork()) == -1) {
		agent_report_errno(rep, errno, "mda fork");
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
	} else if (pid == 0)
		agent_mda_child(cmd, envp, d->home, in[0], out[1]);
	agent_mda_pgid = pid > 0 ? pid : 0;
	(void)sigprocmask(SIG_SETMASK, &omask, NULL);
	for (i = 0; envp[i] != NULL; i++)
		free(envp[i]);
	if (pid == -1)
		return (rep->status);
	close(in[0]);
	close(out[1]);
	memset(&io, 0, sizeof(io));
	io.msgfd = msgfd;
	io.in = in[1];
	io.out = out[0];
	agent_xform_init(&io.x, 0);
	agent_obuf_add(&io.ob, hdr, strlen(hdr));
	if (fd_set_nonblock(io.in) == -1 || fd_set_nonblock(io.out) == -1 ||
	    (lseek(msgfd, 0, SEEK_SET) == -1 && errno != ESPIPE))
		fatal("agent mda: pipe setup");
	timedout = agent_mda_run(pid, &io, &ws);
	agent_mda_pgid = 0;
	agent_obuf_free(&io.ob);
	return (agent_mda_status(timedout, ws, &io, rep));
}

/* Returns 1 on timeout (the process group is killed), else 0. */
static int
agent_mda_run(pid_t pid, struct mda_io *io, int *ws)
{
	struct pollfd	 pfd[2];
	struct timespec	 ts;
	uint64_t	 deadline, now, wait;
	nfds_t		 n;
	int		 exited = 0, timedout = 0;

	deadline = monotonic_ms() + (uint64_t)agent_mda_timeout * 1000;
	for (;;) {
		if (waitpid(pid, ws, WNOHANG) == pid) {
			exited = 1;
			if (io->out != -1)
				agent_mda_read(io);	/* what is left */
			break;
		}
		if ((now = monotonic_ms()) >= deadline) {
			timedout = 1;
			break;
		}
		agent_mda_fill(io);
		n = 0;
		if (io->in != -1) {
			pfd[n].fd = io->in;
			pfd[n++].events = POLLOUT;
		}
		if (io->out != -1) {
			pfd[n].fd = io->out;
			pfd[n++].events = POLLIN;
		}
		wait = deadline - now;
		if (wait > (n == 0 ? 20 : 200))
			wait = n == 0 ? 20 : 200;
		if (n == 0) {
			ts.tv_sec = 0;
			ts.tv_nsec = (long)wait * 1000000L;
			(void)nanosleep(&ts, NULL);
			continue;
		}
		if (poll(pfd, n, (int)wait) <= 0)
			continue;
		if (io->in != -1 && pfd[0].revents)
			agent_mda_write(io);
		if (io->out != -1 && pfd[n - 1].revents)
			agent_mda_read(io);
	}
	if (io->in != -1)
		close(io->in);
	if (io->out != -1)
		close(io->out);
	io->in = io->out = -1;
	if (!exited) {
		(void)kill(-pid, SIGKILL);
		(void)kill(pid, SIGKILL);
		while (waitpid(pid, ws, 0) == -1 && errno == EINTR)
			;
	}
	return (timedout);
}

/* Convert more of the message when everything converted was written. */
static void
agent_mda_fill(struct mda_io *io)
{
	char	 buf[MDA_CHUNK];
	ssize_t	 n;

	if (io->in == -1 || io->off < io->ob.len)
		return;
	io->ob.len = io->off = 0;
	if (io->msgeof) {
		close(io->in);
		io->in = -1;
		return;
	}
	while ((n = read(io->msgfd, buf, sizeof(buf))) == -1 &&
	    errno == EINTR)
		;
	if (n == -1) {
		log_warn("agent mda: read message");
		n = 0;		/* the command sees a short message */
	}
	if (n == 0) {
		agent_xform_end(&io->x, &io->ob);
		io->msgeof = 1;
	} else
		agent_xform_feed(&io->x, buf, (size_t)n, &io->ob);
}

static void
agent_mda_write(struct mda_io *io)
{
	ssize_t	 n;

	n = write(io->in, io->ob.buf + io->off, io->ob.len - io->off);
	if (n == -1) {
		if (errno == EAGAIN || errno == EINTR)
			return;
		/* EPIPE: the command did not read it all; its exit decides */
		close(io->in);
		io->in = -1;
		return;
	}
	io->off += (size_t)n;
	io->size += n;
}

/* Keep the last non-empty line of the command's output. */
static void
agent_mda_read(struct mda_io *io)
{
	char	 buf[4096];
	ssize_t	 n, i;

	for (;;) {
		n = read(io->out, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno == EAGAIN)
			break;
		if (n <= 0) {
			close(io->out);
			io->out = -1;
			break;
		}
		for (i = 0; i < n; i++) {
			if (buf[i] == '\n') {
				if (io->curlen > 0) {
					io->cur[io->curlen] = '\0';
					(void)strlcpy(io->last, io->cur,
					    sizeof(io->last));
				}
				io->curlen = 0;
			} else if (buf[i] != '\r' &&
			    io->curlen < sizeof(io->cur) - 1)
				io->cur[io->curlen++] = buf[i];
		}
	}
	if (io->out == -1 && io->curlen > 0) {
		io->cur[io->curlen] = '\0';
		(void)strlcpy(io->last, io->cur, sizeof(io->last));
		io->curlen = 0;
	}
}

static int
agent_mda_status(int timedout, int ws, struct mda_io *io,
    struct agent_report *rep)
{
	char	 why[ERRLINE_MAX];

	rep->size = io->size;
	if (timedout)
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.3.0 command timed out after %d seconds",
		    agent_mda_timeout));
	if (WIFSIGNALED(ws))
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.3.0 command killed by signal %d", WTERMSIG(ws)));
	if (!WIFEXITED(ws))
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.3.0 command failed"));
	if (WEXITSTATUS(ws) == 0)
		return (agent_report_set(rep, ST_OK, "250 2.0.0 delivered"));
	if (io->last[0] != '\0')
		(void)log_escape(why, sizeof(why), io->last,
		    strlen(io->last));
	else
		(void)snprintf(why, sizeof(why), "exit status %d",
		    WEXITSTATUS(ws));
	if (WEXITSTATUS(ws) == MDA_EX_TEMPFAIL ||
	    WEXITSTATUS(ws) == MDA_EX_OSERR)
		return (agent_report_set(rep, ST_TEMPFAIL,
		    "451 4.3.0 command failed: %s", why));
	return (agent_report_set(rep, ST_PERMFAIL,
	    "550 5.3.0 command failed: %s", why));
}

/* PATH HOME USER LOGNAME SHELL SENDER RECIPIENT ORIGINAL_RECIPIENT ... */
static void
agent_mda_env(char **envp, const struct deliver *d)
{
	char		 sender[MAILADDR_MAX], dest[MAILADDR_MAX];
	char		 rcpt[MAILADDR_MAX], local[LOCALPART_MAX];
	const char	*ext, *plus;
	int		 i = 0;

	agent_addr_text(&d->evp.sender, sender, sizeof(sender));
	agent_addr_text(&d->evp.dest, dest, sizeof(dest));
	agent_addr_text(&d->evp.rcpt, rcpt, sizeof(rcpt));
	(void)strlcpy(local, d->evp.dest.user, sizeof(local));
	if ((plus = strchr(local, '+')) != NULL) {
		ext = d->evp.dest.user + (plus - local) + 1;
		local[plus - local] = '\0';
	} else if ((plus = strchr(d->evp.rcpt.user, '+')) != NULL)
		ext = plus + 1;
	else
		ext = "";
	envp[i++] = xstrdup("PATH=/usr/bin:/bin");
	(void)xasprintf(&envp[i++], "HOME=%s", d->home);
	(void)xasprintf(&envp[i++], "USER=%s", d->username);
	(void)xasprintf(&envp[i++], "LOGNAME=%s", d->username);
	(void)xasprintf(&envp[i++], "SHELL=%s",
	    d->shell[0] != '\0' ? d->shell : "/bin/sh");
	(void)xasprintf(&envp[i++], "SENDER=%s", sender);
	(void)xasprintf(&envp[i++], "RECIPIENT=%s", dest);
	(void)xasprintf(&envp[i++], "ORIGINAL_RECIPIENT=%s", rcpt);
	(void)xasprintf(&envp[i++], "DOMAIN=%s", d->evp.dest.domain);
	(void)xasprintf(&envp[i++], "LOCAL=%s", local);
	(void)xasprintf(&envp[i++], "EXTENSION=%s", ext);
	envp[i] = NULL;
}

/*
 * SIGTERM: the daemon stops (parent_agent_shutdown()).  The command runs
 * in its own session, so it would outlive us: kill its process group
 * first.  Installed by every agent; only the mda agent runs commands.
 */
static void
agent_mda_sigterm(int sig)
{
	pid_t	 pgid = (pid_t)agent_mda_pgid;

	if (pgid > 0) {
		(void)kill(-pgid, SIGKILL);
		(void)kill(pgid, SIGKILL);	/* before its setsid() */
	}
	_exit(0);
}

void
agent_mda_init(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = agent_mda_sigterm;
	(void)sigfillset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1)
		fatal("agent: sigaction");
}

/* In the child: own process group, pipes on 0/1/2, exec /bin/sh -c. */
static void
agent_mda_child(const char *cmd, char **envp, const char *home, int in,
    int out)
{
	char		*argv[4];
	sigset_t	 set;

	(void)setsid();
	/* if the agent is SIGKILLed, its command goes too */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != agent_mda_ppid)	/* it went before prctl() */
		_exit(MDA_EX_OSERR);
	/* move the pipes above 2 first, in case they are 0, 1 or 2 */
	if ((in = fcntl(in, F_DUPFD, 3)) == -1 ||
	    (out = fcntl(out, F_DUPFD, 3)) == -1 ||
	    dup2(in, STDIN_FILENO) == -1 || dup2(out, STDOUT_FILENO) == -1 ||
	    dup2(out, STDERR_FILENO) == -1)
		_exit(MDA_EX_OSERR);
	closefrom(3);
	(void)signal(SIGPIPE, SIG_DFL);
	(void)sigemptyset(&set);
	(void)sigprocmask(SIG_SETMASK, &set, NULL);
	if ((home[0] == '\0' || chdir(home) == -1) && chdir("/") == -1)
		_exit(MDA_EX_OSERR);
	argv[0] = (char *)"sh";
	argv[1] = (char *)"-c";
	argv[2] = (char *)(uintptr_t)cmd;
	argv[3] = NULL;
	execve("/bin/sh", argv, envp);
	dprintf(STDERR_FILENO, "exec /bin/sh: %s\n", strerror(errno));
	_exit(MDA_EX_OSERR);
}
