/*
 * keys.c - the value types of the config and the reading of a section
 * through a key table (see keys.h)
 *
 * Every value type has one reader here (set_value), with the message
 * that names what was expected. Secret files are opened without
 * following the caller into a FIFO (O_NONBLOCK), refused when group or
 * others may access them, read whole up to CONF_MAX_SECRET, and wiped
 * from memory when refused.
 */
#include "conf/keys.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#define CONF_MAX_SECRET (4096)

/* ----- Values -------------------------------------------------------- */

bool
keys_valid_addr(const char *s)
{
	const char *at = strchr(s, '@');

	if (at == NULL || at == s || at[1] == '\0' || strchr(at + 1, '@'))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == ',' || *p == '"' || *p == 0x7f)
			return false;
	return true;
}

int
conf_parse_mailbox_addr(char **name_r, char **addr_r, const char *s)
{
	const char *lt = strchr(s, '<'), *gt;
	char *name = NULL, *addr;

	if (lt == NULL) {
		char *t = xstrdup(s);

		addr = xstrdup(str_trim(t));
		free(t);
	} else {
		char *t;

		gt = strchr(lt, '>');
		if (gt == NULL || gt[1 + strspn(gt + 1, " \t")] != '\0')
			return GC_EINVAL;
		addr = xstrndup(lt + 1, (size_t)(gt - lt - 1));
		t = xstrndup(s, (size_t)(lt - s));
		name = xstrdup(str_trim(t));
		free(t);
		if (name[0] == '"') {
			size_t n = strlen(name);

			if (n >= 2 && name[n - 1] == '"') {
				memmove(name, name + 1, n - 2);
				name[n - 2] = '\0';
			}
		}
		if (name[0] == '\0') {
			free(name);
			name = NULL;
		}
	}
	if (!keys_valid_addr(addr)) {
		free(name);
		free(addr);
		return GC_EINVAL;
	}
	if (name != NULL && strpbrk(name, "\r\n") != NULL) {
		free(name);
		free(addr);
		return GC_EINVAL;
	}
	*name_r = name;
	*addr_r = addr;
	return 0;
}

static bool
url_has_scheme(const char *v, const char *const *schemes)
{
	for (; *schemes; schemes++) {
		size_t n = strlen(*schemes);

		if (str_ncasecmp(v, *schemes, n) == 0 && v[n] != '\0' &&
		    v[n] != '/')
			return true;
	}
	return false;
}

/* Open a secret file and check that only its owner may touch it (as ssh
 * does for keys): group or others reading it could learn the secret,
 * writing it could plant theirs. Returns the fd, or -1 with a diag. */
static int
open_secret(struct reader *r, const struct conf_section *s,
    const struct conf_entry *e, const char *path)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO named by mistake must not hang the open */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0) {
		conf_diag_add(r->d, s->file, e->line, "%s: cannot read: %s: %s",
		    e->key, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		conf_diag_add(r->d, s->file, e->line, "%s: %s is not a "
		    "regular file", e->key, path);
		close(fd);
		return -1;
	}
	if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		conf_diag_add(r->d, s->file, e->line, "%s: %s: permissions "
		    "%04o are too open: group or others may access it "
		    "(chmod 600 it)", e->key, path,
		    (unsigned)(st.st_mode & 07777));
		close(fd);
		return -1;
	}
	return fd;
}

int
keys_open_secret(struct reader *r, const struct conf_section *s,
    const struct conf_entry *e, const char *path)
{
	return open_secret(r, s, e, path);
}

static void
read_secret(struct reader *r, const struct conf_section *s,
    const struct conf_entry *e, char **dst, size_t min_len)
{
	char *path = path_resolve(r->c->dir, e->value), *data;
	struct gc_err err;
	size_t len;
	int fd, rc;

	if ((fd = open_secret(r, s, e, path)) < 0) {
		free(path);
		return;
	}
	rc = fd_read_all(&data, &len, fd, CONF_MAX_SECRET, &err);
	close(fd);
	if (rc != 0) {
		conf_diag_add(r->d, s->file, e->line, "%s: cannot read: "
		    "%s: %s", e->key, path, err.msg);
		free(path);
		return;
	}
	free(path);
	while (len > 0 && (data[len - 1] == '\n' || data[len - 1] == '\r'))
		data[--len] = '\0';
	if (len == 0 || memchr(data, '\0', len) != NULL ||
	    strpbrk(data, "\r\n") != NULL) {
		conf_diag_add(r->d, s->file, e->line,
		    "%s: the file must hold the secret on one line", e->key);
		explicit_bzero(data, len);
		free(data);
		return;
	}
	if (len < min_len) {
		conf_diag_add(r->d, s->file, e->line, "%s: the key is %zu "
		    "bytes, at least %zu are needed (e.g. openssl rand -hex "
		    "32)", e->key, len, min_len);
		explicit_bzero(data, len);
		free(data);
		return;
	}
	free(*dst);
	*dst = data;
}

static void
parse_list(struct conf_list *out, const char *v)
{
	const char *p = v;

	out->v = NULL;
	out->n = 0;
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char *item = xstrndup(p, n), *t = str_trim(item);

		if (*t != '\0') {
			out->v = xrealloc(out->v,
			    (out->n + 1) * sizeof(*out->v));
			out->v[out->n++] = xstrdup(t);
		}
		free(item);
		p += n;
		if (*p == ',')
			p++;
	}
}

static void
free_list(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Store one value of a key into the struct at base. */
static void
set_value(struct reader *r, const struct conf_section *s, int line,
    const struct key_spec *k, const char *v, void *base)
{
	static const char *const imap_schemes[] = { "imap://", "imaps://",
		NULL };
	static const char *const smtp_schemes[] = { "smtp://", "smtps://",
		NULL };
	static const char *const http_schemes[] = { "http://", "https://",
		NULL };
	char **sp = (char **)((char *)base + k->off);
	long long *ip = (long long *)((char *)base + k->off);
	bool *bp = (bool *)((char *)base + k->off);
	const char *file = s->file;
	enum log_level lvl;

	switch (k->type) {
	case V_STR:
	case V_URL_IMAP:
	case V_URL_SMTP:
	case V_URL_HTTP:
	case V_ADDR:
	case V_LANG:
	case V_LOGLEVEL:
		if (*v == '\0') {
			conf_diag_add(r->d, file, line, "%s: empty value",
			    k->name);
			return;
		}
		if (k->type == V_URL_IMAP && !url_has_scheme(v, imap_schemes))
			conf_diag_add(r->d, file, line, "%s: \"%s\" is not an "
			    "imap:// or imaps:// URL", k->name, v);
		else if (k->type == V_URL_SMTP &&
		    !url_has_scheme(v, smtp_schemes))
			conf_diag_add(r->d, file, line, "%s: \"%s\" is not an "
			    "smtp:// or smtps:// URL", k->name, v);
		else if (k->type == V_URL_HTTP &&
		    !url_has_scheme(v, http_schemes))
			conf_diag_add(r->d, file, line, "%s: \"%s\" is not an "
			    "http:// or https:// URL", k->name, v);
		else if (k->type == V_ADDR && !keys_valid_addr(v))
			conf_diag_add(r->d, file, line, "%s: \"%s\" is not a "
			    "mail address (local@domain)", k->name, v);
		else if (k->type == V_LANG && strcmp(v, "fr") != 0 &&
		    strcmp(v, "en") != 0)
			conf_diag_add(r->d, file, line, "%s: \"%s\": the "
			    "languages are fr and en", k->name, v);
		else if (k->type == V_LOGLEVEL && log_level_parse(v, &lvl))
			conf_diag_add(r->d, file, line, "%s: \"%s\": expected "
			    "debug, info, warn or error", k->name, v);
		else {
			free(*sp);
			*sp = xstrdup(v);
		}
		return;
	case V_PATH:
		if (*v == '\0') {
			conf_diag_add(r->d, file, line, "%s: empty path",
			    k->name);
			return;
		}
		free(*sp);
		*sp = path_resolve(r->c->dir, v);
		return;
	case V_SECRET:
	case V_KEY:
		/* handled by the caller, which has the entry */
		return;
	case V_INT:
	case V_DURATION:
	case V_SIZE: {
		long long n;
		int rc;

		if (k->type == V_DURATION)
			rc = duration_parse(&n, v);
		else if (k->type == V_SIZE)
			rc = size_parse(&n, v);
		else if (strspn(v, "0123456789") == strlen(v) &&
		    strlen(v) <= 15)
			rc = 0, n = strtoll(v, NULL, 10);
		else
			rc = GC_EINVAL;
		if (rc != 0) {
			conf_diag_add(r->d, file, line, "%s: \"%s\" is not %s",
			    k->name, v, k->type == V_DURATION ?
			    "a duration (e.g. 30s, 5m, 2h, 7d)" :
			    k->type == V_SIZE ? "a size (e.g. 512KB, 25MB)" :
			    "a non-negative integer");
			return;
		}
		*ip = n;
		return;
	}
	case V_BOOL:
		if (!str_casecmp(v, "yes") || !str_casecmp(v, "true") ||
		    !str_casecmp(v, "on") || !strcmp(v, "1"))
			*bp = true;
		else if (!str_casecmp(v, "no") || !str_casecmp(v, "false") ||
		    !str_casecmp(v, "off") || !strcmp(v, "0"))
			*bp = false;
		else
			conf_diag_add(r->d, file, line, "%s: \"%s\" is not "
			    "yes or no", k->name, v);
		return;
	case V_LIST: {
		struct conf_list *l = (struct conf_list *)((char *)base +
		    k->off);

		free_list(l);
		parse_list(l, v);
		return;
	}
	}
}

/* Read the keys of one section into base per the table; the secret keys
 * (V_SECRET) read their file into the field given by secret_off. */
void
keys_read_section(struct reader *r, struct conf_section *s,
    const struct key_spec *keys, void *base)
{
	for (const struct key_spec *k = keys; k->name; k++) {
		struct conf_entry *e = NULL;

		for (size_t i = 0; i < s->nentries; i++)
			if (strcmp(s->entries[i].key, k->name) == 0)
				e = &s->entries[i];
		/* The default goes in first so that a bad value still
		 * leaves a usable one behind for the checks that follow. */
		if (k->def != NULL)
			set_value(r, s, s->line, k, k->def, base);
		if (e != NULL) {
			e->used = true;
			if (k->type == V_SECRET || k->type == V_KEY)
				read_secret(r, s, e,
				    (char **)((char *)base + k->off),
				    k->type == V_KEY ? CONF_MIN_KEY : 1);
			else
				set_value(r, s, e->line, k, e->value, base);
		} else if (k->def == NULL && k->required) {
			conf_diag_add(r->d, s->file, s->line,
			    "[%s%s%s]: missing key \"%s\"", s->type,
			    s->name ? " " : "", s->name ? s->name : "",
			    k->name);
		}
	}
}

/* ----- Freeing ----------------------------------------------------- */

void
keys_free_strings(void *base, const struct key_spec *keys)
{
	for (const struct key_spec *k = keys; k->name; k++) {
		if (k->type == V_INT || k->type == V_DURATION ||
		    k->type == V_SIZE || k->type == V_BOOL)
			continue;
		if (k->type == V_LIST) {
			free_list((struct conf_list *)((char *)base + k->off));
			continue;
		}
		free(*(char **)((char *)base + k->off));
	}
}

void
keys_free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

bool
keys_single_section(struct reader *r, struct conf_section *s, int *line)
{
	if (s->name == NULL && *line == 0) {
		*line = s->line;
		return true;
	}
	for (size_t i = 0; i < s->nentries; i++)
		s->entries[i].used = true;
	conf_diag_add(r->d, s->file, s->line, s->name != NULL ?
	    "[%s] takes no name" : "section [%s] given twice", s->type);
	return false;
}

void
keys_diag(struct reader *r, const struct conf_section *s, const char *key,
    const char *fmt, ...)
{
	const struct conf_entry *e = conf_section_entry(s, key);
	char msg[1024];   /* as conf_diag_add() keeps */
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_diag_add(r->d, s->file, e ? e->line : s->line, "%s", msg);
}
