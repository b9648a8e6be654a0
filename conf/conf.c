/*
 * conf.c - Guichet's configuration schema (see conf.h)
 *
 * Two passes: first the file is read into sections of raw entries by the
 * INI reader (ini.c, syntax errors reported with their line); then each
 * known section type is read through its key table below (keys.c), which
 * gives every key its type, default and where it goes. Keys nobody
 * consumed and sections of unknown types are reported, so a typo never
 * silently falls back to a default.
 * Section types owned by other modules (SLA policy, rules...) are listed in
 * delegated_types and validated by those modules.
 */
#include "conf/conf.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"
#include "conf/digest_conf.h"
#include "conf/hooks_conf.h"
#include "conf/gdpr_check.h"
#include "conf/ini.h"
#include "conf/keys.h"
#include "conf/listen_conf.h"
#include "conf/storage.h"
#include "conf/oauth2_check.h"
#include "conf/security.h"
#include "conf/status_conf.h"

/* What a customer writes to confirm a resolution (fr, en). */
#define DEFAULT_CONFIRM "c'est résolu, c'est réglé, c'est bon pour nous, " \
	"vous pouvez fermer, vous pouvez clôturer, problème résolu, " \
	"ça fonctionne, ça marche, it works, it is working, you can close, " \
	"problem solved, issue resolved, works now, please close"

#define G(f) offsetof(struct conf_general, f)
static const struct key_spec general_keys[] = {
	{ "tracking_format", V_STR, G(tracking_format), "SUP-%Y-%06n", 0 },
	{ "language", V_LANG, G(language), "fr", 0 },
	{ "detect_language", V_BOOL, G(detect_language), "yes", 0 },
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
	{ "webhook_secret_file", V_KEY, G(webhook_secret), NULL, 0 },
	{ "trusted_authserv_id", V_STR, G(trusted_authserv_id), NULL, 0 },
	{ "stranger_followup", V_STR, G(stranger_followup), "new_ticket", 0 },
	{ "answer_collision", V_STR, G(answer_collision), "hold", 0 },
	{ "escalation_burst", V_INT, G(escalation_burst), "10", 0 },
	{ "escalation_gather", V_DURATION, G(escalation_gather), "15m", 0 },
	{ "held_retention", V_DURATION, G(held_retention), "30d", 0 },
	{ "outbox_keep", V_DURATION, G(outbox_keep), "90d", 0 },
	{ "confirm_phrases", V_LIST, G(confirm_phrases), DEFAULT_CONFIRM, 0 },
	{ "notify_attach_max", V_SIZE, G(notify_attach_max), "5MB", 0 },
	{ "reply_attach_max", V_SIZE, G(reply_attach_max), "10MB", 0 },
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

/* auth and the oauth2_* keys, the same in [smtp] and [mailbox NAME]. */
#define OAUTH2_KEYS(X) \
	{ "auth", V_STR, X(oauth2.auth), "password", 0 }, \
	{ "oauth2_mechanism", V_STR, X(oauth2.mechanism), "xoauth2", 0 }, \
	{ "oauth2_token_url", V_URL_HTTP, X(oauth2.token_url), NULL, 0 }, \
	{ "oauth2_client_id", V_STR, X(oauth2.client_id), NULL, 0 }, \
	{ "oauth2_client_secret_file", V_SECRET, X(oauth2.client_secret), \
	    NULL, 0 }, \
	{ "oauth2_refresh_token_file", V_PATH, X(oauth2.refresh_token_file), \
	    NULL, 0 }, \
	{ "oauth2_scope", V_STR, X(oauth2.scope), NULL, 0 }, \
	{ "oauth2_device_url", V_URL_HTTP, X(oauth2.device_url), NULL, 0 }

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
	OAUTH2_KEYS(S),
	{ NULL, 0, 0, NULL, 0 }
};
#undef S

#define M(f) offsetof(struct conf_mailbox, f)
static const struct key_spec mailbox_keys[] = {
	{ "url", V_URL_IMAP, M(url), NULL, true },
	{ "user", V_STR, M(user), NULL, true },
	{ "password_file", V_SECRET, M(password), NULL, 0 },
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
	{ "tls", V_STR, M(tls), "auto", 0 },
	OAUTH2_KEYS(M),
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
	{ "redact", V_BOOL, Q(redact), NULL, 0 },
	{ "retention", V_DURATION, Q(retention), NULL, 0 },
	{ "assign", V_STR, Q(assign), "none", 0 },
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

enum tls_word { TLS_AUTO, TLS_REQUIRED, TLS_NONE };

/* The section's tls = auto | required | none, read by [smtp] and
 * [mailbox] alike: another word is reported and taken for auto. *line_r:
 * the line of the key, else the section's. none contradicts a url of
 * the scheme given (smtps://, imaps://), which is TLS. */
static enum tls_word
read_tls_word(struct reader *r, const struct conf_section *s,
    const char *value, const char *url, const char *tls_scheme,
    int *line_r)
{
	const struct conf_entry *e = conf_section_entry(s, "tls");
	enum tls_word w = TLS_AUTO;

	*line_r = e ? e->line : s->line;
	if (value == NULL || strcmp(value, "auto") == 0)
		w = TLS_AUTO;
	else if (strcmp(value, "required") == 0)
		w = TLS_REQUIRED;
	else if (strcmp(value, "none") == 0)
		w = TLS_NONE;
	else
		conf_diag_add(r->d, s->file, *line_r, "tls: \"%s\": expected "
		    "auto, required or none", value);
	if (w == TLS_NONE && url != NULL &&
	    strncasecmp(url, tls_scheme, strlen(tls_scheme)) == 0)
		conf_diag_add(r->d, s->file, *line_r, "tls = none: the url is "
		    "%s, which is TLS", tls_scheme);
	return w;
}

/* A mailbox's tls: none (or the older allow_plaintext = yes) lets it
 * log in without TLS when the server offers no STARTTLS, and
 * contradicts required. auto and required are the same: a login carries
 * a password, which needs TLS on the loopback too. */
static void
check_mailbox_tls(struct reader *r, const struct conf_section *s,
    struct conf_mailbox *m)
{
	int line;
	enum tls_word w = read_tls_word(r, s, m->tls, m->url, "imaps://",
	    &line);

	if (w == TLS_REQUIRED && m->allow_plaintext)
		conf_diag_add(r->d, s->file, line, "tls = required "
		    "contradicts allow_plaintext = yes");
	m->allow_plaintext = m->allow_plaintext || w == TLS_NONE;
}

/* [smtp] tls (none contradicts require_tls); max_rcpts: 1 or more. */
static void
check_smtp_tls(struct reader *r, const struct conf_section *s)
{
	struct conf_smtp *m = &r->c->smtp;
	const struct conf_entry *e = conf_section_entry(s, "tls");
	int line;
	enum tls_word w = read_tls_word(r, s, m->tls, m->url, "smtps://",
	    &line);

	m->tls_line = e ? e->line : 0;
	m->tls_none = w == TLS_NONE;
	if (w == TLS_REQUIRED)
		m->require_tls = true;
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

	keys_read_section(r, s, smtp_keys, &r->c->smtp);
	for (size_t i = 0; i < s->nentries; i++)
		if (strcmp(s->entries[i].key, "from") == 0)
			from = &s->entries[i];
	check_smtp_tls(r, s);
	conf_check_oauth2(r, s, &r->c->smtp.oauth2, false);
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

/* The line of a [guichet] key, the last of its sections that sets it;
 * 0 when none does. */
static int
general_line(const struct conf *c, const char *key)
{
	const struct conf_section *g[8];
	const struct conf_entry *e = NULL;
	size_t ng = conf_sections(c, "guichet", g, 8);

	for (size_t i = 0; i < ng && i < 8; i++)
		if (conf_section_entry(g[i], key) != NULL)
			e = conf_section_entry(g[i], key);
	return e ? e->line : 0;
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
	if (c->status.line != 0 && c->status.language == NULL)
		c->status.language = xstrdup(c->general.language);
	for (size_t i = 0; i < c->nagents; i++) {
		struct conf_agent *a = &c->agents[i];

		if (a->language == NULL)
			a->language = xstrdup(c->general.language);
		for (size_t q = 0; q < a->queues.n; q++) {
			/* the security queue is the default rules' and
			 * policy's own, like a mailbox's */
			bool known = conf_queue(c, a->queues.v[q]) != NULL ||
			    strcmp(a->queues.v[q], CONF_SECURITY_QUEUE) == 0;

			for (size_t m = 0; m < c->nmailboxes && !known; m++)
				known = c->mailboxes[m].queue &&
				    strcmp(c->mailboxes[m].queue,
				    a->queues.v[q]) == 0;
			if (!known)
				conf_diag_add(r->d, c->path, a->line,
				    "agent %s: queue \"%s\" is neither a "
				    "[queue] section, a mailbox's queue nor "
				    "\"" CONF_SECURITY_QUEUE "\"",
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
			if (!keys_valid_addr(q->escalation_to.v[j]))
				conf_diag_add(r->d, c->path, q->line,
				    "queue %s: escalation_to: \"%s\" is not "
				    "a mail address", q->name,
				    q->escalation_to.v[j]);
		q->round_robin = q->assign != NULL &&
		    strcmp(q->assign, "round_robin") == 0;
		if (q->assign != NULL && !q->round_robin &&
		    strcmp(q->assign, "none") != 0)
			conf_diag_add(r->d, c->path, q->line, "queue %s: assign: "
			    "\"%.64s\": round_robin or none", q->name,
			    q->assign);
		else if (q->round_robin && !conf_queue_worked(c, q->name))
			conf_diag_add(r->d, c->path, q->line, "queue %s: assign "
			    "= round_robin, but no agent works on it", q->name);
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
	    strcmp(c->general.log_format, "json") != 0)
		conf_diag_add(r->d, c->path, general_line(c, "log_format"),
		    "log_format: \"%s\": expected text or json",
		    c->general.log_format);
	if (strcmp(c->general.stranger_followup, "new_ticket") != 0 &&
	    strcmp(c->general.stranger_followup, "hold") != 0)
		conf_diag_add(r->d, c->path, general_line(c,
		    "stranger_followup"), "stranger_followup: \"%s\": "
		    "expected new_ticket or hold",
		    c->general.stranger_followup);
	if (strcmp(c->general.answer_collision, "hold") != 0 &&
	    strcmp(c->general.answer_collision, "send") != 0)
		conf_diag_add(r->d, c->path, general_line(c,
		    "answer_collision"), "answer_collision: \"%s\": "
		    "expected hold or send", c->general.answer_collision);
	/* escalations held for days are escalations lost: 15d for 15m */
	if (c->general.escalation_gather > 24 * 3600)
		conf_diag_add(r->d, c->path, general_line(c,
		    "escalation_gather"), "escalation_gather: %llds: expected "
		    "at most 24h", c->general.escalation_gather);
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

		keys_read_section(r, &empty, general_keys, &c->general);
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
				keys_read_section(r, s, general_keys,
				    &c->general);
			else if (t[0] == 'd')
				keys_read_section(r, s, database_keys,
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
				keys_read_section(r, s, mailbox_keys, m);
				check_mailbox_tls(r, s, m);
				conf_check_oauth2(r, s, &m->oauth2, true);
			} else if (t[0] == 'a') {
				struct conf_agent *a;

				c->agents = xrealloc(c->agents,
				    (c->nagents + 1) * sizeof(*a));
				a = &c->agents[c->nagents++];
				memset(a, 0, sizeof(*a));
				if (!ini_valid_ident(s->name))
					conf_diag_add(r->d, s->file, s->line,
					    "[agent %s]: an agent's name is "
					    "letters, digits, - _ and . only",
					    s->name);
				a->name = xstrdup(s->name);
				a->line = s->line;
				keys_read_section(r, s, agent_keys, a);
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
				q->retention = -1;
				keys_read_section(r, s, queue_keys, q);
				/* redact has no default: whether it was given */
				q->redact_set = conf_section_entry(s, "redact") !=
				    NULL;
			}
		} else if (strcmp(t, "http") == 0) {
			conf_read_http(r, s);
		} else if (strcmp(t, "lmtp") == 0) {
			conf_read_lmtp(r, s);
		} else if (strcmp(t, "pgp") == 0) {
			conf_pgp_read(r, s);
		} else if (strcmp(t, "status") == 0) {
			conf_status_read(r, s);
		} else if (strcmp(t, "storage") == 0) {
			storage_read(r, s);
		} else if (strcmp(t, "gdpr") == 0) {
			conf_read_gdpr(r, s);
		} else if (strcmp(t, "digest") == 0) {
			conf_digest_read(r, s);
		} else if (strcmp(t, "webhook") == 0) {
			conf_hooks_read(r, s);
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
	conf_security_check(r);
}

/* keep: hand back the config read so far even when it has problems. */
static int
load_buffer(struct conf **out, const char *name, const char *dir,
    const char *text, size_t len, struct conf_diag *diag, bool keep)
{
	struct conf *c = xcalloc(1, sizeof(*c));
	struct reader r = { c, diag };
	size_t before = diag->n;

	c->digest.at_minutes = -1;      /* off without a [digest] section */
	c->digest.max_tickets = 50;
	c->path = xstrdup(name);
	c->dir = xstrdup(dir ? dir : ".");
	ini_parse(&c->sections, &c->nsections, name, text, len, diag);
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

/* Parse text, the bytes of path, and keep it in the config. */
static int
load_text(struct conf **out, const char *path, char *text, size_t len,
    struct conf_diag *diag, bool keep)
{
	char *dir = config_dir(path);
	int rc = load_buffer(out, path, dir, text, len, diag, keep);

	free(dir);
	if (*out != NULL) {
		(*out)->text = text;
		(*out)->text_len = len;
	} else {
		explicit_bzero(text, len);
		free(text);
	}
	return rc;
}

static int
load_file(struct conf **out, const char *path, struct conf_diag *diag,
    bool keep)
{
	struct gc_err err;
	char *text;
	size_t len;

	*out = NULL;
	if (file_read(&text, &len, path, CONF_MAX_FILE, &err) != 0) {
		conf_diag_add(diag, path, 0, "cannot read: %s", err.msg);
		return GC_ECONFIG;
	}
	return load_text(out, path, text, len, diag, keep);
}

int
conf_load_text(struct conf **out, const char *path, char *text, size_t len,
    struct conf_diag *diag)
{
	*out = NULL;
	return load_text(out, path, text, len, diag, false);
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
free_oauth2(struct conf_oauth2 *o)
{
	keys_free_secret(o->client_secret);
	free(o->auth);
	free(o->mechanism);
	free(o->token_url);
	free(o->client_id);
	free(o->refresh_token_file);
	free(o->scope);
	free(o->device_url);
	memset(o, 0, sizeof(*o));
}

void
conf_free(struct conf **cp)
{
	struct conf *c = *cp;

	if (c == NULL)
		return;
	if (c->text != NULL) {
		explicit_bzero(c->text, c->text_len);
		free(c->text);
	}
	keys_free_secret(c->general.hmac_key);
	c->general.hmac_key = NULL;
	keys_free_secret(c->general.webhook_secret);
	c->general.webhook_secret = NULL;
	keys_free_strings(&c->general, general_keys);
	free(c->database.conninfo);
	keys_free_secret(c->database.password);
	free(c->smtp.url);
	free(c->smtp.from_name);
	free(c->smtp.from_addr);
	free(c->smtp.user);
	keys_free_secret(c->smtp.password);
	free(c->smtp.tls_ca_file);
	free(c->smtp.helo_name);
	free(c->smtp.tls);
	free_oauth2(&c->smtp.oauth2);
	for (size_t i = 0; i < c->nmailboxes; i++) {
		struct conf_mailbox *m = &c->mailboxes[i];

		keys_free_secret(m->password);
		m->password = NULL;
		keys_free_secret(m->oauth2.client_secret);
		m->oauth2.client_secret = NULL;
		keys_free_strings(m, mailbox_keys);
		free(m->name);
	}
	free(c->mailboxes);
	for (size_t i = 0; i < c->nagents; i++) {
		keys_free_strings(&c->agents[i], agent_keys);
		free(c->agents[i].name);
	}
	free(c->agents);
	for (size_t i = 0; i < c->nqueues; i++) {
		keys_free_strings(&c->queues[i], queue_keys);
		free(c->queues[i].name);
	}
	free(c->queues);
	storage_free(&c->storage);
	conf_free_gdpr(&c->gdpr);
	conf_digest_free(&c->digest);
	conf_hooks_free(c);
	conf_listen_free(c);
	conf_pgp_free(&c->pgp);
	conf_status_free(&c->status);
	ini_sections_free(&c->sections, &c->nsections);
	free(c->path);
	free(c->dir);
	free(c);
	*cp = NULL;
}
