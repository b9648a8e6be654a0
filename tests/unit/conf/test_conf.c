/*
 * test_conf.c - the config parser: valid files load with their defaults,
 * and every problem is reported as file:line.
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

#include "conf/conf.h"

static char tmpdir[] = "/tmp/guichet-conf-XXXXXX";

static int
setup(void **state)
{
	char path[256];
	FILE *f;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/support.pass", tmpdir);
	f = fopen(path, "w");
	fputs("s3cret\n", f);
	fclose(f);
	return chmod(path, 0600);
}

/* Write tmpdir/name with text and mode; returns 0. */
static int
write_secret(const char *name, const char *text, mode_t mode)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs(text, f);
	fclose(f);
	return chmod(path, mode);
}

static void
unlink_secret(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
}

static int
teardown(void **state)
{
	(void)state;
	unlink_secret("support.pass");
	rmdir(tmpdir);
	return 0;
}

static const char good[] =
	"# a comment\n"
	"[database]\n"
	"conninfo = host=127.0.0.1 port=5432 dbname=guichet user=guichet\n"
	"\n"
	"[smtp]\n"
	"url = smtp://127.0.0.1:2525        # sink\n"
	"from = Support <support@example.com>\n"
	"\n"
	"[mailbox support]\n"
	"url = imaps://127.0.0.1:9993\n"
	"user = support\n"
	"password_file = support.pass\n"
	"address = support@example.com\n"
	"queue = support\n"
	"\n"
	"[agent alice]\n"
	"address = alice@example.com\n"
	"queues = support, security\n"
	"\n"
	"[queue security]\n"
	"escalation_to = oncall@example.com, lead@example.com\n"
	"webhook_url = https://chat.example.com/hooks/support\n";

static struct conf *
load(const char *text, struct conf_diag *d)
{
	struct conf *c = NULL;

	memset(d, 0, sizeof(*d));
	conf_load_buffer(&c, "test.conf", tmpdir, text, strlen(text), d);
	return c;
}

static void
test_good(void **state)
{
	struct conf_diag d;
	struct conf *c = load(good, &d);
	const struct conf_mailbox *m;
	const struct conf_agent *a;

	(void)state;
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.lines[i]);
	assert_non_null(c);
	assert_int_equal(d.n, 0);
	assert_string_equal(c->smtp.url, "smtp://127.0.0.1:2525");
	assert_string_equal(c->smtp.from_name, "Support");
	assert_string_equal(c->smtp.from_addr, "support@example.com");
	m = conf_mailbox(c, "support");
	assert_non_null(m);
	assert_string_equal(m->password, "s3cret");
	assert_string_equal(m->folder, "INBOX");
	assert_string_equal(m->processed_folder, "Processed");
	assert_string_equal(m->quarantine_folder, "Quarantine");
	assert_int_equal(m->poll_interval, 60);
	assert_true(m->idle);
	assert_string_equal(c->general.tracking_format, "SUP-%Y-%06n");
	assert_string_equal(c->general.message_id_domain, "example.com");
	assert_int_equal(c->general.max_mail_size, 25 * 1024 * 1024);
	a = conf_agent_by_address(c, "ALICE@example.com");
	assert_non_null(a);
	assert_int_equal(a->queues.n, 2);
	assert_string_equal(a->queues.v[1], "security");
	assert_int_equal(conf_queue(c, "security")->escalation_to.n, 2);
	conf_free(&c);
	assert_null(c);
	conf_diag_free(&d);
}

/* The config with one line replaced (1-based) by repl. */
static char *
with_line(int lineno, const char *repl)
{
	static char out[4096];
	const char *p = good;
	int n = 1;

	out[0] = '\0';
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t len = e ? (size_t)(e - p + 1) : strlen(p);

		if (n == lineno) {
			strcat(out, repl);
			strcat(out, "\n");
		} else {
			strncat(out, p, len);
		}
		p += len;
		n++;
	}
	return out;
}

static void
expect_error(int lineno, const char *repl, const char *want)
{
	struct conf_diag d;
	struct conf *c = load(with_line(lineno, repl), &d);
	bool found = false;

	assert_null(c);
	for (size_t i = 0; i < d.n; i++)
		if (strstr(d.lines[i], want) != NULL)
			found = true;
	if (!found) {
		fprintf(stderr, "wanted \"%s\", got:\n", want);
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "  %s\n", d.lines[i]);
	}
	assert_true(found);
	conf_diag_free(&d);
}

/* A mailbox's tls: none lets it log in in clear, and contradicts
 * imaps:// and required; auto and required need STARTTLS. */
static void
test_mailbox_tls(void **state)
{
	struct conf_diag d;
	struct conf *c;
	char text[4096];

	(void)state;
	expect_error(14, "tls = maybe", "test.conf:14: tls: \"maybe\": "
	    "expected auto, required or none");
	expect_error(14, "tls = none", "test.conf:14: tls = none: the url is "
	    "imaps://, which is TLS");
	expect_error(14, "tls = required\nallow_plaintext = yes",
	    "test.conf:14: tls = required contradicts allow_plaintext = yes");
	snprintf(text, sizeof(text), "%s", with_line(10,
	    "url = imap://192.0.2.7"));
	c = load(text, &d);
	assert_non_null(c);
	assert_false(c->mailboxes[0].allow_plaintext);
	conf_free(&c);
	conf_diag_free(&d);
	strcat(text, "[mailbox other]\nurl = imap://192.0.2.7\nuser = o\n"
	    "password_file = support.pass\naddress = other@example.com\n"
	    "queue = support\ntls = none\n");
	c = load(text, &d);
	assert_non_null(c);
	assert_false(c->mailboxes[0].allow_plaintext);
	assert_true(c->mailboxes[1].allow_plaintext);
	conf_free(&c);
	conf_diag_free(&d);
}

static void
test_errors(void **state)
{
	(void)state;
	expect_error(6, "ur1 = smtp://x", "test.conf:6: unknown key \"ur1\"");
	expect_error(6, "url = http://x", "test.conf:6: url: \"http://x\" is "
	    "not an smtp:// or smtps:// URL");
	expect_error(10, "url = pop3://x", "test.conf:10: url");
	expect_error(12, "password_file = missing.pass", "test.conf:12: "
	    "password_file: cannot read");
	expect_error(13, "address = not-an-address", "test.conf:13: address");
	expect_error(13, "# no address", "test.conf:9: [mailbox support]: "
	    "missing key \"address\"");
	expect_error(7, "from = Support <support@example.com",
	    "test.conf:7: from");
	expect_error(19, "[queue]", "test.conf:19: [queue] needs a name");
	expect_error(19, "[bogus x]", "test.conf:19: unknown section [bogus]");
	expect_error(14, "url = imap://again", "test.conf:14: duplicate key "
	    "\"url\" (first at line 10)");
	expect_error(8, "just words", "test.conf:8: expected `key = value`");
	expect_error(18, "queues = support, nowhere", "test.conf:16: agent "
	    "alice: queue \"nowhere\"");
	expect_error(1, "[guichet]\ntracking_format = SUP-%Y", "tracking_format"
	    " \"SUP-%Y\": needs exactly one %n");
	expect_error(1, "[guichet]\npoll_interval = soon",
	    "test.conf:2: poll_interval: \"soon\" is not a duration");
	expect_error(1, "[guichet]\nlanguage = de", "test.conf:2: language");
	expect_error(21, "escalation_to = oncall@example.com, lead",
	    "escalation_to: \"lead\" is not a mail address");
}

/* A secret file that group or others may access is refused, whatever the
 * key naming it (like ssh with keys); 0600 and 0400 are fine. An HMAC key
 * is at least 32 bytes. */
static void
test_secret_files(void **state)
{
	static const mode_t open_modes[] = { 0640, 0604, 0644, 0620, 0602,
		0660, 0610, 0601, 0666 };
	static const char every[] =
		"[guichet]\n"                           /* 1 */
		"hmac_key_file = open.pass\n"
		"[database]\n"
		"conninfo = dbname=guichet\n"
		"password_file = open.pass\n"           /* 5 */
		"[smtp]\n"
		"from = support@example.com\n"
		"password_file = open.pass\n"           /* 8 */
		"[mailbox support]\n"
		"url = imaps://127.0.0.1:9993\n"
		"user = support\n"
		"password_file = open.pass\n"           /* 12 */
		"address = support@example.com\n";
	static const int every_lines[] = { 2, 5, 8, 12 };
	char want[256];
	struct conf_diag d;
	struct conf *c;

	(void)state;
	for (size_t i = 0; i < sizeof(open_modes) / sizeof(*open_modes); i++) {
		assert_int_equal(write_secret("open.pass", "s3cret\n",
		    open_modes[i]), 0);
		snprintf(want, sizeof(want), "test.conf:12: password_file: "
		    "%s/open.pass: permissions %04o are too open", tmpdir,
		    (unsigned)open_modes[i]);
		expect_error(12, "password_file = open.pass", want);
	}
	/* [smtp] and [database] password files, the HMAC key file */
	c = load(every, &d);
	assert_null(c);
	for (size_t k = 0; k < 4; k++) {
		bool found = false;

		snprintf(want, sizeof(want), "test.conf:%d: ", every_lines[k]);
		for (size_t i = 0; i < d.n; i++)
			found |= strncmp(d.lines[i], want, strlen(want)) == 0 &&
			    strstr(d.lines[i], "too open") != NULL;
		if (!found)
			for (size_t i = 0; i < d.n; i++)
				fprintf(stderr, "  %s\n", d.lines[i]);
		assert_true(found);
	}
	conf_diag_free(&d);

	/* mode 0400: fine */
	assert_int_equal(write_secret("open.pass", "s3cret\n", 0400), 0);
	c = load(with_line(12, "password_file = open.pass"), &d);
	assert_non_null(c);
	assert_string_equal(conf_mailbox(c, "support")->password, "s3cret");
	conf_free(&c);
	conf_diag_free(&d);
	unlink_secret("open.pass");

	/* not a regular file: a folder, a FIFO (that nobody writes to) */
	expect_error(12, "password_file = .", "/. is not a regular file");
	snprintf(want, sizeof(want), "%s/fifo.pass", tmpdir);
	assert_int_equal(mkfifo(want, 0600), 0);
	expect_error(12, "password_file = fifo.pass",
	    "/fifo.pass is not a regular file");
	unlink_secret("fifo.pass");

	/* the HMAC key: 31 bytes refused, 32 taken */
	assert_int_equal(write_secret("hmac.key",
	    "0123456789abcdef0123456789abcde\n", 0600), 0);
	expect_error(2, "[guichet]\nhmac_key_file = hmac.key\n[database]",
	    "test.conf:3: hmac_key_file: the key is 31 bytes, at least 32");
	assert_int_equal(write_secret("hmac.key",
	    "0123456789abcdef0123456789abcdef\n", 0600), 0);
	c = load(with_line(2, "[guichet]\nhmac_key_file = hmac.key\n"
	    "[database]"), &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.lines[i]);
	assert_non_null(c);
	assert_int_equal(strlen(c->general.hmac_key), 32);
	conf_free(&c);
	conf_diag_free(&d);
	unlink_secret("hmac.key");
}

static void
test_every_error_reported(void **state)
{
	struct conf_diag d;
	struct conf *c;
	char text[4096];

	(void)state;
	snprintf(text, sizeof(text), "%s", good);
	/* two independent problems: both are reported, not just the first */
	c = load(with_line(6, "ur1 = x"), &d);
	assert_null(c);
	conf_diag_free(&d);
	strcpy(text, with_line(6, "ur1 = x"));
	strcat(text, "[smtp2]\n");
	c = load(text, &d);
	assert_null(c);
	assert_true(d.n >= 2);
	conf_diag_free(&d);
}

static void
test_mailbox_addr(void **state)
{
	char *name, *addr;

	(void)state;
	assert_int_equal(conf_parse_mailbox_addr(&name, &addr,
	    "\"Le Support\" <support@example.com>"), 0);
	assert_string_equal(name, "Le Support");
	assert_string_equal(addr, "support@example.com");
	free(name);
	free(addr);
	assert_int_equal(conf_parse_mailbox_addr(&name, &addr,
	    " a@b.c "), 0);
	assert_null(name);
	assert_string_equal(addr, "a@b.c");
	free(addr);
	assert_int_not_equal(conf_parse_mailbox_addr(&name, &addr,
	    "a b@c"), 0);
	assert_int_not_equal(conf_parse_mailbox_addr(&name, &addr,
	    "x <a@b.c> y"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_mailbox_tls),
		cmocka_unit_test(test_secret_files),
		cmocka_unit_test(test_every_error_reported),
		cmocka_unit_test(test_mailbox_addr),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
