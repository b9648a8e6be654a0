/*
 * cli.h - the commands of the guichet binary, one function each
 *
 * Each takes the shared struct app (config loaded, clock set) and the
 * command's own arguments (argv[0] is the command name), prints to
 * stdout/stderr and returns a sysexits.h exit status.
 */
#ifndef GC_CLI_H
#define GC_CLI_H

#include <jansson.h>
#include <stdbool.h>

#include "daemon/app.h"

int cli_migrate(struct app *app, int argc, char **argv);
int cli_check_config(struct app *app, int argc, char **argv);
int cli_ticket(struct app *app, int argc, char **argv);
int cli_ticket_list(struct app *app, int argc, char **argv);
int cli_ticket_search(struct app *app, int argc, char **argv);
int cli_tickets(struct app *app, int argc, char **argv);
int cli_ingest(struct app *app, int argc, char **argv);
int cli_recover(struct app *app, int argc, char **argv);
int cli_serve(struct app *app, int argc, char **argv);
/* serve's signal handlers, installed before its configuration is read */
void serve_signals(void);
int cli_quarantine(struct app *app, int argc, char **argv);
int cli_quarantine_release(struct app *app, int argc, char **argv);
int cli_sla(struct app *app, int argc, char **argv);
int cli_rules(struct app *app, int argc, char **argv);
int cli_customers(struct app *app, int argc, char **argv);
int cli_quarantine_retry(struct app *app, long long id);
int cli_outbox(struct app *app, int argc, char **argv);
int cli_blocked(struct app *app, int argc, char **argv);
int cli_agent(struct app *app, int argc, char **argv);
int cli_report(struct app *app, int argc, char **argv);
int cli_report_period(struct app *app, int argc, char **argv);
int cli_report_agents(struct app *app, int argc, char **argv);
int cli_oauth2(struct app *app, int argc, char **argv);
int cli_status(struct app *app, int argc, char **argv);
int cli_keys(struct app *app, int argc, char **argv);
int cli_ticket_attachment(struct app *app, int argc, char **argv);
int cli_ticket_reply(struct app *app, int argc, char **argv);
int cli_gdpr(struct app *app, int argc, char **argv);

/* A JSON document from the database on standard output: re-indented
 * (cli_print_json, or cli_print_doc with json), else each object of a
 * list (is_list) or the one object through one(). Exit status. */
int cli_print_json(const char *text);
/* The string member key of o, "" when absent or not a string. */
const char *cli_jstr(const json_t *o, const char *key);
int cli_print_doc(const char *text, bool json, void (*one)(const json_t *),
    bool is_list);

/* A row id or a count: digits only, 1 to max. */
bool cli_parse_count(const char *s, long long max, long long *out);

/* Who runs the command, for the events it writes: the user behind sudo
 * ($SUDO_USER), else $USER, else the account of the real uid, else "uid
 * N"; printable ASCII, at most CLI_OPERATOR_MAX bytes. */
#define CLI_OPERATOR_MAX 64
void cli_operator(char *out, size_t len);
/* The same behind a role, as the events' actor: "ops (alice)". */
void cli_operator_as(char *out, size_t len, const char *role);

/* The desk of a command that writes: in->db connected and its schema
 * checked, in->out made, a transaction begun. The caller closes in->db
 * and frees in->out, whether this failed or not. */
struct desk;
int cli_desk_begin(struct app *app, struct desk *in, struct gc_err *err);

#endif
