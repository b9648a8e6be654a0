/*
 * step.h - one piece of a scheduler batch under a savepoint; a job's turn
 *
 * A batch (the customers to remind, the agents' reminders, the ratings
 * to tell) runs in one transaction. One piece that cannot be done (an
 * operator's template that does not render, a sealed text that does not
 * open) must not take the others with it, nor be lost: step_try() runs
 * it under a savepoint and rolls only it back; the caller then logs why
 * and leaves it (or puts back what it took) for the next pass. A broken
 * connection or a temporary failure stops the batch instead.
 *
 * The turn of a job that one process at a time does (step_turn_try(),
 * step_turn_end(): the month's reports, the digests): the others leave
 * it to the process that has it, in that pass, without waiting.
 */
#ifndef GC_DESK_STEP_H
#define GC_DESK_STEP_H

#include "desk/desk.h"

typedef int step_fn(struct desk *in, void *arg, struct gc_err *err);

/* fn(in, arg, ...) under a savepoint. 0 with failed->code 0: done. 0
 * with failed->code set: it failed for itself, rolled back (failed->msg
 * says why). Otherwise the batch's error, in err. */
int step_try(struct desk *in, step_fn *fn, void *arg, struct gc_err *failed,
    struct gc_err *err);

/* Take a job's turn (db_turn_try()); *mine_r false: another process
 * has it (said in the debug log), and does the job. */
int step_turn_try(struct desk *in, const char *name, bool *mine_r,
    struct gc_err *err);
/* Let go of a job's turn (db_turn_try()) after the job ran with result
 * rc: returns rc, or the failure to let go when rc was 0 (a lost
 * connection let go already). */
int step_turn_end(struct desk *in, const char *name, int rc,
    struct gc_err *err);

#endif
