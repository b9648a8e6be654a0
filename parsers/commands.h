/*
 * commands.h - the #commands at the top of an agent's mail
 *
 * An agent's reply may start with command lines, one per line:
 *   #priority P1|P2|P3        #status open|pending|resolved|closed
 *   #assign NAME|me           #internal      #workaround
 *   #resolve                  #rca           #merge NUMBER     #close
 *   #cc ADDRESS               #uncc ADDRESS  #queue NAME
 *   #tag WORD                 #untag WORD    #split
 *   #eta TIME                 #reply NAME    #help
 *   #remind TIME|3d|4h|90m|1w|none      #spam
 *   #incident [COMPONENT,...] TITLE           #incident-update TEXT
 *   #incident-resolved [TEXT]
 *   #time 45m|2h|1h30|-15m   (time worked on the ticket)
 *   #language fr|en          (the customer's language: our next mails)
 * TIME is "YYYY-MM-DD HH:MM" or ISO 8601 ("YYYY-MM-DDTHH:MM[:SS]", with
 * an optional "Z" or "+HH:MM"); the parser checks its shape and ranges,
 * the desk reads a time without offset in the support's time zone and
 * decides which instants are acceptable.
 * Blank lines may separate them; the first line that is neither blank nor
 * a command ends the block, and everything from there on is the message.
 * Command names are case-insensitive. A line starting with '#' inside the
 * block that is not a valid command makes the whole block invalid: the
 * caller applies nothing and tells the agent which line was wrong.
 *
 * Pure; no allocation: the result points into the caller's text.
 */
#ifndef GC_COMMANDS_H
#define GC_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

enum cmd_kind {
	CMD_PRIORITY,
	CMD_STATUS,
	CMD_ASSIGN,
	CMD_INTERNAL,
	CMD_WORKAROUND,
	CMD_RESOLVE,
	CMD_RCA,
	CMD_MERGE,
	CMD_CLOSE,
	CMD_CC,
	CMD_UNCC,
	CMD_QUEUE,
	CMD_TAG,
	CMD_UNTAG,
	CMD_SPLIT,
	CMD_ETA,
	CMD_REPLY,
	CMD_HELP,
	CMD_INCIDENT,
	CMD_INCIDENT_UPDATE,
	CMD_INCIDENT_RESOLVED,
	CMD_REMIND,
	CMD_SPAM,
	CMD_TIME,
	CMD_SEND,
	CMD_LANGUAGE,
};

#define CMD_MAX 16
#define CMD_ARG_MAX 256       /* an address is at most 254 bytes */
#define CMD_WORD_MAX 64       /* a queue, a tag, a reply's name */
#define CMD_TEXT_MAX 2000     /* the text of an #incident command */
#define CMD_REMIND_MAX (366LL * 86400)   /* #remind in at most a year */
#define CMD_TIME_MAX 1440     /* #time: at most a day's minutes a mail */

/* The time of an #eta as written: local when !has_offset. */
struct cmd_time {
	int year, mon, day, hour, min, sec;   /* mon 1-12 */
	bool has_offset;
	int offset_min;           /* east of UTC, when has_offset */
};

struct cmd {
	enum cmd_kind kind;
	char arg[CMD_ARG_MAX];    /* normalised: "P1", "pending", "alice",
	                             an address without <> */
	int line;                 /* 1-based line in the text */
	struct cmd_time time;     /* #eta, #remind at a time */
	long long after;          /* #remind 3d: seconds from now (1 to
	                             CMD_REMIND_MAX); 0: at time, or "none"
	                             in arg */
	int minutes;              /* #time: -CMD_TIME_MAX..CMD_TIME_MAX, not
	                             0 */
	const char *text;         /* #incident*: the rest of the line, in
	                             the caller's text (not terminated) */
	size_t textlen;
};

struct cmd_list {
	struct cmd v[CMD_MAX];
	size_t n;
	size_t body_offset;       /* where the message after the block starts */
};

/* Parse the block at the top of text. Returns 0, or -1 with a message
 * such as "line 2: \"#prio P1\": unknown command" in err (errlen bytes). */
int commands_parse(struct cmd_list *out, const char *text, char *err,
    size_t errlen);
/* The same, the message in lang ("fr": "ligne 2 : « #prio P1 » :
 * commande inconnue"; else English). */
int commands_parse_in(struct cmd_list *out, const char *text,
    const char *lang, char *err, size_t errlen);

const char *commands_name(enum cmd_kind k);

/* One line per command with its syntax, for mails to agents: in
 * English, and in lang ("fr", else English; the commands themselves are
 * the same words in every language). */
const char *commands_help(void);
const char *commands_help_in(const char *lang);

/* Why a command was refused, on its line, into err: 'line 2: "#prio
 * P2": why', or in French (fr) 'ligne 2 : « #prio P2 » : why_fr'; the
 * command as n bytes at s. The parser's messages and the checks'
 * (desk/agent_cmd.c) are written so. */
void commands_why(char *err, size_t errlen, bool fr, int line,
    const char *s, size_t n, const char *why, const char *why_fr);

#endif
