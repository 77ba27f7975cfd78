/*
 * Offline spool pickup.  When smtpd is down, sendmail leaves messages in
 * <spool>/offline (mode 1733: anyone may drop, nobody may list).  At
 * start-up the parent re-injects each one by running
 * "smtpctl sendmail -S FILE" as the file's owner, one at a time, so that
 * the sender is the user who wrote it, exactly as if smtpd had been up.
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <event.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "smtpd.h"
#include "parent.h"
#include "util.h"

#define OFFLINE_MAX	10000	/* files considered per start */
#define OFFLINE_TIMEOUT	60	/* seconds for one re-injection */

static struct event	 offline_ev;
static struct event	 offline_timer;
static char		**offline_files;
static size_t		 offline_count, offline_next;
static pid_t		 offline_pid = -1;
static char		 offline_cur[PATH_MAX];

static void	offline_scan(int, short, void *);
static void	offline_run_next(void);
static void	offline_timeout(int, short, void *);

static void
offline_timeout(int fd, short ev, void *arg)
{
	if (offline_pid == -1)
		return;
	log_warnx("offline: %s not enqueued in %d seconds, killed",
	    offline_cur, OFFLINE_TIMEOUT);
	kill(-offline_pid, SIGKILL);	/* its own session */
}

void
parent_offline_start(void)
{
	struct timeval	tv = { 1, 0 };

	evtimer_set(&offline_ev, offline_scan, NULL);
	evtimer_add(&offline_ev, &tv);
}

static void
offline_scan(int fd, short ev, void *arg)
{
	struct dirent	*de;
	DIR		*dir;
	char		 path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s%s", env->spooldir,
	    PATH_OFFLINE) >= (int)sizeof(path))
		return;
	if ((dir = opendir(path)) == NULL) {
		log_warn("opendir %s", path);
		return;
	}
	while ((de = readdir(dir)) != NULL && offline_count < OFFLINE_MAX) {
		if (de->d_name[0] == '.')
			continue;
		offline_files = xreallocarray(offline_files,
		    offline_count + 1, sizeof(char *));
		offline_files[offline_count++] = xstrdup(de->d_name);
	}
	closedir(dir);
	if (offline_count)
		log_info("offline: %zu message(s) to enqueue", offline_count);
	offline_run_next();
}

static void
offline_child(const char *file, const struct stat *sb)
{
	struct passwd	*pw;
	char		 ctl[PATH_MAX], *p;
	gid_t		 gid = sb->st_gid;

	if ((pw = getpwuid(sb->st_uid)) != NULL)
		gid = pw->pw_gid;
	if (setgroups(1, &gid) == -1 || setresgid(gid, gid, gid) == -1 ||
	    setresuid(sb->st_uid, sb->st_uid, sb->st_uid) == -1)
		_exit(1);
	if (sb->st_uid != 0 && setuid(0) != -1)
		_exit(1);
	if (strlcpy(ctl, parent_self_exe(), sizeof(ctl)) >= sizeof(ctl) ||
	    (p = strrchr(ctl, '/')) == NULL)
		_exit(1);
	*++p = '\0';
	if (strlcat(ctl, "smtpctl", sizeof(ctl)) >= sizeof(ctl))
		_exit(1);
	{
		char	*argv[] = { "sendmail", "-S", (char *)file, NULL };
		char	*envp[4], rundir[PATH_MAX + 16], spool[PATH_MAX + 16];

		snprintf(rundir, sizeof(rundir), "CARTERO_RUNDIR=%s",
		    env->rundir);
		snprintf(spool, sizeof(spool), "CARTERO_SPOOL=%s",
		    env->spooldir);
		envp[0] = "PATH=/usr/bin:/bin";
		envp[1] = rundir;
		envp[2] = spool;
		envp[3] = NULL;
		execve(ctl, argv, envp);
	}
	_exit(1);
}

static void
offline_run_next(void)
{
	struct stat	 sb;
	char		*name;

	while (offline_pid == -1 && offline_next < offline_count) {
		name = offline_files[offline_next++];
		if (snprintf(offline_cur, sizeof(offline_cur), "%s%s/%s",
		    env->spooldir, PATH_OFFLINE, name) >=
		    (int)sizeof(offline_cur) ||
		    lstat(offline_cur, &sb) == -1 || !S_ISREG(sb.st_mode) ||
		    sb.st_nlink != 1) {
			log_warnx("offline: skipping %s", name);
			continue;
		}
		switch ((offline_pid = fork())) {
		case -1:
			log_warn("offline: fork");
			return;
		case 0:
			signal(SIGCHLD, SIG_DFL);
			signal(SIGPIPE, SIG_DFL);
			setsid();
			offline_child(offline_cur, &sb);
			_exit(1);
		}
		{
			/* the owner could stop it: do not wait forever */
			struct timeval	tv = { OFFLINE_TIMEOUT, 0 };

			evtimer_set(&offline_timer, offline_timeout, NULL);
			evtimer_add(&offline_timer, &tv);
		}
	}
	if (offline_pid == -1 && offline_next == offline_count) {
		while (offline_count)
			free(offline_files[--offline_count]);
		free(offline_files);
		offline_files = NULL;
		offline_next = 0;
	}
}

int
parent_offline_reap(pid_t pid, int status)
{
	if (pid != offline_pid)
		return (0);
	offline_pid = -1;
	evtimer_del(&offline_timer);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_warnx("offline: could not enqueue %s (status %d), "
		    "left in place", offline_cur, status);
	else
		log_debug("offline: enqueued %s", offline_cur);
	offline_run_next();
	return (1);
}
