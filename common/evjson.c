/*
 * evjson.c - event data as JSON (see evjson.h)
 *
 * The text is written as the members come, into one buffer, the bytes
 * jansson's json_dumps(JSON_COMPACT) gives for the same calls (that is
 * what events held before, and tests/unit/common/test_evjson.c compares
 * the two): members in the order first set, a key set again keeping its
 * place with the new value; strings escaped as jansson does (\" \\ \b
 * \f \n \r \t, other controls \u00XX, nothing else: not '/', not
 * U+2028); a string that is not well-formed UTF-8 (jansson refuses it)
 * leaves its member out, or its element out of an array.
 */
#include "common/evjson.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/utf8.h"
#include "common/util.h"

/* An event's data past this is a broken invariant (they hold a few
 * short strings). */
#define EV_MAX ((size_t)64 << 20)

struct ev_member {
	size_t key;     /* offset of the key's opening quote */
	size_t val;     /* offset of the value */
	size_t end;     /* offset just past the value */
};

struct evjson {
	struct buf b;                   /* "{" and the members so far */
	struct ev_member *m;
	size_t n, cap;
};

static void
add(struct evjson *e, const void *p, size_t n)
{
	if (buf_add(&e->b, p, n) != 0)
		fatal("event data past %zu bytes", EV_MAX);
}

/* Back to mark: what was added since is forgotten. */
static void
drop(struct evjson *e, size_t mark)
{
	e->b.len = mark;
	e->b.data[mark] = '\0';
}

/* What put_string() writes for a byte below 0x80: NULL when the byte
 * goes as it is. */
static const char *const esc[128] = {
	"\\u0000", "\\u0001", "\\u0002", "\\u0003", "\\u0004", "\\u0005",
	"\\u0006", "\\u0007", "\\b", "\\t", "\\n", "\\u000B", "\\f", "\\r",
	"\\u000E", "\\u000F", "\\u0010", "\\u0011", "\\u0012", "\\u0013",
	"\\u0014", "\\u0015", "\\u0016", "\\u0017", "\\u0018", "\\u0019",
	"\\u001A", "\\u001B", "\\u001C", "\\u001D", "\\u001E", "\\u001F",
	['"'] = "\\\"", ['\\'] = "\\\\",
};

/* s as a JSON string; false (with nothing added) when s is not
 * well-formed UTF-8. */
static bool
put_string(struct evjson *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t mark = e->b.len, i = 0, run, l;

	add(e, "\"", 1);
	for (;;) {
		/* a run of bytes that go as they are: ASCII but controls,
		 * '"' and '\\', and well-formed sequences (which hold no
		 * NUL: utf8_decode() stops at the first bad byte) */
		for (run = i; p[run] != '\0'; run += l) {
			l = 1;
			if (p[run] < 0x80 && esc[p[run]] != NULL)
				break;
			if (p[run] >= 0x80 &&
			    (l = utf8_decode(NULL, p + run, 4)) == 0) {
				drop(e, mark);
				return false;
			}
		}
		if (run > i)
			add(e, p + i, run - i);
		if (p[run] == '\0')
			break;
		add(e, esc[p[run]], strlen(esc[p[run]]));
		i = run + 1;
	}
	add(e, "\"", 1);
	return true;
}

/* Start a member: the separator, the key, ':' (where the key and the
 * value start in *nm). Returns false (nothing added) when the key is not
 * well-formed UTF-8. */
static bool
begin(struct evjson *e, const char *key, size_t *mark_r,
    struct ev_member *nm)
{
	*mark_r = e->b.len;
	if (e->n > 0)
		add(e, ",", 1);
	nm->key = e->b.len;
	if (key == NULL || !put_string(e, key)) {
		drop(e, *mark_r);
		return false;
	}
	add(e, ":", 1);
	nm->val = e->b.len;
	return true;
}

/* The member begun at mark (nm) is written: keep it as a new member, or,
 * when its key is already there, put its value in the old one's place. */
static void
finish(struct evjson *e, size_t mark, struct ev_member nm)
{
	size_t key = nm.key, val = nm.val, klen = val - key;
	const char *d = e->b.data;

	for (size_t k = 0; k < e->n; k++) {
		struct ev_member *o = &e->m[k];
		struct buf nb;
		size_t vlen = e->b.len - val, olen = o->end - o->val;

		if (o->val - o->key != klen || memcmp(d + o->key, d + key,
		    klen) != 0)
			continue;
		/* the rare case: rebuild with the value replaced */
		buf_init(&nb, EV_MAX);
		if (buf_add(&nb, d, o->val) != 0 ||
		    buf_add(&nb, d + val, vlen) != 0 ||
		    buf_add(&nb, d + o->end, mark - o->end) != 0)
			fatal("event data past %zu bytes", EV_MAX);
		buf_free(&e->b);
		e->b = nb;
		o->end = o->val + vlen;
		for (size_t j = k + 1; j < e->n; j++) {
			e->m[j].key = e->m[j].key + vlen - olen;
			e->m[j].val = e->m[j].val + vlen - olen;
			e->m[j].end = e->m[j].end + vlen - olen;
		}
		return;
	}
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 8;
		e->m = xrealloc(e->m, e->cap * sizeof(*e->m));
	}
	nm.end = e->b.len;
	e->m[e->n++] = nm;
}

struct evjson *
ev_new(void)
{
	struct evjson *e = xcalloc(1, sizeof(*e));

	buf_init(&e->b, EV_MAX);
	add(e, "{", 1);
	return e;
}

void
ev_str(struct evjson *e, const char *key, const char *value)
{
	struct ev_member nm;
	size_t mark;

	if (value == NULL || !begin(e, key, &mark, &nm))
		return;
	if (put_string(e, value))
		finish(e, mark, nm);
	else
		drop(e, mark);
}

void
ev_int(struct evjson *e, const char *key, long long value)
{
	char num[24];
	struct ev_member nm;
	size_t mark;
	int n;

	if (!begin(e, key, &mark, &nm))
		return;
	n = snprintf(num, sizeof(num), "%lld", value);
	add(e, num, (size_t)n);
	finish(e, mark, nm);
}

void
ev_null(struct evjson *e, const char *key)
{
	struct ev_member nm;
	size_t mark;

	if (!begin(e, key, &mark, &nm))
		return;
	add(e, "null", 4);
	finish(e, mark, nm);
}

void
ev_time(struct evjson *e, const char *key, time_t t)
{
	char ts[32];

	if (t == 0)
		return;
	time_iso8601(ts, sizeof(ts), t);
	ev_str(e, key, ts);
}

void
ev_strs(struct evjson *e, const char *key, const char *const *v, size_t n)
{
	struct ev_member nm;
	size_t mark;
	bool first = true;

	if (!begin(e, key, &mark, &nm))
		return;
	add(e, "[", 1);
	for (size_t i = 0; i < n; i++) {
		size_t at = e->b.len;

		if (!first)
			add(e, ",", 1);
		if (v[i] != NULL && put_string(e, v[i]))
			first = false;
		else
			drop(e, at);
	}
	add(e, "]", 1);
	finish(e, mark, nm);
}

char *
ev_end(struct evjson *e)
{
	char *s;

	add(e, "}", 1);
	s = buf_detach(&e->b, NULL);
	free(e->m);
	free(e);
	return s;
}

char *
ev_json(const char *k1, ...)
{
	struct evjson *e = ev_new();
	va_list ap;

	va_start(ap, k1);
	for (const char *k = k1; k != NULL; k = va_arg(ap, const char *))
		ev_str(e, k, va_arg(ap, const char *));
	va_end(ap);
	return ev_end(e);
}
