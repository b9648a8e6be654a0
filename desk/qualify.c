/*
 * qualify.c - priority, plan, queue and CSM of a new ticket (see
 * qualify.h)
 */
#include "desk/qualify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/evjson.h"
#include "common/mem.h"
#include "desk/record.h"
#include "notify/compose.h"
#include "parsers/langguess.h"
#include "parsers/mime.h"
#include "sla/org.h"
#include "sql/store_org.h"
#include "sql/store_participant.h"

int
qualify_mail(struct desk *in, const struct conv_mail *cm,
    struct conv_qual *out, struct gc_err *err)
{
	const struct mail *m = cm->m;
	struct rules_input ri = { 0 };
	struct rules_header *hdrs;
	const char **to, **cc, *keys[16];
	struct store_org org;
	size_t nto = 0, ncc = 0, nkeys;
	bool org_language = false;   /* an organisation gave the language */
	int rc;

	memset(out, 0, sizeof(*out));
	/* priority and plan are the policy's: its rules, else its
	 * [sla] default_priority and default_plan */
	if (in->policy == NULL)
		return gc_err_set(err, GC_ECONFIG, "no SLA policy to qualify "
		    "a mail with");
	snprintf(out->queue, sizeof(out->queue), "%s", cm->mb->queue);
	snprintf(out->language, sizeof(out->language), "%s",
	    cm->mb->language);
	to = xcalloc(m->nto + 1, sizeof(*to));
	cc = xcalloc(m->ncc + 1, sizeof(*cc));
	hdrs = xcalloc(m->nheaders + 1, sizeof(*hdrs));
	nto = record_addrs(to, m->to, m->nto);
	ncc = record_addrs(cc, m->cc, m->ncc);
	for (size_t i = 0; i < m->nheaders; i++) {
		hdrs[i].name = m->headers[i].name;
		hdrs[i].value = m->headers[i].value;
	}
	ri.subject = m->subject;
	ri.text = m->text;
	ri.from = m->from.addr;
	ri.to = to;
	ri.nto = nto;
	ri.cc = cc;
	ri.ncc = ncc;
	ri.headers = hdrs;
	ri.nheaders = m->nheaders;
	rc = sla_policy_qualify(&out->q, in->policy, &ri, cm->mb->queue);
	free(to);
	free(cc);
	free(hdrs);
	if (rc != 0)
		return gc_err_set(err, rc, "qualification failed");
	snprintf(out->priority, sizeof(out->priority), "%s", out->q.priority);
	snprintf(out->plan, sizeof(out->plan), "%s", out->q.plan);
	/* a rule never takes a mail out of a restricted queue (security
	 * reports, decrypted or not), where other queues' agents would
	 * read it */
	if (!conf_queue_redacted(in->conf, cm->mb->queue) &&
	    !(in->conf->pgp.mailbox != NULL && strcmp(in->conf->pgp.mailbox,
	    cm->mb->name) == 0))
		snprintf(out->queue, sizeof(out->queue), "%s", out->q.queue);
	if (out->q.rules.priority_by.rule)
		snprintf(out->rule, sizeof(out->rule), "%s",
		    out->q.rules.priority_by.rule);
	for (size_t i = 0; i < out->q.rules.ntags && i < RULES_MAX_TAGS; i++)
		out->tags[out->ntags++] = out->q.rules.tags[i];
	if (out->q.org != NULL) {
		snprintf(out->org, sizeof(out->org), "%s", out->q.org->name);
		if (out->q.org->language) {
			snprintf(out->language, sizeof(out->language), "%s",
			    out->q.org->language);
			org_language = true;
		}
		if (out->q.org->csm)
			snprintf(out->csm, sizeof(out->csm), "%s",
			    out->q.org->csm);
	}
	/* organisations imported from CSV come before the config's */
	nkeys = m->from.addr ? org_lookup_keys(keys, 16,
	    mail_arena((struct mail *)m), m->from.addr) : 0;
	/* whether any organisation was imported, once per intake */
	if (in->db != NULL && in->orgs_imported == 0) {
		bool any;

		if ((rc = store_orgs_any(in->db, &any, err)) != 0)
			return rc;
		in->orgs_imported = any ? 2 : 1;
	}
	rc = nkeys && in->db && in->orgs_imported == 2 ?
	    store_org_lookup(in->db, keys, nkeys, &org, err) : GC_ENOTFOUND;
	if (rc == 0) {
		const char *plan = sla_policy_plan_name(in->policy, org.plan);

		snprintf(out->org, sizeof(out->org), "%s", org.name);
		out->org_imported = true;
		if (plan != NULL)
			snprintf(out->plan, sizeof(out->plan), "%s", plan);
		if (org.language[0]) {
			snprintf(out->language, sizeof(out->language), "%s",
			    org.language);
			org_language = true;
		}
		snprintf(out->csm, sizeof(out->csm), "%s", org.csm);
	} else if (rc != GC_ENOTFOUND) {
		return rc;
	}
	/* the mail's own language, read only when no organisation gave
	 * one */
	if (!org_language && in->conf->general.detect_language) {
		const char *lang = lang_guess(m->subject, m->text,
		    mail_header_get(m, "Content-Language"));

		if (lang != NULL)
			snprintf(out->language, sizeof(out->language), "%s",
			    lang);
	}
	gc_err_clear(err);
	return 0;
}

/* The customer's CSM is copied on the tickets the plan says (P1 of
 * Enterprise by default). */
int
qualify_add_csm(struct desk *in, int64_t ticket_id, const char *plan,
    const char *priority, const char *org_csm, struct gc_err *err)
{
	const char *csm;
	int rc;

	if (in->policy == NULL)
		return 0;
	csm = sla_policy_csm(in->policy, plan, priority, org_csm && *org_csm ?
	    org_csm : NULL);
	if (csm == NULL || compose_addr_check(csm, NULL) != 0)
		return 0;
	if ((rc = store_participant_add(in->db, ticket_id, csm, NULL, "cc",
	    in->now, err)) != 0)
		return rc;
	return record_event(in, ticket_id, "participant_added", NULL, ev_json(
	    "address", csm, "role", "csm", NULL), err);
}
