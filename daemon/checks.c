/*
 * checks.c - cross-module config validation (see checks.h)
 */
#include "daemon/checks.h"

#include "daemon/mailout.h"

void
checks_config(const struct conf *c, struct conf_diag *diag)
{
	mailout_check_templates(c, diag);
}
