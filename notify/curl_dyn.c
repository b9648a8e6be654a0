/*
 * curl_dyn.c - libcurl, opened when first needed (see curl_dyn.h)
 */
#include "notify/curl_dyn.h"

#include "common/dynlib.h"

static struct curl_dyn table;
static const struct dynlib_sym syms[] = {
	{ "curl_global_init", (void **)&table.global_init },
	{ "curl_version_info", (void **)&table.version_info },
	{ "curl_easy_init", (void **)&table.easy_init },
	{ "curl_easy_setopt", (void **)&table.easy_setopt },
	{ "curl_easy_perform", (void **)&table.easy_perform },
	{ "curl_easy_getinfo", (void **)&table.easy_getinfo },
	{ "curl_easy_cleanup", (void **)&table.easy_cleanup },
	{ "curl_easy_strerror", (void **)&table.easy_strerror },
	{ "curl_slist_append", (void **)&table.slist_append },
	{ "curl_slist_free_all", (void **)&table.slist_free_all },
	{ "curl_url", (void **)&table.url },
	{ "curl_url_set", (void **)&table.url_set },
	{ "curl_url_get", (void **)&table.url_get },
	{ "curl_url_cleanup", (void **)&table.url_cleanup },
	{ "curl_free", (void **)&table.free },
};
DYNLIB_TABLE(curl_dyn, GUICHET_SONAME_CURL, syms, table)
