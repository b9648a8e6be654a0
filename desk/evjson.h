/*
 * evjson.h - the data of an event as a JSON object, from key/value pairs
 *
 * ev_json("from", a, "to", b, NULL) gives {"from":"a","to":"b"}; a NULL
 * value leaves its key out. The result is malloc'd (free()).
 */
#ifndef GC_EVJSON_H
#define GC_EVJSON_H

char *ev_json(const char *k1, ...) __attribute__((sentinel));

#endif
