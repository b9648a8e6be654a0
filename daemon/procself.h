/*
 * procself.h - this process as the kernel tells it (/proc/self), for the
 * standard process_* figures of /metrics
 *
 * Read by the HTTP thread as a scrape begins: CPU time of all threads,
 * memory, descriptors open and allowed, the start time (the real one,
 * whatever clock the daemon runs on: --now). The parse of /proc/self/stat's
 * text is apart so that it is unit-tested.
 */
#ifndef GC_PROCSELF_H
#define GC_PROCSELF_H

#include "daemon/metrics.h"

/* The fields of text (one /proc/PID/stat line) into p: CPU seconds
 * (user + system; ticks clock ticks a second), the start time (boot_time:
 * when the machine booted, unix time; 0: unknown, start_time 0 too),
 * virtual and resident bytes (page bytes a page). 0, or -1 when the line
 * does not read (p->known stays false). */
int procself_parse_stat(const char *text, long ticks, long page,
    long long boot_time, struct metrics_process *p);

/* This process now: /proc/self/stat, the entries of /proc/self/fd, the
 * RLIMIT_NOFILE soft limit. -1 when /proc cannot be read (p->known
 * false: nothing is shown). */
int procself_read(struct metrics_process *p);

#endif
