/*
 * rules.h - qualification rules: PCRE2 patterns that set the priority,
 * queue and tags of a new ticket, or hold the mail instead (spam)
 *
 * A rules file is a list of [rule NAME] blocks (the syntax is documented
 * at the top of conf/defaults/rules.conf, the rules Guichet ships):
 *
 *   [rule outage]
 *   match = subject, text: (?i)\b(panne|outage)\b
 *   match = header:X-Env: ^prod        # every match line must match (AND)
 *   unless = subject: (?i)\btest\b     # none of the unless lines may
 *   priority = P1
 *   queue = ops
 *   tags = incident, outage
 *
 *   [rule spam]
 *   match = header:X-Spam-Flag: (?i)^\s*yes\b
 *   hold = spam                        # no ticket: the quarantine
 *
 * Rules are tried in file order. For the priority, the queue and the
 * hold, the first matching rule that sets it wins; tags add up over
 * every matching rule (each tag once). A field no rule sets stays NULL:
 * the caller applies its defaults (sla/policy.c: [sla] default_priority,
 * the mailbox's queue; no hold).
 *
 * Patterns are PCRE2, compiled with UTF, UCP (\w, \b and (?i) know
 * accented letters) and MATCH_INVALID_UTF (bytes that are not UTF-8 never
 * match instead of failing the match), and JIT-compiled when the library
 * and the machine allow it (silently interpreted otherwise). Every match
 * runs under a match limit, a depth limit and a heap limit, and looks at
 * the first RULES_MAX_INPUT bytes of each field: a pattern that hits a
 * limit on hostile mail counts as not matching and is reported in
 * rules_result.nlimited, it never stalls intake.
 *
 * Pure: no I/O, no clock. The caller reads the file.
 *
 * Ownership: rules_load() returns a struct rules owned by the caller and
 * freed with rules_free(); it is immutable afterwards and may be shared
 * between threads (rules_eval() allocates its own match data). The
 * strings of a struct rules_result and of a struct rules_info point into
 * the struct rules and live as long as it. rules_eval() borrows its input
 * for the duration of the call only.
 */
#ifndef GC_SLA_RULES_H
#define GC_SLA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "conf/conf.h"

#define RULES_MAX_FILE (1024 * 1024)    /* bytes of a rules file */
#define RULES_MAX_LINE 8192             /* bytes of a logical line */
#define RULES_MAX_RULES 1000
#define RULES_MAX_CONDS 32              /* match + unless lines per rule */
#define RULES_MAX_HEADERS 16            /* header:NAME fields per line */
#define RULES_MAX_NAME 64               /* rule, priority, queue, tag */
#define RULES_MAX_TAGS 32               /* per rule, and per result */
#define RULES_MAX_MATCHED 64            /* matching rules listed */
#define RULES_MAX_INPUT (256 * 1024)    /* bytes of a field looked at */
#define RULES_MATCH_LIMIT 2000000       /* pcre2_set_match_limit() */
#define RULES_DEPTH_LIMIT 10000         /* pcre2_set_depth_limit() */
#define RULES_HEAP_LIMIT (16 * 1024)    /* KiB, pcre2_set_heap_limit() */

struct rules;

struct rules_header {
	const char *name;      /* "X-Priority" (matched ignoring case) */
	const char *value;     /* decoded, UTF-8 when possible */
};

/* What the rules look at, all NUL-terminated, any of them may be NULL. */
struct rules_input {
	const char *subject;   /* decoded Subject, UTF-8 */
	const char *text;      /* the body as text, UTF-8 */
	const char *from;      /* the sender's address (addr-spec) */
	const char *const *to;          /* addresses of To */
	size_t nto;
	const char *const *cc;          /* addresses of Cc */
	size_t ncc;
	const struct rules_header *headers;     /* every header, in order */
	size_t nheaders;
};

/* A rule named in a result: rule NULL means none. line is the line of the
 * [rule] header, or of the match/unless line for limited_by. */
struct rules_hit {
	const char *rule;
	const char *file;
	int line;
};

struct rules_result {
	const char *priority;          /* NULL: no rule set one */
	struct rules_hit priority_by;  /* the rule that set it */
	const char *queue;             /* NULL: no rule set one */
	struct rules_hit queue_by;
	const char *hold;              /* why the mail is to be held instead
	                                  of opening a ticket ("spam"), or
	                                  NULL */
	struct rules_hit hold_by;
	const char *tags[RULES_MAX_TAGS];
	size_t ntags;
	struct rules_hit matched[RULES_MAX_MATCHED];   /* in file order */
	size_t nmatched;               /* all matching rules, may exceed the
	                                  RULES_MAX_MATCHED listed */
	size_t nlimited;               /* matches stopped by a limit */
	struct rules_hit limited_by;   /* the first such match/unless line */
};

/* One rule as loaded, for validation by the policy and for display. */
struct rules_info {
	const char *name;
	const char *file;
	int line;
	const char *priority;  /* NULL when the rule sets none */
	int priority_line;
	const char *queue;     /* NULL when the rule sets none */
	int queue_line;
	const char *hold;      /* NULL when the rule sets none */
	int hold_line;
	size_t ntags;
};

/*
 * Parse and compile a rules file. name stands for the file in messages
 * ("rules.conf:12: rule outage: bad pattern: missing closing parenthesis
 * at offset 14"); text has len bytes and need not be NUL-terminated.
 * Every problem goes to diag (zero-initialised by the caller, who frees
 * it). Returns 0 and *out, or GC_ECONFIG with *out NULL.
 */
int rules_load(struct rules **out, const char *name, const char *text,
    size_t len, struct conf_diag *diag);

void rules_free(struct rules **r);

/*
 * Whether the rules_load() calls that follow compile each pattern to
 * machine code (PCRE2's JIT), as they do by default. A process that
 * reads one mail and exits (`guichet ingest`, run by the MTA for each
 * mail) spends more compiling than matching: the default rules' JIT
 * compilation is about 5.2 M instructions, and matching one mail
 * interpreted costs some 0.3 M more than compiled. A daemon keeps the
 * default. The same mails match either way.
 */
void rules_set_jit(bool on);

/*
 * Evaluate the rules on a mail. r may be NULL (no rules: an empty
 * result). Returns 0, or GC_EINVAL when out or in is NULL.
 */
int rules_eval(struct rules_result *out, const struct rules *r,
    const struct rules_input *in);

/* The file name given to rules_load(). */
const char *rules_file(const struct rules *r);
size_t rules_count(const struct rules *r);
/* Rule i (file order). Returns 0 or GC_ENOTFOUND. */
int rules_get(struct rules_info *out, const struct rules *r, size_t i);
/* Whether the patterns run JIT-compiled (false: interpreted). */
bool rules_jit(const struct rules *r);

/* A libFuzzer entry point: load data as a rules file and, when it loads,
 * evaluate it on a fixed mail. Always returns 0. */
int rules_fuzz_one(const uint8_t *data, size_t len);

#endif
