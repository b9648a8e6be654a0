/*
 * conf.c - INI parsing and validation of the configuration (see conf.h)
 *
 * Two passes: first the file is read into sections of raw entries (syntax
 * errors reported with their line); then each known section type is read
 * through the key table below, which gives every key its type, default and
 * where it goes. Keys nobody consumed and sections of unknown types are
 * reported, so a typo never silently falls back to a default.
 * Section types owned by other modules (SLA policy, rules...) are listed in
 * delegated_types and validated by those modules.
 */
#include "conf/conf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/util.h"

#define CONF_MAX_FILE   (4 * 1024 * 1024)
#define CONF_MAX_SECRET (4096)
#define CONF_MIN_KEY    32      /* bytes of a V_KEY secret */

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

/* ----- Pass 1: INI syntax ----------------------------------------- */

static bool
valid_ident(const char *s)
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
add_section(struct conf *c, const char *file, int line, const char *type,
    const char *name)
{
	struct conf_section *s;

	c->sections = xrealloc(c->sections,
	    (c->nsections + 1) * sizeof(*c->sections));
	s = &c->sections[c->nsections++];
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

static void
parse_ini(struct conf *c, const char *file, const char *text, size_t len,
    struct conf_diag *d)
{
	struct conf_section *cur = NULL;
	size_t pos = 0;
	int lineno = 0;

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
			if (!valid_ident(type) ||
			    (name != NULL && (*name == '\0' ||
			    strpbrk(name, " \t\"") != NULL))) {
				conf_diag_add(d, file, lineno,
				    "malformed section header [%s%s%s]", type,
				    name ? " " : "", name ? name : "");
				cur = NULL;
			} else {
				str_tolower(type);
				cur = add_section(c, file, lineno, type, name);
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
			if (!valid_ident(key)) {
				conf_diag_add(d, file, lineno,
				    "malformed key \"%s\"", key);
			} else if (cur == NULL) {
				conf_diag_add(d, file, lineno,
				    "key \"%s\" outside of any section", key);
			} else {
				struct conf_entry *e;

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
				str_tolower(e->key);
				e->value = xstrdup(val);
				e->line = lineno;
				e->used = false;
			}
			free(line);
		}
	}
}

/* ----- Pass 2: typed reading -------------------------------------- */

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

static bool
valid_addr_spec(const char *s)
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
	if (!valid_addr_spec(addr)) {
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
		else if (k->type == V_ADDR && !valid_addr_spec(v))
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
static void
read_section(struct reader *r, struct conf_section *s,
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

/* What a customer writes to confirm a resolution (fr, en). */
#define DEFAULT_CONFIRM "c'est résolu, c'est réglé, c'est bon pour nous, " \
	"vous pouvez fermer, vous pouvez clôturer, problème résolu, " \
	"ça fonctionne, ça marche, it works, it is working, you can close, " \
	"problem solved, issue resolved, works now, please close"

#define G(f) offsetof(struct conf_general, f)
static const struct key_spec general_keys[] = {
	{ "tracking_format", V_STR, G(tracking_format), "SUP-%Y-%06n", 0 },
	{ "language", V_LANG, G(language), "fr", 0 },
	{ "support_name", V_STR, G(support_name), NULL, 0 },
	{ "message_id_domain", V_STR, G(message_id_domain), NULL, 0 },
	{ "templates_dir", V_PATH, G(templates_dir), NULL, 0 },
	{ "log_level", V_LOGLEVEL, G(log_level), "info", 0 },
	{ "log_format", V_STR, G(log_format), "text", 0 },
	{ "poll_interval", V_DURATION, G(poll_interval), "60s", 0 },
	{ "max_mail_size", V_SIZE, G(max_mail_size), "25MB", 0 },
	{ "fetch_batch", V_INT, G(fetch_batch), "500", 0 },
	{ "outbox_max_attempts", V_INT, G(outbox_max_attempts), "12", 0 },
	{ "outbox_retry_base", V_DURATION, G(outbox_retry_base), "30s", 0 },
	{ "outbox_retry_max", V_DURATION, G(outbox_retry_max), "1h", 0 },
	{ "imap_timeout", V_DURATION, G(imap_timeout), "60s", 0 },
	{ "reconnect_max", V_DURATION, G(reconnect_max), "5m", 0 },
	{ "hmac_key_file", V_KEY, G(hmac_key), NULL, 0 },
	{ "trusted_authserv_id", V_STR, G(trusted_authserv_id), NULL, 0 },
	{ "stranger_followup", V_STR, G(stranger_followup), "new_ticket", 0 },
	{ "confirm_phrases", V_LIST, G(confirm_phrases), DEFAULT_CONFIRM, 0 },
	{ "notify_attach_max", V_SIZE, G(notify_attach_max), "5MB", 0 },
	{ "auto_reply_cap", V_INT, G(auto_reply_cap), "5", 0 },
	{ "max_participants_per_mail", V_INT, G(max_participants_per_mail),
	    "20", 0 },
	{ "ticket_send_cap", V_INT, G(ticket_send_cap), "30", 0 },
	{ "max_header_size", V_SIZE, G(max_header_size), "256KB", 0 },
	{ "max_mime_depth", V_INT, G(max_mime_depth), "32", 0 },
	{ "max_mime_parts", V_INT, G(max_mime_parts), "2000", 0 },
	{ "max_parse_ms", V_INT, G(max_parse_ms), "10000", 0 },
	{ "max_text_size", V_SIZE, G(max_text_size), "1MB", 0 },
	{ "fetch_budget", V_SIZE, G(fetch_budget), "64MB", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef G

#define D(f) offsetof(struct conf_database, f)
static const struct key_spec database_keys[] = {
	{ "conninfo", V_STR, D(conninfo), NULL, true },
	{ "password_file", V_SECRET, D(password), NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef D

#define S(f) offsetof(struct conf_smtp, f)
static const struct key_spec smtp_keys[] = {
	{ "url", V_URL_SMTP, S(url), "smtp://127.0.0.1:25", 0 },
	{ "user", V_STR, S(user), NULL, 0 },
	{ "password_file", V_SECRET, S(password), NULL, 0 },
	{ "tls_ca_file", V_PATH, S(tls_ca_file), NULL, 0 },
	{ "helo_name", V_STR, S(helo_name), NULL, 0 },
	{ "require_tls", V_BOOL, S(require_tls), "no", 0 },
	{ "timeout", V_DURATION, S(timeout), "30s", 0 },
	{ "tls", V_STR, S(tls), "auto", 0 },
	{ "max_rcpts", V_INT, S(max_rcpts), "100", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef S

#define M(f) offsetof(struct conf_mailbox, f)
static const struct key_spec mailbox_keys[] = {
	{ "url", V_URL_IMAP, M(url), NULL, true },
	{ "user", V_STR, M(user), NULL, true },
	{ "password_file", V_SECRET, M(password), NULL, true },
	{ "folder", V_STR, M(folder), "INBOX", 0 },
	{ "processed_folder", V_STR, M(processed_folder), "Processed", 0 },
	{ "quarantine_folder", V_STR, M(quarantine_folder), "Quarantine", 0 },
	{ "address", V_ADDR, M(address), NULL, true },
	{ "queue", V_STR, M(queue), NULL, 0 },
	{ "tls_ca_file", V_PATH, M(tls_ca_file), NULL, 0 },
	{ "language", V_LANG, M(language), NULL, 0 },
	{ "poll_interval", V_DURATION, M(poll_interval), NULL, 0 },
	{ "idle", V_BOOL, M(idle), "yes", 0 },
	{ "allow_plaintext", V_BOOL, M(allow_plaintext), "no", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef M

#define A(f) offsetof(struct conf_agent, f)
static const struct key_spec agent_keys[] = {
	{ "address", V_ADDR, A(address), NULL, true },
	{ "name", V_STR, A(display_name), NULL, 0 },
	{ "queues", V_LIST, A(queues), NULL, 0 },
	{ "language", V_LANG, A(language), NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef A

#define Q(f) offsetof(struct conf_queue, f)
static const struct key_spec queue_keys[] = {
	{ "escalation_to", V_LIST, Q(escalation_to), NULL, 0 },
	{ "webhook_url", V_URL_HTTP, Q(webhook_url), NULL, 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef Q

/* Section types whose keys another module validates. */
static const char *const delegated_types[] = {
	"sla", "calendar", "plan", "priority", "target", "organisation",
	"organization", "rules", "route", NULL
};

static bool
is_delegated(const char *type)
{
	for (const char *const *t = delegated_types; *t; t++)
		if (strcmp(*t, type) == 0)
			return true;
	return false;
}

/* tls = auto | required | none; none contradicts smtps:// and
 * require_tls. max_rcpts: 1 or more. */
static void
check_smtp_tls(struct reader *r, const struct conf_section *s)
{
	struct conf_smtp *m = &r->c->smtp;
	const struct conf_entry *e = conf_section_entry(s, "tls");
	int line = e ? e->line : s->line;

	m->tls_line = e ? e->line : 0;
	if (m->tls != NULL && strcmp(m->tls, "auto") != 0 &&
	    strcmp(m->tls, "required") != 0 && strcmp(m->tls, "none") != 0)
		conf_diag_add(r->d, s->file, line, "tls: \"%s\": expected "
		    "auto, required or none", m->tls);
	m->tls_none = m->tls != NULL && strcmp(m->tls, "none") == 0;
	if (m->tls != NULL && strcmp(m->tls, "required") == 0)
		m->require_tls = true;
	if (m->tls_none && m->url != NULL &&
	    strncasecmp(m->url, "smtps://", 8) == 0)
		conf_diag_add(r->d, s->file, line, "tls = none: the url is "
		    "smtps://, which is TLS");
	if (m->tls_none && m->require_tls)
		conf_diag_add(r->d, s->file, line, "tls = none contradicts "
		    "require_tls = yes");
	if (m->max_rcpts < 1 || m->max_rcpts > 100000) {
		e = conf_section_entry(s, "max_rcpts");
		conf_diag_add(r->d, s->file, e ? e->line : s->line,
		    "max_rcpts: %lld: expected 1 to 100000", m->max_rcpts);
	}
}

static void
read_smtp(struct reader *r, struct conf_section *s)
{
	struct conf_entry *from = NULL;

	read_section(r, s, smtp_keys, &r->c->smtp);
	for (size_t i = 0; i < s->nentries; i++)
		if (strcmp(s->entries[i].key, "from") == 0)
			from = &s->entries[i];
	check_smtp_tls(r, s);
	if (from == NULL) {
		conf_diag_add(r->d, s->file, s->line,
		    "[smtp]: missing key \"from\"");
		return;
	}
	from->used = true;
	if (conf_parse_mailbox_addr(&r->c->smtp.from_name,
	    &r->c->smtp.from_addr, from->value) != 0)
		conf_diag_add(r->d, s->file, from->line, "from: \"%s\" is not "
		    "an address (\"Name <local@domain>\" or local@domain)",
		    from->value);
}

#define H(f) offsetof(struct conf_http, f)
static const struct key_spec http_keys[] = {
	{ "listen", V_STR, H(listen), NULL, true },
	{ "allow_remote", V_BOOL, H(allow_remote), "no", 0 },
	{ "poll_stale_after", V_DURATION, H(poll_stale_after), "10m", 0 },
	{ "outbox_stuck_after", V_DURATION, H(outbox_stuck_after), "30m", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef H

/* "127.0.0.1:9187", "[::1]:9187" or "localhost:9187": a numeric address
 * (localhost is 127.0.0.1) and a port from 1 to 65535. Returns NULL or
 * why the value is refused; *loopback_r tells whether the address is a
 * loopback one. */
static const char *
split_listen(const char *v, char **host_r, int *port_r, bool *loopback_r)
{
	const char *colon, *h = v, *p;
	char host[64], *end;
	unsigned char a[16];
	size_t hl;
	long port;

	if (v[0] == '[') {
		const char *close = strchr(v, ']');

		if (close == NULL || close[1] != ':')
			return "expected [IPv6]:PORT";
		h = v + 1;
		hl = (size_t)(close - h);
		p = close + 2;
	} else {
		if ((colon = strrchr(v, ':')) == NULL)
			return "expected ADDRESS:PORT (e.g. 127.0.0.1:9187)";
		hl = (size_t)(colon - v);
		p = colon + 1;
	}
	if (hl == 0 || hl >= sizeof(host))
		return "expected ADDRESS:PORT (e.g. 127.0.0.1:9187)";
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(p, &end, 10);
	if (!isdigit((unsigned char)*p) || *end != '\0' || errno != 0 ||
	    port < 1 || port > 65535)
		return "the port is a number from 1 to 65535";
	if (strcmp(host, "localhost") == 0)
		snprintf(host, sizeof(host), "127.0.0.1");
	if (inet_pton(AF_INET, host, a) == 1)
		*loopback_r = a[0] == 127;
	else if (inet_pton(AF_INET6, host, a) == 1)
		*loopback_r = strcmp(host, "::1") == 0 ||
		    memcmp(a, in6addr_loopback.s6_addr, 16) == 0;
	else
		return "the address is a numeric IPv4 or IPv6 address (or "
		    "localhost)";
	*host_r = xstrdup(host);
	*port_r = (int)port;
	return NULL;
}

static void
read_http(struct reader *r, struct conf_section *s)
{
	struct conf_http *h = &r->c->http;
	const struct conf_entry *e;
	const char *why;
	bool loopback = false;

	if (s->name != NULL || h->line != 0)
		for (size_t i = 0; i < s->nentries; i++)
			s->entries[i].used = true;
	if (s->name != NULL) {
		conf_diag_add(r->d, s->file, s->line, "[http] takes no name");
		return;
	}
	if (h->line != 0) {
		conf_diag_add(r->d, s->file, s->line,
		    "section [http] given twice");
		return;
	}
	h->line = s->line;
	read_section(r, s, http_keys, h);
	if (h->listen == NULL)
		return;
	e = conf_section_entry(s, "listen");
	if ((why = split_listen(h->listen, &h->host, &h->port,
	    &loopback)) != NULL)
		conf_diag_add(r->d, s->file, e->line, "listen: \"%s\": %s",
		    h->listen, why);
	else if (!loopback && !h->allow_remote)
		conf_diag_add(r->d, s->file, e->line, "listen: \"%s\" is not "
		    "a loopback address: the metrics would be open to the "
		    "network; set allow_remote = yes if that is meant",
		    h->listen);
	if (h->poll_stale_after < 1) {
		e = conf_section_entry(s, "poll_stale_after");
		conf_diag_add(r->d, s->file, e ? e->line : s->line,
		    "poll_stale_after: at least 1s");
	}
	if (h->outbox_stuck_after < 1) {
		e = conf_section_entry(s, "outbox_stuck_after");
		conf_diag_add(r->d, s->file, e ? e->line : s->line,
		    "outbox_stuck_after: at least 1s");
	}
}

static bool
valid_tracking_format(const char *f, char *why, size_t whylen)
{
	int nseq = 0;

	for (const char *p = f; *p; p++) {
		if (*p != '%') {
			if (!isalnum((unsigned char)*p) && *p != '-' &&
			    *p != '_' && *p != '.' && *p != '/' && *p != '#') {
				snprintf(why, whylen, "character '%c' not "
				    "allowed (letters, digits, - _ . / #)", *p);
				return false;
			}
			continue;
		}
		p++;
		if (*p == '0')
			p++;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p == 'n')
			nseq++;
		else if (*p != 'Y' && *p != 'y' && *p != 'm' && *p != '%') {
			snprintf(why, whylen, "unknown directive %%%c (use %%Y "
			    "%%y %%m %%n %%%%)", *p ? *p : '?');
			return false;
		}
	}
	if (nseq != 1) {
		snprintf(why, whylen, "needs exactly one %%n (the sequence "
		    "number)");
		return false;
	}
	return true;
}

static void
check_cross(struct reader *r, bool have_database, bool have_smtp)
{
	struct conf *c = r->c;
	char why[128];

	if (!have_database)
		conf_diag_add(r->d, c->path, 0, "missing section [database]");
	if (!have_smtp)
		conf_diag_add(r->d, c->path, 0, "missing section [smtp]");
	if (!valid_tracking_format(c->general.tracking_format, why,
	    sizeof(why)))
		conf_diag_add(r->d, c->path, 0, "tracking_format \"%s\": %s",
		    c->general.tracking_format, why);
	for (size_t i = 0; i < c->nmailboxes; i++) {
		struct conf_mailbox *m = &c->mailboxes[i];

		if (m->queue == NULL)
			m->queue = xstrdup(m->name);
		if (m->language == NULL)
			m->language = xstrdup(c->general.language);
		if (m->poll_interval == 0)
			m->poll_interval = c->general.poll_interval;
		for (size_t j = 0; j < i && m->address != NULL; j++)
			if (c->mailboxes[j].address != NULL &&
			    str_casecmp(c->mailboxes[j].address,
			    m->address) == 0)
				conf_diag_add(r->d, c->path, m->line,
				    "mailbox %s: address %s is already the "
				    "address of mailbox %s", m->name,
				    m->address, c->mailboxes[j].name);
	}
	for (size_t i = 0; i < c->nagents; i++) {
		struct conf_agent *a = &c->agents[i];

		if (a->language == NULL)
			a->language = xstrdup(c->general.language);
		for (size_t q = 0; q < a->queues.n; q++) {
			bool known = conf_queue(c, a->queues.v[q]) != NULL;

			for (size_t m = 0; m < c->nmailboxes && !known; m++)
				known = c->mailboxes[m].queue &&
				    strcmp(c->mailboxes[m].queue,
				    a->queues.v[q]) == 0;
			if (!known)
				conf_diag_add(r->d, c->path, a->line,
				    "agent %s: queue \"%s\" is neither a "
				    "[queue] section nor a mailbox's queue",
				    a->name, a->queues.v[q]);
		}
		for (size_t m = 0; m < c->nmailboxes; m++)
			if (a->address && c->mailboxes[m].address &&
			    str_casecmp(a->address,
			    c->mailboxes[m].address) == 0)
				conf_diag_add(r->d, c->path, a->line,
				    "agent %s: address %s is a mailbox "
				    "address", a->name, a->address);
	}
	for (size_t i = 0; i < c->nqueues; i++) {
		struct conf_queue *q = &c->queues[i];

		for (size_t j = 0; j < q->escalation_to.n; j++)
			if (!valid_addr_spec(q->escalation_to.v[j]))
				conf_diag_add(r->d, c->path, q->line,
				    "queue %s: escalation_to: \"%s\" is not "
				    "a mail address", q->name,
				    q->escalation_to.v[j]);
	}
	if (c->general.message_id_domain == NULL && c->smtp.from_addr) {
		const char *at = strchr(c->smtp.from_addr, '@');

		c->general.message_id_domain = xstrdup(at ? at + 1 :
		    "guichet.invalid");
	}
	if (c->general.support_name == NULL)
		c->general.support_name = xstrdup(c->smtp.from_name ?
		    c->smtp.from_name : "Support");
	if (c->general.fetch_batch < 1)
		c->general.fetch_batch = 1;
	if (c->general.max_text_size < 1024)
		conf_diag_add(r->d, c->path, 0, "max_text_size: %lld bytes: "
		    "at least 1KB", c->general.max_text_size);
	if (c->general.fetch_budget < 1048576)
		conf_diag_add(r->d, c->path, 0, "fetch_budget: %lld bytes: "
		    "at least 1MB", c->general.fetch_budget);
	if (strcmp(c->general.log_format, "text") != 0 &&
	    strcmp(c->general.log_format, "json") != 0) {
		const struct conf_section *g[8];
		const struct conf_entry *e = NULL;
		size_t ng = conf_sections(c, "guichet", g, 8);

		for (size_t i = 0; i < ng && i < 8; i++)
			if (conf_section_entry(g[i], "log_format") != NULL)
				e = conf_section_entry(g[i], "log_format");
		conf_diag_add(r->d, c->path, e ? e->line : 0, "log_format: "
		    "\"%s\": expected text or json", c->general.log_format);
	}
	if (strcmp(c->general.stranger_followup, "new_ticket") != 0 &&
	    strcmp(c->general.stranger_followup, "hold") != 0)
		conf_diag_add(r->d, c->path, 0, "stranger_followup: \"%s\": "
		    "expected new_ticket or hold",
		    c->general.stranger_followup);
}

static void
read_all(struct reader *r)
{
	struct conf *c = r->c;
	bool have_db = false, have_smtp = false, have_general = false;

	/* Defaults of [guichet] apply even when the section is absent. */
	for (size_t i = 0; i < c->nsections; i++)
		if (strcmp(c->sections[i].type, "guichet") == 0 &&
		    c->sections[i].name == NULL)
			have_general = true;
	if (!have_general) {
		struct conf_section empty = { .type = "guichet",
			.file = c->path };

		read_section(r, &empty, general_keys, &c->general);
	}
	for (size_t i = 0; i < c->nsections; i++) {
		struct conf_section *s = &c->sections[i];
		bool named = s->name != NULL;
		const char *t = s->type;

		if (strcmp(t, "guichet") == 0 || strcmp(t, "database") == 0 ||
		    strcmp(t, "smtp") == 0) {
			bool *seen = t[0] == 'g' ? &have_general :
			    t[0] == 'd' ? &have_db : &have_smtp;

			if (named) {
				conf_diag_add(r->d, s->file, s->line,
				    "[%s] takes no name", t);
				continue;
			}
			if (*seen && t[0] != 'g') {
				conf_diag_add(r->d, s->file, s->line,
				    "section [%s] given twice", t);
				continue;
			}
			*seen = true;
			if (t[0] == 'g')
				read_section(r, s, general_keys, &c->general);
			else if (t[0] == 'd')
				read_section(r, s, database_keys,
				    &c->database);
			else
				read_smtp(r, s);
		} else if (strcmp(t, "mailbox") == 0 ||
		    strcmp(t, "agent") == 0 || strcmp(t, "queue") == 0) {
			if (!named) {
				conf_diag_add(r->d, s->file, s->line,
				    "[%s] needs a name: [%s NAME]", t, t);
				continue;
			}
			if ((t[0] == 'm' && conf_mailbox(c, s->name)) ||
			    (t[0] == 'q' && conf_queue(c, s->name))) {
				conf_diag_add(r->d, s->file, s->line,
				    "[%s %s] given twice", t, s->name);
				continue;
			}
			if (t[0] == 'm') {
				struct conf_mailbox *m;

				c->mailboxes = xrealloc(c->mailboxes,
				    (c->nmailboxes + 1) * sizeof(*m));
				m = &c->mailboxes[c->nmailboxes++];
				memset(m, 0, sizeof(*m));
				m->name = xstrdup(s->name);
				m->line = s->line;
				read_section(r, s, mailbox_keys, m);
			} else if (t[0] == 'a') {
				struct conf_agent *a;

				c->agents = xrealloc(c->agents,
				    (c->nagents + 1) * sizeof(*a));
				a = &c->agents[c->nagents++];
				memset(a, 0, sizeof(*a));
				if (!valid_ident(s->name))
					conf_diag_add(r->d, s->file, s->line,
					    "[agent %s]: an agent's name is "
					    "letters, digits, - _ and . only",
					    s->name);
				a->name = xstrdup(s->name);
				a->line = s->line;
				read_section(r, s, agent_keys, a);
				if (a->display_name == NULL)
					a->display_name = xstrdup(s->name);
			} else {
				struct conf_queue *q;

				c->queues = xrealloc(c->queues,
				    (c->nqueues + 1) * sizeof(*q));
				q = &c->queues[c->nqueues++];
				memset(q, 0, sizeof(*q));
				q->name = xstrdup(s->name);
				q->line = s->line;
				read_section(r, s, queue_keys, q);
			}
		} else if (strcmp(t, "http") == 0) {
			read_http(r, s);
		} else if (is_delegated(t)) {
			for (size_t j = 0; j < s->nentries; j++)
				s->entries[j].used = true;   /* theirs */
		} else {
			conf_diag_add(r->d, s->file, s->line,
			    "unknown section [%s]", t);
			for (size_t j = 0; j < s->nentries; j++)
				s->entries[j].used = true;
		}
	}
	for (size_t i = 0; i < c->nsections; i++) {
		struct conf_section *s = &c->sections[i];

		for (size_t j = 0; j < s->nentries; j++)
			if (!s->entries[j].used)
				conf_diag_add(r->d, s->file,
				    s->entries[j].line,
				    "unknown key \"%s\" in [%s%s%s]",
				    s->entries[j].key, s->type,
				    s->name ? " " : "",
				    s->name ? s->name : "");
	}
	check_cross(r, have_db, have_smtp);
}

/* keep: hand back the config read so far even when it has problems. */
static int
load_buffer(struct conf **out, const char *name, const char *dir,
    const char *text, size_t len, struct conf_diag *diag, bool keep)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	struct reader r = { c, diag };
	size_t before = diag->n;

	c->path = xstrdup(name);
	c->dir = xstrdup(dir ? dir : ".");
	if (memchr(text, '\0', len) != NULL)
		conf_diag_add(diag, name, 0, "the file contains a NUL byte");
	else
		parse_ini(c, name, text, len, diag);
	read_all(&r);
	if (diag->n > before) {
		if (!keep)
			conf_free(&c);
		*out = c;
		return GC_ECONFIG;
	}
	*out = c;
	return 0;
}

int
conf_load_buffer(struct conf **out, const char *name, const char *dir,
    const char *text, size_t len, struct conf_diag *diag)
{
	return load_buffer(out, name, dir, text, len, diag, false);
}

/* The folder of the config file as an absolute path, so that the paths
 * it names mean the same whatever the current folder is later. */
static char *
config_dir(const char *path)
{
	char *dir = path_dirname(path), *abs;

	if (dir[0] == '/' || (abs = realpath(dir, NULL)) == NULL)
		return dir;
	free(dir);
	return abs;
}

static int
load_file(struct conf **out, const char *path, struct conf_diag *diag,
    bool keep)
{
	struct gc_err err;
	char *text, *dir;
	size_t len;
	int rc;

	*out = NULL;
	if (file_read(&text, &len, path, CONF_MAX_FILE, &err) != 0) {
		conf_diag_add(diag, path, 0, "cannot read: %s", err.msg);
		return GC_ECONFIG;
	}
	dir = config_dir(path);
	rc = load_buffer(out, path, dir, text, len, diag, keep);
	free(dir);
	free(text);
	return rc;
}

int
conf_load(struct conf **out, const char *path, struct conf_diag *diag)
{
	return load_file(out, path, diag, false);
}

int
conf_load_partial(struct conf **out, const char *path,
    struct conf_diag *diag)
{
	return load_file(out, path, diag, true);
}

/* ----- Freeing and lookups ---------------------------------------- */

static void
free_strings(void *base, const struct key_spec *keys)
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

static void
free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

void
conf_free(struct conf **cp)
{
	struct conf *c = *cp;

	if (c == NULL)
		return;
	free_secret(c->general.hmac_key);
	c->general.hmac_key = NULL;
	free_strings(&c->general, general_keys);
	free(c->database.conninfo);
	free_secret(c->database.password);
	free(c->smtp.url);
	free(c->smtp.from_name);
	free(c->smtp.from_addr);
	free(c->smtp.user);
	free_secret(c->smtp.password);
	free(c->smtp.tls_ca_file);
	free(c->smtp.helo_name);
	free(c->smtp.tls);
	for (size_t i = 0; i < c->nmailboxes; i++) {
		struct conf_mailbox *m = &c->mailboxes[i];

		free_secret(m->password);
		m->password = NULL;
		free_strings(m, mailbox_keys);
		free(m->name);
	}
	free(c->mailboxes);
	for (size_t i = 0; i < c->nagents; i++) {
		free_strings(&c->agents[i], agent_keys);
		free(c->agents[i].name);
	}
	free(c->agents);
	for (size_t i = 0; i < c->nqueues; i++) {
		free_strings(&c->queues[i], queue_keys);
		free(c->queues[i].name);
	}
	free(c->queues);
	free_strings(&c->http, http_keys);
	free(c->http.host);
	for (size_t i = 0; i < c->nsections; i++) {
		struct conf_section *s = &c->sections[i];

		for (size_t j = 0; j < s->nentries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->type);
		free(s->name);
		free(s->file);
	}
	free(c->sections);
	free(c->path);
	free(c->dir);
	free(c);
	*cp = NULL;
}

const struct conf_mailbox *
conf_mailbox(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nmailboxes; i++)
		if (strcmp(c->mailboxes[i].name, name) == 0)
			return &c->mailboxes[i];
	return NULL;
}

const struct conf_agent *
conf_agent_by_address(const struct conf *c, const char *addr)
{
	for (size_t i = 0; i < c->nagents; i++)
		if (c->agents[i].address &&
		    str_casecmp(c->agents[i].address, addr) == 0)
			return &c->agents[i];
	return NULL;
}

bool
conf_is_our_address(const struct conf *c, const char *addr)
{
	if (addr == NULL)
		return false;
	if (c->smtp.from_addr && str_casecmp(addr, c->smtp.from_addr) == 0)
		return true;
	for (size_t i = 0; i < c->nmailboxes; i++)
		if (str_casecmp(addr, c->mailboxes[i].address) == 0)
			return true;
	return false;
}

const struct conf_queue *
conf_queue(const struct conf *c, const char *name)
{
	for (size_t i = 0; i < c->nqueues; i++)
		if (strcmp(c->queues[i].name, name) == 0)
			return &c->queues[i];
	return NULL;
}

size_t
conf_sections(const struct conf *c, const char *type,
    const struct conf_section **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < c->nsections; i++)
		if (strcmp(c->sections[i].type, type) == 0) {
			if (n < max)
				out[n] = &c->sections[i];
			n++;
		}
	return n;
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
