/*
 * test_security.c - the security channel's settings (conf/security.c)
 *
 * Which queues are redacted (by default the one named security, else as
 * [queue NAME] redact says), which agent works on which queue, and what
 * [pgp] requires of the file (the home and the key themselves are the
 * daemon's to check: test_pgp.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/conf.h"

static char tmpdir[] = "/tmp/gc_security_XXXXXX";

static int
setup(void **state)
{
	char path[256];
	FILE *f;

	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/s.pass", tmpdir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fputs("pw\n", f);
	fclose(f);
	return chmod(path, 0600);
}

static int
teardown(void **state)
{
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/s.pass", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

#define BASE "[database]\nconninfo = dbname=g\n[smtp]\n" \
	"from = Support <support@example.com>\n" \
	"[mailbox security]\nurl = imaps://127.0.0.1:9993\nuser = s\n" \
	"password_file = s.pass\naddress = security@example.com\n" \
	"queue = security\n" \
	"[agent sam]\naddress = sam@example.com\nqueues = security\n"

/* Load BASE + more; the number of problems in *n_r, their text joined
 * in all (the caller's buffer). */
static struct conf *
load(const char *more, size_t *n_r, char *all, size_t size)
{
	char text[4096];
	struct conf_diag d = { 0 };
	struct conf *c = NULL;

	snprintf(text, sizeof(text), "%s%s", BASE, more);
	conf_load_buffer(&c, "t.conf", tmpdir, text, strlen(text), &d);
	all[0] = '\0';
	for (size_t i = 0; i < d.n; i++) {
		strncat(all, d.lines[i], size - strlen(all) - 2);
		strcat(all, "\n");
	}
	*n_r = d.n;
	conf_diag_free(&d);
	return c;
}

static void
test_redact_defaults(void **state)
{
	char all[2048];
	size_t n;
	struct conf *c = load("[queue support]\n", &n, all, sizeof(all));

	(void)state;
	assert_int_equal(n, 0);
	assert_true(conf_queue_redacted(c, "security"));
	assert_false(conf_queue_redacted(c, "support"));
	assert_false(conf_queue_redacted(c, "nowhere"));
	assert_false(conf_queue_redacted(c, NULL));
	assert_true(conf_agent_has_queue(conf_agent_by_address(c,
	    "sam@example.com"), "security"));
	assert_false(conf_agent_has_queue(conf_agent_by_address(c,
	    "sam@example.com"), "support"));
	assert_false(conf_agent_has_queue(conf_agent_by_address(c,
	    "sam@example.com"), NULL));
	conf_free(&c);
}

static void
test_redact_given(void **state)
{
	char all[2048];
	size_t n;
	struct conf *c = load("[queue support]\nredact = yes\n"
	    "[queue security]\nredact = no\n", &n, all, sizeof(all));

	(void)state;
	assert_int_equal(n, 0);
	assert_false(conf_queue_redacted(c, "security"));
	assert_true(conf_queue_redacted(c, "support"));
	conf_free(&c);
	c = load("[queue security]\nredact = perhaps\n", &n, all,
	    sizeof(all));
	assert_int_equal(n, 1);
	assert_non_null(strstr(all, "redact: \"perhaps\" is not yes or no"));
	conf_free(&c);
}

static void
test_pgp(void **state)
{
	char all[2048];
	size_t n;
	struct conf *c;

	(void)state;
	/* empty: no channel */
	c = load("[pgp]\n", &n, all, sizeof(all));
	assert_int_equal(n, 0);
	conf_free(&c);
	/* the fingerprint as gpg prints it, spaces and lower case */
	c = load("[pgp]\nhome = gnupg\nmailbox = security\nfingerprint = "
	    "0123 4567 89ab CDEF 0123  4567 89AB CDEF 0123 4567\n", &n, all,
	    sizeof(all));
	assert_int_equal(n, 0);
	assert_string_equal(c->pgp.fingerprint,
	    "0123456789ABCDEF0123456789ABCDEF01234567");
	assert_non_null(strstr(c->pgp.home, "/gnupg"));
	assert_int_equal(c->pgp.max_encrypted_size, 10 * 1024 * 1024);
	assert_int_equal(c->pgp.max_decrypted_size, 25 * 1024 * 1024);
	conf_free(&c);
	/* every problem, with the section's line */
	c = load("[pgp]\nhome = a\nkey_file = b\nfingerprint = xyz\n"
	    "mailbox = nowhere\nmax_decrypted_size = 10\n[pgp]\n", &n, all,
	    sizeof(all));
	if (n != 4)
		fail_msg("%s", all);
	assert_non_null(strstr(all, "t.conf:14: [pgp] fingerprint: \"xyz\": "
	    "expected the key's 40"));
	assert_non_null(strstr(all, "mailbox: \"nowhere\" is not a"));
	assert_non_null(strstr(all, "max_decrypted_size: 10 bytes"));
	assert_non_null(strstr(all, "section [pgp] given twice"));
	conf_free(&c);
	c = load("[pgp]\nmailbox = security\n", &n, all, sizeof(all));
	assert_non_null(strstr(all, "fingerprint required"));
	assert_non_null(strstr(all, "t.conf:14: [pgp]: home (a GnuPG home "
	    "holding the secret key) or key_file"));
	conf_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_redact_defaults),
		cmocka_unit_test(test_redact_given),
		cmocka_unit_test(test_pgp),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
