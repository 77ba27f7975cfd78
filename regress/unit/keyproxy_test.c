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
 * keyproxy_test.c -- TLS handshakes whose private key is in another
 * process: a libtls server configured with the certificate alone
 * (common/keyproxy.c) and a forked signer running signer/signer_key.c
 * under the signer's seccomp profile, linked by smtpd's real imsg rules
 * (smtp <-> signer); a libtls client in a third process.  RSA-2048 and
 * ECDSA P-256 keys are made by openssl(1) in the test's directory.  Also:
 * the key store (generations, refused keys, refused requests) and the
 * parent's key-file check.
 */

#define OPENSSL_SUPPRESS_DEPRECATED

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <atf-c.h>
#include <event.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <tls.h>

#include "imsg.h"
#include "keyproxy.h"
#include "log.h"
#include "proc.h"
#include "sandbox_profiles.h"
#include "smtpd.h"
#include "parent.h"
#include "signer.h"

enum sg_mode { SG_SERVE, SG_FAIL, SG_MUTE };

static enum sg_mode	 sg_mode;
static struct peer	 sg_peer;	/* in the signer: its smtp */
static struct peer	 srv_peer;	/* in the server: its signer */

static void	sg_request(struct peer *, struct imsg *);
static void	sg_closed(struct peer *);

static const struct imsg_handler sg_handlers[] = {
	{ IMSG_SIGNER_REQUEST,	sg_request },
};
static const struct imsg_handler srv_handlers[] = {
	{ IMSG_SIGNER_RESULT,	keyproxy_imsg_result },
};

static void
sh(const char *cmd)
{
	ATF_REQUIRE_MSG(system(cmd) == 0, "failed: %s", cmd);
}

/* rsa.key/crt (RSA-2048), ec.key/crt (P-256), other.key/crt (RSA). */
static void
make_keys(void)
{
	sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key "
	    "-out rsa.crt -subj /CN=rsa.test -days 2 2>/dev/null");
	sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout ec.key -out ec.crt -subj /CN=ec.test -days 2 "
	    "2>/dev/null");
	sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key "
	    "-out other.crt -subj /CN=other.test -days 2 2>/dev/null");
}

static void
sg_request(struct peer *p, struct imsg *imsg)
{
	struct keyproxy_req	 req;
	struct keyproxy_res	 res;

	imsg_payload(imsg, &req, sizeof(req));
	if (sg_mode == SG_MUTE)
		return;
	signer_key_op(&req, &res);
	if (sg_mode == SG_FAIL) {
		memset(&res, 0, sizeof(res));
		res.status = KEYPROXY_EFAIL;
	}
	peer_compose(p, IMSG_SIGNER_RESULT, imsg_get_id(imsg), 0, -1, &res,
	    sizeof(res));
}

static void
sg_closed(struct peer *p)
{
	_exit(0);
}

/*
 * A signer on fd: key1 loaded before its seccomp filter, key2 after (as
 * on a reload).  Returns its pid.
 */
static pid_t
start_signer(int fd, int other, enum sg_mode mode, const char *key1,
    const char *key2)
{
	pid_t	 pid;
	int	 fd1 = -1, fd2 = -1;

	ATF_REQUIRE((pid = fork()) != -1);
	if (pid != 0) {
		close(fd);
		return (pid);
	}
	close(other);
	log_init(1, LOG_MAIL);
	log_procinit("signer");
	event_init();
	proc_self = PROC_SIGNER;
	sg_mode = mode;
	signer_key_init();
	if (key1 != NULL && ((fd1 = open(key1, O_RDONLY)) == -1 ||
	    signer_key_load("one", fd1) == -1))
		_exit(2);
	if (key2 != NULL && (fd2 = open(key2, O_RDONLY)) == -1)
		_exit(2);
	smtpd_sandbox(SANDBOX_SIGNER);
	if (fd2 != -1 && signer_key_load("two", fd2) == -1)
		_exit(3);
	signer_key_commit();
	peer_init(&sg_peer, PROC_SMTP, fd, sg_handlers, 1, sg_closed);
	event_dispatch();
	_exit(0);
}

/* The server side: rules, event base, keyproxy, link to a signer. */
static pid_t
setup(enum sg_mode mode, const char *key1, const char *key2, int timeout)
{
	pid_t	 pid;
	int	 sv[2];

	signal(SIGPIPE, SIG_IGN);
	make_keys();
	smtpd_proc_setup();
	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	pid = start_signer(sv[1], sv[0], mode, key1, key2);
	log_init(1, LOG_MAIL);
	log_procinit("smtp");
	event_init();
	proc_self = PROC_SMTP;
	ATF_REQUIRE(keyproxy_init(IMSG_SIGNER_REQUEST, IMSG_SIGNER_RESULT,
	    timeout) == 0);
	peer_init(&srv_peer, PROC_SIGNER, sv[0], srv_handlers, 1, NULL);
	keyproxy_set_signer(&srv_peer);
	return (pid);
}

static uint8_t *
slurp(const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf;

	ATF_REQUIRE((f = fopen(path, "r")) != NULL);
	ATF_REQUIRE((buf = malloc(65536)) != NULL);
	*len = fread(buf, 1, 65536, f);
	fclose(f);
	return (buf);
}

/*
 * One handshake with a server that has cert alone (protocols: 0 for
 * libtls's default): 1 if both ends completed it.
 */
static int
handshake(const char *cert, uint32_t protocols)
{
	struct tls_config	*cfg;
	struct tls		*srv, *conn = NULL;
	uint8_t			*pem;
	size_t			 len;
	pid_t			 pid;
	int			 sv[2], st, ok;
	char			 buf[2];

	ATF_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		close(sv[0]);
		cfg = tls_config_new();
		tls_config_insecure_noverifycert(cfg);
		tls_config_insecure_noverifyname(cfg);
		if (protocols)
			tls_config_set_protocols(cfg, protocols);
		srv = tls_client();
		if (tls_configure(srv, cfg) == -1 ||
		    tls_connect_socket(srv, sv[1], "x.test") == -1 ||
		    tls_handshake(srv) == -1)
			_exit(1);
		_exit(tls_write(srv, "ok", 2) == 2 ? 0 : 1);
	}
	close(sv[1]);
	pem = slurp(cert, &len);
	ATF_REQUIRE((cfg = tls_config_new()) != NULL);
	ATF_REQUIRE(keyproxy_tls_config(cfg) == 0);
	if (protocols)
		ATF_REQUIRE(tls_config_set_protocols(cfg, protocols) == 0);
	ATF_REQUIRE_MSG(tls_config_set_keypair_mem(cfg, pem, len, NULL,
	    0) == 0, "%s", tls_config_error(cfg));
	ATF_REQUIRE((srv = tls_server()) != NULL);
	ATF_REQUIRE_MSG(tls_configure(srv, cfg) == 0, "%s", tls_error(srv));
	ATF_REQUIRE(tls_accept_socket(srv, &conn, sv[0]) == 0);
	ok = tls_handshake(conn) == 0;
	if (!ok)
		fprintf(stderr, "server: %s\n", tls_error(conn));
	else	/* the client's word that its side is done too */
		ok = tls_read(conn, buf, sizeof(buf)) == 2 &&
		    memcmp(buf, "ok", 2) == 0;
	tls_free(conn);
	tls_free(srv);
	tls_config_free(cfg);
	free(pem);
	close(sv[0]);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	return (ok && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
stop_signer(pid_t pid)
{
	int	 st;

	peer_close(&srv_peer);
	ATF_REQUIRE(waitpid(pid, &st, 0) == pid);
	ATF_CHECK_MSG(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "signer status %d", st);
}

ATF_TC_WITHOUT_HEAD(rsa_ecdsa);
ATF_TC_BODY(rsa_ecdsa, tc)
{
	struct keyproxy_stats	 st;
	pid_t			 pid;

	pid = setup(SG_SERVE, "rsa.key", "ec.key", 0);
	ATF_CHECK(handshake("rsa.crt", 0));			/* TLS 1.3 */
	ATF_CHECK(handshake("rsa.crt", TLS_PROTOCOL_TLSv1_2));
	ATF_CHECK(handshake("ec.crt", 0));
	ATF_CHECK(handshake("ec.crt", TLS_PROTOCOL_TLSv1_2));
	keyproxy_get_stats(&st);
	ATF_CHECK_EQ(st.requests, 4);
	ATF_CHECK_EQ(st.failed, 0);
	stop_signer(pid);
}

ATF_TC_WITHOUT_HEAD(unknown_key);
ATF_TC_BODY(unknown_key, tc)
{
	struct keyproxy_stats	 st;
	pid_t			 pid;

	pid = setup(SG_SERVE, "other.key", NULL, 0);
	ATF_CHECK(!handshake("rsa.crt", 0));
	ATF_CHECK(!handshake("ec.crt", 0));
	ATF_CHECK(handshake("other.crt", 0));	/* still serving */
	keyproxy_get_stats(&st);
	ATF_CHECK_EQ(st.failed, 2);
	ATF_CHECK_EQ(st.timeouts, 0);
	stop_signer(pid);
}

ATF_TC_WITHOUT_HEAD(signer_error);
ATF_TC_BODY(signer_error, tc)
{
	struct keyproxy_stats	 st;
	pid_t			 pid;

	pid = setup(SG_FAIL, "rsa.key", "ec.key", 0);
	ATF_CHECK(!handshake("rsa.crt", 0));
	ATF_CHECK(!handshake("ec.crt", TLS_PROTOCOL_TLSv1_2));
	keyproxy_get_stats(&st);
	ATF_CHECK_EQ(st.requests, 2);
	ATF_CHECK_EQ(st.failed, 2);
	stop_signer(pid);
}

ATF_TC_WITHOUT_HEAD(signer_silent);
ATF_TC_BODY(signer_silent, tc)
{
	struct keyproxy_stats	 st;
	pid_t			 pid;

	pid = setup(SG_MUTE, "rsa.key", NULL, 100);
	ATF_CHECK(!handshake("rsa.crt", 0));
	keyproxy_get_stats(&st);
	ATF_CHECK_EQ(st.timeouts, 1);
	stop_signer(pid);
	/* no signer at all: a failed handshake, nothing worse */
	keyproxy_set_signer(NULL);
	ATF_CHECK(!handshake("rsa.crt", 0));
	keyproxy_get_stats(&st);
	ATF_CHECK_EQ(st.failed, 2);
}

/* The fingerprint of a certificate's key, as the proxy computes it. */
static void
cert_fp(const char *path, uint8_t *fp)
{
	FILE		*f;
	X509		*x;
	EVP_PKEY	*pk;
	RSA		*rsa;
	EC_KEY		*ec;

	ATF_REQUIRE((f = fopen(path, "r")) != NULL);
	ATF_REQUIRE((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL);
	fclose(f);
	ATF_REQUIRE((pk = X509_get0_pubkey(x)) != NULL);
	if ((rsa = EVP_PKEY_get1_RSA(pk)) != NULL) {
		ATF_REQUIRE(keyproxy_fp_rsa(rsa, fp) == 0);
		RSA_free(rsa);
	} else {
		ATF_REQUIRE((ec = EVP_PKEY_get1_EC_KEY(pk)) != NULL);
		ATF_REQUIRE(keyproxy_fp_ec(ec, fp) == 0);
		EC_KEY_free(ec);
	}
	X509_free(x);
}

static int
load(const char *path)
{
	int	 fd;

	ATF_REQUIRE((fd = open(path, O_RDONLY)) != -1);
	return (signer_key_load("t", fd));
}

static int
op(const char *cert, uint32_t opcode, int padding, size_t len)
{
	struct keyproxy_req	 req;
	struct keyproxy_res	 res;

	memset(&req, 0, sizeof(req));
	cert_fp(cert, req.fp);
	req.op = opcode;
	req.padding = padding;
	req.len = (uint32_t)len;
	memset(req.data, 0x01, sizeof(req.data));
	signer_key_op(&req, &res);
	ATF_CHECK(keyproxy_res_valid(&res));
	return (res.status);
}

/* Generations: a key stays one reload after it left the configuration. */
ATF_TC_WITHOUT_HEAD(store);
ATF_TC_BODY(store, tc)
{
	struct signer_stats	 st;

	make_keys();
	log_init(1, LOG_MAIL);
	signer_key_init();
	ATF_REQUIRE(load("rsa.key") == 0);
	signer_key_commit();
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_NO_PADDING,
	    256), KEYPROXY_OK);
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_PKCS1_PADDING,
	    51), KEYPROXY_OK);
	ATF_CHECK_EQ(op("ec.crt", KEYPROXY_ECDSA_SIGN, 0, 32),
	    KEYPROXY_ENOKEY);
	/* requests that do not suit the key */
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_ECDSA_SIGN, 0, 32),
	    KEYPROXY_EINVAL);
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_NO_PADDING, 255),
	    KEYPROXY_EINVAL);
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, 42, 256),
	    KEYPROXY_EINVAL);
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_PKCS1_PADDING,
	    257), KEYPROXY_EINVAL);
	ATF_CHECK_EQ(op("rsa.crt", 9, RSA_NO_PADDING, 256), KEYPROXY_EINVAL);
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_NO_PADDING, 0),
	    KEYPROXY_EINVAL);
	/* a decryption of garbage fails, and is not fatal */
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVDEC, RSA_PKCS1_PADDING,
	    256), KEYPROXY_EFAIL);

	/* reload 1: ec replaces rsa; rsa stays for handshakes in flight */
	ATF_REQUIRE(load("ec.key") == 0);
	signer_key_commit();
	ATF_CHECK_EQ(op("ec.crt", KEYPROXY_ECDSA_SIGN, 0, 32), KEYPROXY_OK);
	ATF_CHECK_EQ(op("ec.crt", KEYPROXY_ECDSA_SIGN, 0, 65),
	    KEYPROXY_EINVAL);
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_NO_PADDING,
	    256), KEYPROXY_OK);
	/* reload 2: ec again (unchanged), rsa is gone */
	ATF_REQUIRE(load("ec.key") == 0);
	signer_key_commit();
	ATF_CHECK_EQ(op("rsa.crt", KEYPROXY_RSA_PRIVENC, RSA_NO_PADDING,
	    256), KEYPROXY_ENOKEY);
	ATF_CHECK_EQ(op("ec.crt", KEYPROXY_ECDSA_SIGN, 0, 32), KEYPROXY_OK);
	signer_key_stats(&st);
	ATF_CHECK_EQ(st.keys, 1);
	ATF_CHECK_EQ(st.ops, 5);
	signer_key_clear();
}

/* Keys the signer refuses to hold, with a log line, not a crash. */
ATF_TC_WITHOUT_HEAD(refused_keys);
ATF_TC_BODY(refused_keys, tc)
{
	int	 fd;

	log_init(1, LOG_MAIL);
	signer_key_init();
	sh("openssl genpkey -algorithm ed25519 -out ed.key 2>/dev/null");
	sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
	    "-out small.key 2>/dev/null");
	sh("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 "
	    "-out k1.key 2>/dev/null");
	sh("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 "
	    "-aes256 -pass pass:secret -out enc.key 2>/dev/null");
	sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key "
	    "-out rsa.crt -subj /CN=rsa.test -days 2 2>/dev/null");
	sh("echo garbage > junk.key");
	sh("head -c 70000 /dev/zero > big.key");
	ATF_CHECK_EQ(load("ed.key"), -1);
	ATF_CHECK_EQ(load("small.key"), -1);
	ATF_CHECK_EQ(load("k1.key"), -1);
	ATF_CHECK_EQ(load("enc.key"), -1);
	ATF_CHECK_EQ(load("rsa.crt"), -1);	/* a certificate */
	ATF_CHECK_EQ(load("junk.key"), -1);
	ATF_CHECK_EQ(load("big.key"), -1);
	ATF_REQUIRE((fd = open(".", O_RDONLY)) != -1);
	ATF_CHECK_EQ(signer_key_load("dir", fd), -1);
	ATF_CHECK_EQ(load("rsa.key"), 0);
}

/* The parent passes a key file only if no one but root may read it. */
ATF_TC_WITHOUT_HEAD(key_file_check);
ATF_TC_BODY(key_file_check, tc)
{
	static const struct {
		mode_t		 mode;
		int		 rootgroup;
		int		 ok;
	} cases[] = {
		{ 0600, 1, 1 }, { 0400, 1, 1 }, { 0640, 1, 1 },
		{ 0640, 0, 0 }, { 0604, 1, 0 }, { 0602, 1, 0 },
		{ 0620, 0, 0 }, { 0644, 1, 0 }, { 0600, 0, 1 },
	};
	const char	*why;
	size_t		 i;
	int		 fd;

	if (geteuid() != 0)
		atf_tc_skip("needs root (key files are root's)");
	sh("echo key > k.pem");
	for (i = 0; i < nitems(cases); i++) {
		ATF_REQUIRE(chown("k.pem", 0, cases[i].rootgroup ? 0 :
		    65534) == 0);
		ATF_REQUIRE(chmod("k.pem", cases[i].mode) == 0);
		ATF_REQUIRE((fd = open("k.pem", O_RDONLY)) != -1);
		why = parent_pki_key_check(fd);
		ATF_CHECK_MSG((why == NULL) == cases[i].ok, "mode %o group %s:"
		    " %s", (unsigned int)cases[i].mode, cases[i].rootgroup ?
		    "root" : "other", why ? why : "accepted");
		close(fd);
	}
	ATF_REQUIRE(chown("k.pem", 65534, 0) == 0);
	ATF_REQUIRE(chmod("k.pem", 0600) == 0);
	ATF_REQUIRE((fd = open("k.pem", O_RDONLY)) != -1);
	ATF_CHECK(parent_pki_key_check(fd) != NULL);	/* not root's */
	close(fd);
	ATF_REQUIRE((fd = open(".", O_RDONLY)) != -1);
	ATF_CHECK(parent_pki_key_check(fd) != NULL);
	close(fd);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, rsa_ecdsa);
	ATF_TP_ADD_TC(tp, unknown_key);
	ATF_TP_ADD_TC(tp, signer_error);
	ATF_TP_ADD_TC(tp, signer_silent);
	ATF_TP_ADD_TC(tp, store);
	ATF_TP_ADD_TC(tp, refused_keys);
	ATF_TP_ADD_TC(tp, key_file_check);
	return (atf_no_error());
}
