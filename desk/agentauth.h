/*
 * agentauth.h - telling an agent's mail from a forged one
 *
 * A From: header proves nothing. An agent's mail counts as the agent's
 * only when
 *  - its In-Reply-To/References hold the Message-ID of one of our
 *    notifications to that agent about that ticket: those Message-IDs
 *    carry an HMAC-SHA256 token of (ticket id, agent name) under a secret
 *    key, which nobody outside can compute; or
 *  - the Authentication-Results field of the MTA we trust
 *    (trusted_authserv_id) shows DKIM or SPF pass for the agent's domain.
 *
 * The key is the content of hmac_key_file when the config names one;
 * otherwise 32 random bytes generated once and kept in the database's
 * settings table, shared by every daemon of the installation.
 */
#ifndef GC_AGENTAUTH_H
#define GC_AGENTAUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "conf/conf.h"
#include "sql/db.h"

#define AGENTAUTH_KEY_MAX 64

struct agentauth_key {
	unsigned char v[AGENTAUTH_KEY_MAX];
	size_t len;
};

#define AGENTAUTH_MAC_LEN 26   /* base32 characters: 130 bits of HMAC */

/* The HMAC-SHA256 of msg under k, as AGENTAUTH_MAC_LEN base32 characters
 * and a NUL (out: AGENTAUTH_MAC_LEN + 1 bytes). Each use puts its own
 * prefix in msg ("notify:", "rate:"), so that no token of one use is
 * valid for another. */
struct agentauth_key;
void agentauth_mac(char *out, const struct agentauth_key *k,
    const char *msg);

int agentauth_key_load(struct agentauth_key *out, const struct conf *c,
    struct db *db, struct gc_err *err);

/* A secret key into out (at most max bytes, *len_r of them): the
 * configured one when not NULL, otherwise 32 random bytes made once and
 * kept in the settings table under setting (the first daemon's wins). */
int agentauth_secret(unsigned char *out, size_t max, size_t *len_r,
    const char *configured, struct db *db, const char *setting,
    struct gc_err *err);

/* The hint for compose_message_id() of a notification to agent about
 * ticket_id: "n-<id>-<token>-<agent>". out: at least 160 bytes. */
void agentauth_hint(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, const char *agent);

/* The Message-ID (without <>) of the first notification of a ticket to an
 * agent, which every later one answers so that the agent's mail client
 * keeps one thread per ticket: fixed, so that it needs no lookup. */
void agentauth_thread_root(char *out, size_t len,
    const struct agentauth_key *k, int64_t ticket_id, const char *agent,
    const char *domain);

/* Whether message_id (without <>) is one of our notifications with a
 * valid token for this ticket and agent. */
bool agentauth_check_id(const struct agentauth_key *k,
    const char *message_id, int64_t ticket_id, const char *agent);

#endif
