/*
 * trust.h - the CA certificates a libcurl transfer of ours trusts: the
 * anchors our servers were seen to chain to, else the whole system's
 *
 * libcurl (GnuTLS) reads its CA store at every new TLS connection: the
 * system's bundle, some 150 certificates, is about 65 M instructions,
 * six times what the handshake costs, paid again by each SMTP
 * connection after the server closed an idle one and by each webhook.
 * A desk talks to a handful of servers, whose chains end at a handful
 * of roots. So a transfer to a server trusts the whole store
 * (curl_dyn_trust()) until, once the second such connection of the
 * process verified (a process that makes one, serve --once, learns
 * nothing: learning costs about a fifth of a connection), the root its
 * chain ends at, found in the system's bundle, is learned; later
 * transfers trust a file of their own holding the learned roots (and
 * the caller's ca_file): a few certificates to read, not 150.
 *
 * That file trusts a subset of what the whole store trusts: no server is
 * accepted that the whole store would refuse. A server whose chain now
 * ends elsewhere fails to verify against it; the caller tries again once
 * with the whole store (trust_perform()), which decides, and the new root
 * is learned. When the system's bundle changes (update-ca-certificates
 * removed a distrusted root), everything learned is forgotten at the next
 * transfer. At most TRUST_MAX_ROOTS roots; past them, the whole store.
 */
#ifndef GC_NOTIFY_TRUST_H
#define GC_NOTIFY_TRUST_H

#include <stdbool.h>

#include "notify/curl_dyn.h"

#define TRUST_MAX_ROOTS 16

enum trust_mode {
	TRUST_WHOLE,            /* ca_file and the system's store */
	TRUST_LEARNED,          /* ca_file and the learned roots */
};

/* Set curl's trust for a transfer with ca_file (NULL: none): the learned
 * roots unless whole is asked or none fit, else the whole store (with
 * the chain kept, to learn from). *mode_r: which. The first option
 * that fails, or CURLE_OK. */
CURLcode trust_set(CURL *curl, const char *ca_file, bool whole,
    enum trust_mode *mode_r);

/* curl_easy_perform() under the trust trust_set() gave it (*mode): a
 * transfer refused for the server's chain, or for the learned file,
 * under TRUST_LEARNED is done again, once, with the whole store, which
 * decides (again(arg) first, when given, to rewind what the caller
 * keeps of a transfer: nothing went past the handshake); one that
 * verified under TRUST_WHOLE teaches its root, and the handle trusts the
 * learned roots from then on. where names the server in the log. */
CURLcode trust_perform(CURL *curl, const char *ca_file,
    enum trust_mode *mode, const char *where, void (*again)(void *),
    void *arg);

#endif
