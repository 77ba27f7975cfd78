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
 * tls_compat.c -- a fix for Debian 12's libtls (libretls 3.7 on OpenSSL
 * 3): TLS session resumption.
 *
 * libretls's session ticket callback keeps LibreSSL's convention, where 0
 * means success when a ticket is made; OpenSSL reads 0 as "send an empty
 * ticket".  So a libtls server with a session lifetime never gives a
 * client anything to resume, over TLS 1.2 or 1.3, and every connection
 * pays a full handshake (a private-key signature).  libtls installs the
 * callback through SSL_CTX_callback_ctrl(); this file defines that
 * function in the executable, which the dynamic linker binds libtls's
 * call to, and wraps the callback so that a ticket made is reported as
 * OpenSSL expects.  Everything else goes to libssl's own function
 * unchanged.  The code has no effect unless tls_compat_init() is
 * linked in (it is what pulls this file out of libcommon.a).
 */

#define OPENSSL_SUPPRESS_DEPRECATED	/* HMAC_CTX: the callback's type */

#include <dlfcn.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "tls_compat.h"

typedef int (*ticket_cb_t)(SSL *, unsigned char *, unsigned char *,
    EVP_CIPHER_CTX *, HMAC_CTX *, int);
typedef long (*callback_ctrl_t)(SSL_CTX *, int, void (*)(void));

long	SSL_CTX_callback_ctrl(SSL_CTX *, int, void (*)(void));

static ticket_cb_t	libtls_ticket_cb;
static callback_ctrl_t	real_callback_ctrl;
static int		tls_compat_active;

static int
ticket_cb(SSL *ssl, unsigned char *name, unsigned char *iv,
    EVP_CIPHER_CTX *ectx, HMAC_CTX *hctx, int enc)
{
	int	 r;

	r = libtls_ticket_cb(ssl, name, iv, ectx, hctx, enc);
	/* enc 1: LibreSSL's 0 = done is OpenSSL's 1 */
	if (enc == 1 && r == 0)
		return (1);
	/*
	 * enc 0, ticket accepted: ask for a new one (2), without which
	 * OpenSSL sends none after a TLS 1.3 resumption, and the client,
	 * which uses a TLS 1.3 ticket once only, falls back to a full
	 * handshake every other connection.
	 */
	if (enc == 0 && r == 1)
		return (2);
	return (r);
}

long
SSL_CTX_callback_ctrl(SSL_CTX *ctx, int cmd, void (*fp)(void))
{
	if (real_callback_ctrl == NULL &&
	    (real_callback_ctrl = (callback_ctrl_t)dlsym(RTLD_NEXT,
	    "SSL_CTX_callback_ctrl")) == NULL)
		return (0);
	if (tls_compat_active && cmd == SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB &&
	    fp != NULL && (libtls_ticket_cb == NULL ||
	    libtls_ticket_cb == (ticket_cb_t)fp)) {
		libtls_ticket_cb = (ticket_cb_t)fp;
		fp = (void (*)(void))ticket_cb;
	}
	return (real_callback_ctrl(ctx, cmd, fp));
}

void
tls_compat_init(void)
{
	tls_compat_active = 1;
	/* look it up now, before any sandbox */
	if (real_callback_ctrl == NULL)
		real_callback_ctrl = (callback_ctrl_t)dlsym(RTLD_NEXT,
		    "SSL_CTX_callback_ctrl");
}
