/*
 * dynlib.c - a shared library opened when first needed (see dynlib.h)
 */
#include "common/dynlib.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

static int exit_code = EX_UNAVAILABLE;

void
dynlib_set_exit(int code)
{
	exit_code = code;
}

static int
open_all(struct dynlib *lib)
{
	const char *why;
	void *h;

	/* RTLD_LOCAL: its symbols stay out of the way of the others' */
	if ((h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		why = dlerror();
		return gc_err_set(&lib->err, GC_ECONFIG, "cannot load %s: %s",
		    lib->soname, why ? why : "unknown error");
	}
	for (size_t i = 0; i < lib->n; i++) {
		void *p;

		dlerror();
		if ((p = dlsym(h, lib->syms[i].name)) == NULL) {
			/* the reason, before dlclose() frees its text */
			why = dlerror();
			gc_err_set(&lib->err, GC_ECONFIG, "%s lacks %s "
			    "(another version than the one guichet was built "
			    "with?)%s%s",
			    lib->soname, lib->syms[i].name, why ? ": " : "",
			    why ? why : "");
			for (size_t j = 0; j < i; j++)
				*lib->syms[j].slot = NULL;
			dlclose(h);
			return lib->err.code;
		}
		*lib->syms[i].slot = p;
	}
	return 0;
}

int
dynlib_load(struct dynlib *lib, struct gc_err *err)
{
	int state = __atomic_load_n(&lib->state, __ATOMIC_ACQUIRE);

	if (state == 0) {
		pthread_mutex_lock(&lib->lock);
		if ((state = lib->state) == 0) {
			state = open_all(lib) == 0 ? 1 : -1;
			__atomic_store_n(&lib->state, state, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&lib->lock);
	}
	if (state == 1)
		return 0;
	if (err != NULL)
		*err = lib->err;
	return lib->err.code;
}

void
dynlib_need(struct dynlib *lib)
{
	if (dynlib_load(lib, NULL) != 0) {
		fprintf(stderr, "guichet: %s\n", lib->err.msg);
		exit(exit_code);
	}
}
