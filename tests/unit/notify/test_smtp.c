/*
 * test_smtp.c - unit tests of notify/smtp.c that need no server
 *
 * Parameter checks happen before any connection: bad URLs, credentials
 * inside a URL, bad EHLO names, bad envelope addresses. Delivery itself
 * is tested against real servers in tests/integration/test_smtp_send.py.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "notify/smtp.h"
#include "notify/webhook.h"

static void
test_open_checks_url(void **state)
{
	static const char *const bad[] = { "http://127.0.0.1:25",
		"imap://127.0.0.1", "not a url", "file:///etc/passwd", NULL };
	struct smtp_client *c = (struct smtp_client *)1;
	struct gc_err err = { 0 };

	(void)state;
	for (size_t i = 0; bad[i]; i++) {
		struct smtp_params p = { .url = bad[i] };

		assert_int_equal(smtp_open(&c, &p, &err), GC_ECONFIG);
		assert_null(c);
	}
	{
		struct smtp_params p = { .url = NULL };

		assert_int_equal(smtp_open(&c, &p, &err), GC_ECONFIG);
	}
}

static void
test_open_refuses_credentials_in_url(void **state)
{
	struct smtp_params p = {
		.url = "smtp://support:hunter2-secret@127.0.0.1:2525" };
	struct smtp_client *c;
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(smtp_open(&c, &p, &err), GC_ECONFIG);
	assert_null(strstr(err.msg, "hunter2-secret"));
	assert_non_null(strstr(err.msg, "credentials"));
}

static void
test_open_ok_and_helo(void **state)
{
	static const char *const good[] = { "smtp://127.0.0.1:2525",
		"smtps://mail.example.com:465", "SMTP://localhost", NULL };
	struct smtp_client *c;
	struct gc_err err = { 0 };

	(void)state;
	for (size_t i = 0; good[i]; i++) {
		struct smtp_params p = { .url = good[i], .user = "u",
			.password = "p", .helo_name = "guichet.example.com" };

		assert_int_equal(smtp_open(&c, &p, &err), 0);
		assert_non_null(c);
		smtp_close(&c);
		assert_null(c);
		smtp_close(&c);         /* harmless on NULL */
	}
	{
		struct smtp_params p = { .url = "smtp://127.0.0.1:2525",
			.helo_name = "bad name\r\nMAIL FROM:<x@y>" };

		assert_int_equal(smtp_open(&c, &p, &err), GC_ECONFIG);
	}
}

/* Bad envelope addresses are refused before anything is sent (the
 * server below does not exist: reaching it would give GC_ETEMP). */
static void
test_send_checks_envelope(void **state)
{
	static const char *const bad[] = { "a@b.example\r\nRCPT TO:<x@y>",
		"no-at", "a b@c.example", "<a@b.example>", NULL };
	static const char *const good_rcpt[] = { "a@b.example" };
	struct smtp_params p = { .url = "smtp://127.0.0.1:1",
		.timeout_sec = 1 };
	struct smtp_client *c;
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(smtp_open(&c, &p, &err), 0);
	for (size_t i = 0; bad[i]; i++) {
		const char *rcpt[] = { "ok@b.example", bad[i] };

		assert_int_equal(smtp_send(c, "support@example.com", rcpt, 2,
		    "x\r\n", 3, &err), GC_EINVAL);
		assert_non_null(strstr(err.msg, "RCPT TO"));
		assert_int_equal(smtp_send(c, bad[i], good_rcpt, 1, "x\r\n", 3,
		    &err), GC_EINVAL);
		assert_non_null(strstr(err.msg, "MAIL FROM"));
	}
	assert_int_equal(smtp_send(c, "support@example.com", good_rcpt, 0,
	    "x\r\n", 3, &err), GC_EINVAL);
	smtp_close(&c);
}

/* smtp_send_rcpts: a bad address is refused alone, the others go on
 * (here to a server that does not exist: a temporary failure each). */
static void
test_send_rcpts_bad_address_alone(void **state)
{
	struct smtp_params p = { .url = "smtp://127.0.0.1:1",
		.timeout_sec = 1 };
	struct smtp_rcpt r[3] = { { .addr = "ok@b.example" },
		{ .addr = "a@b.example\r\nRCPT TO:<x@y>" },
		{ .addr = "other@b.example" } };
	struct smtp_client *c;
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(smtp_open(&c, &p, &err), 0);
	assert_int_equal(smtp_send_rcpts(c, "support@example.com", r, 3,
	    "x\r\n", 3, &err), GC_ETEMP);
	assert_int_equal(r[0].outcome, SMTP_TEMPFAIL);
	assert_int_equal(r[1].outcome, SMTP_REFUSED);
	assert_non_null(strstr(r[1].error, "RCPT TO"));
	assert_int_equal(r[2].outcome, SMTP_TEMPFAIL);
	/* only bad ones: nothing to send, each refused, no connection */
	r[0].addr = "no-at";
	r[2].addr = "<a@b.example>";
	assert_int_equal(smtp_send_rcpts(c, "support@example.com", r, 3,
	    "x\r\n", 3, &err), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(r[i].outcome, SMTP_REFUSED);
	/* a bad sender refuses every recipient */
	r[0].addr = "ok@b.example";
	assert_int_equal(smtp_send_rcpts(c, "bad sender", r, 1, "x\r\n", 3,
	    &err), GC_EINVAL);
	assert_int_equal(r[0].outcome, SMTP_REFUSED);
	smtp_close(&c);
}

/* smtps:// and tls = none contradict each other. */
static void
test_open_smtps_with_no_tls(void **state)
{
	struct smtp_params p = { .url = "smtps://127.0.0.1:465",
		.no_tls = true };
	struct smtp_client *c;
	struct gc_err err = { 0 };

	(void)state;
	assert_int_equal(smtp_open(&c, &p, &err), GC_ECONFIG);
	assert_null(c);
	p.url = "SMTPS://127.0.0.1:465";
	assert_int_equal(smtp_open(&c, &p, &err), GC_ECONFIG);
	p.url = "smtp://127.0.0.1:25";
	assert_int_equal(smtp_open(&c, &p, &err), 0);
	smtp_close(&c);
}

static void
test_webhook_checks_url(void **state)
{
	static const char *const bad[] = { "ftp://127.0.0.1/x", "nope",
		"smtp://127.0.0.1:25", NULL };
	struct gc_err err = { 0 };

	(void)state;
	for (size_t i = 0; bad[i]; i++)
		assert_int_equal(webhook_post(bad[i], "{}", 2, NULL, NULL, 1,
		    NULL, &err), GC_EINVAL);
	assert_int_equal(webhook_post("https://u:s3cr3t@127.0.0.1:1/x", "{}",
	    2, NULL, NULL, 1, NULL, &err), GC_EINVAL);
	assert_null(strstr(err.msg, "s3cr3t"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_checks_url),
		cmocka_unit_test(test_open_refuses_credentials_in_url),
		cmocka_unit_test(test_open_ok_and_helo),
		cmocka_unit_test(test_send_checks_envelope),
		cmocka_unit_test(test_webhook_checks_url),
		cmocka_unit_test(test_send_rcpts_bad_address_alone),
		cmocka_unit_test(test_open_smtps_with_no_tls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
