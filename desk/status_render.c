/*
 * status_render.c - index.html, feed.atom and status.json (see
 * status_render.h)
 *
 * The three say the same thing: the page for people, the feed for their
 * readers, the JSON for programs. Times are UTC everywhere.
 */
#include "desk/status_render.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "notify/compose.h"

struct out {
	struct buf *b;
	const struct status_words *w;
	int rc;
};

static const struct status_words words_en = {
	"en", "Disrupted", "Under maintenance", "Operational",
	"Some systems are disrupted", "Maintenance in progress",
	"All systems operational",
	"Investigating", "Update", "Resolved", "Maintenance scheduled",
	"Maintenance cancelled",
	"Expected resolution: ", "Started ", ", resolved ",
	" &middot; affects ", " <small>(in progress)</small>",
	" <small>(completed)</small>", "From ", " to ", "Updated ",
	"Components", "Current incidents", "Scheduled maintenance",
	"Past 90 days", "No incident.", "No maintenance scheduled.",
	"Nothing to report.", "Atom feed",
	"Affects: ", "all components", "The status page: ",
	"You get this mail because %s is subscribed to %s.\n"
	"To stop them, reply to this mail with \"unsubscribe\", or write to "
	"%s with the subject \"unsubscribe %s\".\n",
	"Service disruption under investigation",
	"We are investigating a disruption of the service. Updates will "
	"follow here.",
	"This incident is resolved.",
	{ "Link not valid", "This unsubscribe link is not valid." },
	{ "Unsubscribe", "Stop the mails of the status page?" },
	{ "Not subscribed", "This link unsubscribes no one: it is not valid, "
	  "or was used already." },
	{ "Unsubscribed", "You will get no more mails of the status page." },
	{ "Try again later", "The request cannot be handled now; the link "
	  "still works later." },
	"Unsubscribe",
	": ",
};

static const struct status_words words_fr = {
	"fr", "Perturbé", "En maintenance", "Opérationnel",
	"Certains services sont perturbés", "Maintenance en cours",
	"Tous les services sont opérationnels",
	"Analyse en cours", "Mise à jour", "Résolu", "Maintenance planifiée",
	"Maintenance annulée",
	"Résolution prévue : ", "Début ", ", résolu ",
	" &middot; concerne ", " <small>(en cours)</small>",
	" <small>(terminée)</small>", "Du ", " au ", "Mis à jour ",
	"Services", "Incidents en cours", "Maintenances planifiées",
	"90 derniers jours", "Aucun incident.",
	"Aucune maintenance planifiée.", "Rien à signaler.", "Flux Atom",
	"Concerne : ", "tous les services", "La page d'état : ",
	"Vous recevez ce message car %s est abonné à %s.\n"
	"Pour ne plus les recevoir, répondez « unsubscribe » à ce message, "
	"ou écrivez à %s avec l'objet « unsubscribe %s ».\n",
	"Perturbation du service en cours d'analyse",
	"Nous analysons une perturbation du service. La suite sera publiée "
	"ici.",
	"Cet incident est résolu.",
	{ "Lien non valide", "Ce lien de désabonnement n'est pas valide." },
	{ "Se désabonner", "Ne plus recevoir les messages de la page "
	  "d'état ?" },
	{ "Pas d'abonnement", "Ce lien ne désabonne personne : il n'est pas "
	  "valide, ou a déjà servi." },
	{ "Désabonnement fait", "Vous ne recevrez plus de messages de la page "
	  "d'état." },
	{ "Réessayez plus tard", "La demande ne peut être traitée maintenant ; "
	  "le lien fonctionnera plus tard." },
	"Se désabonner",
	" : ",
};

const struct status_words *
status_words(const char *lang)
{
	return lang != NULL && strcmp(lang, "fr") == 0 ? &words_fr :
	    &words_en;
}

static void
put(struct out *o, const char *s)
{
	if (o->rc == 0)
		o->rc = buf_addstr(o->b, s);
}

/* Escaped for HTML and XML alike, controls removed. */
static void
esc(struct out *o, const char *s)
{
	if (o->rc == 0 && s != NULL)
		o->rc = compose_html_escape(o->b, s, strlen(s)) != 0 ?
		    GC_ELIMIT : 0;
}

static void
fmt_time(char *buf, size_t len, time_t t, bool human)
{
	struct tm tm;

	if (!human) {
		time_iso8601(buf, len, t);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static void
none(struct out *o, const char *what)
{
	put(o, "<p class=\"none\">");
	put(o, what);
	put(o, "</p>\n");
}

static void
put_time(struct out *o, time_t t)
{
	char iso[32], human[32];

	fmt_time(iso, sizeof(iso), t, false);
	fmt_time(human, sizeof(human), t, true);
	put(o, "<time datetime=\"");
	put(o, iso);
	put(o, "\">");
	put(o, human);
	put(o, "</time>");
}

bool
status_touches(const char *components, const char *component)
{
	size_t n = strlen(component);

	if (components == NULL || components[0] == '\0')
		return true;
	for (const char *p = components; *p; ) {
		size_t k = strcspn(p, ",");

		if (k == n && str_ncasecmp(p, component, n) == 0)
			return true;
		p += k + (p[k] == ',');
	}
	return false;
}

static bool
maint_on(const struct status_maint *m, time_t now)
{
	return m->cancelled_at == 0 && m->starts_at <= now && now < m->ends_at;
}

const char *
status_component_state(const struct status_rows *r, const char *component,
    time_t now)
{
	for (size_t i = 0; i < r->ninc; i++)
		if (r->inc[i].resolved_at == 0 &&
		    status_touches(r->inc[i].components, component))
			return "incident";
	for (size_t i = 0; i < r->nmnt; i++)
		if (maint_on(&r->mnt[i], now) &&
		    status_touches(r->mnt[i].components, component))
			return "maintenance";
	return "operational";
}

/* The state of the whole: the worst of its components, or of the
 * incidents and maintenance when there are no components. */
static const char *
overall(const struct conf_status *cs, const struct status_rows *r,
    time_t now)
{
	const char *worst = "operational";

	for (size_t i = 0; i < cs->components.n; i++) {
		const char *s = status_component_state(r, cs->components.v[i],
		    now);

		if (strcmp(s, "incident") == 0)
			return s;
		if (strcmp(s, "maintenance") == 0)
			worst = s;
	}
	if (cs->components.n == 0)
		worst = status_component_state(r, "", now);
	return worst;
}

static const char *
state_label(const struct status_words *w, const char *state)
{
	return strcmp(state, "incident") == 0 ? w->st_incident :
	    strcmp(state, "maintenance") == 0 ? w->st_maint : w->st_ok;
}

const char *
status_kind_label(const struct status_words *w, const char *kind)
{
	return strcmp(kind, "incident_opened") == 0 ? w->k_opened :
	    strcmp(kind, "incident_update") == 0 ? w->k_update :
	    strcmp(kind, "incident_resolved") == 0 ? w->k_resolved :
	    strcmp(kind, "maintenance") == 0 ? w->k_maint : w->k_cancelled;
}

static void
put_components(struct out *o, const char *components)
{
	if (components == NULL || components[0] == '\0') {
		put(o, "all components");
		return;
	}
	for (const char *p = components; *p; ) {
		size_t k = strcspn(p, ",");
		char name[64];

		snprintf(name, sizeof(name), "%.*s", (int)(k < 63 ? k : 63), p);
		if (p != components)
			put(o, ", ");
		esc(o, name);
		p += k + (p[k] == ',');
	}
}

/* ----- index.html ------------------------------------------------- */

static const char css[] =
	"body{font-family:sans-serif;margin:0 auto;max-width:52em;"
	"padding:1em;color:#222;line-height:1.4}"
	"h1{margin:.2em 0}h2{border-bottom:1px solid #ccc;margin-top:1.5em}"
	".banner{padding:.8em 1em;border-radius:6px;color:#fff;"
	"font-weight:bold;font-size:1.2em}"
	".state-operational{background:#2e8540}.state-incident{background:"
	"#c0392b}.state-maintenance{background:#2c6fbb}"
	"ul.components{list-style:none;padding:0}"
	"ul.components li{display:flex;justify-content:space-between;"
	"padding:.5em .8em;border:1px solid #ddd;margin:-1px 0 0}"
	"ul.components .state{color:#fff;padding:0 .6em;border-radius:4px}"
	"article{border:1px solid #ddd;border-radius:6px;padding:.2em 1em;"
	"margin:.8em 0}article.open{border-left:6px solid #c0392b}"
	"article.maintenance{border-left:6px solid #2c6fbb}"
	".meta,.eta{color:#555;font-size:.9em}.eta{font-weight:bold}"
	"ol.updates{list-style:none;padding:0}ol.updates li{margin:.5em 0}"
	".kind{font-weight:bold;margin-right:.5em}"
	"footer{margin-top:2em;color:#777;font-size:.9em}";

static void
html_updates(struct out *o, const struct status_rows *r, int64_t inc)
{
	put(o, "<ol class=\"updates\">\n");
	for (size_t i = 0; i < r->nposts; i++) {
		const struct status_post *p = &r->posts[i];
		char id[32];

		if (p->incident_id != inc)
			continue;
		snprintf(id, sizeof(id), "%lld", (long long)p->id);
		put(o, "<li class=\"update\" id=\"post-");
		put(o, id);
		put(o, "\" data-kind=\"");
		put(o, p->kind);
		put(o, "\">");
		put_time(o, p->at);
		put(o, " <span class=\"kind\">");
		put(o, status_kind_label(o->w, p->kind));
		put(o, "</span><span class=\"text\">");
		esc(o, p->body);
		put(o, "</span>");
		if (p->eta != 0) {
			put(o, " <span class=\"eta\">");
			put(o, o->w->expected);
			put_time(o, p->eta);
			put(o, "</span>");
		}
		put(o, "</li>\n");
	}
	put(o, "</ol>\n");
}

static void
html_incident(struct out *o, const struct status_rows *r,
    const struct status_incident *x)
{
	char id[32];

	snprintf(id, sizeof(id), "%lld", (long long)x->id);
	put(o, x->resolved_at ? "<article class=\"incident resolved\" "
	    "id=\"incident-" : "<article class=\"incident open\" "
	    "id=\"incident-");
	put(o, id);
	put(o, "\">\n<h3 class=\"title\">");
	esc(o, x->title);
	put(o, "</h3>\n<p class=\"meta\">");
	put(o, o->w->started);
	put_time(o, x->opened_at);
	if (x->resolved_at) {
		put(o, o->w->resolved_at);
		put_time(o, x->resolved_at);
	}
	put(o, o->w->affects);
	put_components(o, x->components);
	put(o, "</p>\n");
	if (x->eta != 0 && x->resolved_at == 0) {
		put(o, "<p class=\"eta\" id=\"eta-");
		put(o, id);
		put(o, "\">");
		put(o, o->w->expected);
		put_time(o, x->eta);
		put(o, "</p>\n");
	}
	html_updates(o, r, x->id);
	put(o, "</article>\n");
}

static void
html_maint(struct out *o, const struct status_maint *m, time_t now)
{
	char id[32];

	snprintf(id, sizeof(id), "%lld", (long long)m->id);
	put(o, "<article class=\"maintenance\" id=\"maintenance-");
	put(o, id);
	put(o, "\">\n<h3 class=\"title\">");
	esc(o, m->title);
	put(o, maint_on(m, now) ? o->w->in_progress :
	    m->ends_at <= now ? o->w->completed : "");
	put(o, "</h3>\n<p class=\"meta\">");
	put(o, o->w->from);
	put_time(o, m->starts_at);
	put(o, o->w->to);
	put_time(o, m->ends_at);
	put(o, o->w->affects);
	put_components(o, m->components);
	put(o, "</p>\n</article>\n");
}

int
status_render_html(struct buf *out, const struct conf_status *cs,
    const struct status_rows *r, time_t now)
{
	struct out o = { out, status_words(cs->language), 0 };
	const char *all = overall(cs, r, now);
	bool any;

	put(&o, "<!DOCTYPE html>\n<html lang=\"");
	put(&o, o.w->lang);
	put(&o, "\"><head><meta "
	    "charset=\"utf-8\">\n<meta name=\"viewport\" content=\""
	    "width=device-width, initial-scale=1\">\n<link rel=\"icon\" "
	    "href=\"data:,\">\n<title>");
	esc(&o, cs->title);
	put(&o, "</title>\n<style>");
	put(&o, css);
	put(&o, "</style>\n</head>\n<body>\n<header>\n<h1>");
	esc(&o, cs->title);
	put(&o, "</h1>\n<p class=\"banner state-");
	put(&o, all);
	put(&o, "\" id=\"overall\" data-state=\"");
	put(&o, all);
	put(&o, "\">");
	put(&o, strcmp(all, "incident") == 0 ? o.w->all_incident :
	    strcmp(all, "maintenance") == 0 ? o.w->all_maint : o.w->all_ok);
	put(&o, "</p>\n<p class=\"meta\">");
	put(&o, o.w->updated);
	put_time(&o, now);
	put(&o, "</p>\n</header>\n");
	if (cs->components.n > 0) {
		put(&o, "<section id=\"components\"><h2>");
		put(&o, o.w->h_components);
		put(&o, "</h2>\n<ul class=\"components\">\n");
		for (size_t i = 0; i < cs->components.n; i++) {
			const char *st = status_component_state(r,
			    cs->components.v[i], now);

			put(&o, "<li class=\"component\" data-component=\"");
			esc(&o, cs->components.v[i]);
			put(&o, "\" data-state=\"");
			put(&o, st);
			put(&o, "\"><span class=\"name\">");
			esc(&o, cs->components.v[i]);
			put(&o, "</span><span class=\"state state-");
			put(&o, st);
			put(&o, "\">");
			put(&o, state_label(o.w, st));
			put(&o, "</span></li>\n");
		}
		put(&o, "</ul></section>\n");
	}
	put(&o, "<section id=\"incidents\"><h2>");
	put(&o, o.w->h_incidents);
	put(&o, "</h2>\n");
	any = false;
	for (size_t i = 0; i < r->ninc; i++)
		if (r->inc[i].resolved_at == 0) {
			html_incident(&o, r, &r->inc[i]);
			any = true;
		}
	if (!any)
		none(&o, o.w->none_incident);
	put(&o, "</section>\n<section id=\"maintenance\"><h2>");
	put(&o, o.w->h_maint);
	put(&o, "</h2>\n");
	any = false;
	for (size_t i = 0; i < r->nmnt; i++)
		if (r->mnt[i].ends_at > now && r->mnt[i].cancelled_at == 0) {
			html_maint(&o, &r->mnt[i], now);
			any = true;
		}
	if (!any)
		none(&o, o.w->none_maint);
	put(&o, "</section>\n<section id=\"history\"><h2>");
	put(&o, o.w->h_history);
	put(&o, "</h2>\n");
	any = false;
	for (size_t i = r->ninc; i-- > 0; )
		if (r->inc[i].resolved_at != 0) {
			html_incident(&o, r, &r->inc[i]);
			any = true;
		}
	for (size_t i = r->nmnt; i-- > 0; )
		if (r->mnt[i].ends_at <= now && r->mnt[i].cancelled_at == 0) {
			html_maint(&o, &r->mnt[i], now);
			any = true;
		}
	if (!any)
		none(&o, o.w->none_history);
	put(&o, "</section>\n<footer>");
	if (cs->base_url != NULL) {
		put(&o, "<a href=\"feed.atom\">");
		put(&o, o.w->feed);
		put(&o, "</a> &middot; ");
	}
	put(&o, "<a href=\"status.json\">JSON</a></footer>\n"
	    "</body></html>\n");
	return o.rc;
}

/* ----- feed.atom -------------------------------------------------- */

/* base_url without its trailing slashes */
static void
put_base(struct out *o, const char *base)
{
	size_t n = strlen(base);
	char *b;

	while (n > 0 && base[n - 1] == '/')
		n--;
	b = xstrndup(base, n);
	esc(o, b);
	free(b);
}

static const char *
post_title(const struct status_rows *r, const struct status_post *p)
{
	for (size_t i = 0; i < r->ninc; i++)
		if (p->incident_id != 0 && r->inc[i].id == p->incident_id)
			return r->inc[i].title;
	for (size_t i = 0; i < r->nmnt; i++)
		if (p->maintenance_id != 0 && r->mnt[i].id == p->maintenance_id)
			return r->mnt[i].title;
	return "";
}

int
status_render_atom(struct buf *out, const struct conf_status *cs,
    const struct status_rows *r, time_t now)
{
	struct out o = { out, status_words(cs->language), 0 };
	char ts[32];

	fmt_time(ts, sizeof(ts), r->nposts ? r->posts[r->nposts - 1].at : now,
	    false);
	put(&o, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\""
	    "http://www.w3.org/2005/Atom\">\n<title>");
	esc(&o, cs->title);
	put(&o, "</title>\n<id>");
	put_base(&o, cs->base_url);
	put(&o, "/feed.atom</id>\n<link rel=\"self\" href=\"");
	put_base(&o, cs->base_url);
	put(&o, "/feed.atom\"/>\n<link rel=\"alternate\" type=\"text/html\" "
	    "href=\"");
	put_base(&o, cs->base_url);
	put(&o, "/\"/>\n<updated>");
	put(&o, ts);
	put(&o, "</updated>\n<author><name>");
	esc(&o, cs->title);
	put(&o, "</name></author>\n");
	for (size_t i = r->nposts; i-- > 0; ) {
		const struct status_post *p = &r->posts[i];
		char id[64];

		fmt_time(ts, sizeof(ts), p->at, false);
		snprintf(id, sizeof(id), "%lld", (long long)p->id);
		put(&o, "<entry>\n<id>");
		put_base(&o, cs->base_url);
		put(&o, "/feed.atom#post-");
		put(&o, id);
		put(&o, "</id>\n<title>");
		put(&o, status_kind_label(o.w, p->kind));
		put(&o, o.w->colon);
		esc(&o, post_title(r, p));
		put(&o, "</title>\n<updated>");
		put(&o, ts);
		put(&o, "</updated>\n<published>");
		put(&o, ts);
		put(&o, "</published>\n<link href=\"");
		put_base(&o, cs->base_url);
		snprintf(id, sizeof(id), p->incident_id ? "/#incident-%lld" :
		    "/#maintenance-%lld", (long long)(p->incident_id ?
		    p->incident_id : p->maintenance_id));
		put(&o, id);
		put(&o, "\"/>\n<content type=\"text\">");
		esc(&o, p->body);
		if (p->eta != 0) {
			fmt_time(ts, sizeof(ts), p->eta, true);
			put(&o, "\nExpected resolution: ");
			put(&o, ts);
		}
		put(&o, "</content>\n</entry>\n");
	}
	put(&o, "</feed>\n");
	return o.rc;
}

/* ----- status.json ------------------------------------------------ */

static json_t *
jtime(time_t t)
{
	char ts[32];

	if (t == 0)
		return json_null();
	time_iso8601(ts, sizeof(ts), t);
	return json_string(ts);
}

/* A string of ours as JSON: invalid UTF-8 would make jansson refuse it,
 * so it is checked here (the rows are UTF-8 already). */
static json_t *
jstr(const char *s)
{
	json_t *j = json_string(s ? s : "");

	return j ? j : json_string("");
}

static json_t *
jcomponents(const char *components)
{
	json_t *a = json_array();

	for (const char *p = components; p && *p; ) {
		size_t k = strcspn(p, ",");

		json_array_append_new(a, json_stringn(p, k));
		p += k + (p[k] == ',');
	}
	return a;
}

int
status_render_json(struct buf *out, const struct conf_status *cs,
    const struct status_rows *r, time_t now)
{
	json_t *doc = json_object(), *comps = json_array(),
	    *incs = json_array(), *mnts = json_array();
	char *s;
	int rc;

	json_object_set_new(doc, "title", jstr(cs->title));
	json_object_set_new(doc, "base_url", cs->base_url != NULL ?
	    jstr(cs->base_url) : json_null());
	json_object_set_new(doc, "generated_at", jtime(now));
	json_object_set_new(doc, "state", json_string(overall(cs, r, now)));
	for (size_t i = 0; i < cs->components.n; i++)
		json_array_append_new(comps, json_pack("{s:s?, s:s}", "name",
		    cs->components.v[i], "state", status_component_state(r,
		    cs->components.v[i], now)));
	for (size_t i = 0; i < r->ninc; i++) {
		const struct status_incident *x = &r->inc[i];
		json_t *ups = json_array();

		for (size_t k = 0; k < r->nposts; k++)
			if (r->posts[k].incident_id == x->id)
				json_array_append_new(ups, json_pack(
				    "{s:I, s:s, s:o, s:o, s:o}", "id",
				    (json_int_t)r->posts[k].id, "kind",
				    r->posts[k].kind, "at", jtime(r->posts[k].at),
				    "text", jstr(r->posts[k].body), "eta",
				    jtime(r->posts[k].eta)));
		json_array_append_new(incs, json_pack("{s:I, s:o, s:s, s:o, "
		    "s:o, s:o, s:o, s:o}", "id", (json_int_t)x->id, "title",
		    jstr(x->title), "state", x->resolved_at ? "resolved" :
		    "open", "components", jcomponents(x->components),
		    "opened_at", jtime(x->opened_at), "resolved_at",
		    jtime(x->resolved_at), "eta", jtime(x->eta), "updates",
		    ups));
	}
	for (size_t i = 0; i < r->nmnt; i++) {
		const struct status_maint *m = &r->mnt[i];

		json_array_append_new(mnts, json_pack("{s:I, s:o, s:s, s:o, "
		    "s:o, s:o}", "id", (json_int_t)m->id, "title",
		    jstr(m->title), "state", m->cancelled_at ? "cancelled" :
		    maint_on(m, now) ? "in_progress" :
		    m->ends_at <= now ? "completed" : "scheduled",
		    "components", jcomponents(m->components), "starts_at",
		    jtime(m->starts_at), "ends_at", jtime(m->ends_at)));
	}
	json_object_set_new(doc, "components", comps);
	json_object_set_new(doc, "incidents", incs);
	json_object_set_new(doc, "maintenance", mnts);
	s = json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS);
	json_decref(doc);
	if (s == NULL)
		return GC_ELIMIT;
	rc = buf_addstr(out, s) != 0 || buf_addc(out, '\n') != 0 ?
	    GC_ELIMIT : 0;
	free(s);
	return rc;
}
