/*
 * evjson.c - event data as JSON (see evjson.h)
 */
#include "desk/evjson.h"

#include <jansson.h>
#include <stdarg.h>

#include "common/mem.h"

char *
ev_json(const char *k1, ...)
{
	json_t *o = json_object();
	va_list ap;
	char *s;

	va_start(ap, k1);
	for (const char *k = k1; k != NULL; k = va_arg(ap, const char *)) {
		const char *v = va_arg(ap, const char *);

		if (v != NULL)
			json_object_set_new(o, k, json_string(v));
	}
	va_end(ap);
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s ? s : xstrdup("{}");
}
