/*
 * report_render.c - the choice of a report's renderer by its format (see
 * report.h)
 *
 * Apart from report.c, which the renderers use, so that no file both
 * serves them and calls them.
 */
#include "notify/report_int.h"

#include <string.h>

#include "common/err.h"

int
report_format_parse(enum report_format *out, const char *s)
{
	static const char *const names[] = { "text", "csv", "html", "json" };

	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) {
			*out = (enum report_format)i;
			return 0;
		}
	return GC_EINVAL;
}

int
report_render(struct buf *out, const struct report *r,
    enum report_format f)
{
	switch (f) {
	case REPORT_TEXT:
		return report_render_text(out, r);
	case REPORT_CSV:
		return report_render_csv(out, r);
	case REPORT_HTML:
		return report_render_html(out, r);
	case REPORT_JSON:
		return report_render_json(out, r);
	}
	return GC_EINVAL;
}
