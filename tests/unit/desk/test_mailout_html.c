/*
 * test_mailout_html.c - the HTML part of our mails (desk/mailout.c):
 * the template rendered again with each value escaped, an agent's
 * sanitised HTML in place of its variable, and the text alone when the
 * HTML would not fit in a message
 *
 * mailout_compose() needs no database: the mail is composed, not stored.
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
#include "conf/conf.h"
#include "desk/mailout.h"

static const char conf_text[] =
    "[guichet]\n"
    "[database]\nconninfo = dbname=none\n"
    "[smtp]\nurl = smtp://127.0.0.1:2525\nfrom = support@example.com\n"
    "[mailbox support]\naddress = support@example.com\n"
    "url = imap://127.0.0.1/\nuser = u\npassword_file = pw\n"
    "[queue support]\n";

struct fx {
	struct conf *c;
	struct mailout *mo;
	char dir[64];
	char pw[96];
};

static int
setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof(*f));
	struct conf_diag diag = { 0 };
	const char *tmp = getenv("TMPDIR");
	FILE *fp;

	snprintf(f->dir, sizeof(f->dir), "%s/gc-mailout-XXXXXX",
	    tmp != NULL && *tmp != '\0' && strlen(tmp) < 40 ? tmp : P_tmpdir);
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->pw, sizeof(f->pw), "%s/pw", f->dir);
	assert_non_null(fp = fopen(f->pw, "w"));
	fputs("secret\n", fp);
	fclose(fp);
	chmod(f->pw, 0600);
	if (conf_load_buffer(&f->c, "guichet.conf", f->dir, conf_text,
	    sizeof(conf_text) - 1, &diag) != 0)
		fail_msg("conf: %s", diag.n ? diag.lines[0] : "?");
	conf_diag_free(&diag);
	assert_int_equal(mailout_new(&f->mo, f->c, NULL, NULL), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	mailout_free(&f->mo);
	conf_free(&f->c);
	unlink(f->pw);
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct mailout_mail *
compose(struct fx *f, const struct mailout_var *vars, size_t nvars,
    const struct mailout_var *html, size_t nhtml)
{
	static const struct mailout_rcpt to = { NULL, "c@cust.example" };
	struct mailout_req req = { 0 };
	struct mailout_mail *m = NULL;
	struct gc_err err = { 0 };

	req.template_name = "update";
	req.language = "en";
	req.purpose = "update";
	req.ticket_id = 1;
	req.to = &to;
	req.nto = 1;
	req.vars = vars;
	req.nvars = nvars;
	req.html_vars = html;
	req.nhtml_vars = nhtml;
	if (mailout_compose(&m, f->mo, 1790000000, &req, &err) != 0)
		fail_msg("compose: %s", err.msg);
	return m;
}

static const char *
raw(const struct mailout_mail *m)
{
	return (const char *)mailout_mail_outbox(m)->data;
}

static void
test_html_var(void **state)
{
	struct fx *f = *state;
	const struct mailout_var vars[] = {
		{ "message_text", "plain <b>text</b> \x1e" "0\x1e" },
		{ "subject", "S <script>" },
	};
	const struct mailout_var html[] = {
		{ "message_text", "<p><b>agent's</b> words</p>" } };
	struct mailout_mail *m = compose(f, vars, 2, html, 1);
	const char *s = raw(m), *h = strstr(s, "Content-Type: text/html");

	assert_non_null(h);
	assert_non_null(strstr(s, "multipart/alternative"));
	/* the text part has the text, the HTML part the fragment (QP) */
	assert_non_null(strstr(s, "plain <b>text</b>"));
	assert_non_null(strstr(h, "<b>agent's</b> words"));
	assert_null(strstr(h, "plain"));
	assert_null(strstr(h, "<script"));
	assert_non_null(strstr(h, "S &lt;script&gt;"));
	/* the message on the ticket is the text */
	assert_non_null(strstr(mailout_mail_message(m)->text, "plain"));
	mailout_mail_free(&m);
}

/* 8 MB of '<' make more HTML than a message holds: the text goes alone. */
static void
test_html_too_big(void **state)
{
	struct fx *f = *state;
	size_t n = 7 * 1024 * 1024;
	char *big = malloc(n + 1);
	struct mailout_var vars[] = { { "message_text", big } };
	struct mailout_mail *m;

	memset(big, '<', n);
	big[n] = '\0';
	m = compose(f, vars, 1, NULL, 0);
	assert_null(strstr(raw(m), "text/html"));
	assert_non_null(strstr(raw(m), "text/plain"));
	mailout_mail_free(&m);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_html_var, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_too_big, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
