/*
 * replies.c - check the canned replies of a templates folder (see
 * replies.h)
 */
#include "notify/replies.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "common/mem.h"
#include "notify/template.h"

void
replies_check(const char *dir, const char *lang, struct conf_diag *diag)
{
	char *path;
	DIR *d;
	struct dirent *e;

	if (dir == NULL)
		return;
	path = xasprintf("%s/%s/replies", dir, lang);
	if ((d = opendir(path)) == NULL) {
		free(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		struct template *t = NULL;
		struct gc_err err = { 0 };
		char *name;

		if (e->d_name[0] == '.' || n < 5 ||
		    strcmp(e->d_name + n - 4, ".txt") != 0)
			continue;
		name = xasprintf("replies/%.*s", (int)(n - 4), e->d_name);
		if (template_vars(name) == NULL)
			conf_diag_add(diag, NULL, 0, "%s/%s: a canned reply's "
			    "name is letters, digits, - and _ (at most 63)",
			    path, e->d_name);
		else if (template_load(&t, dir, lang, name, &err) != 0)
			conf_diag_add(diag, NULL, 0, "%s", err.msg);
		template_free(&t);
		free(name);
	}
	closedir(d);
	free(path);
}
