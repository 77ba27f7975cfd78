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
 * login.c -- imapd's login process: every client connection starts here.
 * It owns TLS (STARTTLS on 143, implicit on 993) and the commands before
 * authentication: CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN and
 * AUTHENTICATE PLAIN (SASL-IR).  The credentials go to the parent, which
 * checks them; on success it hands the login process one end of a
 * socketpair whose other end a session process of the user holds, and
 * from then on this process relays bytes: the client's TLS stream
 * decrypted to the session, the session's replies encrypted to the
 * client (a TLS context cannot move to another process).  The relay is
 * an event loop over both sockets with flow control both ways: a side
 * stops being read while the other has more than LOGIN_HIWAT queued.
 *
 * SECURITY: runs as _cartero-imap, chrooted to an empty directory, under
 * seccomp (stdio, accept on the inherited listeners, its own sockets);
 * it never holds a private key: its libtls configurations use a fake key
 * and every private-key operation is the signer's (common/keyproxy.c).
 * It never sees a password hash; it forgets each password once sent.
 * Pre-authentication input is bounded: a line of LOGIN_LINE_MAX bytes,
 * literals of LOGIN_LITERAL_MAX, LOGIN_ARGS_MAX arguments; anything
 * malformed gets BAD, too many bad commands or failed logins a BYE.
 * Connections per address are limited here (limit connections
 * per-address), before a byte is read.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <event.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tls.h>
#include <unistd.h>

#include "buf.h"
#include "io.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "proc_child.h"
#include "sandbox.h"
#include "sasl.h"
#include "session.h"
#include "tls_compat.h"
#include "util.h"
#include "imapd.h"

#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#define LOGIN_LINE_MAX		8192
#define LOGIN_LITERAL_MAX	(LOGIN_PASS_MAX + 16)
#define LOGIN_ARGS_MAX		4
#define LOGIN_BAD_MAX		10	/* bad commands: BYE */
#define LOGIN_FAIL_MAX		3	/* failed logins: BYE */
#define LOGIN_TIMEOUT_MS	(60 * 1000)	/* before authentication */
#define LOGIN_HIWAT		(256 * 1024)
#define LOGIN_CONN_MAX		4096
#define TLS_FILE_MAX		(1024 * 1024)
#define LOGIN_BYE_LIMIT	\
	"* BYE [LIMIT] Too many connections from your address\r\n"
#define TLS_SESSION_LIFETIME	(2 * 3600)

enum lstate {
	LS_TLS,		/* implicit TLS handshake */
	LS_CMD,		/* reading a command line */
	LS_LITERAL,	/* reading a literal of the command */
	LS_SASL,	/* AUTHENTICATE: waiting for the response */
	LS_AUTH,	/* waiting for the parent */
	LS_PROXY,	/* relaying to the session */
	LS_CLOSING,	/* flushing, then closing */
};

struct larg {
	char		*s;
	size_t		 len;
};

struct lsock {
	uint32_t		 index;
	int			 fd;
	struct event		 ev;
	struct imapd_listener	*l;
	struct tls		*tls;
};

struct lconn {
	TAILQ_ENTRY(lconn)	 entry;
	uint64_t		 id;
	struct io		*io;		/* the client */
	struct io		*sio;		/* the session (LS_PROXY) */
	struct lsock		*ls;
	enum lstate		 state;
	int			 tls;		/* TLS is on */
	int			 local;		/* loopback client */
	int			 notified;	/* the parent knows it */
	int			 dead;		/* freed on the next loop */
	char			 addr[ADDR_MAX];
	char			 tlsinfo[128];
	char			 tag[64];
	char			 cmd[32];
	struct larg		 args[LOGIN_ARGS_MAX];
	size_t			 nargs;
	size_t			 lit_need;
	int			 nbad;
	int			 nfail;
	struct sasl		 sasl;
};

struct tls_file {
	TAILQ_ENTRY(tls_file)	 entry;
	char			 name[IMAPD_NAME_MAX];
	uint8_t			*buf;
	size_t			 len;
};

static TAILQ_HEAD(, lconn)	 lconns = TAILQ_HEAD_INITIALIZER(lconns);
static TAILQ_HEAD(, tls_file)	 tls_files =
    TAILQ_HEAD_INITIALIZER(tls_files);
static struct lsock		*lsocks;
static size_t			 nlsocks, nlconns;
static uint64_t			 next_id = 1;

static void	 login_configured(void);
static void	 login_ready(void);
static void	 login_listener(uint32_t, int);
static void	 login_imsg_cert(struct peer *, struct imsg *);
static void	 login_imsg_result(struct peer *, struct imsg *);
static void	 login_imsg_kick(struct peer *, struct imsg *);
static void	 login_accept(int, short, void *);
static void	 login_io(struct io *, int, void *);
static void	 login_sio(struct io *, int, void *);
static void	 login_input(struct lconn *);
static void	 login_line(struct lconn *, char *, size_t);
static void	 login_exec(struct lconn *);
static void	 login_sasl_step(struct lconn *, const char *, size_t);
static void	 login_sasl_result(struct lconn *, enum sasl_result);
static void	 login_auth_send(struct lconn *, const char *, const char *,
		    const char *);
static void	 login_close(struct lconn *);
static void	 login_flush_close(struct lconn *);
static void	 args_clear(struct lconn *);

static const struct imsg_handler login_parent_handlers[] = {
	{ IMSG_CONF_PKI_CERT,		login_imsg_cert },
	{ IMSG_LOGIN_AUTH_RESULT,	login_imsg_result },
	{ IMSG_LOGIN_KICK,		login_imsg_kick },
};

static const struct imsg_handler login_signer_handlers[] = {
	{ IMSG_SIGNER_RESULT,		keyproxy_imsg_result },
};

static const struct proc_handlers login_peers[] = {
	PROC_HANDLERS(PROC_PARENT, login_parent_handlers),
	PROC_HANDLERS(PROC_SIGNER, login_signer_handlers),
};

static const struct proc_child login_ops = {
	.id = PROC_LOGIN,
	.configured = login_configured,
	.ready = login_ready,
	.listener = login_listener,
	.peers = login_peers,
	.npeers = nitems(login_peers),
};

static const struct sandbox_profile login_sandbox = { "login",
	SB_STDIO | SB_INET | SB_ACCEPT };

void
login_main(void)
{
	/* before any certificate is parsed: private keys are the signer's */
	if (keyproxy_init(IMSG_SIGNER_REQUEST, IMSG_SIGNER_RESULT,
	    KEYPROXY_TIMEOUT_MS) == -1)
		fatalx("login: keyproxy_init");
	imapd_child_run(&login_ops);
}

static void
login_listener(uint32_t index, int fd)
{
	struct imapd_listener	*l;
	uint32_t		 i = 0;

	TAILQ_FOREACH(l, &env->listeners, entry)
		if (i++ == index)
			break;
	if (l == NULL)
		fatalx("login: socket for unknown listener %u", index);
	if (fd_set_nonblock(fd) == -1 || fd_set_cloexec(fd) == -1)
		fatal("login: listener %u", index);
	lsocks = xreallocarray(lsocks, nlsocks + 1, sizeof(*lsocks));
	memset(&lsocks[nlsocks], 0, sizeof(lsocks[nlsocks]));
	lsocks[nlsocks].index = index;
	lsocks[nlsocks].fd = fd;
	lsocks[nlsocks].l = l;
	nlsocks++;
}

/* IMSG_CONF_PKI_CERT: the certificate chain of a pki, as a file. */
static void
login_imsg_cert(struct peer *p, struct imsg *imsg)
{
	struct pki_msg	 m;
	struct tls_file	*f;
	struct stat	 sb;
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd;

	imsg_payload(imsg, &m, sizeof(m));
	if ((fd = imsg_get_fd(imsg)) == -1)
		fatalx("login: IMSG_CONF_PKI_CERT without a file");
	if (fstat(fd, &sb) == -1 || sb.st_size <= 0 ||
	    sb.st_size > TLS_FILE_MAX) {
		log_warnx("login: pki \"%s\": bad certificate file", m.name);
		close(fd);
		return;
	}
	f = xcalloc(1, sizeof(*f));
	(void)strlcpy(f->name, m.name, sizeof(f->name));
	f->buf = xmalloc((size_t)sb.st_size + 1);
	while (len < (size_t)sb.st_size &&
	    (n = read(fd, f->buf + len, (size_t)sb.st_size - len)) > 0)
		len += (size_t)n;
	close(fd);
	f->buf[len] = '\0';
	f->len = len;
	TAILQ_INSERT_TAIL(&tls_files, f, entry);
}

static struct tls *
login_tls_server(const struct imapd_listener *l)
{
	struct tls_config	*cfg;
	struct tls_file		*f;
	struct tls		*ctx = NULL;
	uint32_t		 protos;

	TAILQ_FOREACH(f, &tls_files, entry)
		if (strcmp(f->name, l->pki) == 0)
			break;
	if (f == NULL) {
		log_warnx("login: no certificate for pki \"%s\"", l->pki);
		return (NULL);
	}
	if ((cfg = tls_config_new()) == NULL)
		fatal("tls_config_new");
	if (tls_config_parse_protocols(&protos, "secure") == -1 ||
	    tls_config_set_protocols(cfg, protos) == -1 ||
	    tls_config_set_ciphers(cfg, "secure") == -1 ||
	    tls_config_set_session_lifetime(cfg, TLS_SESSION_LIFETIME) == -1) {
		log_warnx("login: %s", tls_config_error(cfg));
		goto done;
	}
	if (keyproxy_tls_config(cfg) == -1)	/* the signer has the keys */
		fatalx("login: keyproxy_init was not called");
	if (tls_config_set_keypair_mem(cfg, f->buf, f->len, NULL, 0) == -1) {
		log_warnx("login: pki \"%s\": %s", l->pki,
		    tls_config_error(cfg));
		goto done;
	}
	if ((ctx = tls_server()) == NULL)
		fatal("tls_server");
	if (tls_configure(ctx, cfg) == -1) {
		log_warnx("login: pki \"%s\": %s", l->pki, tls_error(ctx));
		tls_free(ctx);
		ctx = NULL;
	}
done:
	tls_config_free(cfg);
	return (ctx);
}

static void
login_configured(void)
{
	char	 path[PATH_MAX];
	int	 n;

	n = snprintf(path, sizeof(path), "%s/empty", env->rundir);
	if (n < 0 || (size_t)n >= sizeof(path))
		fatalx("login: rundir too long");
	if (tls_init() == -1)
		fatalx("login: tls_init");
	tls_compat_init();
	privsep_drop(IMAPD_USER, path);
	sandbox_apply(&login_sandbox);
}

static void
login_ready(void)
{
	size_t	 i;

	if (child_peer(PROC_SIGNER) == NULL)
		fatalx("login: no link to the signer");
	keyproxy_set_signer(child_peer(PROC_SIGNER));
	for (i = 0; i < nlsocks; i++) {
		if (lsocks[i].l->flags & (IL_TLS | IL_IMAPS) &&
		    (lsocks[i].tls = login_tls_server(lsocks[i].l)) == NULL)
			fatalx("login: listen on %s: no TLS",
			    lsocks[i].l->on);
		event_set(&lsocks[i].ev, lsocks[i].fd, EV_READ | EV_PERSIST,
		    login_accept, &lsocks[i]);
		event_add(&lsocks[i].ev, NULL);
	}
	log_debug("login: %zu listening sockets", nlsocks);
}

/*
 * Connections.
 */

static size_t
addr_conns(const char *addr)
{
	struct lconn	*c;
	size_t		 n = 0;

	TAILQ_FOREACH(c, &lconns, entry)
		if (strcmp(c->addr, addr) == 0)
			n++;
	return (n);
}

static int
addr_is_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6	*s6;
	const uint8_t			*b;

	if (ss->ss_family == AF_INET)
		return ((ntohl(((const struct sockaddr_in *)ss)->sin_addr.
		    s_addr) >> 24) == 127);
	if (ss->ss_family != AF_INET6)
		return (0);
	s6 = (const struct sockaddr_in6 *)ss;
	if (IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr))
		return (1);
	b = s6->sin6_addr.s6_addr;
	return (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) && b[12] == 127);
}

static int
login_disabled(const struct lconn *c)
{
	if (c->tls)
		return (0);
	if (c->ls->l->flags & IL_TLS_REQUIRE)
		return (1);
	switch (env->login_plain) {
	case LOGIN_PLAIN_ALLOW:
		return (0);
	case LOGIN_PLAIN_DENY:
		return (1);
	default:
		return (!c->local);
	}
}

static void
login_greeting(struct lconn *c)
{
	struct buf	 b;

	buf_init(&b);
	imap_capability(&b, CAPA_PREAUTH, c->tls, (c->ls->l->flags &
	    IL_TLS) && !c->tls, login_disabled(c), env->append_size);
	io_printf(c->io, "* OK [CAPABILITY %.*s] %s IMAP server ready\r\n",
	    (int)b.len, (const char *)b.s, env->hostname);
	buf_free(&b);
	c->state = LS_CMD;
}

static void
login_accept(int fd, short ev, void *arg)
{
	struct lsock		*ls = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	struct lconn		*c;
	char			 addr[ADDR_MAX];
	int			 s;

	memset(&ss, 0, sizeof(ss));
	if ((s = accept4(fd, (struct sockaddr *)&ss, &sslen,
	    SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("login: accept");
		return;
	}
	if (getnameinfo((struct sockaddr *)&ss, sslen, addr, sizeof(addr),
	    NULL, 0, NI_NUMERICHOST) != 0)
		(void)strlcpy(addr, "unknown", sizeof(addr));
	if (nlconns >= LOGIN_CONN_MAX) {
		log_warnx("login: too many connections, refusing %s", addr);
		close(s);
		return;
	}
	if (env->max_conn_addr != 0 &&
	    addr_conns(addr) >= env->max_conn_addr) {
		log_info("connection refused address=%s reason=too many "
		    "connections from the address", addr);
		(void)write_full(s, LOGIN_BYE_LIMIT, sizeof(LOGIN_BYE_LIMIT) - 1);
		close(s);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->id = next_id++;
	c->ls = ls;
	c->local = addr_is_loopback(&ss);
	(void)strlcpy(c->addr, addr, sizeof(c->addr));
	if ((c->io = io_new(s, login_io, c)) == NULL)
		fatal("login: io_new");
	io_set_read_max(c->io, LOGIN_LINE_MAX + 2);
	io_set_timeout(c->io, LOGIN_TIMEOUT_MS);
	TAILQ_INSERT_TAIL(&lconns, c, entry);
	nlconns++;
	log_debug("login: connection %llu from %s",
	    (unsigned long long)c->id, addr);
	if (ls->l->flags & IL_IMAPS) {
		c->state = LS_TLS;
		if (io_start_tls(c->io, ls->tls) == -1) {
			login_close(c);
			return;
		}
	} else
		login_greeting(c);
}

static void
args_clear(struct lconn *c)
{
	size_t	 i;

	for (i = 0; i < c->nargs; i++) {
		explicit_bzero(c->args[i].s, c->args[i].len);
		free(c->args[i].s);
	}
	c->nargs = 0;
	c->tag[0] = c->cmd[0] = '\0';
	c->lit_need = 0;
}

static void
login_free(int fd, short ev, void *arg)
{
	free(arg);
}

/*
 * Close the connection now; the structure goes on the next turn of the
 * event loop, since the caller may still look at its state.
 */
static void
login_close(struct lconn *c)
{
	struct timeval	 tv = { 0, 0 };

	if (c->dead)
		return;
	c->dead = 1;
	c->state = LS_CLOSING;
	if (c->notified)
		peer_compose(child_peer(PROC_PARENT), IMSG_LOGIN_CLOSED, 0, 0,
		    -1, &c->id, sizeof(c->id));
	args_clear(c);
	sasl_clear(&c->sasl);
	if (c->sio != NULL)
		io_free(c->sio);
	io_free(c->io);
	c->sio = c->io = NULL;
	TAILQ_REMOVE(&lconns, c, entry);
	nlconns--;
	if (event_once(-1, EV_TIMEOUT, login_free, c, &tv) == -1)
		fatal("login: event_once");
}

/* Send what is queued, then close. */
static void
login_flush_close(struct lconn *c)
{
	if (c->dead)
		return;
	c->state = LS_CLOSING;
	io_pause_read(c->io, 1);
	if (c->sio != NULL) {
		io_free(c->sio);
		c->sio = NULL;
	}
	if (io_queued(c->io) == 0)
		login_close(c);
}

static void
login_bye(struct lconn *c, const char *text)
{
	if (c->dead)
		return;
	io_printf(c->io, "* BYE %s\r\n", text);
	login_flush_close(c);
}

/* The client's socket. */
static void
login_io(struct io *io, int evt, void *arg)
{
	struct lconn	*c = arg;
	struct tls	*t;

	switch (evt) {
	case IO_TLSREADY:
		t = io_tls(io);
		c->tls = 1;
		(void)snprintf(c->tlsinfo, sizeof(c->tlsinfo), "%s:%s",
		    tls_conn_version(t), tls_conn_cipher(t));
		if (c->state == LS_TLS)
			login_greeting(c);
		else
			c->state = LS_CMD;
		login_input(c);
		break;
	case IO_DATAIN:
		login_input(c);
		break;
	case IO_LOWAT:
		if (c->state == LS_CLOSING)
			login_close(c);
		else if (c->state == LS_PROXY && c->sio != NULL)
			io_pause_read(c->sio, 0);
		break;
	case IO_TIMEOUT:
		if (c->state == LS_PROXY)
			break;
		login_bye(c, "Autologout; idle for too long");
		break;
	default:		/* disconnected, error */
		login_close(c);
		break;
	}
}

/* The session's socket: relay to the client. */
static void
login_sio(struct io *io, int evt, void *arg)
{
	struct lconn	*c = arg;

	switch (evt) {
	case IO_DATAIN:
		io_write(c->io, io_data(io), io_datalen(io));
		io_drop(io, io_datalen(io));
		if (io_queued(c->io) > LOGIN_HIWAT)
			io_pause_read(io, 1);
		break;
	case IO_LOWAT:
		io_pause_read(c->io, 0);
		break;
	default:		/* the session closed it (LOGOUT, kick) */
		login_flush_close(c);
		break;
	}
}

static void
login_relay(struct lconn *c)
{
	size_t	 len;

	if ((len = io_datalen(c->io)) == 0)
		return;
	io_write(c->sio, io_data(c->io), len);
	io_drop(c->io, len);
	if (io_queued(c->sio) > LOGIN_HIWAT)
		io_pause_read(c->io, 1);
}

static void
login_input(struct lconn *c)
{
	char	*line;
	size_t	 len;

	for (;;) {
		switch (c->state) {
		case LS_PROXY:
			login_relay(c);
			return;
		case LS_LITERAL:
			if (io_datalen(c->io) < c->lit_need)
				return;
			c->args[c->nargs].s = xmalloc(c->lit_need + 1);
			memcpy(c->args[c->nargs].s, io_data(c->io),
			    c->lit_need);
			c->args[c->nargs].s[c->lit_need] = '\0';
			c->args[c->nargs].len = c->lit_need;
			c->nargs++;
			io_drop(c->io, c->lit_need);
			c->lit_need = 0;
			c->state = LS_CMD;
			/* the rest of the command follows on a line */
			if ((line = io_getline(c->io, &len)) == NULL)
				return;
			login_line(c, line, len);
			break;
		case LS_CMD:
		case LS_SASL:
			if ((line = io_getline(c->io, &len)) == NULL) {
				if (io_datalen(c->io) > LOGIN_LINE_MAX) {
					login_bye(c, "Line too long");
					return;
				}
				return;
			}
			login_line(c, line, len);
			break;
		default:
			return;
		}
	}
}

static int
is_atom_char(int ch)
{
	return (ch > 0x20 && ch < 0x7f && strchr("(){%*\"\\]", ch) == NULL);
}

static void
login_bad(struct lconn *c, const char *text)
{
	io_printf(c->io, "%s BAD %s\r\n", c->tag[0] != '\0' ? c->tag : "*",
	    text);
	args_clear(c);
	if (++c->nbad >= LOGIN_BAD_MAX)
		login_bye(c, "Too many bad commands");
}

/* A line of a command (the first, or one after a literal). */
static void
login_line(struct lconn *c, char *line, size_t len)
{
	char		*p = line, *end = line + len, *q, *num, *dend;
	const char	*errstr;
	size_t		 n, i;
	int		 sync;

	if (c->state == LS_SASL) {
		login_sasl_step(c, line, len);
		return;
	}
	if (len > 0 && line[len - 1] == '\r')
		end--;
	if (c->tag[0] == '\0') {
		for (q = p; q < end && is_atom_char(*q) && *q != '+'; q++)
			;
		if (q == p || q == end || *q != ' ' ||
		    (size_t)(q - p) >= sizeof(c->tag)) {
			if ((size_t)(q - p) < sizeof(c->tag))
				(void)snprintf(c->tag, sizeof(c->tag), "%.*s",
				    (int)(q - p), p);
			c->tag[0] = '\0';
			login_bad(c, "Syntax error: expected a tag and a "
			    "command");
			return;
		}
		(void)snprintf(c->tag, sizeof(c->tag), "%.*s", (int)(q - p),
		    p);
		p = q + 1;
		for (q = p; q < end && is_atom_char(*q); q++)
			;
		if (q == p || (size_t)(q - p) >= sizeof(c->cmd)) {
			login_bad(c, "Syntax error: expected a command");
			return;
		}
		for (i = 0; p + i < q; i++)
			c->cmd[i] = (char)toupper((unsigned char)p[i]);
		c->cmd[i] = '\0';
		p = q;
	}
	while (p < end) {
		if (*p != ' ') {
			login_bad(c, "Syntax error in arguments");
			return;
		}
		p++;
		if (c->nargs == LOGIN_ARGS_MAX) {
			login_bad(c, "Too many arguments");
			return;
		}
		if (*p == '"') {
			q = xmalloc((size_t)(end - p) + 1);
			for (n = 0, p++; p < end && *p != '"'; p++) {
				if (*p == '\\' && p + 1 < end &&
				    (p[1] == '\\' || p[1] == '"'))
					p++;
				else if (*p == '\\') {
					break;
				}
				q[n++] = *p;
			}
			if (p == end || *p != '"') {
				explicit_bzero(q, n);
				free(q);
				login_bad(c, "Syntax error in a quoted string");
				return;
			}
			p++;
			q[n] = '\0';
			c->args[c->nargs].s = q;
			c->args[c->nargs].len = n;
			c->nargs++;
		} else if (*p == '{') {
			num = ++p;
			while (p < end && isdigit((unsigned char)*p))
				p++;
			dend = p;
			sync = 1;
			if (p < end && *p == '+') {
				sync = 0;
				p++;
			}
			if (p >= end || *p != '}' || p + 1 != end ||
			    dend == num) {
				login_bad(c, "Syntax error in a literal");
				return;
			}
			*dend = '\0';
			n = (size_t)strtonum(num, 0, LOGIN_LITERAL_MAX,
			    &errstr);
			if (errstr != NULL) {
				if (!sync) {
					login_bye(c, "[TOOBIG] Literal too "
					    "big");
					return;
				}
				login_bad(c, "[TOOBIG] Literal too big");
				return;
			}
			c->lit_need = n;
			c->state = LS_LITERAL;
			if (sync)
				io_printf(c->io, "+ Ready for literal data\r\n");
			return;
		} else {
			for (q = p; q < end && is_atom_char(*q); q++)
				;
			if (q == p) {
				login_bad(c, "Syntax error in arguments");
				return;
			}
			n = (size_t)(q - p);
			c->args[c->nargs].s = xmalloc(n + 1);
			memcpy(c->args[c->nargs].s, p, n);
			c->args[c->nargs].s[n] = '\0';
			c->args[c->nargs].len = n;
			c->nargs++;
			p = q;
		}
	}
	login_exec(c);
}

/*
 * Commands.
 */

static void
login_capability(struct lconn *c)
{
	struct buf	 b;

	buf_init(&b);
	imap_capability(&b, CAPA_PREAUTH, c->tls, (c->ls->l->flags &
	    IL_TLS) && !c->tls, login_disabled(c), env->append_size);
	io_printf(c->io, "* CAPABILITY %.*s\r\n", (int)b.len,
	    (const char *)b.s);
	buf_free(&b);
}

static void
login_ok(struct lconn *c, const char *text)
{
	io_printf(c->io, "%s OK %s\r\n", c->tag, text);
	args_clear(c);
}

static void
login_exec(struct lconn *c)
{
	enum sasl_result	 r;

	if (strcmp(c->cmd, "CAPABILITY") == 0 && c->nargs == 0) {
		login_capability(c);
		login_ok(c, "CAPABILITY completed");
	} else if (strcmp(c->cmd, "NOOP") == 0 && c->nargs == 0) {
		login_ok(c, "NOOP completed");
	} else if (strcmp(c->cmd, "LOGOUT") == 0 && c->nargs == 0) {
		io_printf(c->io, "* BYE Logging out\r\n");
		login_ok(c, "LOGOUT completed");
		login_flush_close(c);
	} else if (strcmp(c->cmd, "ID") == 0 && c->nargs <= 1) {
		/* ID ( ... ) or ID NIL: we tell nothing about ourselves */
		io_printf(c->io, "* ID NIL\r\n");
		login_ok(c, "ID completed");
	} else if (strcmp(c->cmd, "STARTTLS") == 0 && c->nargs == 0) {
		if (c->tls || !(c->ls->l->flags & IL_TLS)) {
			login_bad(c, c->tls ? "TLS is already active" :
			    "STARTTLS is not offered here");
			return;
		}
		login_ok(c, "Begin TLS negotiation now");
		/* nothing sent before the handshake counts (injection) */
		io_drop(c->io, io_datalen(c->io));
		c->state = LS_AUTH;	/* read nothing until IO_TLSREADY */
		if (io_start_tls(c->io, c->ls->tls) == -1)
			login_close(c);
	} else if (strcmp(c->cmd, "LOGIN") == 0 && c->nargs == 2) {
		if (login_disabled(c)) {
			io_printf(c->io, "%s NO [PRIVACYREQUIRED] LOGIN is "
			    "disabled before STARTTLS\r\n", c->tag);
			args_clear(c);
			return;
		}
		if (c->args[0].len > LOGIN_USER_MAX ||
		    c->args[1].len > LOGIN_PASS_MAX ||
		    memchr(c->args[0].s, '\0', c->args[0].len) != NULL ||
		    memchr(c->args[1].s, '\0', c->args[1].len) != NULL) {
			login_bad(c, "Invalid user name or password");
			return;
		}
		login_auth_send(c, c->args[0].s, c->args[1].s, "LOGIN");
	} else if (strcmp(c->cmd, "AUTHENTICATE") == 0 &&
	    (c->nargs == 1 || c->nargs == 2)) {
		if (sasl_mech_parse(c->args[0].s) != SASL_MECH_PLAIN) {
			io_printf(c->io, "%s NO Unsupported authentication "
			    "mechanism\r\n", c->tag);
			args_clear(c);
			return;
		}
		if (login_disabled(c)) {
			io_printf(c->io, "%s NO [PRIVACYREQUIRED] "
			    "Authentication is disabled before STARTTLS\r\n",
			    c->tag);
			args_clear(c);
			return;
		}
		r = sasl_start(&c->sasl, SASL_MECH_PLAIN, c->nargs == 2 ?
		    c->args[1].s : NULL);
		login_sasl_result(c, r);
	} else if (strcmp(c->cmd, "CAPABILITY") == 0 ||
	    strcmp(c->cmd, "NOOP") == 0 || strcmp(c->cmd, "LOGOUT") == 0 ||
	    strcmp(c->cmd, "STARTTLS") == 0 || strcmp(c->cmd, "LOGIN") == 0 ||
	    strcmp(c->cmd, "AUTHENTICATE") == 0 || strcmp(c->cmd, "ID") == 0)
		login_bad(c, "Wrong number of arguments");
	else
		login_bad(c, "Command unknown or not allowed before "
		    "authentication");
}

static void
login_sasl_result(struct lconn *c, enum sasl_result r)
{
	switch (r) {
	case SASL_CONTINUE:
		io_printf(c->io, "+ %s\r\n", c->sasl.challenge);
		c->state = LS_SASL;
		break;
	case SASL_DONE:
		c->state = LS_CMD;
		login_auth_send(c, c->sasl.user, c->sasl.pass, "PLAIN");
		sasl_clear(&c->sasl);
		break;
	case SASL_CANCEL:
		c->state = LS_CMD;
		sasl_clear(&c->sasl);
		login_bad(c, "Authentication cancelled");
		break;
	case SASL_BAD_B64:
		c->state = LS_CMD;
		sasl_clear(&c->sasl);
		login_bad(c, "Invalid base64");
		break;
	default:
		c->state = LS_CMD;
		sasl_clear(&c->sasl);
		io_printf(c->io, "%s NO [AUTHENTICATIONFAILED] Authentication "
		    "failed\r\n", c->tag);
		args_clear(c);
		break;
	}
}

static void
login_sasl_step(struct lconn *c, const char *line, size_t len)
{
	login_sasl_result(c, sasl_step(&c->sasl, line, len));
}

/* The credentials to the parent; reading stops until it answers. */
static void
login_auth_send(struct lconn *c, const char *user, const char *pass,
    const char *mech)
{
	struct login_auth	 a;

	memset(&a, 0, sizeof(a));
	a.id = c->id;
	(void)strlcpy(a.user, user, sizeof(a.user));
	(void)strlcpy(a.pass, pass, sizeof(a.pass));
	(void)strlcpy(a.addr, c->addr, sizeof(a.addr));
	(void)strlcpy(a.tls, c->tlsinfo, sizeof(a.tls));
	(void)strlcpy(a.mech, mech, sizeof(a.mech));
	(void)strlcpy(a.tag, c->tag, sizeof(a.tag));
	peer_compose(child_peer(PROC_PARENT), IMSG_LOGIN_AUTH, 0, 0, -1, &a,
	    sizeof(a));
	explicit_bzero(&a, sizeof(a));
	/* the tag stays for the answer; the arguments go */
	{
		char	 tag[sizeof(c->tag)];

		(void)strlcpy(tag, c->tag, sizeof(tag));
		args_clear(c);
		(void)strlcpy(c->tag, tag, sizeof(c->tag));
	}
	c->state = LS_AUTH;
	io_pause_read(c->io, 1);
}

static struct lconn *
lconn_find(uint64_t id)
{
	struct lconn	*c;

	TAILQ_FOREACH(c, &lconns, entry)
		if (c->id == id)
			return (c);
	return (NULL);
}

/* IMSG_LOGIN_AUTH_RESULT */
static void
login_imsg_result(struct peer *p, struct imsg *imsg)
{
	struct login_result	 r;
	struct lconn		*c;
	int			 fd;

	imsg_payload(imsg, &r, sizeof(r));
	fd = imsg_get_fd(imsg);
	if ((r.status == AUTH_OK) != (fd != -1))
		fatalx("login: IMSG_LOGIN_AUTH_RESULT: socket mismatch");
	if ((c = lconn_find(r.id)) == NULL || c->state != LS_AUTH) {
		/* the client left meanwhile: tell the parent, if it counts */
		if (fd != -1) {
			close(fd);
			peer_compose(p, IMSG_LOGIN_CLOSED, 0, 0, -1, &r.id,
			    sizeof(r.id));
		}
		return;
	}
	switch (r.status) {
	case AUTH_OK:
		c->notified = 1;
		c->state = LS_PROXY;
		if (fd_set_nonblock(fd) == -1)
			fatal("login: session socket");
		if ((c->sio = io_new(fd, login_sio, c)) == NULL)
			fatal("login: io_new");
		io_set_read_max(c->sio, LOGIN_HIWAT);
		io_set_read_max(c->io, LOGIN_HIWAT);
		io_set_timeout(c->io, 0);	/* the session's business */
		c->tag[0] = '\0';
		/* what the client sent after LOGIN is the session's */
		login_relay(c);
		io_pause_read(c->io, 0);
		return;
	case AUTH_LIMIT:
		io_printf(c->io, "%s NO [LIMIT] Too many connections for this "
		    "user\r\n", c->tag);
		break;
	case AUTH_TEMPFAIL:
		io_printf(c->io, "%s NO [UNAVAILABLE] Authentication is "
		    "unavailable, try again later\r\n", c->tag);
		break;
	default:
		io_printf(c->io, "%s NO [AUTHENTICATIONFAILED] Authentication "
		    "failed\r\n", c->tag);
		if (++c->nfail >= LOGIN_FAIL_MAX) {
			c->tag[0] = '\0';
			login_bye(c, "Too many failed logins");
			return;
		}
		break;
	}
	c->tag[0] = '\0';
	c->state = LS_CMD;
	io_pause_read(c->io, 0);
	login_input(c);
}

/* IMSG_LOGIN_KICK: close a connection (administrator). */
static void
login_imsg_kick(struct peer *p, struct imsg *imsg)
{
	struct lconn	*c;
	uint64_t	 id;

	imsg_payload(imsg, &id, sizeof(id));
	if ((c = lconn_find(id)) != NULL)
		login_bye(c, "Administrator closed the connection");
}
