/*
 * ini.h - the INI reader: sections, keys, values and their line numbers
 *
 * The syntax, and nothing of what the keys mean: `[type]` or `[type NAME]`
 * section headers, `key = value` lines, `#` comments (at line start, or
 * after whitespace on a value line), blank lines. Leading and trailing
 * spaces, tabs and CRs are trimmed (CRLF files read like LF ones); types
 * and keys are lower-cased, names and values kept as written, bytes
 * included (nothing is decoded: a value that is not UTF-8 is kept as it
 * is). Which sections and keys exist, their types and defaults, is the
 * schema's business (conf.c).
 *
 * Problems are collected, never fatal: each is one "file:line: message" in
 * a struct conf_diag, and the reader goes on with the next line, so that
 * one run reports them all. What the reader does with odd input:
 * - a NUL byte anywhere: "file: the file contains a NUL byte", nothing
 *   read;
 * - a line that is neither a section header nor `key = value` (a key
 *   without `=`): "expected `key = value`";
 * - `[type` without `]`, or text after it: "malformed section header";
 *   the keys that follow belong to no section until the next header, and
 *   each says "key ... outside of any section";
 * - `key =` with nothing after it: an entry whose value is "" (the schema
 *   decides whether empty is allowed);
 * - a key given twice in a section: "duplicate key" naming the first
 *   line; both entries are kept, in order;
 * - long lines: no limit of its own (the caller caps the file's size).
 *
 * Ownership: the sections, and every string they point to, belong to the
 * array ini_parse() grows; ini_sections_free() releases them. The
 * diagnostic lines belong to the struct conf_diag.
 */
#ifndef GC_CONF_INI_H
#define GC_CONF_INI_H

#include <stdbool.h>
#include <stddef.h>

struct conf_diag {
	char **lines;          /* "file:line: message" */
	size_t n, cap;
};

/* file NULL: the message is already "file:line: text". */
void conf_diag_add(struct conf_diag *d, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void conf_diag_free(struct conf_diag *d);

/* A raw `key = value` as read, kept so that other modules (SLA policy,
 * rules) can validate their own sections with exact line numbers. */
struct conf_entry {
	char *key;
	char *value;
	int line;
	bool used;             /* consumed by a typed reader */
};

struct conf_section {
	char *type;            /* "mailbox" */
	char *name;            /* "support", or NULL for [database] */
	char *file;            /* the file it was read from */
	int line;
	struct conf_entry *entries;
	size_t nentries;
};

/* Read text (len bytes, not NUL-terminated) named file in messages,
 * appending its sections to *sections (*nsections of them) and its
 * problems to d. */
void ini_parse(struct conf_section **sections, size_t *nsections,
    const char *file, const char *text, size_t len, struct conf_diag *d);

/* Free n sections and the array; *sections is set to NULL, *n to 0. */
void ini_sections_free(struct conf_section **sections, size_t *n);

/* A section type, key or agent name: letters, digits, `_`, `-`, `.`. */
bool ini_valid_ident(const char *s);

/* The first entry of key in s, or NULL. */
const struct conf_entry *conf_section_entry(const struct conf_section *s,
    const char *key);
/* Its value, or NULL. */
const char *conf_section_get(const struct conf_section *s, const char *key);

#endif
