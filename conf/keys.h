/*
 * keys.h - reading a section's keys through a key table (for conf/ only)
 *
 * The schema (conf.c) describes each section as a table of struct
 * key_spec: the key's name, its value type, where it goes in the struct
 * being filled, its default and whether it is required.
 * keys_read_section() reads a section through such a table: each value is
 * checked for its type (a duration, a size, a URL of the right scheme, a
 * mail address...) and stored, a secret file is opened, checked and read.
 * Problems go to the reader's struct conf_diag as file:line, and the
 * default stays in place when a value is refused, so the checks that
 * follow still see a usable value.
 *
 * Ownership: the strings and lists stored belong to the struct filled;
 * keys_free_strings() frees those of a table, keys_free_secret() wipes a
 * secret before freeing it.
 */
#ifndef GC_CONF_KEYS_H
#define GC_CONF_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "conf/conf.h"

#define CONF_MIN_KEY    32      /* bytes of a V_KEY secret */

enum vtype {
	V_STR,        /* any non-empty text */
	V_PATH,       /* resolved from the config folder */
	V_SECRET,     /* a path whose file content is the value */
	V_KEY,        /* V_SECRET of at least CONF_MIN_KEY bytes */
	V_INT,
	V_DURATION,   /* 30s, 5m, 2h, 7d */
	V_SIZE,       /* 25MB */
	V_BOOL,
	V_LIST,       /* comma-separated */
	V_URL_IMAP,
	V_URL_SMTP,
	V_URL_HTTP,
	V_ADDR,       /* addr-spec */
	V_LANG,       /* fr | en */
	V_LOGLEVEL,
};

struct key_spec {
	const char *name;
	enum vtype type;
	size_t off;
	const char *def;       /* NULL: no default */
	bool required;
};

struct reader {
	struct conf *c;
	struct conf_diag *d;
};

/* Read the keys of section s into base per the table keys (ended by a
 * NULL name), marking the entries read as used. */
void keys_read_section(struct reader *r, struct conf_section *s,
    const struct key_spec *keys, void *base);

/* A section that may appear once and has no name ([http], [gdpr]...):
 * true, and *line set to its line, the first time; otherwise its keys
 * are taken (not reported as unknown), the mistake told, and false. */
bool keys_single_section(struct reader *r, struct conf_section *s,
    int *line);

/* A problem with key of section s, told at the key's line (the
 * section's when the key is not written: a default). */
void keys_diag(struct reader *r, const struct conf_section *s,
    const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A bare addr-spec: one `@` with text on both sides, no space, control,
 * `<`, `>`, `,` or `"`. */
bool keys_valid_addr(const char *s);

/* Free the strings and lists a table stored in base. */
void keys_free_strings(void *base, const struct key_spec *keys);
/* Open the secret file path named by entry e of s, refusing one that
 * group or others may access: the fd, or -1 with a diag at e's line. */
int keys_open_secret(struct reader *r, const struct conf_section *s,
    const struct conf_entry *e, const char *path);
/* Wipe and free a secret; NULL is fine. */
void keys_free_secret(char *s);

#endif
