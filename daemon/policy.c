/*
 * policy.c - loading the SLA policy with its files (see policy.h)
 */
#include "daemon/policy.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

static int
read_file(void *arg, const char *path, char **data_r, size_t *len_r,
    struct gc_err *err)
{
	char *p;
	int rc;

	(void)arg;
	if (strncmp(path, "zone:", 5) == 0) {
		const char *zone = path + 5, *dir = getenv("TZDIR");

		if (*zone == '\0' || zone[0] == '/' || strstr(zone, "..") ||
		    strlen(zone) > 128)
			return gc_err_set(err, GC_EINVAL, "bad zone name %s",
			    zone);
		p = xasprintf("%s/%s", dir && *dir ? dir :
		    "/usr/share/zoneinfo", zone);
	} else {
		p = xstrdup(path);
	}
	rc = file_read(data_r, len_r, p, SLA_MAX_FILE, err);
	free(p);
	return rc;
}

int
policy_load(struct sla_policy **out, const struct conf *c,
    struct conf_diag *diag)
{
	struct sla_loader ld = { read_file, NULL };

	return sla_policy_load(out, c, &ld, diag);
}
