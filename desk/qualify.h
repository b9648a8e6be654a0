/*
 * qualify.h - how a new ticket is qualified
 *
 * Priority, queue and tags come from the policy's rules, else from its
 * [sla] default_priority and the mailbox's queue; plan, language and CSM
 * from the sender's organisation (imported ones first when the desk has a
 * database, then the config's), else the policy's default_plan and, with
 * [guichet] detect_language, the language the mail is written in
 * (parsers/langguess.h: French or English, when it says so clearly),
 * else the mailbox's language. Nothing here is a literal: the policy
 * decides.
 */
#ifndef GC_DESK_QUALIFY_H
#define GC_DESK_QUALIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "desk/desk.h"
#include "sla/policy.h"

struct conv_qual {
	char priority[8];
	char plan[32];
	char queue[64];
	char org[128];
	bool org_imported;
	char language[8];
	char csm[256];
	char rule[128];
	const char *tags[RULES_MAX_TAGS];
	size_t ntags;
	struct sla_qualification q;
};

int qualify_mail(struct desk *in, const struct conv_mail *cm,
    struct conv_qual *out, struct gc_err *err);

/* The customer's CSM is copied on the tickets the plan says (P1 of
 * Enterprise by default): made a participant, with an event. org_csm: the
 * organisation's CSM, or NULL. */
int qualify_add_csm(struct desk *in, int64_t ticket_id, const char *plan,
    const char *priority, const char *org_csm, struct gc_err *err);

#endif
