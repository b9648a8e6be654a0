/*
 * storage.c - the [storage] section and its key file (see storage.h)
 *
 * The key file is read once per config generation, like every secret:
 * the daemon reloads it on SIGHUP with the rest of the config.
 */
#include "conf/storage.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/mem.h"
#include "common/util.h"

#define STORAGE_MAX_FILE   (64 * 1024)

#define T(f) offsetof(struct conf_storage, f)
static const struct key_spec storage_keys[] = {
	{ "key_file", V_PATH, T(key_file), NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef T

/* One `ID HEX [current]` line into k; a message for the diag, or NULL. */
static const char *
parse_line(struct seal_key *k, bool *current, char *line)
{
	char *id, *hex, *word, *extra, *end, *save = NULL;
	unsigned long long v;

	id = strtok_r(line, " \t", &save);
	hex = strtok_r(NULL, " \t", &save);
	word = strtok_r(NULL, " \t", &save);
	extra = strtok_r(NULL, " \t", &save);
	if (hex == NULL || extra != NULL)
		return "a key line is `ID HEX` or `ID HEX current`";
	if (id[0] < '0' || id[0] > '9')
		return "the key id is a number from 1 to 4294967295";
	v = strtoull(id, &end, 10);
	if (*end != '\0' || v == 0 || v > 0xffffffffULL || strlen(id) > 10)
		return "the key id is a number from 1 to 4294967295";
	if (strlen(hex) != 2 * SEAL_KEY_LEN)
		return "the key is 64 hexadecimal digits (32 bytes; "
		    "openssl rand -hex 32)";
	for (size_t i = 0; i < SEAL_KEY_LEN; i++) {
		int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return "the key is 64 hexadecimal digits (32 bytes; "
			    "openssl rand -hex 32)";
		k->key[i] = (unsigned char)(hi << 4 | lo);
	}
	if (word != NULL && strcmp(word, "current") != 0)
		return "only the word `current` may follow a key";
	k->id = (uint32_t)v;
	*current = word != NULL;
	return NULL;
}

/* Read the key file's lines into st->keys; problems as file:line. */
static void
parse_keys(struct reader *r, struct conf_storage *st, const char *path,
    char *text)
{
	struct seal_keyring *kr = &st->keys;
	size_t before = r->d->n;
	int lineno = 0, current_line = 0;
	char *line;

	kr->keys = xcalloc(STORAGE_MAX_KEYS, sizeof(*kr->keys));
	for (char *p = text; (line = strsep(&p, "\n")) != NULL; ) {
		struct seal_key k = { 0 };
		const char *msg;
		bool cur = false;
		size_t n;

		lineno++;
		n = strlen(line);
		while (n > 0 && strchr(" \t\r", line[n - 1]) != NULL)
			line[--n] = '\0';
		line += strspn(line, " \t");
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if ((msg = parse_line(&k, &cur, line)) != NULL) {
			conf_diag_add(r->d, path, lineno, "%s", msg);
			continue;
		}
		if (seal_keyring_find(kr, k.id) != NULL) {
			conf_diag_add(r->d, path, lineno, "key %u given twice",
			    k.id);
			continue;
		}
		if (kr->n == STORAGE_MAX_KEYS) {
			conf_diag_add(r->d, path, lineno, "more than %d keys",
			    STORAGE_MAX_KEYS);
			break;
		}
		if (cur && current_line != 0) {
			conf_diag_add(r->d, path, lineno, "a second current "
			    "key (the first is on line %d)", current_line);
			continue;
		}
		if (cur) {
			current_line = lineno;
			kr->current = k.id;
		}
		kr->keys[kr->n++] = k;
		explicit_bzero(&k, sizeof(k));
	}
	if (r->d->n == before && kr->n == 0)
		conf_diag_add(r->d, path, 0, "no key in the file");
	else if (r->d->n == before && current_line == 0)
		conf_diag_add(r->d, path, 0, "no key is marked current");
	if (r->d->n != before)
		seal_keyring_free(kr);
}

void
storage_read(struct reader *r, struct conf_section *s)
{
	struct conf_storage *st = &r->c->storage;
	const struct conf_entry *e;
	struct gc_err err;
	char *text;
	size_t len;
	int fd;

	if (st->line != 0) {
		conf_diag_add(r->d, s->file, s->line,
		    "section [storage] given twice");
		for (size_t j = 0; j < s->nentries; j++)
			s->entries[j].used = true;
		return;
	}
	st->line = s->line;
	if (s->name != NULL)
		conf_diag_add(r->d, s->file, s->line, "[storage] takes no name");
	keys_read_section(r, s, storage_keys, st);
	if (st->key_file == NULL ||
	    (e = conf_section_entry(s, "key_file")) == NULL)
		return;
	if ((fd = keys_open_secret(r, s, e, st->key_file)) < 0)
		return;
	if (fd_read_all(&text, &len, fd, STORAGE_MAX_FILE, &err) != 0) {
		conf_diag_add(r->d, s->file, e->line, "key_file: cannot read: "
		    "%s: %s", st->key_file, err.msg);
		close(fd);
		return;
	}
	close(fd);
	if (memchr(text, '\0', len) != NULL)
		conf_diag_add(r->d, st->key_file, 0, "the key file contains "
		    "a NUL byte");
	else
		parse_keys(r, st, st->key_file, text);
	st->on = st->keys.n > 0;
	explicit_bzero(text, len);
	free(text);
}

void
storage_free(struct conf_storage *st)
{
	seal_keyring_free(&st->keys);
	keys_free_strings(st, storage_keys);
	memset(st, 0, sizeof(*st));
}
