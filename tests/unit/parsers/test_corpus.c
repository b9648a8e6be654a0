/*
 * test_corpus.c - the mail parser over the real-world corpus
 *
 * Every .eml file under the shared corpus (../shared/corpus beside the
 * source tree, or $GUICHET_CORPUS_DIR) goes through mail_parse(): no crash
 * (the suite also runs under ASan/UBSan), every file parses, and the
 * subject, text and every other string are valid UTF-8 without line breaks
 * where there must be none; the language guess of each (langguess.h)
 * is French, English or nothing. (That NUL bytes are dropped rather than cut
 * a string short is tested on fixtures in test_mime.c.) When the corpus
 * is absent it says so and exits 77, which ctest reports as skipped
 * (SKIP_RETURN_CODE in tests/CMakeLists.txt).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/util.h"
#include "parsers/langguess.h"
#include "parsers/mime.h"
#include "parsers/utf8.h"

#define EXIT_SKIP 77      /* SKIP_RETURN_CODE of this test */

static size_t nfiles, nattachments, nparts, nforwarded;
static size_t nfr, nen;   /* mails whose language langguess.h told */
static char corpus[4096];

static void
check_str(const char *path, const char *what, const char *s)
{
	if (s == NULL)
		return;
	if (!utf8_valid(s, strlen(s)))
		fail_msg("%s: %s is not valid UTF-8", path, what);
}

static void
check_mail(const char *path, const struct mail *m, int depth)
{
	size_t i;

	if (depth > 100)
		fail_msg("%s: nested too deep", path);
	check_str(path, "subject", m->subject);
	check_str(path, "text", m->text);
	if (strpbrk(m->subject, "\r\n") != NULL)
		fail_msg("%s: line break in the subject", path);
	check_str(path, "from.name", m->from.name);
	check_str(path, "from.addr", m->from.addr);
	check_str(path, "message_id", m->message_id);
	check_str(path, "in_reply_to", m->in_reply_to);
	check_str(path, "return_path", m->return_path);
	check_str(path, "text_charset", m->text_charset);
	for (i = 0; i < m->nheaders; i++) {
		check_str(path, "header", m->headers[i].value);
		if (strpbrk(m->headers[i].value, "\r\n") != NULL)
			fail_msg("%s: line break in a header value", path);
	}
	for (i = 0; i < m->nto; i++)
		check_str(path, "to", m->to[i].name);
	for (i = 0; i < m->ncc; i++)
		check_str(path, "cc", m->cc[i].name);
	for (i = 0; i < m->nreferences; i++)
		check_str(path, "references", m->references[i]);
	for (i = 0; i < m->nattachments; i++) {
		check_str(path, "filename", m->attachments[i].filename);
		check_str(path, "content_type", m->attachments[i].content_type);
		if (m->attachments[i].message != NULL) {
			nforwarded++;
			check_mail(path, m->attachments[i].message, depth + 1);
		}
	}
	for (i = 0; i < m->nparts; i++) {
		check_str(path, "part charset", m->parts[i].charset);
		check_str(path, "part filename", m->parts[i].filename);
	}
	nattachments += m->nattachments;
	nparts += m->nparts;
}

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t n = strlen(path), len;
	struct gc_err err = { 0, "" };
	struct mail *m = NULL;
	char *raw;
	int rc;

	(void)st;
	(void)ftw;
	if (type != FTW_F || n < 4 || strcmp(path + n - 4, ".eml") != 0)
		return 0;
	if (file_read(&raw, &len, path, 64u << 20, &err) != 0)
		fail_msg("%s: %s", path, err.msg);
	rc = mail_parse(&m, raw, len, NULL, &err);
	free(raw);
	if (rc != 0)
		fail_msg("%s: mail_parse failed: %d %s", path, rc, err.msg);
	check_mail(path, m, 0);
	{
		const char *lang = lang_guess(m->subject, m->text,
		    mail_header_get(m, "Content-Language"));

		if (lang != NULL && strcmp(lang, "fr") == 0)
			nfr++;
		else if (lang != NULL && strcmp(lang, "en") == 0)
			nen++;
		else if (lang != NULL)
			fail_msg("%s: language \"%s\"", path, lang);
	}
	mail_free(&m);
	nfiles++;
	return 0;
}

static void
test_corpus(void **state)
{
	(void)state;
	assert_int_equal(nftw(corpus, visit, 16, FTW_PHYS), 0);
	print_message("%zu mails, %zu parts, %zu attachments, %zu forwarded "
	    "mails parsed\n", nfiles, nparts, nattachments, nforwarded);
	print_message("their language: %zu English, %zu French, %zu not "
	    "told\n", nen, nfr, nfiles - nen - nfr);
	assert_true(nfiles > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
	};
	const char *dir = getenv("GUICHET_CORPUS_DIR");
	struct stat st;

	if (dir != NULL)
		snprintf(corpus, sizeof(corpus), "%s", dir);
	else
		snprintf(corpus, sizeof(corpus), "%s/../../../shared/corpus",
		    FIXTURES_DIR);
	if (stat(corpus, &st) != 0 || !S_ISDIR(st.st_mode)) {
		printf("corpus not found at %s: skipped "
		    "(set GUICHET_CORPUS_DIR)\n", corpus);
		return EXIT_SKIP;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
