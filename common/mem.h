/*
 * mem.h - allocation that cannot fail, an arena, and a capped buffer
 *
 * xmalloc() and friends call fatal() on OOM: running out of memory is a
 * broken invariant, not an input error.
 *
 * struct arena is a bump allocator for one lifespan (one mail, one poll
 * cycle): allocate freely, then arena_reset() or arena_free() once.
 * Pointers returned by arena_* live until the next reset/free.
 *
 * struct buf is a growable byte buffer with a hard cap set at init
 * (curl's dynbuf): buf_add() returns GC_ELIMIT instead of growing past it.
 * The data is always NUL-terminated. buf_detach() hands the malloc'd
 * storage to the caller, who frees it with free().
 */
#ifndef GC_MEM_H
#define GC_MEM_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */

struct arena_chunk;

struct arena {
	struct arena_chunk *head;   /* current chunk, linked to older ones */
	size_t chunk_size;          /* default size of a new chunk */
	size_t total;               /* bytes handed out since last reset */
};

void arena_init(struct arena *a, size_t chunk_size);
void *arena_alloc(struct arena *a, size_t n);           /* zeroed */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
void *arena_memdup(struct arena *a, const void *p, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void arena_reset(struct arena *a);   /* keep the first chunk, drop others */
void arena_free(struct arena *a);

/* ------------------------------------------------------------------ */

struct buf {
	char *data;     /* NUL-terminated; NULL until the first add */
	size_t len;
	size_t cap;
	size_t max;     /* hard cap on len */
};

#define BUF_INIT(maxlen) { NULL, 0, 0, (maxlen) }

void buf_init(struct buf *b, size_t max);
int buf_add(struct buf *b, const void *p, size_t n)
	__attribute__((warn_unused_result));
int buf_addstr(struct buf *b, const char *s)
	__attribute__((warn_unused_result));
int buf_addc(struct buf *b, char c)
	__attribute__((warn_unused_result));
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), warn_unused_result));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	__attribute__((warn_unused_result));
const char *buf_str(const struct buf *b);   /* "" when empty */
void buf_reset(struct buf *b);              /* len = 0, keep storage */
char *buf_detach(struct buf *b, size_t *len_r);
void buf_free(struct buf *b);

#endif
