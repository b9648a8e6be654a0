/*
 * storage.h - the [storage] section: the key file of encryption at rest
 * (for conf/ only; the rest of the program reads struct conf_storage)
 *
 * The key file holds one key a line, `ID HEX` (ID a number from 1 to
 * 4294967295, HEX the key's 32 bytes as 64 hexadecimal digits), and the
 * word `current` after the one new blobs are sealed with; `#` lines and
 * blank lines are comments. Exactly one key is current; ids are unique;
 * group and others may not access the file (mode 0600, as for every
 * secret file). Problems are reported as the key file's file:line (its
 * permissions and absence as the config's line of `key_file`), and the
 * config then holds no key at all, so that a broken key file never makes
 * the daemon write clear rows it believes sealed.
 */
#ifndef GC_CONF_STORAGE_H
#define GC_CONF_STORAGE_H

#include "conf/keys.h"

#define STORAGE_MAX_KEYS   256

void storage_read(struct reader *r, struct conf_section *s);
void storage_free(struct conf_storage *st);

#endif
