/*
 * fuzz_conf.c - fuzz target: conf/conf.h conf_load_buffer(), the INI
 * parser and validator
 *
 * The input is a config file. It is loaded as "fuzz.conf" in a scratch
 * directory made once per process (removed at exit) that holds
 * secrets/support.pass, so that password_file keys of the seeds resolve.
 * Checked: 0 exactly when there is no diagnostic and then a config whose
 * lookups find every mailbox, agent, queue and section entry it lists;
 * GC_ECONFIG with at least one diagnostic and no config otherwise; the
 * secret never appears in a diagnostic (unless the input holds it). The first line also goes through
 * conf_parse_mailbox_addr().
 * Seeds: tests/fuzz/corpus/conf/; dictionary tests/fuzz/dict/conf.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "conf/conf.h"
#include "tests/fuzz/fuzz.h"

#define CONF_FUZZ_SECRET "fuzz-secret-Kq8vZ"

static char conf_fuzz_dir[64];
static char conf_fuzz_sub[96];
static char conf_fuzz_file[128];

static void
conf_fuzz_cleanup(void)
{
	unlink(conf_fuzz_file);
	rmdir(conf_fuzz_sub);
	rmdir(conf_fuzz_dir);
}

static const char *
conf_fuzz_scratch(void)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	if (conf_fuzz_dir[0] != '\0')
		return conf_fuzz_dir;
	snprintf(conf_fuzz_dir, sizeof(conf_fuzz_dir), "%s/gc-fuzz-conf.XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(conf_fuzz_dir) == NULL)
		abort();
	snprintf(conf_fuzz_sub, sizeof(conf_fuzz_sub), "%s/secrets",
	    conf_fuzz_dir);
	snprintf(conf_fuzz_file, sizeof(conf_fuzz_file), "%s/support.pass",
	    conf_fuzz_sub);
	if (mkdir(conf_fuzz_sub, 0700) != 0 ||
	    (f = fopen(conf_fuzz_file, "w")) == NULL)
		abort();
	fputs(CONF_FUZZ_SECRET "\n", f);
	fclose(f);
	/* conf refuses a secret file that group or others may read */
	if (chmod(conf_fuzz_file, 0600) != 0)
		abort();
	atexit(conf_fuzz_cleanup);
	return conf_fuzz_dir;
}

static void
touch_str(const char *s)
{
	if (s != NULL)
		fuzz_touch(s, strlen(s));
}

static void
touch_list(const struct conf_list *l)
{
	FUZZ_CHECK(l->v != NULL || l->n == 0, "list NULL with a count");
	for (size_t i = 0; i < l->n; i++) {
		FUZZ_CHECK(l->v[i] != NULL, "list item NULL");
		touch_str(l->v[i]);
	}
}

static void
check_conf(const struct conf *c)
{
	const struct conf_section *secs[8];
	size_t i, j, n;

	touch_str(c->path);
	touch_str(c->dir);
	touch_str(c->general.tracking_format);
	touch_str(c->general.language);
	touch_str(c->general.message_id_domain);
	touch_str(c->database.conninfo);
	touch_str(c->smtp.url);
	touch_str(c->smtp.from_addr);
	for (i = 0; i < c->nmailboxes; i++) {
		const struct conf_mailbox *m = &c->mailboxes[i];

		FUZZ_CHECK(m->name != NULL, "mailbox without a name");
		FUZZ_CHECK(conf_mailbox(c, m->name) != NULL,
		    "conf_mailbox cannot find \"%s\"", m->name);
		touch_str(m->url);
		touch_str(m->user);
		touch_str(m->address);
		touch_str(m->queue);
		if (m->password != NULL)
			fuzz_touch(m->password, strlen(m->password));
	}
	for (i = 0; i < c->nagents; i++) {
		const struct conf_agent *a = &c->agents[i];

		touch_str(a->name);
		touch_list(&a->queues);
		if (a->address != NULL)
			FUZZ_CHECK(conf_agent_by_address(c, a->address) != NULL,
			    "conf_agent_by_address cannot find \"%s\"",
			    a->address);
	}
	for (i = 0; i < c->nqueues; i++) {
		FUZZ_CHECK(c->queues[i].name != NULL, "queue without a name");
		FUZZ_CHECK(conf_queue(c, c->queues[i].name) != NULL,
		    "conf_queue cannot find \"%s\"", c->queues[i].name);
		touch_list(&c->queues[i].escalation_to);
		touch_str(c->queues[i].webhook_url);
	}
	for (i = 0; i < c->nsections; i++) {
		const struct conf_section *s = &c->sections[i];

		FUZZ_CHECK(s->type != NULL, "section without a type");
		touch_str(s->name);
		for (j = 0; j < s->nentries; j++) {
			FUZZ_CHECK(s->entries[j].key != NULL &&
			    s->entries[j].value != NULL, "entry NULL");
			FUZZ_CHECK(conf_section_get(s, s->entries[j].key) !=
			    NULL, "conf_section_get cannot find \"%s\"",
			    s->entries[j].key);
			touch_str(s->entries[j].value);
		}
		n = conf_sections(c, s->type, secs, 8);
		FUZZ_CHECK(n >= 1, "conf_sections finds no \"%s\"", s->type);
	}
}

static int
fuzz_conf(const uint8_t *data, size_t len)
{
	struct conf_diag diag = { 0 };
	struct conf *c = (struct conf *)&diag;  /* must become NULL or conf */
	const char *dir = conf_fuzz_scratch();
	char *text = malloc(len ? len : 1), *line, *name = NULL, *addr = NULL;
	bool secret_in;
	int rc;

	if (text == NULL)
		abort();
	if (len > 0)
		memcpy(text, data, len);
	rc = conf_load_buffer(&c, "fuzz.conf", dir, text, len, &diag);
	free(text);
	/* The secret may only be shown when the config itself holds it. */
	secret_in = memmem(data, len, CONF_FUZZ_SECRET,
	    strlen(CONF_FUZZ_SECRET)) != NULL;
	for (size_t i = 0; i < diag.n; i++) {
		FUZZ_CHECK(diag.lines[i] != NULL, "diagnostic NULL");
		FUZZ_CHECK(secret_in ||
		    strstr(diag.lines[i], CONF_FUZZ_SECRET) == NULL,
		    "a diagnostic shows the secret: %s", diag.lines[i]);
	}
	if (rc == 0) {
		FUZZ_CHECK(c != NULL && diag.n == 0,
		    "0 with %zu diagnostics", diag.n);
		check_conf(c);
		conf_free(&c);
		FUZZ_CHECK(c == NULL, "conf_free left the pointer");
	} else {
		FUZZ_CHECK(rc == GC_ECONFIG, "conf_load_buffer: %d", rc);
		FUZZ_CHECK(c == NULL, "failed but returned a config");
		FUZZ_CHECK(diag.n > 0, "failed without a diagnostic");
	}
	conf_diag_free(&diag);

	line = fuzz_cstr(data, len, 4096, NULL, NULL);
	line[strcspn(line, "\n")] = '\0';
	if (conf_parse_mailbox_addr(&name, &addr, line) == 0) {
		FUZZ_CHECK(addr != NULL, "mailbox address without addr");
		touch_str(name);
		touch_str(addr);
		free(name);
		free(addr);
	}
	free(line);
	return 0;
}

FUZZ_TARGET(fuzz_conf)
