/* Stopping at a safe point when the batch system asks (SIGUSR1 or SIGTERM,
 * e.g. Slurm's `--signal=B:USR1@120` forwarded by slurm/citemill.sbatch, or
 * `scancel --signal=USR1`). The handler only records the request; ranks
 * agree on it at safe points (between stages of `run`, between analyze
 * jobs), finish nothing half-way, and exit with CM_EXIT_INTERRUPTED so the
 * job script can requeue itself; the next run resumes. */
#ifndef CM_SIGNAL_H
#define CM_SIGNAL_H

#include <mpi.h>

/* Exit status of a run stopped at a safe point (complete outputs kept). */
#define CM_EXIT_INTERRUPTED 3

/* Installs the handlers for SIGUSR1 and SIGTERM. Not collective. */
void cm_signal_install(void);
/* Collective on comm: whether any rank has been asked to stop. */
int cm_signal_stop_requested(MPI_Comm comm, int *stop);

#endif
