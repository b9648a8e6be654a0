/*
 * oauth2_wire.h - what OAuth2 puts on the wire, without any I/O: the
 * form of a token request, the JSON answers of a token and a device
 * authorization endpoint, and the SASL strings of XOAUTH2 and
 * OAUTHBEARER (RFC 7628)
 *
 * Pure functions, unit-tested (tests/unit/daemon/test_oauth2_wire.c);
 * daemon/oauth2.c does the HTTP and keeps the tokens.
 *
 * Ownership: every char * handed back is malloc'd and the caller's;
 * oauth2_answer_clear() wipes and frees the strings of an answer (they
 * hold tokens).
 */
#ifndef GC_OAUTH2_WIRE_H
#define GC_OAUTH2_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/mem.h"

#define OAUTH2_ANSWER_MAX (64 * 1024)   /* bytes of an answer read */
#define OAUTH2_TOKEN_MAX 16384          /* bytes of one token */

/* Append key=value to a form (application/x-www-form-urlencoded),
 * with the & before it when b is not empty. value NULL: nothing. */
int oauth2_form_add(struct buf *b, const char *key, const char *value);

/* What a token or device endpoint said; any field may be NULL. */
struct oauth2_answer {
	char *access_token;
	char *refresh_token;
	long long expires_in;       /* seconds, 0: not said */
	char *error;                /* "invalid_grant", "authorization_pending" */
	char *error_description;    /* cleaned of control bytes, capped */
	/* device authorization (RFC 8628 3.2) */
	char *device_code;
	char *user_code;
	char *verification_uri;     /* or Google's verification_url */
	char *verification_uri_complete;
	long long interval;         /* seconds, 0: not said */
};

/* Read a JSON object answer. GC_EPARSE with a message that says what
 * came instead (not JSON, HTML, not an object, a token with bytes that
 * cannot go in a SASL string or longer than OAUTH2_TOKEN_MAX); never
 * quotes the body. */
int oauth2_answer_parse(struct oauth2_answer *out, const char *body,
    size_t len, struct gc_err *err);
void oauth2_answer_clear(struct oauth2_answer *a);

enum oauth2_mech { OAUTH2_XOAUTH2, OAUTH2_OAUTHBEARER };

/* The initial client response of mech, base64-encoded (what follows
 * "AUTHENTICATE XOAUTH2 " or "AUTH XOAUTH2 "). host and port are for
 * OAUTHBEARER's host= and port= (host NULL: left out). GC_EINVAL when
 * the user or token holds bytes the format cannot carry. */
int oauth2_sasl(char **out, enum oauth2_mech mech, const char *user,
    const char *token, const char *host, unsigned port, struct gc_err *err);

/* Whether s may be sent as a token: printable ASCII, no space, no
 * comma (OAUTHBEARER's separator), 1 to OAUTH2_TOKEN_MAX bytes. */
bool oauth2_token_ok(const char *s);

#endif
