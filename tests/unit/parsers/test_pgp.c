/*
 * test_pgp.c - recognising encrypted mail and writing the clear mail
 * (parsers/pgp.c)
 *
 * PGP/MIME, inline armor, mails that only claim to be encrypted, signed
 * mails that are not, and the clear mail's header: the outer sender and
 * subject whatever the decrypted entity says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "common/err.h"
#include "common/mem.h"
#include "parsers/mime.h"
#include "parsers/pgp.h"

static struct mail *
parse(const char *raw)
{
	struct mail *m = NULL;
	struct gc_err err = { 0, "" };

	if (mail_parse(&m, raw, strlen(raw), NULL, &err) != 0)
		fail_msg("mail_parse: %s", err.msg);
	return m;
}

#define HEAD "From: Rita <rita@example.org>\nTo: security@example.com\n" \
	"Subject: a hole\nMessage-ID: <r1@example.org>\nMIME-Version: 1.0\n"

#define ARMOR "-----BEGIN PGP MESSAGE-----\n\nhQEMA1234\n=abcd\n" \
	"-----END PGP MESSAGE-----\n"

static const char pgp_mime[] = HEAD
	"Content-Type: multipart/encrypted; boundary=\"b\";\n"
	" protocol=\"application/pgp-encrypted\"\n\n"
	"--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
	"--b\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\n\n"
	ARMOR "\n--b--\n";

static void
test_mime(void **state)
{
	struct mail *m = parse(pgp_mime);
	struct pgp_found f;

	(void)state;
	assert_int_equal(pgp_detect(&f, m), PGP_MIME);
	assert_non_null(f.data);
	assert_true(f.len >= strlen(ARMOR) - 1);
	assert_memory_equal(f.data, "-----BEGIN PGP MESSAGE-----", 27);
	mail_free(&m);
}

static void
test_mime_without_data(void **state)
{
	struct mail *m = parse(HEAD
	    "Content-Type: multipart/encrypted; boundary=\"b\"\n\n"
	    "--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n\n"
	    "--b--\n");
	struct pgp_found f;

	(void)state;
	assert_int_equal(pgp_detect(&f, m), PGP_MIME);
	assert_null(f.data);
	assert_non_null(f.why);
	mail_free(&m);
}

static void
test_inline(void **state)
{
	struct mail *m = parse(HEAD "Content-Type: text/plain\n\n"
	    "Hello,\n" ARMOR "Bye\n");
	struct pgp_found f;

	(void)state;
	assert_int_equal(pgp_detect(&f, m), PGP_INLINE);
	assert_non_null(f.data);
	assert_int_equal(f.len, strlen(ARMOR));
	assert_memory_equal(f.data, ARMOR, f.len);
	assert_int_equal(f.before_len, strlen("Hello,\n"));
	assert_string_equal(f.after, "Bye\n");
	mail_free(&m);
}

static void
test_inline_unclosed(void **state)
{
	struct mail *m = parse(HEAD "\n-----BEGIN PGP MESSAGE-----\n\nxyz\n");
	struct pgp_found f;

	(void)state;
	assert_int_equal(pgp_detect(&f, m), PGP_INLINE);
	assert_null(f.data);
	assert_non_null(f.why);
	mail_free(&m);
}

static void
test_not_encrypted(void **state)
{
	static const char *const mails[] = {
		HEAD "\nJust text, -----BEGIN PGP MESSAGE----- in a line.\n",
		HEAD "\n-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n"
		    "hi\n-----BEGIN PGP SIGNATURE-----\n\nabc\n"
		    "-----END PGP SIGNATURE-----\n",
		HEAD "Content-Type: multipart/signed; boundary=\"s\"; "
		    "protocol=\"application/pgp-signature\"\n\n--s\n"
		    "Content-Type: text/plain\n\nsigned text\n--s\n"
		    "Content-Type: application/pgp-signature\n\n"
		    "-----BEGIN PGP SIGNATURE-----\n\nabc\n"
		    "-----END PGP SIGNATURE-----\n--s--\n",
	};
	struct pgp_found f;

	(void)state;
	for (size_t i = 0; i < sizeof(mails) / sizeof(mails[0]); i++) {
		struct mail *m = parse(mails[i]);

		assert_int_equal(pgp_detect(&f, m), PGP_NONE);
		mail_free(&m);
	}
}

/* The clear mail of pgp_mime with entity as the decrypted content. */
static struct mail *
clear_mime(const char *entity, struct buf *b)
{
	struct mail *outer = parse(pgp_mime), *m;
	struct pgp_found f;

	buf_init(b, 1 << 20);
	assert_int_equal(pgp_detect(&f, outer), PGP_MIME);
	assert_int_equal(pgp_clear_mail(b, pgp_mime, outer->header_bytes, &f,
	    entity, strlen(entity)), 0);
	mail_free(&outer);
	m = parse(buf_str(b));
	return m;
}

static void
test_clear_mime(void **state)
{
	struct buf b;
	struct mail *m = clear_mime("Content-Type: multipart/mixed; "
	    "boundary=\"in\"\nFrom: mallory@example.net\nSubject: forged\n\n"
	    "--in\nContent-Type: text/plain; charset=utf-8\n\nthe secret "
	    "text\n--in\nContent-Type: application/octet-stream\n"
	    "Content-Disposition: attachment; filename=\"poc.py\"\n\n"
	    "print(1)\n--in--\n", &b);

	(void)state;
	assert_string_equal(m->from.addr, "rita@example.org");
	assert_string_equal(m->subject, "a hole");
	assert_string_equal(m->message_id, "r1@example.org");
	assert_non_null(strstr(m->text, "the secret text"));
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].filename, "poc.py");
	assert_null(strstr(buf_str(&b), "mallory"));
	assert_null(strstr(buf_str(&b), "multipart/encrypted"));
	mail_free(&m);
	buf_free(&b);
}

static void
test_clear_mime_headerless(void **state)
{
	struct buf b;
	struct mail *m = clear_mime("just words\nFrom: x@example.net\n", &b);

	(void)state;
	assert_string_equal(m->from.addr, "rita@example.org");
	assert_non_null(strstr(m->text, "just words"));
	mail_free(&m);
	buf_free(&b);
}

/* The clear mail of the inline report raw, clear its decrypted text. */
static struct mail *
clear_inline(const char *raw, const char *clear, struct buf *b)
{
	struct mail *outer = parse(raw), *m;
	struct pgp_found f;

	buf_init(b, 1 << 20);
	assert_int_equal(pgp_detect(&f, outer), PGP_INLINE);
	assert_int_equal(pgp_clear_mail(b, raw, outer->header_bytes, &f,
	    clear, strlen(clear)), 0);
	mail_free(&outer);
	m = parse(buf_str(b));
	return m;
}

static void
test_clear_inline(void **state)
{
	struct buf b;
	struct mail *m = clear_inline(HEAD "Content-Type: text/plain\n\n"
	    "Hello,\n" ARMOR "Bye\n", "clear report", &b);

	(void)state;
	assert_string_equal(m->text, "Hello,\nclear report\nBye\n");
	assert_string_equal(m->from.addr, "rita@example.org");
	mail_free(&m);
	buf_free(&b);
}

static void
test_clear_inline_with_files(void **state)
{
	static const char raw[] = HEAD "Content-Type: multipart/mixed; "
	    "boundary=\"o\"\n\n--o\nContent-Type: text/plain\n\n"
	    "Hello,\n" ARMOR "--o\nContent-Type: application/pdf\n"
	    "Content-Disposition: attachment; filename=\"a\\\"b.pdf\"\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--o--\n";
	struct buf b;
	/* a clear text that holds the boundary */
	struct mail *m = clear_inline(raw, "--=_pgp_clear_=--\nclear", &b);

	(void)state;
	assert_string_equal(m->text, "Hello,\n--=_pgp_clear_=--\nclear\n");
	assert_int_equal(m->nattachments, 1);
	assert_string_equal(m->attachments[0].content_type,
	    "application/pdf");
	assert_int_equal(m->attachments[0].len, 9);
	assert_memory_equal(m->attachments[0].data, "%PDF-1.4\n", 9);
	assert_string_equal(m->attachments[0].filename, "ab.pdf");
	mail_free(&m);
	buf_free(&b);
}

static void
test_clear_cap(void **state)
{
	struct mail *outer = parse(pgp_mime);
	struct pgp_found f;
	struct buf b;

	(void)state;
	buf_init(&b, 64);
	pgp_detect(&f, outer);
	assert_int_equal(pgp_clear_mail(&b, pgp_mime, outer->header_bytes,
	    &f, "text", 4), GC_ELIMIT);
	mail_free(&outer);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mime),
		cmocka_unit_test(test_mime_without_data),
		cmocka_unit_test(test_inline),
		cmocka_unit_test(test_inline_unclosed),
		cmocka_unit_test(test_not_encrypted),
		cmocka_unit_test(test_clear_mime),
		cmocka_unit_test(test_clear_mime_headerless),
		cmocka_unit_test(test_clear_inline),
		cmocka_unit_test(test_clear_inline_with_files),
		cmocka_unit_test(test_clear_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
