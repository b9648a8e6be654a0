/*
 * oauth2_check.h - the checks of auth and the oauth2_* keys of a
 * [mailbox] or [smtp] section (conf.c's reader; conf/ only)
 */
#ifndef GC_CONF_OAUTH2_CHECK_H
#define GC_CONF_OAUTH2_CHECK_H

#include <stdbool.h>

#include "conf/conf.h"
#include "conf/keys.h"

/* auth = password | oauth2, and the oauth2_* keys that go with it (the
 * values read already into o); sets o->on. mailbox: a password_file is
 * needed unless auth = oauth2. */
void conf_check_oauth2(struct reader *r, const struct conf_section *s,
    struct conf_oauth2 *o, bool mailbox);

#endif
