/*
 * agentauth.c - HMAC tokens in our notifications' Message-IDs (see
 * agentauth.h)
 */
#include "desk/agentauth.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/mem.h"
#include "common/sha256.h"
#include "sql/store_setting.h"

#define TOKEN_LEN AGENTAUTH_MAC_LEN

int
agentauth_secret(unsigned char *out, size_t max, size_t *len_r,
    const char *configured, struct db *db, const char *setting,
    struct gc_err *err)
{
	unsigned char fresh[32];
	int rc;

	memset(out, 0, max);
	*len_r = 0;
	if (configured != NULL) {
		size_t n = strlen(configured);

		if (n > max)
			n = max;
		memcpy(out, configured, n);
		*len_r = n;
		return 0;
	}
	rc = store_setting_get(db, setting, out, max, len_r, err);
	if (rc != GC_ENOTFOUND)
		return rc;
	gc_err_clear(err);
	if (RAND_bytes(fresh, sizeof(fresh)) != 1)
		fatal("RAND_bytes failed");
	rc = store_setting_put_new(db, setting, fresh, sizeof(fresh), err);
	OPENSSL_cleanse(fresh, sizeof(fresh));
	if (rc != 0)
		return rc;
	/* read back: with two daemons the first writer's key wins */
	return store_setting_get(db, setting, out, max, len_r, err);
}

int
agentauth_key_load(struct agentauth_key *out, const struct conf *c,
    struct db *db, struct gc_err *err)
{
	return agentauth_secret(out->v, sizeof(out->v), &out->len,
	    c->general.hmac_key, db, "agent_hmac_key", err);
}

void
agentauth_mac(char *out, const struct agentauth_key *k, const char *msg)
{
	static const char b32[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char md[SHA256_LEN];

	hmac_sha256(md, k->v, k->len, msg, strlen(msg));
	for (int i = 0; i < TOKEN_LEN; i++) {
		int bit = i * 5, byte = bit / 8, off = bit % 8;
		unsigned v = ((unsigned)md[byte] << 8) | md[byte + 1];

		out[i] = b32[(v >> (11 - off)) & 31];
	}
	out[TOKEN_LEN] = '\0';
}

static void
token(char *out, const struct agentauth_key *k, int64_t ticket_id,
    const char *agent)
{
	/* the whole name: two agents alike for a long prefix still get
	 * tokens of their own */
	char *msg = xasprintf("notify:%" PRId64 ":%s", ticket_id, agent);

	agentauth_mac(out, k, msg);
	free(msg);
}

void
agentauth_hint(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, const char *agent)
{
	char t[TOKEN_LEN + 1];

	token(t, k, ticket_id, agent);
	snprintf(out, len, "n-%" PRId64 "-%s-%s", ticket_id, t, agent);
}

void
agentauth_thread_root(char *out, size_t len, const struct agentauth_key *k,
    int64_t ticket_id, const char *agent, const char *domain)
{
	char hint[200];

	agentauth_hint(hint, sizeof(hint), k, ticket_id, agent);
	snprintf(out, len, "%s.thread@%s", hint, domain);
}

bool
agentauth_check_id(const struct agentauth_key *k, const char *message_id,
    int64_t ticket_id, const char *agent)
{
	char want[64], t[TOKEN_LEN + 1];
	size_t n;

	if (message_id == NULL || agent == NULL || agent[0] == '\0')
		return false;
	token(t, k, ticket_id, agent);
	/* The token binds the ticket and the agent; the name written after
	 * it is for people only (the composer of Message-IDs may shorten or
	 * clean it), so it is not compared. */
	snprintf(want, sizeof(want), "n-%" PRId64 "-%s-", ticket_id, t);
	n = strlen(want);
	return strlen(message_id) > n && CRYPTO_memcmp(message_id, want,
	    n) == 0;
}
