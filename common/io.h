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
 * io.h -- buffered non-blocking I/O on a socket, driven by libevent.
 *
 * An io owns its descriptor.  Bytes read are kept in a read buffer that
 * the user consumes with io_data()/io_drop() or io_getline(); bytes given
 * to io_write()/io_printf() are queued and written when the socket allows.
 * The user's callback is told:
 *
 *	IO_DATAIN	new bytes were read
 *	IO_LOWAT	the write queue drained
 *	IO_TIMEOUT	no traffic for the timeout
 *	IO_DISCONNECTED	the peer closed its side (data may remain)
 *	IO_ERROR	read or write failed (io_error() says why)
 *	IO_TLSREADY	the TLS handshake io_start_tls() began is done
 *
 * The callback is the last thing io does in an event, so it may call
 * io_free().  Buffers are allocated when first needed and given back
 * when empty, so that an idle connection costs little memory.
 */

#ifndef CARTERO_IO_H
#define CARTERO_IO_H

#include <sys/types.h>

#include <stdarg.h>
#include <stddef.h>

#define IO_DATAIN		1
#define IO_LOWAT		2
#define IO_TIMEOUT		3
#define IO_DISCONNECTED		4
#define IO_ERROR		5
#define IO_TLSREADY		6	/* io_start_tls(): handshake done */

#define IO_READ_MAX_DEFAULT	(64 * 1024)

struct io;
struct tls;
struct tls_config;

struct io	*io_new(int, void (*)(struct io *, int, void *), void *);
void		 io_free(struct io *);
int		 io_fileno(struct io *);
const char	*io_error(struct io *);
void		 io_set_timeout(struct io *, int);
void		 io_set_read_max(struct io *, size_t);
void		 io_pause_read(struct io *, int);

int		 io_write(struct io *, const void *, size_t);
int		 io_printf(struct io *, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));
int		 io_vprintf(struct io *, const char *, va_list)
		    __attribute__((__format__(printf, 2, 0)));
size_t		 io_queued(struct io *);

char		*io_data(struct io *);
size_t		 io_datalen(struct io *);
void		 io_drop(struct io *, size_t);
char		*io_getline(struct io *, size_t *);
int		 io_eof(struct io *);

const char	*io_evstr(int);

/* TLS (libtls): start as the server; as the client (a tls_client()
 * context configured with the tls_config, for the server name given);
 * the session, once the handshake is done (NULL before, or without TLS) */
int		 io_start_tls(struct io *, struct tls *);
int		 io_connect_tls(struct io *, struct tls_config *, const char *);
struct tls	*io_tls(struct io *);

#endif /* CARTERO_IO_H */
