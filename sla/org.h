/*
 * org.h - customer organisations: who they are, which plan they are on
 *
 * An organisation has a name, a plan, mail domains and/or explicit
 * addresses, and optionally a language and a named CSM (customer success
 * manager). A sender belongs to the organisation that lists their exact
 * address, else to the one that lists their domain or the nearest parent
 * of it (jane@eu.mail.acme.com belongs to the organisation of acme.com
 * unless one lists mail.acme.com). They come from [organisation NAME]
 * sections of the config (sla/policy.c) or from a CSV file that `guichet`
 * imports into the database (org_csv_parse()).
 *
 * CSV format: UTF-8 (a byte-order mark is skipped), a header line naming
 * the columns, then one organisation per line:
 *   name,domains,addresses,plan,language,csm
 *   Acme,"acme.com acme.fr",boss@gmail.com,Enterprise,en,jane@example.com
 * Columns in any order; name and plan are required, and domains or
 * addresses (or both); language (fr, en) and csm are optional; a column
 * may be named in the singular (domain, address). Fields may be quoted
 * ("a ""quoted"" word", line breaks inside quotes allowed). Domains and
 * addresses are separated by spaces, ';' or ','. The separator is ','
 * unless the header line holds ';' and no ',' (spreadsheets in French
 * locales). Errors name the line where the record starts.
 *
 * Names compare exactly; domains and addresses ignore ASCII case and are
 * stored lowercase; a leading '@' on a domain is dropped. The plan is
 * kept as written: the policy checks that it exists.
 *
 * Pure: no I/O, no clock.
 *
 * Ownership: an org_table owns every string of its organisations; the
 * struct org pointers it hands out live until the next org_table_add() or
 * org_table_free(). Once filled it is only read (const), so it may be
 * shared between threads.
 */
#ifndef GC_SLA_ORG_H
#define GC_SLA_ORG_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "common/mem.h"
#include "conf/conf.h"

#define ORG_MAX_CSV (16 * 1024 * 1024)  /* bytes of a CSV file */
#define ORG_MAX_ORGS 100000
#define ORG_MAX_KEYS 1000       /* domains + addresses per organisation */
#define ORG_MAX_FIELD 8192      /* bytes of a CSV field */
#define ORG_MAX_NAME 200        /* bytes of an organisation's name */
#define ORG_MAX_COLUMNS 16

struct org {
	const char *name;
	const char *plan;              /* as written */
	const char *language;          /* "fr", "en" or NULL */
	const char *csm;               /* an address or NULL */
	const char *const *domains;    /* lowercase */
	size_t ndomains;
	const char *const *addresses;  /* lowercase */
	size_t naddresses;
	const char *file;              /* where it was defined, or NULL */
	int line;
};

/* What org_table_add() takes: lists as text, all borrowed. */
struct org_spec {
	const char *name;
	const char *plan;
	const char *language;          /* NULL or "" for none */
	const char *csm;               /* NULL or "" for none */
	const char *domains;           /* "acme.com acme.fr", or NULL */
	const char *addresses;         /* "a@x.com; b@y.org", or NULL */
	const char *file;              /* for messages, may be NULL */
	int line;
	/* an [organisation] of the config: its plan may be left out (then
	 * org_table_fill_plan()'s), and so may its domains and addresses
	 * (its people then come from `import customers` alone) */
	bool config;
};

struct org_table;

/* An empty table (never NULL; out of memory is fatal). */
struct org_table *org_table_new(void);
void org_table_free(struct org_table **t);

/*
 * Add an organisation. Checks every field (name, plan, at least one
 * domain or address, their syntax, language, csm) and that no other
 * organisation already has its name, one of its domains or addresses.
 * Atomic: on error nothing is added and err says what, e.g.
 *   domain "acme.com" already belongs to Acme (orgs.csv:3)
 * Returns 0, GC_EINVAL, GC_EDUP or GC_ELIMIT.
 */
int org_table_add(struct org_table *t, const struct org_spec *spec,
    struct gc_err *err);

/* The plan of the organisations added without one. */
void org_table_fill_plan(struct org_table *t, const char *plan);

size_t org_table_count(const struct org_table *t);
/* Organisation i in the order added, or NULL. */
const struct org *org_table_get(const struct org_table *t, size_t i);
const struct org *org_table_find(const struct org_table *t,
    const char *name);

/*
 * The organisation of a sender's address (addr-spec, any case): by exact
 * address, else by domain and then each parent domain. *by_r (may be
 * NULL) is set to "address" or "domain". NULL when none (or t is NULL).
 */
const struct org *org_table_lookup(const struct org_table *t,
    const char *addr, const char **by_r);

/*
 * The keys that org_table_lookup() tries for an address, most specific
 * first, for a lookup elsewhere (the organisations imported into the
 * database): the address, its domain, then each parent domain that still
 * has a dot, all lowercase ("Jane@EU.Acme.com" gives "jane@eu.acme.com",
 * "eu.acme.com", "acme.com"). At most max keys, allocated in a; returns
 * how many (0 for an empty or overlong address).
 */
size_t org_lookup_keys(const char **out, size_t max, struct arena *a,
    const char *addr);

/*
 * Parse a CSV file of organisations (format at the top). name stands for
 * the file in messages ("orgs.csv:12: plan: empty"). Every problem goes
 * to diag (zero-initialised by the caller, who frees it). Returns 0 and
 * *out, or GC_ECONFIG with *out NULL.
 */
int org_csv_parse(struct org_table **out, const char *name,
    const char *text, size_t len, struct conf_diag *diag);

/* Check the syntax of a domain ("acme.com") or an address
 * ("jane@acme.com"), as org_table_add() does. */
bool org_valid_domain(const char *s);
bool org_valid_address(const char *s);

#endif
