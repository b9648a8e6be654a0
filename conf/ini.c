/*
 * ini.c - the INI reader (see ini.h): lines into sections of raw entries
 *
 * Knows the syntax only. Every line read is one xstrndup'd copy, cut at
 * its comment and trimmed in place; what is kept is copied again into the
 * section, so nothing points into the caller's text. A line that makes
 * no sense is reported with its number and skipped: the lines after it
 * are still read, so that one run reports every problem.
 */
#include "conf/ini.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"

/* ----- Diagnostics ------------------------------------------------ */

void
conf_diag_add(struct conf_diag *d, const char *file, int line,
    const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->lines = xrealloc(d->lines, d->cap * sizeof(*d->lines));
	}
	if (file == NULL)
		d->lines[d->n++] = xstrdup(msg);
	else if (line > 0)
		d->lines[d->n++] = xasprintf("%s:%d: %s", file, line, msg);
	else
		d->lines[d->n++] = xasprintf("%s: %s", file, msg);
}

void
conf_diag_free(struct conf_diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}

/* ----- Syntax ------------------------------------------------------ */

bool
ini_valid_ident(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' &&
		    *s != '.')
			return false;
	return true;
}

static struct conf_section *
add_section(struct conf_section **sections, size_t *nsections,
    const char *file, int line, const char *type, const char *name)
{
	struct conf_section *s;

	*sections = xrealloc(*sections, (*nsections + 1) * sizeof(**sections));
	s = &(*sections)[(*nsections)++];
	memset(s, 0, sizeof(*s));
	s->type = xstrdup(type);
	s->name = name ? xstrdup(name) : NULL;
	s->file = xstrdup(file);
	s->line = line;
	return s;
}

/* Strip a `#` comment that starts the line or follows whitespace. */
static void
strip_comment(char *s)
{
	for (char *p = s; *p; p++) {
		if (*p == '#' && (p == s || p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

void
ini_parse(struct conf_section **sections, size_t *nsections,
    const char *file, const char *text, size_t len, struct conf_diag *d)
{
	struct conf_section *cur = NULL;
	size_t pos = 0;
	int lineno = 0;

	if (memchr(text, '\0', len) != NULL) {
		conf_diag_add(d, file, 0, "the file contains a NUL byte");
		return;
	}
	while (pos < len) {
		size_t end = pos;
		char *line, *p;

		while (end < len && text[end] != '\n')
			end++;
		lineno++;
		line = xstrndup(text + pos, end - pos);
		pos = end + 1;
		strip_comment(line);
		p = str_trim(line);
		if (*p == '\0') {
			free(line);
			continue;
		}
		if (*p == '[') {
			char *close = strchr(p, ']'), *type, *name = NULL;

			if (close == NULL || str_trim(close + 1)[0] != '\0') {
				conf_diag_add(d, file, lineno,
				    "malformed section header (expected "
				    "[type] or [type name])");
				cur = NULL;
				free(line);
				continue;
			}
			*close = '\0';
			type = str_trim(p + 1);
			for (char *q = type; *q; q++) {
				if (*q == ' ' || *q == '\t') {
					*q = '\0';
					name = str_trim(q + 1);
					break;
				}
			}
			if (!ini_valid_ident(type) ||
			    (name != NULL && (*name == '\0' ||
			    strpbrk(name, " \t\"") != NULL))) {
				conf_diag_add(d, file, lineno,
				    "malformed section header [%s%s%s]", type,
				    name ? " " : "", name ? name : "");
				cur = NULL;
			} else {
				str_tolower(type);
				cur = add_section(sections, nsections, file,
				    lineno, type, name);
			}
			free(line);
			continue;
		}
		{
			char *eq = strchr(p, '='), *key, *val;

			if (eq == NULL) {
				conf_diag_add(d, file, lineno,
				    "expected `key = value`");
				free(line);
				continue;
			}
			*eq = '\0';
			key = str_trim(p);
			val = str_trim(eq + 1);
			if (!ini_valid_ident(key)) {
				conf_diag_add(d, file, lineno,
				    "malformed key \"%s\"", key);
			} else if (cur == NULL) {
				conf_diag_add(d, file, lineno,
				    "key \"%s\" outside of any section", key);
			} else {
				struct conf_entry *e;

				/* keys are case-blind: "K" repeats "k" */
				str_tolower(key);
				for (size_t i = 0; i < cur->nentries; i++)
					if (strcmp(cur->entries[i].key,
					    key) == 0)
						conf_diag_add(d, file, lineno,
						    "duplicate key \"%s\" "
						    "(first at line %d)", key,
						    cur->entries[i].line);
				cur->entries = xrealloc(cur->entries,
				    (cur->nentries + 1) *
				    sizeof(*cur->entries));
				e = &cur->entries[cur->nentries++];
				e->key = xstrdup(key);
				e->value = xstrdup(val);
				e->line = lineno;
				e->used = false;
			}
			free(line);
		}
	}
}

/* ----- Freeing and lookups ---------------------------------------- */

void
ini_sections_free(struct conf_section **sections, size_t *n)
{
	for (size_t i = 0; i < *n; i++) {
		struct conf_section *s = &(*sections)[i];

		for (size_t j = 0; j < s->nentries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->type);
		free(s->name);
		free(s->file);
	}
	free(*sections);
	*sections = NULL;
	*n = 0;
}

const struct conf_entry *
conf_section_entry(const struct conf_section *s, const char *key)
{
	for (size_t i = 0; i < s->nentries; i++)
		if (strcmp(s->entries[i].key, key) == 0)
			return &s->entries[i];
	return NULL;
}

const char *
conf_section_get(const struct conf_section *s, const char *key)
{
	const struct conf_entry *e = conf_section_entry(s, key);

	return e ? e->value : NULL;
}
