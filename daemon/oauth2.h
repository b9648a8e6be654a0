/*
 * oauth2.h - access tokens for SASL XOAUTH2 / OAUTHBEARER, from a
 * refresh token (auth = oauth2 in a mailbox or in [smtp])
 *
 * One struct oauth2 per credential (a mailbox, the SMTP section). It
 * hands out the access token it holds until OAUTH2_MARGIN seconds
 * before the provider said it expires, then asks the token endpoint for
 * a new one with the refresh token (POST, form-encoded, JSON answer,
 * certificate verified, http:// only to a loopback address). The
 * refresh token is read from its file at each refresh, so that a new
 * one written by `guichet oauth2 authorize` is taken without a restart;
 * when the provider rotates it, the new one replaces the file
 * atomically (a temporary file of mode 0600 renamed over it).
 *
 * Failures: a refresh that fails (provider away, garbage, a refusal)
 * is not tried again before a backoff delay (doubled up to
 * OAUTH2_BACKOFF_MAX); in between, oauth2_token() answers the last
 * error at once, so that no caller can make us hammer the provider. A
 * refusal of the refresh token (invalid_grant: consent revoked, token
 * expired) is GC_EAUTH, logged as an error saying what to do, and
 * shown by oauth2_status() for /healthz and /metrics; a changed refresh
 * token file ends the wait at once.
 *
 * Secrets: tokens, the client secret and the device code never reach a
 * log line or an error message; the provider's error text is quoted
 * cleaned of control bytes, capped, and with our secrets masked.
 *
 * Ownership: struct oauth2 borrows its struct conf_oauth2 from the
 * config generation (rebuilt with it); the token returned by
 * oauth2_token() lives until the next call on the same struct.
 */
#ifndef GC_OAUTH2_H
#define GC_OAUTH2_H

#include <stdbool.h>
#include <time.h>

#include "common/err.h"
#include "conf/conf.h"
#include "daemon/oauth2_wire.h"

#define OAUTH2_MARGIN 60            /* seconds before expiry: refresh (a
                                     * fifth of a shorter life) */
#define OAUTH2_DEFAULT_LIFE 3600    /* when the answer gives none */
#define OAUTH2_BACKOFF_FIRST 5      /* seconds after a first failure */
#define OAUTH2_BACKOFF_MAX 900      /* seconds, the cap */

struct oauth2;

/* name: "mailbox NAME" or "smtp", for messages and metrics. */
void oauth2_new(struct oauth2 **out, const char *name,
    const struct conf_oauth2 *c, int timeout_sec);
void oauth2_free(struct oauth2 **o);

/* The access token to use now (*token_r, borrowed). GC_ETEMP: the
 * provider could not be asked or answered nonsense; GC_EAUTH: it
 * refused the refresh token, or there is none (no file). */
int oauth2_token(struct oauth2 *o, const char **token_r,
    struct gc_err *err);

/* err, a refresh token refused or missing, with what gets one: "...; run
 * `guichet oauth2 authorize OPTNAME`" (opt "--mailbox ", name the
 * mailbox's; or "--smtp", ""). */
void oauth2_authorize_hint(struct gc_err *err, const char *opt,
    const char *name);

/* The server refused the token: forget it. True when a login again with
 * a fresh token is worth it (the refused one came from the cache);
 * false when it was fresh already (no loop). */
bool oauth2_rejected(struct oauth2 *o);

enum oauth2_mech oauth2_mechanism(const struct oauth2 *o);

struct oauth2_status {
	const char *name;
	bool refused;                /* the provider refused the refresh */
	bool failing;                /* the last refresh failed */
	unsigned long long refreshes;    /* access tokens got */
	unsigned long long failures;     /* refreshes failed */
	unsigned long long rotations;    /* refresh tokens saved */
	char error[GC_ERRMSG_SIZE];  /* the last failure, "" */
};

void oauth2_status(const struct oauth2 *o, struct oauth2_status *st);

/* ----- Also for `guichet oauth2 authorize` -------------------------- */

/* POST form to url; *status_r is the HTTP status (0: none) and *ans
 * the answer (cleared by the caller with oauth2_answer_clear()).
 * GC_ETEMP: no answer (connection, TLS, timeout, answer over
 * OAUTH2_ANSWER_MAX); GC_EPARSE: an answer that is not a JSON object;
 * GC_ECONFIG: a URL that is neither https:// nor loopback http://. */
int oauth2_post(struct oauth2_answer *ans, long *status_r, const char *url,
    const char *form, int timeout_sec, struct gc_err *err);

/* Write token to path atomically, mode 0600. */
int oauth2_save_refresh(const char *path, const char *token,
    struct gc_err *err);

/* Read the refresh token file: owner-only, one line. */
int oauth2_read_refresh(char **out, const char *path, struct gc_err *err);

#endif
