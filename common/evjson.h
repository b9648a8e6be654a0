/*
 * evjson.h - the data of an event as a JSON object
 *
 * Every event's data (the events table's `data`, shown by `ticket show`
 * and read by reports) is built here, so that all events share one shape:
 * a flat object whose keys are words, whose instants are ISO 8601 UTC
 * strings and whose lists are arrays of strings.
 *
 *	struct evjson *e = ev_new();
 *	ev_str(e, "purpose", purpose);      NULL leaves the key out
 *	ev_int(e, "attempts", n);
 *	ev_strs(e, "recipients", rcpts, nrcpts);
 *	char *data = ev_end(e);             malloc'd, free(); e is gone
 *
 * ev_json("from", a, "to", b, NULL) is the short form for string values
 * only: {"from":"a","to":"b"}, a NULL value leaving its key out.
 */
#ifndef GC_EVJSON_H
#define GC_EVJSON_H

#include <stddef.h>
#include <time.h>

struct evjson;

struct evjson *ev_new(void);
void ev_str(struct evjson *e, const char *key, const char *value);
void ev_int(struct evjson *e, const char *key, long long value);
void ev_null(struct evjson *e, const char *key);
/* An instant as ISO 8601 UTC; 0 leaves the key out. */
void ev_time(struct evjson *e, const char *key, time_t t);
void ev_strs(struct evjson *e, const char *key, const char *const *v,
    size_t n);
/* The compact JSON text ("{}" at worst), malloc'd; frees e. */
char *ev_end(struct evjson *e);

char *ev_json(const char *k1, ...) __attribute__((sentinel));

#endif
