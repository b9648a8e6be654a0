/*
 * mimehdr.h - MIME header values with parameters (Content-Type,
 * Content-Disposition), including RFC 2231
 *
 * A value such as
 *     attachment; filename*0*=utf-8''r%C3%A9sum; filename*1=".pdf"
 * parses into the main value "attachment" (lowercased, blanks and
 * comments removed) and the parameters, lowercased names first-come:
 * RFC 2231 sections are put back together in order, percent escapes
 * decoded and the text converted from the declared charset to UTF-8
 * (`decoded` is then true). A plain value keeps its bytes (quotes and
 * backslash escapes removed); mimehdr_param_text() also decodes RFC 2047
 * words in it, which many mailers put in file names.
 *
 * Real-world breakage is accepted: missing or doubled ';', unquoted values
 * with spaces ("name=My file.txt"), unterminated quotes, duplicate
 * parameters (the first one wins; an RFC 2231 form wins over a plain one),
 * parameters after a missing ';' ("multipart/mixed boundary=x").
 * At most MIMEHDR_MAX_PARAMS parameters are read.
 *
 * Ownership: everything is allocated in the caller's arena. Pure code.
 */
#ifndef GC_PARSERS_MIMEHDR_H
#define GC_PARSERS_MIMEHDR_H

#include <stdbool.h>
#include <stddef.h>

#include "common/mem.h"

#define MIMEHDR_MAX_PARAMS 64
#define MIMEHDR_MAX_SECTIONS 100

struct mimehdr_param {
	const char *name;       /* lowercase, without RFC 2231 '*' parts */
	const char *value;      /* NUL-free; UTF-8 when decoded */
	bool decoded;           /* RFC 2231: converted from its charset */
	bool unknown_charset;   /* RFC 2231 charset no converter knows */
};

struct mimehdr {
	const char *value;      /* main value, lowercase, "" if none */
	const struct mimehdr_param *params;
	size_t nparams;
};

/* Parse len bytes at in (an unfolded header value). Never fails. */
void mimehdr_parse(struct mimehdr *out, struct arena *a, const char *in,
    size_t len);

/* The parameter of that (lowercase) name, or NULL. */
const struct mimehdr_param *mimehdr_param(const struct mimehdr *h,
    const char *name);

/* A parameter as display text: UTF-8, RFC 2047 words decoded, controls
 * removed, trimmed; NULL when absent or empty. fallback_charset is for
 * raw 8-bit bytes; *unknown_r (may be NULL) is set when a charset was
 * unknown. */
const char *mimehdr_param_text(const struct mimehdr *h, const char *name,
    struct arena *a, const char *fallback_charset, bool *unknown_r);

#endif
