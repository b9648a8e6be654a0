/*
 * security.c - the security channel's settings (see security.h)
 *
 * [pgp] says where the secret key of the security address lives (a
 * GnuPG home, or a key file that the daemon imports into a private home
 * at start: home when given, else KEY_FILE.gnupg), which key it is (its
 * fingerprint, told to reporters) and which mailbox's mail is
 * decrypted. Whether the home and the key are really there is checked by
 * the daemon at start and by check-config, which can run GnuPG; here
 * only what the file says is checked.
 */
#include "conf/security.h"

#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include "common/mem.h"
#include "common/util.h"

#define P(f) offsetof(struct conf_pgp, f)
static const struct key_spec pgp_keys[] = {
	{ "home", V_PATH, P(home), NULL, 0 },
	{ "key_file", V_PATH, P(key_file), NULL, 0 },
	{ "fingerprint", V_STR, P(fingerprint), NULL, 0 },
	{ "mailbox", V_STR, P(mailbox), NULL, 0 },
	{ "max_encrypted_size", V_SIZE, P(max_encrypted_size), "10MB", 0 },
	{ "max_decrypted_size", V_SIZE, P(max_decrypted_size), "25MB", 0 },
	{ NULL, 0, 0, NULL, 0 }
};
#undef P

void
conf_pgp_read(struct reader *r, struct conf_section *s)
{
	struct conf_pgp *p = &r->c->pgp;

	if (!keys_single_section(r, s, &p->line))
		return;
	p->file = s->file;
	keys_read_section(r, s, pgp_keys, p);
}

/* 40 hex digits (spaces, as gpg prints them, are dropped); upper-cased
 * in place. */
static bool
valid_fingerprint(char *f)
{
	size_t n = 0;

	for (const char *q = f; *q != '\0'; q++) {
		if (*q == ' ')
			continue;
		if (!isxdigit((unsigned char)*q))
			return false;
		f[n++] = (char)toupper((unsigned char)*q);
	}
	f[n] = '\0';
	return n == 40;
}

#define SIZE_HARD_MAX (1024LL * 1024 * 1024)

static void
check_pgp(struct reader *r)
{
	struct conf_pgp *p = &r->c->pgp;
	const char *file = p->file;

	if (p->line == 0)
		return;
	/* a section without keys (the example's) is no channel */
	if (p->home == NULL && p->key_file == NULL && p->fingerprint ==
	    NULL && p->mailbox == NULL)
		return;
	if (p->fingerprint == NULL)
		conf_diag_add(r->d, file, p->line, "[pgp]: fingerprint "
		    "required (the secret key's, 40 hexadecimal digits)");
	if (p->mailbox == NULL)
		conf_diag_add(r->d, file, p->line, "[pgp]: mailbox required "
		    "(the [mailbox] whose mail is decrypted)");
	if (p->home == NULL && p->key_file == NULL)
		conf_diag_add(r->d, file, p->line, "[pgp]: home (a GnuPG home "
		    "holding the secret key) or key_file (a secret key "
		    "imported at start) required");
	if (p->fingerprint != NULL && !valid_fingerprint(p->fingerprint))
		conf_diag_add(r->d, file, p->line, "[pgp] fingerprint: "
		    "\"%s\": expected the key's 40 hexadecimal digits",
		    p->fingerprint);
	if (p->mailbox != NULL && conf_mailbox(r->c, p->mailbox) == NULL)
		conf_diag_add(r->d, file, p->line, "[pgp] mailbox: \"%s\" is "
		    "not a [mailbox] section", p->mailbox);
	if (p->max_encrypted_size < 1024 || p->max_encrypted_size >
	    SIZE_HARD_MAX)
		conf_diag_add(r->d, file, p->line, "[pgp] max_encrypted_size:"
		    " %lld bytes: expected 1KB to 1GB", p->max_encrypted_size);
	if (p->max_decrypted_size < 1024 || p->max_decrypted_size >
	    SIZE_HARD_MAX)
		conf_diag_add(r->d, file, p->line, "[pgp] max_decrypted_size:"
		    " %lld bytes: expected 1KB to 1GB", p->max_decrypted_size);
}

void
conf_security_check(struct reader *r)
{
	check_pgp(r);
}

bool
conf_queue_redacted(const struct conf *c, const char *queue)
{
	const struct conf_queue *q;

	if (queue == NULL)
		return false;
	q = conf_queue(c, queue);
	if (q != NULL && q->redact_set)
		return q->redact;
	return strcmp(queue, CONF_SECURITY_QUEUE) == 0;
}

bool
conf_agent_has_queue(const struct conf_agent *a, const char *queue)
{
	for (size_t i = 0; queue != NULL && i < a->queues.n; i++)
		if (strcmp(a->queues.v[i], queue) == 0)
			return true;
	return false;
}

bool
conf_queue_round_robin(const struct conf *c, const char *queue)
{
	const struct conf_queue *q = queue ? conf_queue(c, queue) : NULL;

	return q != NULL && q->round_robin;
}

bool
conf_queue_worked(const struct conf *c, const char *queue)
{
	for (size_t i = 0; i < c->nagents; i++)
		if (conf_agent_has_queue(&c->agents[i], queue))
			return true;
	return false;
}

void
conf_pgp_free(struct conf_pgp *p)
{
	keys_free_strings(p, pgp_keys);
}
