/*
 * procself.c - this process as the kernel tells it (see procself.h)
 */
#include "daemon/procself.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* Fields after the command's closing parenthesis, 0 being the state
 * (field 3 of proc(5)). */
#define F_UTIME 11
#define F_STIME 12
#define F_START 19
#define F_VSIZE 20
#define F_RSS 21

int
procself_parse_stat(const char *text, long ticks, long page,
    long long boot_time, struct metrics_process *p)
{
	unsigned long long v[F_RSS + 1];
	const char *s;
	char *end;

	p->known = false;
	/* the command may hold spaces and parentheses: the last ')' ends
	 * it */
	if (ticks <= 0 || page <= 0 || (s = strrchr(text, ')')) == NULL)
		return -1;
	s++;
	for (int i = 0; i <= F_RSS; i++) {
		while (*s == ' ')
			s++;
		if (*s == '\0')
			return -1;
		if (i == 0) {             /* the state: a letter */
			while (*s != ' ' && *s != '\0')
				s++;
			continue;
		}
		v[i] = strtoull(s, &end, 10);
		if (end == s || (*end != ' ' && *end != '\n' && *end != '\0'))
			return -1;
		s = end;
	}
	p->cpu_seconds = (double)(v[F_UTIME] + v[F_STIME]) / (double)ticks;
	p->start_time = boot_time > 0 ? (double)boot_time +
	    (double)v[F_START] / (double)ticks : 0;
	p->virtual_bytes = (long long)v[F_VSIZE];
	p->resident_bytes = (long long)v[F_RSS] * page;
	p->known = true;
	return 0;
}

/* When the machine booted (unix time), from /proc/stat; 0: unknown. */
static long long
boot_time(void)
{
	FILE *f = fopen("/proc/stat", "re");
	char line[256];
	long long t = 0;

	if (f == NULL)
		return 0;
	while (t == 0 && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "btime ", 6) == 0)
			t = strtoll(line + 6, NULL, 10);
	fclose(f);
	return t;
}

/* Entries of /proc/self/fd, less the one the count opens; -1: unknown. */
static long long
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long long n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;
}

int
procself_read(struct metrics_process *p)
{
	char text[1024];
	struct rlimit rl;
	ssize_t got;
	int fd;

	memset(p, 0, sizeof(*p));
	if ((fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	text[got] = '\0';
	if (procself_parse_stat(text, sysconf(_SC_CLK_TCK),
	    sysconf(_SC_PAGESIZE), boot_time(), p) != 0)
		return -1;
	p->open_fds = open_fds();
	p->max_fds = getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY ? (long long)rl.rlim_cur : -1;
	return 0;
}
