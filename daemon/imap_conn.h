/*
 * imap_conn.h - what the files of the IMAP client share (daemon/imap*.c
 * only; the rest of the program uses imap.h)
 *
 * The connection itself, the limits, and the helpers every command uses:
 * the check that a command may be sent now (imap_usable), the mapping of
 * a libetpan error to GC_E* (imap_fail), the folder-name check and the
 * quoting of a server's text.
 *
 * Lifetimes: struct imap_conn owns the mailimap session, which owns the
 * stream and the socket. Nothing else is kept between calls; the password
 * only lives in the caller's struct imap_params during imap_connect().
 */
#ifndef GC_IMAP_CONN_H
#define GC_IMAP_CONN_H

#include <stdbool.h>
#include <stddef.h>

#include <libetpan/libetpan.h>

#include "imap.h"

#define FOLDER_MAX 1000         /* bytes in a folder name */
#define CRED_MAX 1000           /* bytes in a user name or password */
#define SET_RANGES_MAX 500      /* ranges in one UID set (~8 KB of line) */
#define SERVER_TEXT_MAX 200     /* bytes of a server's text quoted */
#define IDLE_LINES_MAX 10000    /* untagged lines accepted before "+" */
#define IDLE_LITERAL_MAX (1 << 20) /* bytes of a literal skipped then */
#define WHERE_MAX (IMAP_HOST_MAX + 16)

/* A copy of a stream driver whose read turns end-of-file into an error:
 * libetpan's literal reader loops forever on a 0-byte read (a server
 * hanging up in the middle of a FETCH body), and its line reader takes
 * end-of-file for the end of a line. Every other entry is the original. */
struct eof_driver {
	mailstream_low_driver drv;              /* first: cast from driver */
	const mailstream_low_driver *orig;
	bool eof;                               /* the peer hung up */
};

struct imap_conn {
	mailimap *imap;
	struct eof_driver plain_drv, tls_drv;   /* outlive the streams */
	struct imap_url url;
	char where[WHERE_MAX];  /* "host:port" for messages */
	unsigned int caps;      /* IMAP_CAP_* usable */
	int timeout;            /* seconds */
	bool tls;
	bool selected;
	bool dead;              /* stream failed: no more commands */
	bool idling;
	bool idle_news;         /* EXISTS/RECENT seen as IDLE began */
	int ready_fd;           /* always-readable eventfd, or -1 */
};

/* The server's last text, safe to quote: control characters dropped,
 * capped, and every occurrence of secret (the password) masked. */
void imap_server_text(char *buf, size_t len, const struct imap_conn *c,
    const char *secret);

/* Map a libetpan error r of command `what` to GC_E* in err, marking the
 * connection dead when the stream can no longer be trusted. */
int imap_fail(struct imap_conn *c, int r, const char *what,
    struct gc_err *err);
/* The same, masking secret (a password or token) in the server's text. */
int imap_fail_secret(struct imap_conn *c, int r, const char *what,
    const char *secret, struct gc_err *err);

/* No CR, LF or other control bytes (they would break the command line),
 * at most max bytes. */
bool imap_clean_string(const char *s, size_t max);

/* 0 when command `what` may be sent: connected, alive, not idling, and a
 * folder selected if need_selected; otherwise why not, in err. */
int imap_usable(struct imap_conn *c, bool need_selected, const char *what,
    struct gc_err *err);

/* Whether the server told of mail (EXISTS, RECENT) in any answer since
 * this was last called or the folder selected; the marks cleared: news
 * are taken up once (imap_idle.c). */
bool imap_news_take(struct imap_conn *c);

/* 0 for a non-empty folder name without control bytes, of at most
 * FOLDER_MAX bytes; GC_EINVAL otherwise. */
int imap_check_folder(const char *folder, const char *what,
    struct gc_err *err);

/* AUTHENTICATE XOAUTH2 (or OAUTHBEARER) as user with token, over TLS
 * (or allowed plaintext), in one command with the initial response
 * (SASL-IR); imap_auth.c. */
int imap_authenticate(struct imap_conn *c, const char *user,
    const char *token, bool oauthbearer, struct gc_err *err);

#endif
