/*
 * template.h - the mail templates that ops can edit
 *
 * A template is a text file conf/templates/<lang>/<name>.txt:
 *
 *     Subject: {{ticket_tag}} {{subject}}
 *     X-Anything: optional other headers, X-* only
 *
 *     Hello {{ requester_name }},
 *     ...
 *
 * A header block (a "Subject:" line, required, and optionally "X-*"
 * headers; a line starting with a space or TAB continues the previous
 * header), one blank line, then the body. {{name}} is replaced by the
 * value of a variable (spaces inside the braces are allowed). "{{{{"
 * stands for a literal "{{"; a lone "{" or any "}" is literal. A
 * placeholder does not span lines. Files are UTF-8 (a leading BOM is
 * skipped), LF or CRLF.
 *
 * Each template name has a fixed list of variables it may use
 * (template_vars()): template_parse() refuses any other one with
 * "<name>:<line>: unknown variable {{foo}}", which `guichet check-config`
 * prints as it is. Rendering replaces a variable that the caller did not
 * give by the empty string.
 *
 * Ownership: struct template is opaque, owned by the caller of
 * template_parse()/template_load(), freed with template_free(), and
 * immutable once parsed (it can be shared by threads). Rendered strings
 * live in the arena passed to template_render().
 */
#ifndef GC_NOTIFY_TEMPLATE_H
#define GC_NOTIFY_TEMPLATE_H

#include <stddef.h>

#include "common/err.h"
#include "common/mem.h"
#include "notify/compose.h"

#define TEMPLATE_MAX_SIZE (64 * 1024)           /* one template file */
#define TEMPLATE_MAX_OUTPUT (8 * 1024 * 1024)   /* one rendered body */
#define TEMPLATE_MAX_HEADERS 16                 /* X-* headers */

struct template;

struct template_var {
	const char *name;       /* "ticket_number" */
	const char *value;      /* UTF-8; NULL counts as "" */
};

struct template_result {
	char *subject;                      /* one line: no CR, LF, controls */
	char *body;                         /* LF line endings as written */
	struct compose_header *headers;     /* the template's X-* headers */
	size_t nheaders;
};

/*
 * Parse a template. name is used in error messages only (a path, or
 * "fr/ack"); allowed_vars is a NULL-terminated list (NULL: any
 * well-formed name is accepted). Returns 0, GC_EPARSE with
 * "name:line: message" in err, or GC_ELIMIT past TEMPLATE_MAX_SIZE.
 */
int template_parse(struct template **out, const char *name, const char *text,
    size_t len, const char *const *allowed_vars, struct gc_err *err);

/*
 * Render with the given variables (looked up by name; unknown names are
 * ignored, missing ones render as ""). Values that land in the subject
 * or a header have CR, LF and other controls replaced or removed; values
 * in the body are copied as they are. Returns 0 or GC_ELIMIT when the
 * body would pass TEMPLATE_MAX_OUTPUT.
 */
int template_render(struct template_result *out, struct arena *a,
    const struct template *t, const struct template_var *vars, size_t nvars,
    struct gc_err *err);

void template_free(struct template **t);

/*
 * Load template name (one of template_names()) for lang ("fr", "en"):
 * from <dir>/<lang>/<name>.txt when dir is not NULL and that file
 * exists, otherwise from the defaults compiled into the binary. Checked
 * against template_vars(name). GC_ENOTFOUND when neither exists,
 * GC_EINVAL for an unknown name or a bad lang, else as template_parse().
 */
int template_load(struct template **out, const char *dir, const char *lang,
    const char *name, struct gc_err *err);

/* The template names Guichet uses, NULL-terminated: "ack",
 * "notify_agent", "update", "resolution", "closed", "reopened",
 * "command_error", "escalation_warning", "escalation_breach",
 * "size_limit". */
const char *const *template_names(void);

/* The languages of the default templates, NULL-terminated. */
const char *const *template_languages(void);

/* The variables template name may use, NULL-terminated; NULL when name
 * is not a template of template_names(). */
const char *const *template_vars(const char *name);

/* Every variable any template may use, NULL-terminated. */
const char *const *template_all_vars(void);

#endif
