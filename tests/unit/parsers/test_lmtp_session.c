/*
 * test_lmtp_session.c - the server's side of an LMTP session
 * (parsers/lmtp_session.c), without a socket
 *
 * A whole conversation fed at once and then 1, 2, 3, 7 and 64 bytes at a
 * time gives the same replies and the same mails (line ends and the
 * dot-stuffing falling on every boundary); the mail handed over is the
 * client's, un-dot-stuffed, after Return-Path:; a mail past the limit is
 * read to its end and refused with 552 per recipient; a reply of the
 * daemon that is not one becomes 451; a client that does not read its
 * replies is not read from; the twentieth mistake closes the session.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/lmtp_session.h"

struct seen {
	char mails[4][8192];
	size_t lens[4];
	int nmails;
	const char *answer;    /* what deliver() says for each recipient */
	size_t too_big;        /* recipients told 552 */
};

static const char *
mailbox(void *ctx, const char *addr)
{
	(void)ctx;
	return strncmp(addr, "support", 7) == 0 ? "support" : NULL;
}

static void
deliver(void *ctx, const char *data, size_t len, const struct lmtp_rcpt *r,
    size_t n, char (*replies)[LMTP_REPLY_MAX])
{
	struct seen *seen = ctx;

	if (seen->nmails < 4 && len < sizeof(seen->mails[0])) {
		memcpy(seen->mails[seen->nmails], data, len);
		seen->lens[seen->nmails] = len;
	}
	seen->nmails++;
	for (size_t i = 0; i < n; i++)
		snprintf(replies[i], LMTP_REPLY_MAX, seen->answer, r[i].addr);
}

static void
too_big(void *ctx, size_t n)
{
	((struct seen *)ctx)->too_big += n;
}

/* Feed text piece bytes at a time (0: as much as it takes), writing the
 * replies whenever asked; all the replies in out. */
static void
converse(struct seen *seen, const char *text, size_t len, size_t piece,
    char *out, size_t outmax, const struct lmtp_limits *lim)
{
	struct lmtp_ops ops = { mailbox, deliver, seen, too_big };
	struct lmtp_session *s = lmtp_session_new(lim, &ops);
	size_t off = 0, o = 0, n;
	const char *p;

	while (off < len && !lmtp_session_closing(s)) {
		size_t take = len - off;

		if (piece != 0 && take > piece)
			take = piece;
		if (take > lmtp_session_room(s))
			take = lmtp_session_room(s);
		lmtp_session_feed(s, text + off, take);
		off += take;
		p = lmtp_session_output(s, &n);
		assert_true(o + n < outmax);
		memcpy(out + o, p, n);
		o += n;
		lmtp_session_written(s, n);
		lmtp_session_resume(s);
	}
	p = lmtp_session_output(s, &n);
	assert_true(o + n < outmax);
	memcpy(out + o, p, n);
	o += n;
	out[o] = '\0';
	lmtp_session_free(&s);
}

static const char CONVERSATION[] =
    "LHLO mta.example.com\r\n"
    "MAIL FROM:<claire@customer.example> SIZE=200 BODY=8BITMIME\r\n"
    "RCPT TO:<support@example.com>\r\n"
    "RCPT TO:<nobody@example.com>\r\n"
    "RCPT TO:<support+x@example.com> NOTIFY=NEVER\r\n"
    "DATA\r\n"
    "Subject: dots\r\n\r\n"
    ".starts with a dot\r\n"
    "..two\r\n"
    ". \r\n"
    "bare LF\n"
    ".\r\n"
    "MAIL FROM:<>\r\nRCPT TO:<support@example.com>\r\nDATA\r\n"
    "x\r\n.\r\n"
    "QUIT\r\n";

/* a line's first dot is the client's stuffing (RFC 5321 4.5.2) */
static const char MAIL1[] =
    "Return-Path: <claire@customer.example>\r\n"
    "Subject: dots\r\n\r\n"
    "starts with a dot\r\n"
    ".two\r\n"
    " \r\n"
    "bare LF\n";

static void
test_pieces_give_the_same(void **state)
{
	struct lmtp_limits lim = { 1 << 20, 100 };
	static char whole[8192], other[8192];
	static const size_t pieces[] = { 1, 2, 3, 7, 64 };
	struct seen seen = { .answer = "250 2.0.0 <%s> ok" };

	(void)state;
	converse(&seen, CONVERSATION, strlen(CONVERSATION), 0, whole,
	    sizeof(whole), &lim);
	assert_int_equal(seen.nmails, 2);
	assert_int_equal(seen.lens[0], strlen(MAIL1));
	assert_memory_equal(seen.mails[0], MAIL1, strlen(MAIL1));
	assert_memory_equal(seen.mails[1], "Return-Path: <>\r\nx\r\n", 20);
	assert_non_null(strstr(whole, "250 SIZE 1048576\r\n"));
	assert_non_null(strstr(whole, "550 5.1.1 <nobody@example.com>"));
	assert_non_null(strstr(whole, "250 2.0.0 <support@example.com> ok\r\n"
	    "250 2.0.0 <support+x@example.com> ok\r\n"));
	assert_non_null(strstr(whole, "221 2.0.0"));
	for (size_t i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
		struct seen again = { .answer = "250 2.0.0 <%s> ok" };

		converse(&again, CONVERSATION, strlen(CONVERSATION), pieces[i],
		    other, sizeof(other), &lim);
		assert_string_equal(other, whole);
		assert_int_equal(again.nmails, 2);
		assert_memory_equal(again.mails[0], MAIL1, strlen(MAIL1));
	}
}

static void
test_too_big_read_to_its_end(void **state)
{
	struct lmtp_limits lim = { 100, 100 };
	static char out[8192], text[4096];
	struct seen seen = { .answer = "250 2.0.0 <%s> ok" };
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "LHLO m\r\nMAIL FROM:<a@b.example>"
	    "\r\nRCPT TO:<support@example.com>\r\nRCPT TO:<support+2@"
	    "example.com>\r\nDATA\r\n%0300d\r\n.\r\nNOOP\r\n", 0);
	converse(&seen, text, (size_t)n, 5, out, sizeof(out), &lim);
	assert_int_equal(seen.nmails, 0);
	assert_int_equal(seen.too_big, 2);
	assert_non_null(strstr(out, "552 5.3.4 <support@example.com> the mail "
	    "is larger than 100 bytes\r\n552 5.3.4 <support+2@example.com>"));
	/* and the session goes on */
	assert_non_null(strstr(out, "250 2.0.0 ok\r\n"));
	/* SIZE past the limit: refused at MAIL */
	converse(&seen, "LHLO m\r\nMAIL FROM:<a@b.example> SIZE=101\r\n",
	    strlen("LHLO m\r\nMAIL FROM:<a@b.example> SIZE=101\r\n"), 0, out,
	    sizeof(out), &lim);
	assert_non_null(strstr(out, "552 5.3.4"));
}

static void
test_answer_that_is_not_one(void **state)
{
	struct lmtp_limits lim = { 1000, 100 };
	static char out[4096];
	struct seen seen = { .answer = "ok for <%s>" };
	static const char text[] = "LHLO m\r\nMAIL FROM:<a@b.example>\r\n"
	    "RCPT TO:<support@example.com>\r\nDATA\r\nx\r\n.\r\n";

	(void)state;
	converse(&seen, text, strlen(text), 0, out, sizeof(out), &lim);
	assert_int_equal(seen.nmails, 1);
	assert_non_null(strstr(out, "451 4.3.0 <support@example.com> no "
	    "answer"));
}

static void
test_not_read_when_replies_pile_up(void **state)
{
	struct lmtp_limits lim = { 1000, 100 };
	struct seen seen = { .answer = "250 2.0.0 <%s> ok" };
	struct lmtp_ops ops = { mailbox, deliver, &seen, NULL };
	struct lmtp_session *s = lmtp_session_new(&lim, &ops);
	static char flood[LMTP_IN_MAX];
	size_t fed = 0, n;

	(void)state;
	for (size_t i = 0; i + 6 <= sizeof(flood); i += 6)
		memcpy(flood + i, "NOOP\r\n", 6);
	/* nobody writes the replies: the session stops taking bytes */
	while (lmtp_session_room(s) > 0 && fed < 100 * sizeof(flood)) {
		size_t take = lmtp_session_room(s);

		if (take > sizeof(flood))
			take = sizeof(flood);
		lmtp_session_feed(s, flood, take - take % 6);
		fed += take - take % 6;
	}
	assert_int_equal(lmtp_session_room(s), 0);
	(void)lmtp_session_output(s, &n);
	assert_true(n >= LMTP_OUT_MAX && n < LMTP_OUT_MAX + 64);
	assert_true(fed < 3 * sizeof(flood));
	/* once they are written, it goes on: more replies each time, until
	 * what it holds is served and it takes bytes again */
	for (int i = 0; lmtp_session_room(s) == 0; i++) {
		assert_true(i < 100);
		lmtp_session_written(s, n);
		lmtp_session_resume(s);
		(void)lmtp_session_output(s, &n);
		assert_true(n > 0 || lmtp_session_room(s) > 0);
	}
	lmtp_session_free(&s);
}

static void
test_twentieth_mistake_closes(void **state)
{
	struct lmtp_limits lim = { 1000, 100 };
	static char out[8192], text[1024];
	struct seen seen = { .answer = "250 2.0.0 <%s> ok" };
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 19; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "BOGUS\r\n");
	n += (size_t)snprintf(text + n, sizeof(text) - n, "NOOP\r\nBOGUS\r\n"
	    "NOOP\r\n");
	converse(&seen, text, n, 0, out, sizeof(out), &lim);
	assert_non_null(strstr(out, "250 2.0.0 ok\r\n502 5.5.2 unknown "
	    "command\r\n421 4.7.0 too many errors, closing\r\n"));
	/* nothing after the 421 */
	assert_string_equal(strstr(out, "421 4.7.0 too many errors, closing"
	    "\r\n"), "421 4.7.0 too many errors, closing\r\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pieces_give_the_same),
		cmocka_unit_test(test_too_big_read_to_its_end),
		cmocka_unit_test(test_answer_that_is_not_one),
		cmocka_unit_test(test_not_read_when_replies_pile_up),
		cmocka_unit_test(test_twentieth_mistake_closes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
