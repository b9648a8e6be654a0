"""vs_summary.py - medians of scripts/bench-intake-vs.sh's rounds.

Reads the per-round lines ("SIDE round I, PHASE N mails, ... CPU ms/mail:
guichet G + PostgreSQL P = T ...") and prints, per phase and side, the
medians of CPU per mail (guichet, PostgreSQL, total), WAL bytes and round
trips per mail, and the ratio of the two sides taken round by round (the
rounds run side by side compare; medians of different hours do not), and
each side's cost of a phase against its own new ticket, round by round;
with --callgrind's counts in the lines, the instructions per mail of
each side and their ratio, round by round.
"""

import collections
import re
import statistics
import sys

LINE = re.compile(r"(\S+) round (\d+), (\w+)\s+\d+ mails, (\d+) mails/s; "
                  r"CPU ms/mail: guichet ([\d.]+) \+ PostgreSQL ([\d.]+) = "
                  r"([\d.]+).*WAL (\d+) B/mail; ([\d.]+) round trips")
# the instructions per mail, with --callgrind
IR = re.compile(r"Ir/mail: guichet ([\d.]+) M \+ PostgreSQL ([\d.]+) M = "
                r"([\d.]+) M")


def main(path):
    rows = collections.defaultdict(dict)   # (side, round) -> phase -> v
    irs = collections.defaultdict(dict)    # the same, instructions
    sides = []
    with open(path) as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            if m[1] not in sides:
                sides.append(m[1])
            rows[(m[1], int(m[2]))][m[3]] = [float(x) for x in m.groups()[3:]]
            ir = IR.search(line)
            if ir:
                irs[(m[1], int(m[2]))][m[3]] = [float(x) for x in ir.groups()]
    rounds = sorted({r for _, r in rows})
    med = statistics.median
    for phase in ("new", "followup", "agent"):
        for side in sides:
            v = [rows[(side, r)][phase] for r in rounds
                 if phase in rows[(side, r)]]
            if not v:
                continue
            print("%-8s %-6s CPU ms/mail guichet %.3f + PostgreSQL %.3f = "
                  "%.3f; %d mails/s; WAL %d B/mail; %.2f round trips "
                  "(median of %d rounds)" % (
                      phase, side, med(x[1] for x in v),
                      med(x[2] for x in v), med(x[3] for x in v),
                      med(x[0] for x in v), med(x[4] for x in v),
                      med(x[5] for x in v), len(v)))
            if phase != "new":
                own = [rows[(side, r)][phase][3] / rows[(side, r)]["new"][3]
                       for r in rounds if phase in rows[(side, r)] and
                       "new" in rows[(side, r)]]
                print("%-8s %-6s against its new ticket, round by round: "
                      "%s (median %.2f)" % (phase, side, " ".join(
                          "%.2f" % x for x in own), med(own)))
        if len(sides) == 2:
            a, b = sides
            pairs = [rows[(b, r)][phase][3] / rows[(a, r)][phase][3]
                     for r in rounds if phase in rows[(a, r)] and
                     phase in rows[(b, r)]]
            if not pairs:      # a phase one side did not run (--new-only)
                continue
            gp = [rows[(b, r)][phase][1] / rows[(a, r)][phase][1]
                  for r in rounds if phase in rows[(a, r)] and
                  phase in rows[(b, r)]]
            print("%-8s %s/%s total CPU, round by round: %s (median %.2f); "
                  "guichet alone: median %.2f" % (
                      phase, b, a, " ".join("%.2f" % x for x in pairs),
                      med(pairs), med(gp)))
            ir = [(irs[(a, r)][phase], irs[(b, r)][phase]) for r in rounds
                  if phase in irs[(a, r)] and phase in irs[(b, r)]]
            if ir:
                print("%-8s instructions per mail (M), guichet + PostgreSQL: "
                      "%s %.2f + %.2f = %.2f, %s %.2f + %.2f = %.2f; %s/%s "
                      "round by round: %s" % (
                          phase, a, med(x[0][0] for x in ir),
                          med(x[0][1] for x in ir), med(x[0][2] for x in ir),
                          b, med(x[1][0] for x in ir),
                          med(x[1][1] for x in ir), med(x[1][2] for x in ir),
                          b, a, " ".join("%.3f" % (y[2] / x[2])
                                         for x, y in ir)))


if __name__ == "__main__":
    main(sys.argv[1])
