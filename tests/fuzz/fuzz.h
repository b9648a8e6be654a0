/*
 * fuzz.h - what every fuzz target shares
 *
 * A target is one file, tests/fuzz/fuzz_NAME.c, that defines
 *
 *     static int fuzz_NAME(const uint8_t *data, size_t len);
 *
 * and ends with FUZZ_TARGET(fuzz_NAME). The fuzz build (clang,
 * -fsanitize=fuzzer, GUICHET_FUZZ=ON) compiles it with -DFUZZ_MAIN, and
 * FUZZ_TARGET becomes libFuzzer's entry point. The normal build never
 * compiles it alone: the unit tests tests/unit/<module>/
 * test_fuzz_regressions.c #include the targets of their module and replay
 * the committed inputs (tests/fuzz/corpus/NAME/, tests/fuzz/regressions/
 * NAME/) through the very same functions, so that every crash found once
 * stays a test of the normal suite.
 *
 * A target may only crash on a bug: the input is arbitrary bytes. When the
 * code under test returns something its header promises never to return
 * (a string that is not UTF-8, an index out of range), the target calls
 * FUZZ_FAIL(): abort() under libFuzzer, which then saves the input; the
 * replay tests define FUZZ_FAIL as a cmocka failure before including this
 * file. Targets use no global state that outlives one input except
 * constants and a scratch directory, and free everything they allocate
 * (LeakSanitizer runs in both builds).
 */
#ifndef GC_TESTS_FUZZ_H
#define GC_TESTS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef FUZZ_FAIL
#define FUZZ_FAIL(...) do {                                           \
	fprintf(stderr, "fuzz: broken promise: ");                     \
	fprintf(stderr, __VA_ARGS__);                                  \
	fputc('\n', stderr);                                           \
	abort();                                                       \
} while (0)
#endif

#define FUZZ_CHECK(cond, ...) do {                                    \
	if (!(cond))                                                   \
		FUZZ_FAIL(__VA_ARGS__);                                \
} while (0)

#ifdef FUZZ_MAIN
#define FUZZ_TARGET(fn)                                               \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);   \
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)    \
	{                                                              \
		return fn(data, len);                                  \
	}
#else
#define FUZZ_TARGET(fn)
#endif

/* Where touched bytes go, so that the compiler cannot skip reading them
 * and ASan sees every byte of every buffer the code under test returns. */
static volatile unsigned fuzz_sink;

static inline void
fuzz_touch(const void *p, size_t len)
{
	const unsigned char *s = p;
	unsigned h = 0;

	for (size_t i = 0; i < len; i++)
		h = h * 31 + s[i];
	fuzz_sink += h;
}

/* A NUL-terminated copy of at most max bytes of the input, cut at the
 * first NUL byte; *rest_r and *restlen_r (may be NULL) get what follows
 * that NUL (nothing when there is none). Free with free(). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t len, size_t max,
    const uint8_t **rest_r, size_t *restlen_r)
{
	const uint8_t *nul = memchr(data, 0, len);
	size_t n = nul != NULL ? (size_t)(nul - data) : len;
	char *s;

	if (rest_r != NULL) {
		*rest_r = nul != NULL ? nul + 1 : data + len;
		*restlen_r = nul != NULL ? len - n - 1 : 0;
	}
	if (n > max)
		n = max;
	s = malloc(n + 1);
	if (s == NULL)
		abort();
	if (n > 0)
		memcpy(s, data, n);
	s[n] = '\0';
	return s;
}

#endif
