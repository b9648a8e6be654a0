/*
 * replies.h - the canned replies of a templates folder
 *
 * An agent's "#reply NAME" sends <templates_dir>/<lang>/replies/NAME.txt
 * (template name "replies/NAME", template.h). There are no defaults:
 * check-config reads every file of each replies/ folder, so that a
 * broken canned reply is found before an agent names it.
 */
#ifndef GC_NOTIFY_REPLIES_H
#define GC_NOTIFY_REPLIES_H

#include "conf/ini.h"

/* Parse every replies/ *.txt of dir for lang; each problem (a file name
 * that is not a plain word, a template that does not parse) goes to
 * diag. A folder that does not exist has none. */
void replies_check(const char *dir, const char *lang, struct conf_diag *diag);

#endif
