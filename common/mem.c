/*
 * mem.c - allocation helpers, arena and capped buffer (see mem.h)
 */
#include "mem.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "log.h"

void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", nmemb, size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (q == NULL)
		fatal("out of memory (%zu bytes)", n);
	return q;
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* printf into memory that alloc(ctx, size) gives: the heap or an arena.
 * The text is formatted once into a buffer on the stack, and copied;
 * only a text longer than that buffer is formatted a second time. */
static char *
vformat(void *(*alloc)(void *ctx, size_t n), void *ctx, const char *who,
    const char *fmt, va_list ap)
{
	char small[512];
	va_list ap2;
	int n;
	char *p;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("%s: bad format", who);
	p = alloc(ctx, (size_t)n + 1);
	if ((size_t)n < sizeof(small))
		memcpy(p, small, (size_t)n + 1);
	else
		vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

static void *
heap_alloc(void *ctx, size_t n)
{
	(void)ctx;
	return xmalloc(n);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vformat(heap_alloc, NULL, "xasprintf", fmt, ap);
	va_end(ap);
	return p;
}

/* ----- Arena ------------------------------------------------------ */

struct arena_chunk {
	struct arena_chunk *prev;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void
arena_init(struct arena *a, size_t chunk_size)
{
	a->head = NULL;
	a->chunk_size = chunk_size < 256 ? 256 : chunk_size;
	a->total = 0;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (need < n)
		fatal("arena: size overflow");
	if (c == NULL || c->size - c->used < need) {
		size_t sz = need > a->chunk_size ? need : a->chunk_size;

		c = xmalloc(sizeof(*c) + sz);
		c->size = sz;
		c->used = 0;
		/* A big one-off allocation goes behind the current chunk so
		 * that the current chunk's free space stays usable. */
		if (a->head != NULL && sz > a->chunk_size) {
			c->prev = a->head->prev;
			a->head->prev = c;
		} else {
			c->prev = a->head;
			a->head = c;
		}
	}
	p = c->data + c->used;
	c->used += need;
	a->total += need;
	memset(p, 0, n);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	if (s == NULL)
		return NULL;
	return arena_strndup(a, s, strlen(s));
}

void *
arena_memdup(struct arena *a, const void *p, size_t n)
{
	void *q = arena_alloc(a, n);

	memcpy(q, p, n);
	return q;
}

static void *
arena_alloc_cb(void *ctx, size_t n)
{
	return arena_alloc(ctx, n);
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vformat(arena_alloc_cb, a, "arena_printf", fmt, ap);
	va_end(ap);
	return p;
}

void
arena_reset(struct arena *a)
{
	struct arena_chunk *c = a->head, *keep = NULL;

	while (c != NULL) {
		struct arena_chunk *prev = c->prev;

		if (prev == NULL && c->size == a->chunk_size) {
			keep = c;
			break;
		}
		free(c);
		c = prev;
	}
	if (keep != NULL)
		keep->used = 0;
	a->head = keep;
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;

	while (c != NULL) {
		struct arena_chunk *prev = c->prev;

		free(c);
		c = prev;
	}
	a->head = NULL;
	a->total = 0;
}

/* ----- Capped buffer ---------------------------------------------- */

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

int
buf_add(struct buf *b, const void *p, size_t n)
{
	if (n > b->max || b->len > b->max - n)
		return GC_ELIMIT;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? b->len + n + 1 : cap * 2;
		b->data = xrealloc(b->data, cap);
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_addstr(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int
buf_addc(struct buf *b, char c)
{
	return buf_add(b, &c, 1);
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n, rc;

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(ap2);
		return GC_EINVAL;
	}
	if ((size_t)n < sizeof(small)) {
		va_end(ap2);
		return buf_add(b, small, (size_t)n);
	}
	{
		char *big = xmalloc((size_t)n + 1);

		vsnprintf(big, (size_t)n + 1, fmt, ap2);
		rc = buf_add(b, big, (size_t)n);
		free(big);
	}
	va_end(ap2);
	return rc;
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rc;
}

const char *
buf_str(const struct buf *b)
{
	return b->data ? b->data : "";
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

char *
buf_detach(struct buf *b, size_t *len_r)
{
	char *p = b->data ? b->data : xstrdup("");

	if (len_r)
		*len_r = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
