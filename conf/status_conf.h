/*
 * status_conf.h - the [status] section (for conf.c only)
 *
 * [status] turns the public status page on: dir is where index.html,
 * feed.atom and status.json are written, components the names of what
 * the page reports on. The section is read into struct conf_status
 * (conf.h); conf_status_read() checks it, conf_status_free() frees it.
 */
#ifndef GC_CONF_STATUS_CONF_H
#define GC_CONF_STATUS_CONF_H

#include "conf/keys.h"

void conf_status_read(struct reader *r, struct conf_section *s);
void conf_status_free(struct conf_status *st);

#endif
