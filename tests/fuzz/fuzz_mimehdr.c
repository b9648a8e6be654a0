/*
 * fuzz_mimehdr.c - fuzz target: parsers/mimehdr.h, Content-Type and
 * Content-Disposition values with (RFC 2231) parameters
 *
 * The input is one unfolded header value, copied to a buffer of its exact
 * size (not NUL-terminated). Checked: the main value is lowercase, at most
 * MIMEHDR_MAX_PARAMS parameters with lowercase names, each found again by
 * mimehdr_param(), decoded values valid UTF-8, and mimehdr_param_text()
 * giving NULL or trimmed UTF-8 text without controls, and a name found by
 * mimehdr_param() exactly when the parser found it.
 * Seeds: tests/fuzz/corpus/mimehdr/; dictionary tests/fuzz/dict/mimehdr.dict.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "parsers/mimehdr.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_mail.h"

#define FUZZ_MIMEHDR_ABSENT "x-fuzz-never-there"

/* Whether the parser found a parameter of this (lowercase) name. */
static bool
mimehdr_parsed_name(const struct mimehdr *h, const char *name)
{
	for (size_t i = 0; i < h->nparams; i++)
		if (strcmp(h->params[i].name, name) == 0)
			return true;
	return false;
}

static int
fuzz_mimehdr(const uint8_t *data, size_t len)
{
	struct arena a;
	struct mimehdr h;
	char *in = malloc(len ? len : 1);
	size_t i;

	if (in == NULL)
		abort();
	if (len > 0)
		memcpy(in, data, len);
	arena_init(&a, 4096);
	mimehdr_parse(&h, &a, in, len);
	free(in);

	FUZZ_CHECK(h.value != NULL, "mimehdr value NULL");
	fuzz_check_lower("mimehdr value", h.value);
	FUZZ_CHECK(h.nparams <= MIMEHDR_MAX_PARAMS, "%zu parameters",
	    h.nparams);
	FUZZ_CHECK(h.params != NULL || h.nparams == 0,
	    "params NULL with a count");
	for (i = 0; i < h.nparams; i++) {
		const struct mimehdr_param *p = &h.params[i];
		const char *text;
		bool unknown = false;

		FUZZ_CHECK(p->name != NULL && p->value != NULL,
		    "parameter %zu: NULL name or value", i);
		fuzz_check_lower("parameter name", p->name);
		FUZZ_CHECK(strchr(p->name, '*') == NULL,
		    "parameter name keeps a '*': %s", p->name);
		fuzz_touch(p->value, strlen(p->value));
		if (p->decoded)
			fuzz_check_utf8("decoded parameter", p->value);
		FUZZ_CHECK(mimehdr_param(&h, p->name) != NULL,
		    "mimehdr_param cannot find \"%s\"", p->name);
		text = mimehdr_param_text(&h, p->name, &a, NULL, &unknown);
		if (text == NULL)
			continue;
		FUZZ_CHECK(text[0] != '\0', "param_text empty, not NULL");
		fuzz_check_utf8("param_text", text);
		fuzz_check_no_ctl("param_text", text, "");
		FUZZ_CHECK(text[0] != ' ' && text[strlen(text) - 1] != ' ',
		    "param_text not trimmed: \"%s\"", text);
		text = mimehdr_param_text(&h, p->name, &a, "koi8-r", NULL);
		fuzz_check_utf8("param_text koi8-r", text);
	}
	/* a name the input may hold too (the fuzzer learns it from this
	 * very comparison): found exactly when it was parsed */
	FUZZ_CHECK((mimehdr_param(&h, FUZZ_MIMEHDR_ABSENT) != NULL) ==
	    mimehdr_parsed_name(&h, FUZZ_MIMEHDR_ABSENT), "mimehdr_param and "
	    "the parsed parameters disagree on " FUZZ_MIMEHDR_ABSENT);
	arena_free(&a);
	return 0;
}

FUZZ_TARGET(fuzz_mimehdr)
