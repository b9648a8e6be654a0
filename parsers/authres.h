/*
 * authres.h - the Authentication-Results header (RFC 8601), read to learn
 * whether our own MTA verified that a mail really comes from a domain
 *
 * Only a header added by a trusted MTA means anything: the caller gives
 * the authserv-id it trusts, and every Authentication-Results field with
 * another id is ignored (a sender can write any header it likes). Pure.
 */
#ifndef GC_AUTHRES_H
#define GC_AUTHRES_H

#include <stdbool.h>

/* Whether value (one Authentication-Results field body) comes from
 * authserv_id and shows dkim=pass with header.d (or header.i) in domain,
 * or spf=pass with smtp.mailfrom (or smtp.helo) in domain. Domains match
 * case-insensitively and exactly (no parent-domain match). */
bool authres_pass_for_domain(const char *value, const char *authserv_id,
    const char *domain);

#endif
