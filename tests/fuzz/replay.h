/*
 * replay.h - running the committed fuzz inputs through their targets in
 * the normal unit-test suite
 *
 * fuzz_replay("mime", fuzz_mime) feeds every file of tests/fuzz/corpus/
 * mime/ and tests/fuzz/regressions/mime/ (in name order, subfolders
 * ignored) to the target function and returns how many it fed. Each file
 * name is printed to stderr before it runs, so that a crash (which ends
 * the test binary) names its input in ctest's output; a broken promise
 * fails the cmocka test with the name in front of the message (define
 * FUZZ_FAIL as fuzz_replay_fail before including the targets).
 *
 * For tests/unit/<module>/test_fuzz_regressions.c only: it uses cmocka
 * and FIXTURES_DIR (tests/fuzz is its sibling).
 */
#ifndef GC_TESTS_FUZZ_REPLAY_H
#define GC_TESTS_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/err.h"
#include "common/util.h"

#define FUZZ_REPLAY_MAX_INPUT (4u << 20)

/* The input being replayed, for failure messages. */
static char fuzz_replay_current[1024];

#define fuzz_replay_fail(...) do {                                     \
	print_error("%s: ", fuzz_replay_current);                      \
	fail_msg(__VA_ARGS__);                                         \
} while (0)

typedef int (*fuzz_replay_fn)(const uint8_t *data, size_t len);

static size_t
fuzz_replay_dir(const char *dir, fuzz_replay_fn fn)
{
	struct dirent **names = NULL;
	struct gc_err err = { 0, "" };
	struct stat st;
	size_t count = 0, len;
	char *data;
	int n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n < 0)
		return 0;       /* no such folder: nothing to replay */
	for (int i = 0; i < n; i++) {
		snprintf(fuzz_replay_current, sizeof(fuzz_replay_current),
		    "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		if (stat(fuzz_replay_current, &st) != 0 ||
		    !S_ISREG(st.st_mode) ||
		    strrchr(fuzz_replay_current, '/')[1] == '.')
			continue;
		if (file_read(&data, &len, fuzz_replay_current,
		    FUZZ_REPLAY_MAX_INPUT, &err) != 0)
			fail_msg("%s: %s", fuzz_replay_current, err.msg);
		fprintf(stderr, "replay %s\n", fuzz_replay_current);
		fn((const uint8_t *)data, len);
		free(data);
		count++;
	}
	free(names);
	return count;
}

/* Replay the seeds and regressions of one target; fail when it has no
 * seed at all (a renamed folder would otherwise test nothing). */
static size_t
fuzz_replay(const char *target, fuzz_replay_fn fn)
{
	char dir[1024];
	size_t seeds, regressions;

	snprintf(dir, sizeof(dir), "%s/../fuzz/corpus/%s", FIXTURES_DIR,
	    target);
	seeds = fuzz_replay_dir(dir, fn);
	if (seeds == 0)
		fail_msg("no seed input in %s", dir);
	snprintf(dir, sizeof(dir), "%s/../fuzz/regressions/%s", FIXTURES_DIR,
	    target);
	regressions = fuzz_replay_dir(dir, fn);
	print_message("%s: %zu seeds, %zu regression inputs replayed\n",
	    target, seeds, regressions);
	return seeds + regressions;
}

#endif
