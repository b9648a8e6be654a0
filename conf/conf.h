/*
 * conf.h - the configuration: validation, typed access
 *
 * A config file is INI-style: `[type]` or `[type NAME]` sections, `key =
 * value` lines, `#` comments (at line start, or after whitespace on a value
 * line). Relative paths are resolved from the config file's folder.
 * Passwords come from `password_file` keys (the file's content, trailing
 * newline stripped) and are never printed by anything. A secret file that
 * group or others may access is refused (as ssh refuses such keys), and
 * so is an `hmac_key_file` shorter than 32 bytes.
 *
 * conf_load() parses and validates in one go, collecting every problem as
 * "file:line: message" in a struct conf_diag instead of stopping at the
 * first; it returns 0 only when there is none. The schema (which sections
 * and keys exist, their types and defaults) is the table in conf.c, and it
 * is what conf/guichet.conf.example documents. The syntax is read by the
 * INI reader (conf/ini.h), the values of each type by conf/keys.h.
 *
 * Ownership: a struct conf owns every string it points to; it is one
 * "config generation" (replaced as a whole on SIGHUP) and is passed around
 * as `const struct conf *`. conf_free() releases it.
 */
#ifndef GC_CONF_H
#define GC_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"
#include "conf/ini.h"
#include "common/seal.h"

struct conf_list {
	char **v;
	size_t n;
};

/* auth = oauth2 of a mailbox or of [smtp]: SASL XOAUTH2 or OAUTHBEARER
 * with access tokens got from a refresh token (daemon/oauth2.h). */
struct conf_oauth2 {
	char *auth;            /* "password" | "oauth2" */
	bool on;               /* auth = oauth2 */
	char *mechanism;       /* "xoauth2" | "oauthbearer" */
	char *token_url;       /* https://, or http:// to a loopback host */
	char *client_id;
	char *client_secret;   /* from oauth2_client_secret_file, or NULL;
	                          never logged */
	char *refresh_token_file;  /* read at each refresh, rewritten 0600
	                              when the provider rotates it */
	char *scope;
	char *device_url;      /* device authorization (RFC 8628), or NULL */
};

struct conf_mailbox {
	char *name;
	char *url;
	char *user;
	char *password;        /* from password_file; never logged */
	char *folder;
	char *processed_folder;
	char *quarantine_folder;
	char *address;         /* what customers write to (addr-spec) */
	char *queue;
	char *tls_ca_file;
	char *language;        /* default language of its customers */
	long long poll_interval;   /* seconds */
	bool idle;             /* use IMAP IDLE when the server offers it */
	bool allow_plaintext;  /* LOGIN without TLS: tls = none (or the
	                          older allow_plaintext = yes) */
	char *tls;             /* auto, required (the same: a login needs
	                          TLS) or none */
	struct conf_oauth2 oauth2;
	int line;
};

struct conf_agent {
	char *name;
	char *display_name;
	char *address;
	struct conf_list queues;
	char *language;
	int line;
};

struct conf_queue {
	char *name;
	struct conf_list escalation_to;
	char *webhook_url;
	bool redact;           /* mails to agents without the text */
	bool redact_set;       /* redact given; else yes for "security" */
	long long retention;   /* seconds after closure; -1: [gdpr]'s, 0: never */
	char *assign;          /* "round_robin", "none" or NULL (none) */
	bool round_robin;      /* new tickets assigned in turn */
	int line;
};

struct conf_general {
	char *tracking_format;     /* "SUP-%Y-%06n" */
	char *language;            /* "fr" or "en" */
	bool detect_language;      /* a new ticket in the language its
	                              mail is written in (fr, en) */
	char *support_name;        /* display name in our mails */
	char *message_id_domain;   /* right side of our Message-IDs */
	char *templates_dir;       /* overrides of conf/templates, or NULL */
	char *log_level;
	char *log_format;          /* "text" | "json" */
	long long poll_interval;   /* default for mailboxes, seconds */
	long long max_mail_size;   /* bytes */
	long long fetch_batch;     /* mails per IMAP fetch and transaction */
	long long outbox_max_attempts;
	long long outbox_retry_base;   /* seconds, doubled per attempt */
	long long outbox_retry_max;    /* seconds */
	long long imap_timeout;        /* seconds */
	long long reconnect_max;       /* seconds, backoff ceiling */
	char *hmac_key;                /* from hmac_key_file, or NULL */
	char *webhook_secret;          /* from webhook_secret_file: our
	                                  webhooks signed; NULL: not */
	char *trusted_authserv_id;     /* our MTA's Authentication-Results */
	char *stranger_followup;       /* "new_ticket" | "hold" */
	char *answer_collision;        /* "hold" | "send": an agent's answer
	                                  after another agent's answer that
	                                  it did not see */
	long long escalation_burst;    /* escalations to one address in an
	                                  hour each in a mail; past it,
	                                  gathered (0: never) */
	long long escalation_gather;   /* seconds between two mails of the
	                                  gathered escalations */
	long long held_retention;      /* seconds a mail held by a rule
	                                  waits in the quarantine; 0: ever */
	long long outbox_keep;         /* seconds a sent mail's bytes are
	                                  kept in the outbox; 0: for ever */
	struct conf_list confirm_phrases;
	long long notify_attach_max;   /* bytes attached to agents' mails */
	long long reply_attach_max;    /* bytes of an agent's files relayed
	                                  to the customer */
	long long auto_reply_cap;      /* automatic mails per address/hour */
	long long max_participants_per_mail;   /* Cc a customer mail adds */
	long long ticket_send_cap;     /* mails to customers per ticket and
	                                  hour, 0: none */
	long long max_header_size;     /* bytes of a header block */
	long long max_mime_depth;
	long long max_mime_parts;
	long long max_parse_ms;        /* 0: no limit */
	long long max_text_size;       /* bytes of a mail's text shown in
	                                * its ticket; past it, cut */
	long long fetch_budget;        /* bytes of mail per fetch batch */
};

struct conf_database {
	char *conninfo;
	char *password;        /* from password_file, or NULL */
};

struct conf_smtp {
	char *url;
	char *from_name;       /* display name of `from`, may be NULL */
	char *from_addr;
	char *user;
	char *password;
	char *tls_ca_file;
	char *helo_name;
	bool require_tls;
	long long timeout;     /* seconds */
	char *tls;             /* "auto" | "required" | "none" */
	bool tls_none;         /* tls = none: clear text, even with a user */
	int tls_line;          /* where tls is set, 0: not set */
	long long max_rcpts;   /* recipients per SMTP transaction */
	struct conf_oauth2 oauth2;
};

/* [http]: /metrics and /healthz; off (listen NULL) when absent. */
struct conf_http {
	char *listen;          /* "127.0.0.1:9187", "[::1]:9187" */
	char *host;            /* the address part, numeric */
	int port;
	bool allow_remote;     /* a non-loopback address is allowed */
	long long poll_stale_after;    /* seconds: /healthz 503 past it */
	long long outbox_stuck_after;  /* seconds: oldest pending mail */
	char *public_url;      /* how customers reach this listener (the
	                          links to their ticket's page, ratings,
	                          unsubscribe), NULL */
	long long ticket_link_expiry;  /* seconds after a ticket closed that
	                                  its page's links stop; 0: never */
	int line;              /* of the section, 0: absent */
};

/* [lmtp]: mail handed over by the MTA over LMTP (RFC 2033), to the
 * running daemon (daemon/lmtp.h); off (listen NULL) when absent. */
struct conf_lmtp {
	char *listen;          /* "unix:/run/guichet/lmtp.sock" or
	                          "127.0.0.1:2424", "[::1]:2424" */
	char *path;            /* the socket's path (unix:), or NULL */
	char *host;            /* else the address part, numeric */
	int port;
	bool allow_remote;     /* a non-loopback address is allowed */
	char *socket_mode;     /* octal, of the unix socket */
	unsigned mode;         /* socket_mode read */
	long long max_connections;
	long long max_recipients;  /* RCPT per transaction */
	long long timeout;     /* seconds of silence before 421 */
	int line;              /* of the section, 0: absent */
};

/* [pgp]: the security address's secret key (conf/security.c). */
struct conf_pgp {
	char *home;            /* a GnuPG home holding the secret key */
	char *key_file;        /* or a secret key imported at start */
	char *fingerprint;     /* 40 hex digits, upper case */
	char *mailbox;         /* whose mail is decrypted */
	long long max_encrypted_size;  /* bytes of ciphertext tried */
	long long max_decrypted_size;  /* bytes of clear text kept */
	const char *file;      /* where [pgp] is, for messages */
	int line;              /* of the section, 0: absent */
};

/* [status]: the public status page; off (line 0, dir NULL) when absent
 * (conf/status_conf.c). */
#define STATUS_MAX_COMPONENTS 32
struct conf_status {
	char *dir;             /* index.html, feed.atom, status.json */
	char *title;
	char *base_url;        /* where the page is served */
	struct conf_list components;
	bool auto_incident_p1; /* a P1 ticket opens an incident */
	char *language;        /* of the page, the feed and the mails: "fr"
				  or "en", [guichet] language by default */
	int line;              /* of the section, 0: absent */
};

/* [storage]: encryption at rest; off (on false, no key) without key_file
 * (conf/storage.h). */
struct conf_storage {
	char *key_file;        /* resolved path, or NULL */
	struct seal_keyring keys;   /* empty when off or the file is bad */
	bool on;               /* keys to seal with */
	int line;              /* of the section, 0: absent */
};

/* [gdpr]: closed tickets anonymised after retention (desk/gdpr.h). */
struct conf_gdpr {
	long long retention;   /* seconds after closure, 0: never (the
	                          default without a [gdpr] section) */
	char *pseudonym_key;   /* from pseudonym_key_file, or NULL (then a
	                          key generated in the database); never
	                          logged */
	long long batch;       /* tickets per transaction */
	int line;              /* of the section, 0: absent */
};

/* [webhook NAME]: the events of tickets POSTed as JSON as they happen,
 * for chat rooms, trackers and scripts (desk/hooks.h). */
struct conf_webhook {
	char *name;
	int line;
	char *url;                 /* http:// or https:// */
	struct conf_list events;   /* names (conf/hooks_conf.h); none given:
	                              the default set */
	struct conf_list queues;   /* none given: every queue */
	unsigned mask;             /* the events, as bits */
};

/* [digest]: each agent's morning list of the open tickets of their
 * queues (desk/digest.h). */
struct conf_digest {
	char *at;              /* "HH:MM" in the business calendar's zone,
	                          or "none" */
	int at_minutes;        /* after local midnight; -1: off (the
	                          default, and without a [digest] section) */
	long long max_tickets; /* listed per mail, the others counted */
	int line;              /* of the section, 0: absent */
};

struct conf {
	char *path;            /* the main config file */
	char *dir;             /* its folder */
	char *text;            /* its bytes as read and parsed (conf_load(),
	                        * conf_load_text()), NULL from a buffer; wiped
	                        * when freed: it holds the secrets */
	size_t text_len;
	struct conf_general general;
	struct conf_database database;
	struct conf_smtp smtp;
	struct conf_mailbox *mailboxes;
	size_t nmailboxes;
	struct conf_agent *agents;
	size_t nagents;
	struct conf_queue *queues;
	size_t nqueues;
	struct conf_section *sections;   /* everything, as read */
	size_t nsections;
	struct conf_http http;
	struct conf_lmtp lmtp;
	struct conf_pgp pgp;
	struct conf_status status;
	struct conf_storage storage;
	struct conf_gdpr gdpr;
	struct conf_digest digest;
	struct conf_webhook *webhooks;
	size_t nwebhooks;
};

/* Parse and validate path. On success *out is the config and 0 is
 * returned; otherwise every problem is in diag and GC_ECONFIG returned.
 * diag must be zero-initialised by the caller and freed with
 * conf_diag_free() in both cases. */
int conf_load(struct conf **out, const char *path, struct conf_diag *diag);

/* As conf_load(), but with problems *out is still the config as far as
 * it could be read (NULL only when the file cannot be read), so that
 * check-config can check the rest of it too. conf_free() it in both
 * cases. */
int conf_load_partial(struct conf **out, const char *path,
    struct conf_diag *diag);

/* Parse from a buffer (fuzzing, tests): `name` stands for the file name in
 * messages and `dir` resolves relative paths. */
int conf_load_buffer(struct conf **out, const char *name, const char *dir,
    const char *text, size_t len, struct conf_diag *diag);

#define CONF_MAX_FILE (4 * 1024 * 1024)   /* a config file's size, at most */

/* As conf_load(), from the bytes of path as another process read them
 * (its c->text): what `serve`'s scheduler process runs, so that it runs
 * the very file its daemon runs, whatever the file on disk is now. text
 * (malloc'd, NUL-terminated) is taken: kept as the result's c->text, or
 * wiped and freed. */
int conf_load_text(struct conf **out, const char *path, char *text,
    size_t len, struct conf_diag *diag);

void conf_free(struct conf **c);

const struct conf_mailbox *conf_mailbox(const struct conf *c,
    const char *name);
/* The mailbox whose address is addr (case aside), also as local+detail@
 * domain; NULL when none. */
const struct conf_mailbox *conf_mailbox_by_address(const struct conf *c,
    const char *addr);
const struct conf_agent *conf_agent_by_address(const struct conf *c,
    const char *addr);
/* The [agent NAME] of that name, or NULL. */
const struct conf_agent *conf_agent_by_name(const struct conf *c,
    const char *name);
const struct conf_queue *conf_queue(const struct conf *c, const char *name);
/* The queue of security reports: the default rules send them there, the
 * default policy acknowledges them within 24 business hours, and it is
 * known without a [queue] section. */
#define CONF_SECURITY_QUEUE "security"
/* Whether the mails to agents about a ticket of that queue carry no
 * text and no file: [queue NAME] redact, by default yes for a queue
 * named security (conf/security.c). */
bool conf_queue_redacted(const struct conf *c, const char *queue);
/* Whether the agent works on that queue (its queues key). */
bool conf_agent_has_queue(const struct conf_agent *a, const char *queue);
/* Whether some agent works on that queue. */
bool conf_queue_worked(const struct conf *c, const char *queue);
/* Whether that queue's new tickets are assigned in turn ([queue NAME]
 * assign = round_robin). */
bool conf_queue_round_robin(const struct conf *c, const char *queue);
/* Whether addr is one of ours: the SMTP sender or a mailbox's address. */
bool conf_is_our_address(const struct conf *c, const char *addr);

/* The sections of a type, for modules that validate their own (read
 * their entries with conf_section_get() and conf_section_entry(), in
 * conf/ini.h). */
size_t conf_sections(const struct conf *c, const char *type,
    const struct conf_section **out, size_t max);

/* Whether url is https://, or http:// to a loopback host (127.0.0.0/8,
 * [::1], localhost): where OAuth2 tokens may be asked for. */
bool conf_url_loopback_or_https(const char *url);

/* Split "Name <addr@x>" / "addr@x"; returns 0 or GC_EINVAL. Strings are
 * malloc'd. */
int conf_parse_mailbox_addr(char **name_r, char **addr_r, const char *s);

#endif
