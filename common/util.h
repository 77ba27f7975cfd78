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
 * util.h -- small helpers shared by every cartero process.
 */

#ifndef CARTERO_UTIL_H
#define CARTERO_UTIL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Allocation: fatal() on failure. */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
char		*xstrdup(const char *);
int		 xasprintf(char **, const char *, ...)
		    __attribute__((__format__(printf, 2, 3)));

/* Files and descriptors: 0 on success, -1 with errno set. */
int		 fsync_dir(const char *);
int		 fsync_dirfd_of(const char *);
ssize_t		 write_full(int, const void *, size_t);
ssize_t		 read_full(int, void *, size_t);
int		 mkdir_p(const char *, mode_t);
int		 fd_set_nonblock(int);
int		 fd_set_cloexec(int);

uint64_t	 monotonic_ms(void);

/* Configuration values: 0 on success, -1 with errno EINVAL or ERANGE. */
const char	*duration_to_text(time_t);
int		 text_to_duration(const char *, time_t *);
int		 text_to_size(const char *, size_t *);

char		*lowercase(char *);
int		 valid_domain_part(const char *);
int		 valid_local_part(const char *);

uint32_t	 rand_u32(void);
uint64_t	 evpid_make(uint32_t);
#define EVPID_MSGID(evpid)	((uint32_t)((evpid) >> 32))

#endif /* CARTERO_UTIL_H */
