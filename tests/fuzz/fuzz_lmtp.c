/*
 * fuzz_lmtp.c - fuzz target: parsers/lmtp_session.h, the server's side
 * of an LMTP session
 *
 * The first byte picks how the client's bytes come (in pieces of 1 to
 * 127 bytes, or as much as the session takes) and the limits (small or
 * large); the rest is what the client sends. The session must keep its
 * promises: every reply line is "DDD" then ' ' or '-' with a code from
 * 2xx to 5xx, ending in CRLF; the replies waiting never pass
 * LMTP_OUT_MAX by more than one command's worth; a mail handed over
 * starts with Return-Path: and is no larger than the limit (plus that
 * line), for at most max_rcpts recipients each named by mailbox(); and
 * the session always moves on (it takes bytes, or its output is written,
 * or it closes). Seeds: tests/fuzz/corpus/lmtp/.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parsers/lmtp_session.h"
#include "tests/fuzz/fuzz.h"

struct fuzz_lmtp_state {
	size_t max_size, max_rcpts;
	unsigned delivered;
};

static const char *
fuzz_lmtp_mailbox(void *ctx, const char *addr)
{
	(void)ctx;
	FUZZ_CHECK(strlen(addr) <= LMTP_PATH_MAX, "a path of %zu bytes",
	    strlen(addr));
	/* some addresses are mailboxes, the others are not */
	return (addr[0] & 1) ? "odd" : strchr(addr, 'x') ? NULL : "even";
}

static void
fuzz_lmtp_deliver(void *ctx, const char *data, size_t len,
    const struct lmtp_rcpt *rcpts, size_t n, char (*replies)[LMTP_REPLY_MAX])
{
	struct fuzz_lmtp_state *st = ctx;

	FUZZ_CHECK(len >= 15 && memcmp(data, "Return-Path: <", 14) == 0,
	    "the mail does not start with Return-Path:");
	FUZZ_CHECK(len <= st->max_size + LMTP_PATH_MAX + 20,
	    "a mail of %zu bytes past the limit %zu", len, st->max_size);
	FUZZ_CHECK(n >= 1 && n <= st->max_rcpts, "%zu recipients", n);
	fuzz_touch(data, len);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(strcmp(rcpts[i].mailbox, "odd") == 0 ||
		    strcmp(rcpts[i].mailbox, "even") == 0, "a mailbox that "
		    "mailbox() did not name");
		/* a good answer, a temporary one, or garbage (which the
		 * session must not pass on) */
		snprintf(replies[i], LMTP_REPLY_MAX, "%s",
		    (len + i) % 3 == 0 ? "250 2.0.0 ok" :
		    (len + i) % 3 == 1 ? "451 4.3.0 later" : "x");
	}
	st->delivered++;
}

static void
fuzz_lmtp_too_big(void *ctx, size_t n)
{
	struct fuzz_lmtp_state *st = ctx;

	FUZZ_CHECK(n >= 1 && n <= st->max_rcpts, "%zu recipients refused", n);
}

/* Check and consume the replies waiting. */
static void
fuzz_lmtp_drain(struct lmtp_session *s, size_t cap)
{
	size_t len;
	const char *p = lmtp_session_output(s, &len);

	FUZZ_CHECK(len <= cap, "%zu bytes of replies waiting", len);
	for (size_t i = 0; i < len;) {
		const char *crlf = memchr(p + i, '\n', len - i);
		size_t ll;

		FUZZ_CHECK(crlf != NULL && crlf > p + i && crlf[-1] == '\r',
		    "a reply that does not end in CRLF");
		ll = (size_t)(crlf - (p + i)) + 1;
		FUZZ_CHECK(ll >= 6 && p[i] >= '2' && p[i] <= '5' &&
		    p[i + 1] >= '0' && p[i + 1] <= '9' && p[i + 2] >= '0' &&
		    p[i + 2] <= '9' && (p[i + 3] == ' ' || p[i + 3] == '-'),
		    "a malformed reply line");
		i += ll;
	}
	lmtp_session_written(s, len);
}

static int
fuzz_lmtp(const uint8_t *data, size_t len)
{
	struct fuzz_lmtp_state st = { 0 };
	struct lmtp_limits lim;
	struct lmtp_ops ops = { fuzz_lmtp_mailbox, fuzz_lmtp_deliver, &st,
		fuzz_lmtp_too_big };
	struct lmtp_session *s;
	size_t piece, off = 0, cap;
	unsigned steps = 0;

	if (len < 1)
		return 0;
	piece = data[0] & 0x7f;
	lim.max_size = (data[0] & 0x80) ? 64 : 1 << 20;
	lim.max_rcpts = (data[0] & 0x80) ? 2 : 100;
	st.max_size = lim.max_size;
	st.max_rcpts = lim.max_rcpts;
	/* one command may add its replies past the cap: LHLO's six lines,
	 * or one line per recipient at the final dot */
	cap = LMTP_OUT_MAX + (lim.max_rcpts + 8) * 512;
	data++;
	len--;
	s = lmtp_session_new(&lim, &ops);
	while (off < len && !lmtp_session_closing(s)) {
		size_t room = lmtp_session_room(s), n = len - off;

		FUZZ_CHECK(++steps <= 8 * len + 64, "no progress");
		if (room == 0) {
			size_t waiting;

			fuzz_lmtp_drain(s, cap);
			lmtp_session_resume(s);
			/* it served more of what it holds, or takes bytes */
			(void)lmtp_session_output(s, &waiting);
			FUZZ_CHECK(lmtp_session_room(s) > 0 || waiting > 0 ||
			    lmtp_session_closing(s), "stuck: no room, no "
			    "reply, not closing");
			continue;
		}
		if (piece != 0 && n > piece)
			n = piece;
		if (n > room)
			n = room;
		lmtp_session_feed(s, (const char *)data + off, n);
		off += n;
		if (steps % 8 == 0)
			fuzz_lmtp_drain(s, cap);
	}
	fuzz_lmtp_drain(s, cap);
	if (!lmtp_session_closing(s))
		lmtp_session_close(s, "421 4.3.2 the end of the input");
	fuzz_lmtp_drain(s, cap);
	FUZZ_CHECK(lmtp_session_closing(s), "not closing");
	lmtp_session_free(&s);
	return 0;
}

FUZZ_TARGET(fuzz_lmtp)
