/*
 * evjson.c - event data as JSON (see evjson.h)
 */
#include "common/evjson.h"

#include <jansson.h>
#include <stdarg.h>

#include "common/mem.h"
#include "common/util.h"

/* The builder is the JSON object itself. */
struct evjson *
ev_new(void)
{
	return (struct evjson *)json_object();
}

void
ev_str(struct evjson *e, const char *key, const char *value)
{
	if (value != NULL)
		json_object_set_new((json_t *)e, key, json_string(value));
}

void
ev_int(struct evjson *e, const char *key, long long value)
{
	json_object_set_new((json_t *)e, key, json_integer(value));
}

void
ev_null(struct evjson *e, const char *key)
{
	json_object_set_new((json_t *)e, key, json_null());
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
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(v[i]));
	json_object_set_new((json_t *)e, key, a);
}

char *
ev_end(struct evjson *e)
{
	char *s = json_dumps((json_t *)e, JSON_COMPACT);

	json_decref((json_t *)e);
	return s ? s : xstrdup("{}");
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
