/*
 * test_template.c - unit tests of notify/template.c
 *
 * Parsing and its error messages (file:line, as check-config prints
 * them), rendering (variables, escapes, header cleaning), and every
 * default template of every language: it parses with the variables of
 * its name, renders, and says what its kind of mail must say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/mem.h"
#include "common/util.h"
#include "notify/template.h"

#define TEMPLATES_DIR FIXTURES_DIR "/../../conf/templates"

static const char *const test_vars[] = { "ticket_number", "ticket_tag",
	"subject", "requester_name", "message_text", NULL };

static struct template *
parse_ok(const char *text, const char *const *vars)
{
	struct template *t = NULL;
	struct gc_err err = { 0 };
	int rc = template_parse(&t, "t.txt", text, strlen(text), vars, &err);

	if (rc != 0)
		fail_msg("template_parse: %s", err.msg);
	return t;
}

static void
assert_parse_error(const char *text, const char *want)
{
	struct template *t = (struct template *)1;
	struct gc_err err = { 0 };
	int rc = template_parse(&t, "t.txt", text, strlen(text), test_vars,
	    &err);

	assert_int_equal(rc, GC_EPARSE);
	assert_null(t);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("got \"%s\", want \"%s...\"", err.msg, want);
}

/* ----- Parsing and rendering -------------------------------------- */

static void
test_render_basic(void **state)
{
	static const struct template_var vars[] = {
		{ "ticket_tag", "[SUP-2026-000042]" },
		{ "subject", "Printer on fire" },
		{ "requester_name", "Zoë" },
		{ "ticket_number", "SUP-2026-000042" },
		{ "unused_by_template", "ignored" },
	};
	struct template *t;
	struct template_result r;
	struct arena a;

	(void)state;
	arena_init(&a, 4096);
	t = parse_ok("Subject: {{ticket_tag}} {{ subject }}\n"
	    "X-Ticket: {{ticket_number}}\n"
	    "\n"
	    "Hello {{\trequester_name  }},\n"
	    "literal {{{{ticket_tag}} and { and } and }} stay\n"
	    "{{message_text}}|end\n", test_vars);
	assert_int_equal(template_render(&r, &a, t, vars, 5, NULL), 0);
	assert_string_equal(r.subject, "[SUP-2026-000042] Printer on fire");
	assert_int_equal(r.nheaders, 1);
	assert_string_equal(r.headers[0].name, "X-Ticket");
	assert_string_equal(r.headers[0].value, "SUP-2026-000042");
	/* A variable not given renders as "". */
	assert_string_equal(r.body, "Hello Zoë,\n"
	    "literal {{ticket_tag}} and { and } and }} stay\n"
	    "|end\n");
	template_free(&t);
	assert_null(t);
	template_free(&t);      /* twice is harmless */
	arena_free(&a);
}

static void
test_render_crlf_bom_and_continuation(void **state)
{
	static const struct template_var vars[] = {
		{ "subject", "S" }, { "ticket_tag", "[T-1]" } };
	struct template *t;
	struct template_result r;
	struct arena a;

	(void)state;
	arena_init(&a, 4096);
	t = parse_ok("\xef\xbb\xbfSubject: {{ticket_tag}}\r\n"
	    "  continued {{subject}}\r\n"
	    "\r\n"
	    "Body\r\n", test_vars);
	assert_int_equal(template_render(&r, &a, t, vars, 2, NULL), 0);
	assert_string_equal(r.subject, "[T-1] continued S");
	assert_string_equal(r.body, "Body\r\n");
	template_free(&t);
	arena_free(&a);
}

/* Values placed in headers lose CR, LF and controls; the body keeps
 * them as they are. */
static void
test_render_header_values_cleaned(void **state)
{
	static const struct template_var vars[] = {
		{ "subject", "Hi\r\nBcc: victim@example.org\x01\x7f" },
		{ "ticket_number", "1\nX-Injected: yes" },
		{ "message_text", "line 1\r\nline 2\n" },
	};
	struct template *t;
	struct template_result r;
	struct arena a;

	(void)state;
	arena_init(&a, 4096);
	t = parse_ok("Subject: Re: {{subject}}\nX-Ticket: {{ticket_number}}\n"
	    "\n{{message_text}}", test_vars);
	assert_int_equal(template_render(&r, &a, t, vars, 3, NULL), 0);
	assert_string_equal(r.subject, "Re: Hi  Bcc: victim@example.org");
	assert_string_equal(r.headers[0].value, "1 X-Injected: yes");
	assert_string_equal(r.body, "line 1\r\nline 2\n");
	template_free(&t);
	arena_free(&a);
}

static void
test_render_limit(void **state)
{
	struct template *t;
	struct template_result r;
	struct template_var v = { "message_text", NULL };
	struct gc_err err = { 0 };
	struct arena a;
	char *big = xmalloc(TEMPLATE_MAX_OUTPUT / 2 + 1);

	(void)state;
	memset(big, 'x', TEMPLATE_MAX_OUTPUT / 2);
	big[TEMPLATE_MAX_OUTPUT / 2] = '\0';
	v.value = big;
	arena_init(&a, 4096);
	t = parse_ok("Subject: s\n\n{{message_text}}{{message_text}}"
	    "{{message_text}}", test_vars);
	assert_int_equal(template_render(&r, &a, t, &v, 1, &err), GC_ELIMIT);
	template_free(&t);
	arena_free(&a);
	free(big);
}

static void
test_parse_errors(void **state)
{
	(void)state;
	assert_parse_error("Subject: x\n\nline 2\nline 3\n  {{foo}}\n",
	    "t.txt:5: unknown variable {{foo}}");
	assert_parse_error("Subject: {{ nope }}\n\nbody\n",
	    "t.txt:1: unknown variable {{nope}}");
	assert_parse_error("Subject: x\n\nHello {{subject\n}}\n",
	    "t.txt:3: unterminated {{");
	assert_parse_error("Subject: x\n\n\n\n{{Subject}}\n",
	    "t.txt:5: bad variable name {{Subject}}");
	assert_parse_error("Subject: x\n\n{{}}\n",
	    "t.txt:3: bad variable name {{}}");
	assert_parse_error("Subject: x\n\n{{ticket-tag}}\n",
	    "t.txt:3: bad variable name");
	assert_parse_error("Subject: x\nX-A: {{ticket_tag}}\n"
	    " {{bad_one}}\n\nbody\n",
	    "t.txt:3: unknown variable {{bad_one}}");
	assert_parse_error("X-Only: x\n\nbody\n",
	    "t.txt:1: missing \"Subject:\" header");
	assert_parse_error("Subject: x\nFrom: evil@example.org\n\nbody\n",
	    "t.txt:2: header From not allowed");
	assert_parse_error("Subject: x\nSubject: y\n\nbody\n",
	    "t.txt:2: second Subject header");
	assert_parse_error("Subject: x\nno colon here\n\nbody\n",
	    "t.txt:2: expected \"Header: value\"");
	assert_parse_error("Subject: x\nX-A: y\n",
	    "t.txt:3: missing blank line");
	assert_parse_error(" Subject: x\n\nbody\n",
	    "t.txt:1: continuation line without a header");
	assert_parse_error("Subject: x\n\nok\nbad \xc3\x28 byte\n",
	    "t.txt:4: invalid UTF-8");
}

static void
test_parse_nul_and_size(void **state)
{
	static const char with_nul[] = "Subject: x\n\nab\0cd\n";
	struct template *t;
	struct gc_err err = { 0 };
	char *big;

	(void)state;
	assert_int_equal(template_parse(&t, "n.txt", with_nul,
	    sizeof(with_nul) - 1, NULL, &err), GC_EPARSE);
	assert_string_equal(err.msg, "n.txt:3: NUL byte");
	big = xmalloc(TEMPLATE_MAX_SIZE + 2);
	memset(big, 'a', TEMPLATE_MAX_SIZE + 1);
	big[TEMPLATE_MAX_SIZE + 1] = '\0';
	assert_int_equal(template_parse(&t, "big.txt", big,
	    TEMPLATE_MAX_SIZE + 1, NULL, &err), GC_ELIMIT);
	free(big);
}

/* With allowed_vars NULL any well-formed name goes (for tools). */
static void
test_parse_any_vars(void **state)
{
	struct template *t;

	(void)state;
	t = parse_ok("Subject: {{whatever_1}}\n\n{{x}}\n", NULL);
	template_free(&t);
}

/* ----- The tables ------------------------------------------------- */

static bool
in_list(const char *const *list, const char *s)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

static void
test_vars_table(void **state)
{
	static const char *const required[] = { "ticket_number",
		"ticket_tag", "subject", "requester_name", "requester_address",
		"mailbox_address", "priority", "status", "queue",
		"message_text", "agent_name", "timer", "due_at", "error",
		"commands_help", "support_name", NULL };
	const char *const *names = template_names();
	size_t n = 0;

	(void)state;
	for (size_t i = 0; required[i]; i++)
		assert_true(in_list(template_all_vars(), required[i]));
	for (; names[n]; n++) {
		const char *const *v = template_vars(names[n]);

		assert_non_null(v);
		for (size_t k = 0; v[k]; k++)
			assert_true(in_list(template_all_vars(), v[k]));
	}
	/* ... held_notice, digest, reminder, pending_reminder,
	 * answer_held, escalation_summary */
	assert_int_equal(n, 21);
	assert_null(template_vars("nope"));
	/* canned replies: replies/NAME, NAME one plain word */
	assert_true(in_list(template_vars("replies/thanks-2_x"), "eta_line"));
	assert_null(template_vars("replies/"));
	assert_null(template_vars("replies/../ack"));
	assert_null(template_vars("replies/a/b"));
	assert_null(template_vars("replies/a.txt"));
	assert_true(in_list(template_vars("resolution"), "rating_links"));
	assert_null(template_vars(NULL));
	assert_true(in_list(template_vars("command_error"), "commands_help"));
	assert_true(in_list(template_vars("escalation_breach"), "due_at"));
	assert_false(in_list(template_vars("size_limit"), "ticket_number"));
	assert_true(in_list(template_vars("ack"), "pgp_line"));
	assert_true(in_list(template_vars("pgp_failed"), "pgp_fingerprint"));
	assert_false(in_list(template_vars("pgp_failed"), "ticket_number"));
	/* an organisation's report is about no ticket */
	assert_true(in_list(template_vars("report"), "report_text"));
	assert_false(in_list(template_vars("report"), "ticket_tag"));
	/* an answer that did not reach the customer, told to agents */
	assert_true(in_list(template_vars("undelivered"), "recipient"));
	assert_true(in_list(template_vars("undelivered"), "error"));
	assert_true(in_list(template_vars("undelivered"), "ticket_tag"));
	assert_false(in_list(template_vars("undelivered"), "message_text"));
	/* the agents' digest is about no one ticket */
	assert_true(in_list(template_vars("digest"), "entries"));
	assert_true(in_list(template_vars("digest"), "overdue"));
	assert_false(in_list(template_vars("digest"), "ticket_tag"));
	/* a reminder is a ticket's mail to its agent, answered with
	 * commands */
	assert_true(in_list(template_vars("reminder"), "ticket_tag"));
	assert_true(in_list(template_vars("reminder"), "commands_help"));
	/* a pending ticket's customer reminded: when it closes, no text */
	assert_true(in_list(template_vars("pending_reminder"), "close_line"));
	assert_true(in_list(template_vars("pending_reminder"), "ticket_tag"));
	assert_false(in_list(template_vars("pending_reminder"),
	    "message_text"));
	/* an agent's answer held: who answered first, when, and what */
	assert_true(in_list(template_vars("answer_held"), "author"));
	assert_true(in_list(template_vars("answer_held"), "answered_at"));
	assert_true(in_list(template_vars("answer_held"), "message_text"));
	assert_false(in_list(template_vars("answer_held"), "rating_links"));
	/* escalations gathered in a storm: about many tickets */
	assert_true(in_list(template_vars("escalation_summary"), "entries"));
	assert_true(in_list(template_vars("escalation_summary"), "breaches"));
	assert_false(in_list(template_vars("escalation_summary"),
	    "ticket_tag"));
}

/* ----- The default templates -------------------------------------- */

/* Every variable, with values that are easy to find in the output. */
static void
all_values(struct template_var *vars, size_t *n_r)
{
	const char *const *all = template_all_vars();
	size_t n = 0;

	for (; all[n]; n++) {
		vars[n].name = all[n];
		vars[n].value = strcmp(all[n], "ticket_tag") == 0 ?
		    "[SUP-2026-000042]" : strcmp(all[n], "ticket_number") == 0 ?
		    "SUP-2026-000042" : all[n];
	}
	*n_r = n;
}

static void
check_default(const char *lang, const char *name, struct template *t)
{
	struct template_var vars[64];
	struct template_result r;
	struct arena a;
	size_t n;
	bool ticket = strcmp(name, "size_limit") != 0 &&
	    strcmp(name, "pgp_failed") != 0 &&
	    strcmp(name, "report") != 0 && strcmp(name, "held_notice") != 0 &&
	    strcmp(name, "digest") != 0 &&
	    strcmp(name, "escalation_summary") != 0;

	arena_init(&a, 4096);
	all_values(vars, &n);
	assert_int_equal(template_render(&r, &a, t, vars, n, NULL), 0);
	assert_true(strlen(r.subject) > 0);
	assert_null(strstr(r.subject, "{{"));
	assert_null(strstr(r.body, "{{"));
	if (ticket) {
		/* Every ticket mail keeps the tag in its subject (that is
		 * how replies find their ticket) and names the number. */
		if (strstr(r.subject, "[SUP-2026-000042]") == NULL)
			fail_msg("%s/%s: no ticket tag in subject", lang, name);
		if (strstr(r.body, "SUP-2026-000042") == NULL &&
		    strcmp(name, "update") != 0)
			fail_msg("%s/%s: no ticket number in body", lang, name);
	}
	if (strcmp(name, "ack") == 0) {
		/* Tracking number, keep the tag, replying adds to it. */
		assert_non_null(strstr(r.body, "SUP-2026-000042"));
		assert_non_null(strstr(r.body, "[SUP-2026-000042]"));
	}
	if (strcmp(name, "notify_agent") == 0 || strcmp(name, "update") == 0 ||
	    strcmp(name, "resolution") == 0)
		assert_non_null(strstr(r.body, "message_text"));
	if (strcmp(name, "command_error") == 0) {
		assert_non_null(strstr(r.body, "\n    error\n"));
		assert_non_null(strstr(r.body, "commands_help"));
	}
	if (strcmp(name, "escalation_warning") == 0 ||
	    strcmp(name, "escalation_breach") == 0) {
		assert_non_null(strstr(r.body, "timer"));
		assert_non_null(strstr(r.body, "due_at"));
	}
	if (strcmp(name, "escalation_summary") == 0) {
		assert_non_null(strstr(r.body, "entries"));
		assert_non_null(strstr(r.subject, "breaches"));
	}
	if (strcmp(name, "size_limit") == 0)
		assert_non_null(strstr(r.body, "max_size"));
	arena_free(&a);
}

/* The files of conf/templates, read from the source tree. */
static void
test_default_files(void **state)
{
	const char *const *names = template_names();
	const char *const *langs = template_languages();

	(void)state;
	for (size_t l = 0; langs[l]; l++) {
		for (size_t i = 0; names[i]; i++) {
			struct template *t = NULL;
			struct gc_err err = { 0 };
			char *path = xasprintf("%s/%s/%s.txt", TEMPLATES_DIR,
			    langs[l], names[i]);
			char *text;
			size_t len;

			if (file_read(&text, &len, path, TEMPLATE_MAX_SIZE,
			    &err) != 0)
				fail_msg("%s", err.msg);
			if (template_parse(&t, path, text, len,
			    template_vars(names[i]), &err) != 0)
				fail_msg("%s", err.msg);
			check_default(langs[l], names[i], t);
			template_free(&t);
			free(text);
			free(path);
		}
	}
}

/* The same, compiled into the binary (template_load without a dir). */
static void
test_default_embedded(void **state)
{
	const char *const *names = template_names();
	const char *const *langs = template_languages();

	(void)state;
	for (size_t l = 0; langs[l]; l++) {
		for (size_t i = 0; names[i]; i++) {
			struct template *t = NULL;
			struct gc_err err = { 0 };

			if (template_load(&t, NULL, langs[l], names[i],
			    &err) != 0)
				fail_msg("%s", err.msg);
			check_default(langs[l], names[i], t);
			template_free(&t);
		}
	}
}

static void
test_load_override_dir(void **state)
{
	char dir[] = "/tmp/gc-tpl-XXXXXX";
	char *sub, *file;
	FILE *f;
	struct template *t;
	struct template_result r;
	struct template_var v = { "ticket_tag", "[T-9]" };
	struct gc_err err = { 0 };
	struct arena a;

	(void)state;
	arena_init(&a, 4096);
	assert_non_null(mkdtemp(dir));
	sub = xasprintf("%s/en", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	file = xasprintf("%s/ack.txt", sub);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("Subject: custom {{ticket_tag}}\n\nCustom body\n", f);
	fclose(f);

	/* The file in the dir wins. */
	assert_int_equal(template_load(&t, dir, "en", "ack", &err), 0);
	assert_int_equal(template_render(&r, &a, t, &v, 1, NULL), 0);
	assert_string_equal(r.subject, "custom [T-9]");
	template_free(&t);
	/* A name the dir lacks comes from the defaults. */
	assert_int_equal(template_load(&t, dir, "en", "closed", &err), 0);
	template_free(&t);
	/* An error in the dir's file is reported with its path. */
	f = fopen(file, "w");
	fputs("Subject: x\n\n{{requester_nmae}}\n", f);
	fclose(f);
	assert_int_equal(template_load(&t, dir, "en", "ack", &err),
	    GC_EPARSE);
	assert_non_null(strstr(err.msg, "/en/ack.txt:3: unknown variable "
	    "{{requester_nmae}}"));
	/* Unknown names and languages. */
	assert_int_equal(template_load(&t, dir, "en", "nope", &err),
	    GC_EINVAL);
	assert_int_equal(template_load(&t, dir, "../en", "ack", &err),
	    GC_EINVAL);
	assert_int_equal(template_load(&t, NULL, "de", "ack", &err),
	    GC_ENOTFOUND);
	unlink(file);
	rmdir(sub);
	rmdir(dir);
	free(file);
	free(sub);
	arena_free(&a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_basic),
		cmocka_unit_test(test_render_crlf_bom_and_continuation),
		cmocka_unit_test(test_render_header_values_cleaned),
		cmocka_unit_test(test_render_limit),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_nul_and_size),
		cmocka_unit_test(test_parse_any_vars),
		cmocka_unit_test(test_vars_table),
		cmocka_unit_test(test_default_files),
		cmocka_unit_test(test_default_embedded),
		cmocka_unit_test(test_load_override_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
