/*
 * imap.h - the IMAP client that polls support mailboxes (libetpan)
 *
 * One struct imap_conn is one logged-in IMAP session, kept open across
 * polls (no reconnect between polls). Everything is batched: a search
 * returns every UID at once, a fetch is one UID FETCH for a whole set of
 * UIDs (compressed into ranges), a move is one UID MOVE (or COPY + STORE +
 * EXPUNGE) for a whole set. There is no per-mail round trip.
 *
 * TLS: imaps:// is TLS from the first byte; imap:// upgrades with
 * STARTTLS whenever the server offers it, and refuses to send the
 * password in clear otherwise unless allow_plaintext is set. libetpan does
 * not check certificates, so imap_connect() checks the server's chain and
 * host name itself (tls_verify.h) before LOGIN.
 *
 * Errors: 0 or a negative GC_E* code with details in err.
 *   GC_ETEMP   connection refused, lost or timed out; server said BYE.
 *              The connection is then dead: every later call fails with
 *              GC_ETEMP until imap_close() and a new imap_connect().
 *   GC_EAUTH   login refused (the server's text, never the password)
 *   GC_ETLS    handshake failed, certificate not trusted, host name
 *              mismatch, no STARTTLS where TLS is required
 *   GC_EPROTO  the server refused a command or broke the protocol
 *   GC_ENOTFOUND  SELECT of a folder that does not exist
 *   GC_EINVAL  bad URL or argument, call in the wrong state (e.g. while
 *              IDLE is in progress, or before imap_select())
 *   GC_ECONFIG the CA file cannot be loaded
 * Nothing here aborts on anything a server sends.
 *
 * Secrets: the password is used during imap_connect() only and is not
 * kept; it never reaches a log line or an error message (server texts
 * quoted in errors are scrubbed of it).
 *
 * Signals: a server that hangs up while we write would raise SIGPIPE
 * (libetpan and GnuTLS use plain send()); imap_connect() therefore sets
 * SIGPIPE to SIG_IGN if it is still SIG_DFL.
 *
 * Ownership and lifetimes: imap_connect() returns a connection the caller
 * frees with imap_close(), which sets the pointer to NULL. Arrays returned
 * through *_r parameters are malloc'd and owned by the caller: UIDs with
 * free(), messages with imap_msgs_free(). Parameters (struct imap_params
 * and its strings) are borrowed for the duration of the call only. One
 * connection is used by one thread at a time.
 *
 * Folder names are passed as the server spells them (IMAP's modified
 * UTF-7 for non-ASCII names); CR, LF and NUL are refused.
 */
#ifndef GC_IMAP_H
#define GC_IMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "common/err.h"

/* ----- URLs --------------------------------------------------------- */

#define IMAP_PORT 143
#define IMAPS_PORT 993
#define IMAP_HOST_MAX 255

struct imap_url {
	bool implicit_tls;              /* imaps:// */
	char host[IMAP_HOST_MAX + 1];   /* name or address, no brackets */
	uint16_t port;
};

/* Parse "imap://host[:port][/]" or "imaps://host[:port][/]" (scheme in any
 * case). host is a DNS name, an IPv4 address or an [IPv6] address; the
 * port defaults to 143 or 993. User info, paths and other schemes are
 * refused with GC_EINVAL and a message saying why. Usable to validate a
 * config without connecting. */
int imap_url_parse(struct imap_url *out, const char *url,
    struct gc_err *err);

/* ----- Connection --------------------------------------------------- */

/* Capabilities this client uses (bits for imap_params.ignore_caps). */
enum imap_cap {
	IMAP_CAP_IDLE = 1 << 0,       /* RFC 2177 */
	IMAP_CAP_MOVE = 1 << 1,       /* RFC 6851 */
	IMAP_CAP_UIDPLUS = 1 << 2,    /* RFC 4315 (UID EXPUNGE) */
};

#define IMAP_TIMEOUT_DEFAULT 60     /* seconds */

struct imap_params {
	const char *url;        /* imap://host[:port] or imaps://host[:port] */
	const char *user;
	const char *password;   /* borrowed during imap_connect() only */
	const char *ca_file;    /* trusted besides the system store; or NULL */
	int timeout_sec;        /* connect and every network wait; <= 0:
	                         * IMAP_TIMEOUT_DEFAULT */
	bool allow_plaintext;   /* imap:// without STARTTLS: log in anyway */
	const char *source_address; /* local address to bind, or NULL */
	unsigned int ignore_caps;   /* IMAP_CAP_* to act as if not offered
	                             * (server bugs; tests of the fallbacks) */
	const char *oauth2_token;   /* auth = oauth2: AUTHENTICATE XOAUTH2
	                             * (or OAUTHBEARER) with this access
	                             * token instead of LOGIN; password is
	                             * then unused. Borrowed, never logged */
	bool oauthbearer;           /* OAUTHBEARER (RFC 7628), not XOAUTH2 */
};

struct imap_conn;

/* Connect, TLS (implicit or STARTTLS) with certificate and host name
 * checks, LOGIN (or AUTHENTICATE with the OAuth2 token), CAPABILITY.
 * GC_EAUTH when the server refuses the password or the token. */
int imap_connect(struct imap_conn **out, const struct imap_params *p,
    struct gc_err *err);

/* LOGOUT (skipped when the connection is dead or idling), then free.
 * *c may be NULL. */
void imap_close(struct imap_conn **c);

/* IMAP_CAP_* bits offered by the server, minus ignore_caps. */
unsigned int imap_caps(const struct imap_conn *c);

/* Whether a network error or timeout has made the connection unusable. */
bool imap_is_dead(const struct imap_conn *c);

/* ----- Folders and messages ----------------------------------------- */

/* SELECT folder (read-write). Any output pointer may be NULL. uidnext is
 * 0 when the server does not tell. The folder stays selected for search,
 * fetch, move and IDLE; news of mail (imap_idle_done()) are what comes
 * after this. */
int imap_select(struct imap_conn *c, const char *folder,
    uint32_t *uidvalidity_r, uint32_t *uidnext_r, uint32_t *exists_r,
    struct gc_err *err);

/* Whether folder exists (LIST; the name without LIST wildcards). */
int imap_folder_exists(struct imap_conn *c, const char *folder,
    bool *exists_r, struct gc_err *err);

/* Create folder unless it exists (LIST, then CREATE; a concurrent CREATE
 * by someone else is fine). */
int imap_ensure_folder(struct imap_conn *c, const char *folder,
    struct gc_err *err);

/* UIDs >= min_uid in the selected folder that are not \Deleted, ascending,
 * no duplicates (one UID SEARCH). *uids_r is NULL when *n_r is 0. */
int imap_search_uids(struct imap_conn *c, uint32_t min_uid,
    uint32_t **uids_r, size_t *n_r, struct gc_err *err);

/* The same, of the mails that reached the folder on day (its tm_year,
 * tm_mon, tm_mday) or later (SINCE: by their internal date, the server's
 * day). */
int imap_search_since(struct imap_conn *c, const struct tm *day,
    uint32_t **uids_r, size_t *n_r, struct gc_err *err);

/* When each of uids[0..n) (sorted, unique) reached the selected folder:
 * their INTERNALDATE (UID FETCH ... INTERNALDATE; a move or a copy keeps
 * it), as UTC seconds in dates[] (indexed like uids; 0 for a UID that is
 * gone or a date the server did not give). */
int imap_internal_dates(struct imap_conn *c, const uint32_t *uids, size_t n,
    time_t *dates, struct gc_err *err);

struct imap_msg {
	uint32_t uid;
	char *data;     /* the raw message, NUL-terminated for convenience
	                 * (it may hold NULs itself); NULL when oversize */
	size_t len;     /* bytes in data, or the message's size if oversize */
	char *header;   /* oversize: its header block (at most
	                 * IMAP_OVERSIZE_HEADER bytes, NUL-terminated), to
	                 * learn who sent it; else NULL */
	size_t header_len;
};

#define IMAP_OVERSIZE_HEADER (64u * 1024)

/* Fetch the given UIDs (any order, duplicates ignored) from the selected
 * folder with UID FETCH ... BODY.PEEK[] (flags are left alone). When
 * max_size is not 0, sizes are asked first (UID FETCH ... RFC822.SIZE,
 * one more round trip per batch) and messages larger than max_size come
 * back with data NULL and len = their size, without being downloaded;
 * their header block alone is fetched (UID FETCH ... BODY.PEEK[HEADER]).
 * Results are in ascending UID order; UIDs that no longer exist are left
 * out, so *n_r may be smaller than n. Memory: the whole batch is held at
 * once, so callers bound n * max_size (or use imap_fetch_budget()). Long,
 * scattered UID sets are split into several commands to keep each command
 * line short, and, when the sizes are known, to ask for a few MB of mail
 * per command. */
int imap_fetch(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, struct imap_msg **msgs_r, size_t *n_r,
    struct gc_err *err);

/* The same within a byte budget (0: none): sizes are asked first, and
 * the fetch stops before the first mail that would take the bytes to
 * download past budget (a mail over max_size counts for nothing; the
 * first mail to download is always taken). *taken_r is the number of
 * UIDs dealt with, the fetched, the oversize and the vanished ones, from
 * the start of uids, which must then be sorted without duplicates (as
 * imap_search_uids() gives them); the caller goes on from there. */
int imap_fetch_budget(struct imap_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, size_t budget, struct imap_msg **msgs_r, size_t *n_r,
    size_t *taken_r, struct gc_err *err);

/* Free an array from imap_fetch() and set *msgs to NULL. */
void imap_msgs_free(struct imap_msg **msgs, size_t n);

/* Move the given UIDs from the selected folder to dest: UID MOVE when the
 * server offers MOVE, else UID COPY, UID STORE +FLAGS.SILENT (\Deleted),
 * then UID EXPUNGE (UIDPLUS) or EXPUNGE (which also removes other mail
 * already marked \Deleted). If the fallback fails half-way the mail may
 * exist in both folders; the caller's duplicate detection covers that.
 * UIDs that no longer exist are ignored. */
int imap_move(struct imap_conn *c, const uint32_t *uids, size_t n,
    const char *dest, struct gc_err *err);

/* APPEND a message to folder (need not be selected). */
int imap_append(struct imap_conn *c, const char *folder, const char *data,
    size_t len, struct gc_err *err);

/* ----- IDLE --------------------------------------------------------- */

/* Whether the server offers IDLE (and it is not in ignore_caps). */
bool imap_has_idle(const struct imap_conn *c);

/* Enter IDLE on the selected folder. Until imap_idle_done(), no other
 * command may be used on c (they fail with GC_EINVAL). */
int imap_idle_start(struct imap_conn *c, struct gc_err *err);

/* The descriptor to poll() for readability while idling; -1 when not
 * idling. Readable means: the server said something (new mail, a
 * keep-alive, a hang-up), call imap_idle_done(). When the server already
 * said something as IDLE began, this is a descriptor that is readable at
 * once, so a poll() never sleeps on news that have arrived. Poll with a
 * timeout below 29 minutes and restart IDLE after it (RFC 2177). */
int imap_idle_fd(const struct imap_conn *c);

/* Leave IDLE (DONE). *new_mail_r tells whether EXISTS or RECENT came in
 * since imap_select() or the last imap_idle_done(): during IDLE, or in
 * the answer to a command before it (a mail that came during a pass,
 * after its search); false after a mere keep-alive. Told once. */
int imap_idle_done(struct imap_conn *c, bool *new_mail_r,
    struct gc_err *err);

#endif
