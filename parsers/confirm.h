/*
 * confirm.h - whether a customer's reply to a resolution confirms it,
 * says the problem is still there, or neither
 *
 * A reply to a resolved ticket closes it when it confirms (policy:
 * "validated by the customer, a reply confirming"), and reopens it
 * otherwise. Taking a complaint for a confirmation closes a customer's
 * problem unsolved, so a confirmation must be plain:
 *
 * - the text is folded first: lower case, the accents of Latin letters
 *   taken away ("C'EST RÉSOLU" is "c'est resolu"), typographic
 *   apostrophes made straight; one line break is a space (mail is
 *   wrapped), a blank line ends a sentence as . ! ? ; do;
 * - CONFIRM_NO: a sentence holds a confirming phrase, or a word of the
 *   problem's solution ("works", "fixed", "résolu", "marche",
 *   "fonctionne"...), beside a negation ("not", "n't", "no", "never",
 *   "nothing", "pas", "ne", "n'", "jamais", "rien", "aucun"...); or a
 *   word of the problem ("problem", "error", "broken", "erreur",
 *   "plante", "vide", "empty", "slow"...) beside "still", "again",
 *   "toujours", "encore" or "de nouveau". Courtesies are no negation:
 *   "no problem", "no worries", "pas de souci", "pas de problème",
 *   "aucun problème";
 * - CONFIRM_YES: otherwise, a sentence holds a confirming phrase (whole
 *   words) without a contrast ("but", "however", "mais", "par contre",
 *   "sauf"...), and no other sentence contrasts, asks (ends with "?") or
 *   says "still"/"toujours"/"encore": "It works, thanks. Could you also
 *   look at X?" is not a plain confirmation;
 * - CONFIRM_THANKS: neither of those, and the reply only thanks: its
 *   first lines are words of thanks and courtesy alone ("Merci
 *   beaucoup !", "Thanks a lot, have a nice day"), what follows is a
 *   signature at most, and nothing asks or objects. A signature is
 *   what follows a "--" line (8 lines), or up to six short lines each
 *   of names ("Jean Dupont", "ACME S.A."), a job title ("Responsable
 *   informatique", "Head of IT"), a telephone ("Tél. : +33 1 23 45 67
 *   89"), an address or a link, or a mobile client's line; a line
 *   with a word of the problem, of its solution or a negation is
 *   never one. The best desks do not reopen a ticket for a thank-you;
 * - CONFIRM_NONE: anything else.
 *
 * The phrases are the configuration's ([guichet] confirm_phrases, fr and
 * en by default); the other words are French and English, built in.
 * Pure code.
 */
#ifndef GC_PARSERS_CONFIRM_H
#define GC_PARSERS_CONFIRM_H

#include <stddef.h>

enum confirm_verdict {
	CONFIRM_NONE,
	CONFIRM_YES,       /* the customer confirms the resolution */
	CONFIRM_NO,        /* the customer says it is not solved */
	CONFIRM_THANKS,    /* the customer only thanks */
};

/* What text (a reply's new text, quotes taken away) says of a
 * resolution, given the n confirming phrases. */
enum confirm_verdict confirm_read(const char *text,
    const char *const *phrases, size_t n);

/* How many bytes of text come before its signature, trailing blanks
 * left out: a signature is what follows a line "--" (or one opening
 * with an em dash), or a last paragraph of one to six lines that each
 * read as a signature's (names, a job title, a telephone, a mobile
 * client's line; see CONFIRM_THANKS). Something must come before it:
 * a text that is all signature is kept whole. */
size_t confirm_before_signature(const char *text);

#endif
