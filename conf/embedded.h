/*
 * embedded.h - the default templates, rules and policy compiled into the
 * binary (generated from conf/templates, conf/defaults and the sql/ migrations by
 * cmake/embed.cmake), so that Guichet runs without an install step.
 */
#ifndef GC_EMBEDDED_H
#define GC_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *path;   /* relative to the source tree: "conf/templates/fr/ack.txt" */
	const char *data;   /* NUL-terminated */
	size_t len;
};

extern const struct embedded_file embedded_files[];

/* Look a default file up by its path in the source tree; NULL if none. */
const struct embedded_file *embedded_find(const char *path);

#endif
