/*
 * step.h - one piece of a scheduler batch under a savepoint
 *
 * A batch (the customers to remind, the agents' reminders, the ratings
 * to tell) runs in one transaction. One piece that cannot be done (an
 * operator's template that does not render, a sealed text that does not
 * open) must not take the others with it, nor be lost: step_try() runs
 * it under a savepoint and rolls only it back; the caller then logs why
 * and leaves it (or puts back what it took) for the next pass. A broken
 * connection or a temporary failure stops the batch instead.
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

#endif
