"""search_bench.py - `guichet ticket search` over 1,000,000 messages.

A benchmark, not a test: it prints figures. It starts a private
PostgreSQL (shared_buffers 1 GB on huge pages), migrates, and fills the database with
SQL (generate_series, not through guichet): TICKETS tickets (two in
three in French, one in three in English) of MESSAGES / TICKETS mails
each, every mail one of 20,000 texts per language of 20 to 80 words drawn
from a French or English vocabulary of everyday support words with a
skewed (Zipf-like) draw, so that some words are in a large share of the
mails and others rare, plus addresses and one reference number per
ticket; the generated tsvector
and the GIN index of migration 014 are filled as any insert fills them.
Then VACUUM ANALYZE.

It then runs 20 queries (common and rare words, accents, stemming, a
phrase, an exclusion, OR, an address, a reference) ROUNDS times each
with `guichet ticket search QUERY --json` and prints, per query, the
number of hits and the median wall time of the command (process start,
connection and the two statements: the figure an agent waits), then the
p50 and p99 over all runs, the CPU time of guichet and of the PostgreSQL
server over the runs, and the plan (auto_explain, ANALYZE, BUFFERS) of
the search statement of one query. Beside each whole command it
prints the time PostgreSQL spent on the search's statements (parse,
bind and execute, from its log with log_min_duration_statement = 0):
the part the index decides, without process start and connection.

PostgreSQL runs on huge pages (2 MB), as a production server with a
large shared_buffers does: the benchmark, when run as root, adds the
pages to /proc/sys/vm/nr_hugepages for its run and gives them back after
(--no-huge-pages leaves them off, to compare). Without them every new
backend, so every `guichet ticket search`, faults in each 4 KB page of
shared memory it touches: thousands for a search that reads thousands
of rows, which doubled the time of the heaviest queries here.

Usage: GUICHET_BIN=build/guichet PYTHONPATH=tests/harness:tests/bench \
       /usr/bin/python3 tests/bench/search_bench.py [MESSAGES] [ROUNDS]
       [--no-huge-pages]
(scripts/bench-search.sh builds guichet and runs this.)
"""

import json
import os
import re
import statistics
import subprocess
import sys
import time

import cpu
import guichet_harness as gh
import pgload

ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
MESSAGES = int(ARGS[0]) if len(ARGS) > 0 else 1000000
ROUNDS = int(ARGS[1]) if len(ARGS) > 1 else 5
HUGE = "--no-huge-pages" not in sys.argv
SHARED_MB = 1024
TICKETS = max(MESSAGES // 10, 1)
DB = "searchbench"
NOW = "2026-12-01T10:00:00Z"

FR = """bonjour merci serveur réseau imprimante facture mot passe connexion
erreur problème panne mise jour logiciel compte accès client commande
livraison retard remboursement abonnement message courriel pièce jointe
écran ordinateur portable téléphone application installation version
sauvegarde données fichier dossier partage droit utilisateur paramètre
configuration sécurité certificat navigateur page site lien formulaire
paiement carte banque virement relance devis contrat résiliation
urgent bloqué lent impossible fonctionne plus depuis hier matin soir
semaine équipe service technique support demande ticket réponse rapide
aide besoin question information nouveau ancien changement migration
base disque mémoire processeur redémarrage mise hors ligne coupure
électricité climatisation salle bureau étage bâtiment site distant vpn
wifi câble routeur pare feu proxy messagerie agenda réunion visio son
micro caméra casque clavier souris scanner copieur toner papier bourrage
licence renouvellement expiration essai gratuit tarif prix remise"""

EN = """hello thanks server network printer invoice password login error
issue outage update software account access customer order delivery
delay refund subscription email attachment screen laptop computer phone
application install version backup data file folder share permission
user setting configuration security certificate browser page website
link form payment card bank transfer reminder quote contract cancel
urgent blocked slow impossible working anymore since yesterday morning
evening week team service technical support request ticket answer quick
help need question information new old change migration database disk
memory processor restart offline power cooling room office floor
building remote vpn wifi cable router firewall proxy mail calendar
meeting video sound microphone camera headset keyboard mouse scanner
copier toner paper jam license renewal expiry trial free price discount"""

QUERIES = [
    "serveurs", "imprimante bourrage", "réseau", "reseau", "facture -relance",
    '"mot passe"', "vpn OR wifi", "certificat expiration", "toner",
    "remboursement commande", "printers", "invoice refund", "password",
    '"paper jam"', "firewall -proxy", "license renewal", "client42@"
    "client42.example", "REF-0771234", "climatisation salle", "keyboard mouse",
]


def words(text):
    return "ARRAY[%s]" % ", ".join("'%s'" % w for w in text.split())


def psql_long(pg, sql):
    pgload.psql_long(pg, DB, sql)


def load(pg):
    per = MESSAGES // TICKETS
    # a word of the vocabulary v: power(random(), 3) draws the first
    # words far more often than the last (a skewed, Zipf-like use)
    pick = "v[1 + floor(power(random(), 3) * array_length(v, 1))::int]"
    sql = """
SET synchronous_commit = off;
CREATE TEMP TABLE vocab AS SELECT %(fr)s AS fr, %(en)s AS en;
-- 20,000 texts per language, each mail takes one of them
CREATE TEMP TABLE texts AS
SELECT x.lang, n, (SELECT string_agg(y.word, ' ')
                   FROM (SELECT %(pick)s AS word
                         FROM generate_series(1, 20 + n %% 61) AS w) AS y
                  ) AS body
FROM generate_series(0, 19999) AS n,
     (SELECT 'fr' AS lang, fr AS v FROM vocab
      UNION ALL SELECT 'en', en FROM vocab) AS x;
CREATE INDEX ON texts (lang, n);
ANALYZE texts;
INSERT INTO tickets (number, status, priority, plan, queue, mailbox,
    requester, subject, language, created_at, updated_at)
SELECT 'BENCH-' || g, (ARRAY['new','open','pending','resolved',
    'closed'])[1 + g %% 5], 'P3', 'Basic', 'support', 'support',
    'client' || (g %% 50000) || '@client' || (g %% 50000) || '.example',
    (SELECT string_agg(word, ' ') FROM (SELECT word FROM
        regexp_split_to_table((SELECT body FROM texts WHERE lang = CASE
        WHEN g %% 3 = 0 THEN 'en' ELSE 'fr' END AND n = g * 37 %% 20000),
        ' ') WITH ORDINALITY AS w(word, i) WHERE i <= 4 + g %% 4) AS y),
    CASE WHEN g %% 3 = 0 THEN 'en' ELSE 'fr' END,
    timestamptz '2025-01-01' + g * interval '5 minutes',
    timestamptz '2025-01-01' + g * interval '5 minutes'
FROM generate_series(1, %(tickets)d) AS g;
INSERT INTO messages (ticket_id, direction, author, from_addr, to_addrs,
    subject, received_at, text, dedup_key)
SELECT t.id, CASE WHEN k %% 2 = 1 THEN 'in' ELSE 'out' END,
    CASE WHEN k %% 2 = 1 THEN 'customer' ELSE 'agent' END,
    CASE WHEN k %% 2 = 1 THEN t.requester ELSE 'agent@example.com' END,
    ARRAY['support@example.com'], t.subject,
    t.created_at + k * interval '1 hour',
    x.body || CASE WHEN k = 1 THEN E'\\nRéférence REF-' ||
        lpad((t.id * 7919 %% 1000000)::text, 7, '0') ELSE '' END,
    'bench:' || t.id || ':' || k
FROM tickets t CROSS JOIN generate_series(1, %(per)d) AS k
JOIN texts x ON x.lang = t.language AND x.n = (t.id * 31 + k * 7919) %% 20000
WHERE t.number LIKE 'BENCH-%%';
""" % dict(fr=words(FR), en=words(EN), pick=pick, tickets=TICKETS,
           per=per)
    t0 = time.perf_counter()
    psql_long(pg, sql)
    print("  loaded in %.0f s" % (time.perf_counter() - t0), flush=True)
    t0 = time.perf_counter()
    psql_long(pg, "VACUUM ANALYZE;\nCHECKPOINT;")
    print("  VACUUM ANALYZE + CHECKPOINT in %.0f s"
          % (time.perf_counter() - t0), flush=True)


class StatementLog:
    """The milliseconds PostgreSQL logged for the search's statements
    (parse, bind, execute of search_*) since the last call."""

    def __init__(self, logfile):
        self.logfile = logfile
        self.pos = os.path.getsize(logfile)

    def take(self):
        with open(self.logfile, errors="replace") as f:
            f.seek(self.pos)
            text = f.read()
            self.pos = f.tell()
        ms = 0.0
        for m in re.finditer(r"duration: ([0-9.]+) ms  (?:parse|bind|"
                             r"execute) search_", text):
            ms += float(m.group(1))
        return ms


def percentiles(times):
    t = sorted(times)
    n = len(t)
    return t[n // 2], t[min(n - 1, int(n * 0.99))], t[-1]


def search(s, query, env=None):
    argv = s._guichet_argv(["ticket", "search", query, "--json"], NOW, None)
    wall, cpu_s, err = cpu.run_cpu(argv, env=env) if env else \
        cpu.run_cpu(argv)
    return wall, cpu_s, err


def hits(s, query):
    r = s.guichet("ticket", "search", query, "--json", "--limit", "500",
                  now=NOW)
    return len(json.loads(r.stdout))


def explain(s, query):
    pg = s.pg
    env = dict(os.environ, PGOPTIONS="-c session_preload_libraries="
               "auto_explain -c auto_explain.log_min_duration=0 "
               "-c auto_explain.log_analyze=on "
               "-c auto_explain.log_buffers=on")
    size = os.path.getsize(pg.logfile)
    subprocess.run(s._guichet_argv(["ticket", "search", query, "--json"],
                                   NOW, None), env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    with open(pg.logfile, errors="replace") as f:
        f.seek(size)
        text = f.read()
    start = text.rfind("Query Text: WITH q AS")
    return text[start:] if start >= 0 else text[-6000:]


def main():
    with pgload.huge_pages(SHARED_MB, HUGE) as huge:
        run(huge)


def run(huge):
    with gh.Servers(imap=False, smtp=False, http=False) as s:
        s.pg.keep_session = False   # a backend per psql(), as counted
        pg = s.pg
        pg.psql("ALTER SYSTEM SET shared_buffers = '%dMB'" % SHARED_MB)
        pg.psql("ALTER SYSTEM SET maintenance_work_mem = '256MB'")
        pg.psql("ALTER SYSTEM SET huge_pages = '%s'" % ("on" if huge
                                                      else "off"))
        pg.restart()
        print("PostgreSQL: shared_buffers %d MB, huge pages %s" % (
            SHARED_MB, "on" if huge else "off (--no-huge-pages, or not "
            "root, or the kernel had none to give)"), flush=True)
        s.write_config(dbname=DB)
        s.guichet("migrate")
        print("loading %d messages in %d tickets" % (MESSAGES, TICKETS),
              flush=True)
        load(pg)
        print("  " + pg.scalar(
            "SELECT count(*) || ' messages, GIN index ' || pg_size_pretty("
            "pg_relation_size('messages_search_recent')) || ', database ' || "
            "pg_size_pretty(pg_database_size(current_database())) "
            "FROM messages", db=DB))
        for q in QUERIES:                     # warm the cache once
            search(s, q)
        pg.psql("ALTER SYSTEM SET log_min_duration_statement = 0")
        pg.psql("SELECT pg_reload_conf()")
        time.sleep(0.5)
        stmts = StatementLog(pg.logfile)
        times, server, per_query = [], [], []
        pm = pg.pid()
        pg_cpu0 = cpu.tree_cpu(pm)
        guichet_cpu = 0.0
        for q in QUERIES:
            mine, mine_server = [], []
            for _ in range(ROUNDS):
                wall, c, err = search(s, q)
                if err.strip():
                    raise gh.HarnessError("%s: %s" % (q, err))
                mine.append(wall * 1000)
                guichet_cpu += c
                mine_server.append(stmts.take())
            times += mine
            server += mine_server
            per_query.append((q, statistics.median(mine),
                              statistics.median(mine_server)))
        pg_cpu = cpu.tree_cpu(pm) - pg_cpu0
        pg.psql("ALTER SYSTEM RESET log_min_duration_statement")
        pg.psql("SELECT pg_reload_conf()")
        print("\n%-34s %6s %10s %10s" % ("query", "hits", "median ms",
                                         "statements"))
        for q, med, med_server in per_query:
            print("%-34s %6d %10.1f %10.1f" % (q[:34], hits(s, q), med,
                                               med_server))
        n = len(times)
        print("\n%d runs (%d queries x %d): p50 %.1f ms, p99 %.1f ms, "
              "max %.1f ms (wall time of `guichet ticket search`: start, "
              "connection, statements)" % ((n, len(QUERIES), ROUNDS) +
                                          percentiles(times)))
        print("statements alone (PostgreSQL's parse, bind and execute of "
              "the search): p50 %.1f ms, p99 %.1f ms, max %.1f ms"
              % percentiles(server))
        print("CPU: guichet %.1f ms per search, PostgreSQL %.1f ms per "
              "search; load average %s" % (
                  1000 * guichet_cpu / n, 1000 * pg_cpu / n,
                  open("/proc/loadavg").read().split()[0]))
        print("\nplan of the search statement for %r (auto_explain):"
              % QUERIES[1])
        print(explain(s, QUERIES[1]))


if __name__ == "__main__":
    main()
