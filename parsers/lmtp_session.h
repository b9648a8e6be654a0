/*
 * lmtp_session.h - the server's side of one LMTP session (RFC 2033), as
 * a pure state machine
 *
 * Bytes the client sent go in (lmtp_session_feed), replies come out
 * (lmtp_session_output); no socket, no clock. The daemon (daemon/lmtp.c)
 * moves the bytes and decides what a recipient is and what becomes of a
 * mail, through two callbacks.
 *
 * What it takes: LHLO (PIPELINING, ENHANCEDSTATUSCODES, 8BITMIME,
 * SMTPUTF8 and SIZE advertised), MAIL FROM:<path> with SIZE, BODY,
 * SMTPUTF8, ENVID, RET, AUTH; RCPT TO:<path> with ORCPT, NOTIFY; DATA,
 * RSET, NOOP, VRFY (252), QUIT. Each command line is capped at
 * LMTP_CMD_MAX bytes (past it: 500, the line skipped whole), each path at
 * 256 bytes; the mail's lines are un-dot-stuffed into a buffer capped at
 * lim.max_size (past it the rest is read and dropped, and each recipient
 * is told 552). A client that makes LMTP_MAX_ERRORS mistakes is told 421
 * and the session closes. The mail handed to deliver() starts with
 * Return-Path: <sender> (RFC 5321 4.4).
 *
 * Replies pile up in an output buffer; past LMTP_OUT_MAX of them,
 * nothing more is read (lmtp_session_room() is 0) until the caller has
 * written them: a client that pipelines without reading holds its own
 * session only.
 *
 * Ownership: the session owns its buffers; the callbacks borrow what
 * they are given for the duration of the call.
 */
#ifndef GC_LMTP_SESSION_H
#define GC_LMTP_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#define LMTP_CMD_MAX   2048    /* bytes of a command line (RFC 5321: 512,
                                  and the parameters of its extensions) */
#define LMTP_IN_MAX    65536   /* bytes held unparsed */
#define LMTP_OUT_MAX   65536   /* bytes of replies before reading stops */
#define LMTP_PATH_MAX  256     /* an address (RFC 5321 4.5.3.1.3) */
#define LMTP_MAX_ERRORS 20     /* mistakes before 421 (Postfix's hard
                                  error limit) */
#define LMTP_REPLY_MAX 400     /* a reply line that deliver() writes */

struct lmtp_limits {
	size_t max_size;       /* bytes of a mail, SIZE advertised */
	size_t max_rcpts;      /* RCPT per transaction, past it 452 */
};

struct lmtp_rcpt {
	char *addr;            /* as the client gave it */
	char *mailbox;         /* what mailbox() answered */
};

struct lmtp_ops {
	/* The name of the mailbox an address is, or NULL (550). */
	const char *(*mailbox)(void *ctx, const char *addr);
	/* The final dot: data (len bytes) for the n recipients accepted;
	 * write each one's reply line, without its CRLF (a code of 2xx,
	 * 4xx or 5xx), into replies[i]. */
	void (*deliver)(void *ctx, const char *data, size_t len,
	    const struct lmtp_rcpt *rcpts, size_t n,
	    char (*replies)[LMTP_REPLY_MAX]);
	void *ctx;
	/* A mail past lim.max_size was refused (552) for n recipients;
	 * may be NULL. */
	void (*too_big)(void *ctx, size_t n);
};

struct lmtp_session;

/* A session, its 220 greeting waiting in the output. */
struct lmtp_session *lmtp_session_new(const struct lmtp_limits *lim,
    const struct lmtp_ops *ops);
void lmtp_session_free(struct lmtp_session **s);

/* How many bytes lmtp_session_feed() takes now (0: closing, or replies
 * to write first). */
size_t lmtp_session_room(const struct lmtp_session *s);
/* The client's next bytes, at most lmtp_session_room() of them; every
 * command and mail they complete is served (deliver() called). */
void lmtp_session_feed(struct lmtp_session *s, const char *p, size_t len);
/* Serve what was fed but waited for room in the output. */
void lmtp_session_resume(struct lmtp_session *s);

/* The replies waiting (*len bytes); then that n of them were written. */
const char *lmtp_session_output(const struct lmtp_session *s, size_t *len);
void lmtp_session_written(struct lmtp_session *s, size_t n);

/* A reply of the caller's own (a line without CRLF: "421 4.4.2 ..."),
 * and the session then closes. */
void lmtp_session_close(struct lmtp_session *s, const char *line);
/* QUIT, too many mistakes or lmtp_session_close(): once the output is
 * written, the connection closes. */
bool lmtp_session_closing(const struct lmtp_session *s);
/* In the middle of a mail (DATA given, the final dot not yet). */
bool lmtp_session_in_data(const struct lmtp_session *s);
/* The mistakes the client made. */
int lmtp_session_errors(const struct lmtp_session *s);

#endif
