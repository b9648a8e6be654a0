/*
 * curl_dyn.h - libcurl, opened when the first mail is sent or URL read
 *
 * libcurl brings GnuTLS, LDAP, SSH, HTTP/2 and the rest of its world:
 * not linked into every command but opened by the first caller (see
 * common/dynlib.h). Code that includes this header calls curl_easy_*(),
 * curl_url_*() and the others as it would the library's: the names stand
 * for the functions of the table that curl_dyn() fills on first use (it
 * exits with a clear message when the library cannot be opened; `serve`
 * calls curl_dyn_load() when it starts). curl.h's compile-time checks of
 * curl_easy_setopt() and curl_easy_getinfo() arguments are macros of the
 * same names, so they give way to the table's functions here.
 */
#ifndef GC_NOTIFY_CURL_DYN_H
#define GC_NOTIFY_CURL_DYN_H

#include <curl/curl.h>

#include "common/err.h"

struct curl_dyn {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_version_info) *version_info;
	__typeof__(curl_easy_init) *easy_init;
	__typeof__(curl_easy_setopt) *easy_setopt;
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_getinfo) *easy_getinfo;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_slist_append) *slist_append;
	__typeof__(curl_slist_free_all) *slist_free_all;
	__typeof__(curl_url) *url;
	__typeof__(curl_url_set) *url_set;
	__typeof__(curl_url_get) *url_get;
	__typeof__(curl_url_cleanup) *url_cleanup;
	__typeof__(curl_free) *free;
};

/* Open libcurl once; 0, or GC_ECONFIG with the loader's reason. */
int curl_dyn_load(struct gc_err *err);
/* The table, opened on first use; exits (EX_UNAVAILABLE) if it cannot. */
const struct curl_dyn *curl_dyn(void);

/* The CA certificates a TLS connection of ours is verified against:
 * ca_file besides the system's, or (ca_file NULL) the system's alone.
 * libcurl opens its CA store at every new TLS connection (each webhook,
 * each SMTP connection after the server closed an idle one), and
 * Debian's build reads the whole hashed directory /etc/ssl/certs: each
 * certificate three times over (its file, its hash link, the bundle in
 * the same directory), about 0.2 G instructions. The system's bundle
 * file (SSL_CERT_FILE when set, as OpenSSL reads it for IMAP; else the
 * system's own), where there is one, holds the same certificates once
 * (update-ca-certificates writes both): a third of it. With ca_file,
 * libcurl takes that one file, and as its directory a private one
 * holding a link to the bundle (made once per process, removed at
 * exit), so the system's certificates are still read once. Peer and
 * host are always verified. The first option that fails, or CURLE_OK. */
CURLcode curl_dyn_trust(CURL *curl, const char *ca_file);
/* The system's bundle file (see above), or NULL when there is none. */
const char *curl_dyn_system_bundle(void);
/* The private directory of this process (mode 0700, removed at exit),
 * or NULL when it cannot be made or there is no system bundle. */
const char *curl_dyn_private_dir(void);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init (curl_dyn()->global_init)
#define curl_version_info (curl_dyn()->version_info)
#define curl_easy_init (curl_dyn()->easy_init)
#define curl_easy_setopt (curl_dyn()->easy_setopt)
#define curl_easy_perform (curl_dyn()->easy_perform)
#define curl_easy_getinfo (curl_dyn()->easy_getinfo)
#define curl_easy_cleanup (curl_dyn()->easy_cleanup)
#define curl_easy_strerror (curl_dyn()->easy_strerror)
#define curl_slist_append (curl_dyn()->slist_append)
#define curl_slist_free_all (curl_dyn()->slist_free_all)
#define curl_url (curl_dyn()->url)
#define curl_url_set (curl_dyn()->url_set)
#define curl_url_get (curl_dyn()->url_get)
#define curl_url_cleanup (curl_dyn()->url_cleanup)
#define curl_free (curl_dyn()->free)

#endif
