/*
 * test_bounce.c - bounces (parsers/bounce.c), and the kind of every mail
 * of the corpus folders that hold bounces and automatic replies
 *
 * Fixtures (tests/fixtures/mail/bounce-*.eml) cover an RFC 3464 report,
 * a delay report and the common reports that are not RFC 3464 (qmail,
 * Exim, Postfix, Exchange). The corpus test (skipped with a message when
 * the corpus is absent) asserts, folder by folder:
 * - sisimai, flufl-bounce, perl-bounceparser, ruby-bounce-email and
 *   php-bounce-handler: every mail is a bounce (failed or delayed) and is
 *   automatic for auto_classify(), except the files listed in
 *   not_bounces[] below, which are not delivery reports at all, and one
 *   success report (success_reports[]);
 * - autoreplies: every mail is an automatic reply and no bounce, except
 *   the two Boxbe challenges, which their sender wraps in a
 *   delivery-status report (so they are reports and bounces for us);
 * - talon-replies and redmine (mail written by people): nothing is
 *   automatic, nothing is a bounce.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/auto.h"
#include "parsers/bounce.h"
#include "parsers/mime.h"

static struct mail *
load(const char *path)
{
	char *raw = NULL;
	size_t len;
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;

	if (file_read(&raw, &len, path, 64u << 20, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	if (mail_parse(&m, raw, len, NULL, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	free(raw);
	return m;
}

static struct mail *
fixture(const char *name, struct bounce *b, bool *is_r)
{
	char path[1024];
	struct mail *m;

	snprintf(path, sizeof(path), "%s/mail/%s", FIXTURES_DIR, name);
	m = load(path);
	*is_r = bounce_detect(b, mail_arena(m), m);
	return m;
}

static void
test_dsn(void **state)
{
	struct bounce b;
	bool is;
	struct mail *m = fixture("bounce-dsn.eml", &b, &is);

	(void)state;
	assert_true(is);
	assert_int_equal(b.kind, BOUNCE_FAILED);
	assert_true(b.dsn);
	assert_string_equal(b.status, "5.1.1");
	assert_string_equal(b.original_message_id,
	    "ticket-1234.1@support.example.com");
	assert_string_equal(b.reporting_mta, "mx.example.net");
	assert_int_equal(b.nrecipients, 2);
	assert_string_equal(b.recipients[0].address, "Gone@example.net");
	assert_string_equal(b.recipients[0].action, "failed");
	assert_string_equal(b.recipients[0].status, "5.1.1");
	/* a folded Diagnostic-Code is put back on one line */
	assert_string_equal(b.recipients[0].diagnostic, "550 5.1.1 "
	    "<gone@example.net>: Recipient address rejected: User unknown "
	    "in local recipient table");
	assert_string_equal(b.recipients[1].address, "slow@example.org");
	assert_string_equal(b.recipients[1].action, "delayed");
	assert_string_equal(b.recipients[1].status, "4.4.1");
	assert_int_not_equal(auto_classify(m, NULL), AUTO_NONE);
	mail_free(&m);
}

static void
test_delayed(void **state)
{
	struct bounce b;
	bool is;
	struct mail *m = fixture("bounce-delayed.eml", &b, &is);

	(void)state;
	assert_true(is);
	assert_int_equal(b.kind, BOUNCE_DELAYED);
	assert_string_equal(b.status, "4.4.7");
	/* from the returned message/rfc822 part */
	assert_string_equal(b.original_message_id,
	    "ticket-77.3@support.example.com");
	assert_string_equal(bounce_kind_name(b.kind), "delayed");
	mail_free(&m);
}

static void
test_text_reports(void **state)
{
	struct bounce b;
	bool is;
	struct mail *m;

	(void)state;
	m = fixture("bounce-qmail.eml", &b, &is);
	assert_true(is);
	assert_false(b.dsn);
	assert_int_equal(b.kind, BOUNCE_FAILED);
	assert_string_equal(b.rule, "qmail");
	assert_string_equal(b.status, "5.1.1");
	assert_string_equal(b.original_message_id,
	    "ticket-1300.2@support.example.com");
	assert_int_equal(b.nrecipients, 1);
	assert_string_equal(b.recipients[0].address, "nobody@example.org");
	mail_free(&m);

	m = fixture("bounce-exim.eml", &b, &is);
	assert_true(is);
	assert_string_equal(b.rule, "exim");
	/* no code in the text: implied by "mailbox is full" */
	assert_string_equal(b.status, "5.2.2");
	assert_string_equal(b.original_message_id,
	    "ticket-42.9@support.example.com");
	assert_int_equal(b.nrecipients, 2);
	assert_string_equal(b.recipients[1].address,
	    "other@exim.example.net");
	mail_free(&m);

	m = fixture("bounce-postfix-text.eml", &b, &is);
	assert_true(is);
	assert_string_equal(b.rule, "postfix");
	/* "said: 550" */
	assert_string_equal(b.status, "5.0.0");
	assert_null(b.original_message_id);
	assert_string_equal(b.recipients[0].address, "nobody@nowhere.example");
	mail_free(&m);

	m = fixture("bounce-exchange.eml", &b, &is);
	assert_true(is);
	assert_string_equal(b.rule, "exchange");
	assert_string_equal(b.status, "5.1.10");
	assert_string_equal(b.original_message_id,
	    "ticket-900.1@support.example.com");
	mail_free(&m);
}

static void
test_not_bounces(void **state)
{
	struct bounce b;
	bool is;
	struct mail *m;
	static const char *const people[] = { "not-bounce.eml",
	    "plain-lf.eml", "forward.eml", "quote-forward.eml", NULL };
	size_t i;

	(void)state;
	for (i = 0; people[i] != NULL; i++) {
		m = fixture(people[i], &b, &is);
		if (is)
			fail_msg("%s taken for a bounce", people[i]);
		assert_int_equal(b.kind, BOUNCE_NONE);
		assert_null(b.status);
		assert_int_equal(auto_classify(m, NULL), AUTO_NONE);
		mail_free(&m);
	}
}

/* The gate before the text is read: without a report part, a mail
 * system's sender or a bounce subject is needed; the same postfix text
 * is a bounce from MAILER-DAEMON or under a bounce subject, and not one
 * from a customer under an ordinary subject. */
static bool
detect_raw(const char *from, const char *subject, struct bounce *b)
{
	char raw[1024];
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;
	bool is;
	int n;

	n = snprintf(raw, sizeof(raw), "From: %s\r\nTo: support@example.com"
	    "\r\nSubject: %s\r\nMessage-ID: <gate@x.example>\r\n\r\n"
	    "This is the mail system at host mx.example.net.\r\n\r\n"
	    "I'm sorry to have to inform you that your message could not\r\n"
	    "be delivered to one or more recipients.\r\n\r\n"
	    "<nobody@example.org>: host mx.example.org said: 550 5.1.1\r\n"
	    "    user unknown\r\n", from, subject);
	if (mail_parse(&m, raw, (size_t)n, NULL, &err) != 0)
		fail_msg("%s", err.msg);
	is = bounce_detect(b, mail_arena(m), m);
	if (is)
		assert_string_equal(b->status, "5.1.1");
	else
		assert_int_equal(b->kind, BOUNCE_NONE);
	mail_free(&m);
	return is;
}

static void
test_sender_or_subject_gate(void **state)
{
	struct bounce b;

	(void)state;
	assert_true(detect_raw("MAILER-DAEMON@mx.example.net (Mail Delivery "
	    "System)", "Export question", &b));
	assert_true(detect_raw("Claire <claire@cust.example>",
	    "Undelivered Mail Returned to Sender", &b));
	assert_false(detect_raw("Claire <claire@cust.example>",
	    "Export question", &b));
	assert_false(detect_raw("Claire <claire@cust.example>",
	    "Fwd: Undelivered Mail Returned to Sender", &b));
}

/* ----- The corpus ------------------------------------------------- */

/* Files of the bounce folders that are not delivery reports. */
static const char *const not_bounces[] = {
	/* spam and a virus mail kept as controls */
	"perl-bounceparser/spam-bogus-email-in-report.eml",
	"perl-bounceparser/spam-lots-of-bogus-addresses.eml",
	"perl-bounceparser/spam-with-badly-parsed-email.eml",
	"perl-bounceparser/spam-with-image.eml",
	"perl-bounceparser/virus-caused-multiple-weird-reports.eml",
	/* abuse complaints (ARF feedback loops), not delivery reports */
	"php-bounce-handler/arf1.eml", "php-bounce-handler/arf4.eml",
	"php-bounce-handler/arf5.eml", "php-bounce-handler/arf6.eml",
	"php-bounce-handler/fbl-aol.eml", "php-bounce-handler/fbl-comcast.eml",
	"php-bounce-handler/fbl-hotmail.eml",
	"php-bounce-handler/fbl-yahoo.eml",
	"php-bounce-handler/hotmailbounce.eml",
	"sisimai/bsd-arf-01.eml", "sisimai/bsd-arf-18.eml",
	"sisimai/dos-arf-01.eml", "sisimai/mac-arf-01.eml",
	/* an Apple Mail unsubscribe request */
	"sisimai/bsd-arf-26.eml",
	/* newsletters */
	"ruby-bounce-email/fixtures-no_subject.eml",
	"ruby-bounce-email/non_bounces-tt_1234241664.eml",
	/* an Amazon SES notice of a successful delivery */
	"sisimai/bsd-lhost-amazonses-12.eml",
	/* a mailing-list manager refusing a non-member */
	"sisimai/bsd-lhost-fml-02.eml", "sisimai/bsd-lhost-fml-03.eml",
	/* sisimai's own "not a bounce" samples */
	"sisimai/not-is-not-bounce-01.eml", "sisimai/not-is-not-bounce-02.eml",
	"sisimai/not-rb-issue-368-bug.eml",
	NULL
};

/* Reports of the bounce folders that report a success (sender address
 * verification: "Action: deliverable", "Status: 2.1.5"). */
static const char *const success_reports[] = {
	"sisimai/bsd-rfc3464-28.eml", NULL
};

/* Auto-replies that come as delivery-status reports. */
static const char *const dsn_autoreplies[] = {
	"autoreplies/boxbe-cr.eml", "autoreplies/boxbe-cr2.eml", NULL
};

static bool
listed(const char *const *list, const char *name)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return true;
	return false;
}

enum want { W_BOUNCE, W_AUTOREPLY, W_PERSON };

static size_t checked, exceptions;

static void
check_folder(const char *corpus, const char *folder, enum want want)
{
	char path[4096], name[1024];
	struct dirent *de;
	DIR *d;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s/%s", corpus, folder);
	d = opendir(path);
	if (d == NULL)
		fail_msg("cannot open %s", path);
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		struct mail *m;
		struct bounce b;
		enum auto_kind k;
		const char *reason;
		bool is;

		if (l < 4 || strcmp(de->d_name + l - 4, ".eml") != 0)
			continue;
		snprintf(name, sizeof(name), "%s/%s", folder, de->d_name);
		snprintf(path, sizeof(path), "%s/%s", corpus, name);
		m = load(path);
		is = bounce_detect(&b, mail_arena(m), m);
		k = auto_classify(m, &reason);
		n++;
		if (want == W_BOUNCE && listed(not_bounces, name)) {
			if (is)
				fail_msg("%s: listed as no bounce, but is "
				    "one now: update the list", name);
			exceptions++;
		} else if (want == W_BOUNCE &&
		    listed(success_reports, name)) {
			if (!is || b.kind != BOUNCE_DELIVERED)
				fail_msg("%s: expected a success report",
				    name);
			exceptions++;
		} else if (want == W_BOUNCE) {
			if (!is || (b.kind != BOUNCE_FAILED &&
			    b.kind != BOUNCE_DELAYED))
				fail_msg("%s: not recognised as a bounce",
				    name);
			if (b.status == NULL)
				fail_msg("%s: bounce without status", name);
			if (k == AUTO_NONE)
				fail_msg("%s: bounce not automatic", name);
		} else if (want == W_AUTOREPLY) {
			if (listed(dsn_autoreplies, name)) {
				if (k != AUTO_GENERATED || !b.dsn)
					fail_msg("%s: expected a report", name);
				exceptions++;
			} else {
				if (k != AUTO_REPLY)
					fail_msg("%s: %s (%s), not an "
					    "auto-reply", name,
					    auto_kind_name(k),
					    reason ? reason : "-");
				if (is)
					fail_msg("%s: taken for a bounce",
					    name);
			}
		} else {
			if (k != AUTO_NONE || is)
				fail_msg("%s: a person's mail taken for %s "
				    "(%s)%s", name, auto_kind_name(k),
				    reason ? reason : "-",
				    is ? ", a bounce" : "");
		}
		mail_free(&m);
	}
	closedir(d);
	assert_true(n > 0);
	checked += n;
}

static void
test_corpus_kinds(void **state)
{
	const char *dir = getenv("GUICHET_CORPUS_DIR");
	char path[4096];
	struct stat st;

	(void)state;
	if (dir == NULL) {
		snprintf(path, sizeof(path), "%s/../../../shared/corpus",
		    FIXTURES_DIR);
		dir = path;
	}
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		print_message("corpus not found at %s: skipped "
		    "(set GUICHET_CORPUS_DIR)\n", dir);
		skip();
	}
	check_folder(dir, "sisimai", W_BOUNCE);
	check_folder(dir, "flufl-bounce", W_BOUNCE);
	check_folder(dir, "perl-bounceparser", W_BOUNCE);
	check_folder(dir, "ruby-bounce-email", W_BOUNCE);
	check_folder(dir, "php-bounce-handler", W_BOUNCE);
	check_folder(dir, "autoreplies", W_AUTOREPLY);
	check_folder(dir, "talon-replies", W_PERSON);
	check_folder(dir, "redmine", W_PERSON);
	print_message("%zu mails checked, %zu listed exceptions\n", checked,
	    exceptions);
}

/* A report listing three recipients the way servers write them: a
 * forward (Original-Recipient is ours, Final-Recipient where it went),
 * RFC 6533's utf-8 type with an A-label, and one delivered. */
static void
test_recipient_forms(void **state)
{
	static const char raw[] =
	    "From: MAILER-DAEMON@mx.cust.example\r\n"
	    "To: support@example.com\r\n"
	    "Subject: Undelivered Mail Returned to Sender\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: multipart/report; report-type=delivery-status;"
	    " boundary=R\r\n\r\n"
	    "--R\r\nContent-Type: text/plain\r\n\r\nNot delivered.\r\n"
	    "--R\r\nContent-Type: message/global-delivery-status\r\n\r\n"
	    "Reporting-MTA: dns; mx.cust.example\r\n\r\n"
	    "Original-Recipient: rfc822; Claire+2Bsupport@Cust.Example\r\n"
	    "Final-Recipient: rfc822; claire@elsewhere.example\r\n"
	    "Action: failed\r\nStatus: 5.1.1\r\n"
	    "Original-Recipient: utf-8; cl\\x{EF}ent@ex\\x{E4}mple.org\r\n"
	    "Final-Recipient: utf-8; cl\\x{EF}ent@xn--exmple-cua.org\r\n"
	    "Action: failed\r\nStatus: 5.2.2\r\n\r\n"
	    "Final-Recipient: rfc822; bob@cust.example\r\n"
	    "Action: delivered\r\nStatus: 2.0.0\r\n"
	    "--R--\r\n";
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;
	struct arena *a;
	struct bounce b;

	(void)state;
	assert_int_equal(mail_parse(&m, raw, sizeof(raw) - 1, NULL, &err), 0);
	a = mail_arena(m);
	assert_true(bounce_detect(&b, a, m));
	assert_int_equal(b.kind, BOUNCE_FAILED);
	assert_int_equal(b.nrecipients, 3);
	assert_string_equal(b.recipients[0].address,
	    "claire@elsewhere.example");
	assert_string_equal(b.recipients[0].original,
	    "Claire+2Bsupport@cust.example");
	assert_true(bounce_recipient_is(a, &b.recipients[0],
	    "claire+support@cust.example"));
	assert_true(bounce_recipient_is(a, &b.recipients[0],
	    "claire@elsewhere.example"));
	assert_false(bounce_recipient_is(a, &b.recipients[0],
	    "claire@cust.example"));
	assert_true(bounce_recipient_is(a, &b.recipients[1],
	    "cl\xc3\xaf" "ent@ex\xc3\xa4mple.org"));
	assert_false(bounce_recipient_is(a, &b.recipients[1],
	    "client@example.org"));
	assert_null(b.recipients[2].original);
	assert_true(bounce_recipient_failed(&b.recipients[0]));
	assert_true(bounce_recipient_failed(&b.recipients[1]));
	assert_false(bounce_recipient_failed(&b.recipients[2]));
	mail_free(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dsn),
		cmocka_unit_test(test_recipient_forms),
		cmocka_unit_test(test_delayed),
		cmocka_unit_test(test_text_reports),
		cmocka_unit_test(test_not_bounces),
		cmocka_unit_test(test_sender_or_subject_gate),
		cmocka_unit_test(test_corpus_kinds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
