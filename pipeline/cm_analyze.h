/* `citemill analyze`: the SPEC 3 tables from a store. Collective on comm. */
#ifndef CM_ANALYZE_H
#define CM_ANALYZE_H

#include <mpi.h>
#include <stdint.h>

#include "cm_config.h"

/* `shuffled`, when not NULL, receives on every rank the most bytes one rank
 * sent to others in all shuffles. The outputs (OUT/tables/<name>.csv,
 * OUT/results.h5, OUT/links.h5) are built in OUT.tmp beside the old ones and
 * swapped in whole on success (OUT -> OUT.old, OUT.tmp -> OUT); a kill
 * between the two renames is repaired by the next analyze. */
int cm_analyze(MPI_Comm comm, const cm_config *cfg, uint64_t *shuffled);

/* Rank 0, not collective: whether analyze may write cfg->out (docs/reliability.md):
 * OUT, OUT.tmp and OUT.old are absent, empty, or analyses citemill wrote,
 * and neither the store nor the alias table lies in them. Repairs a swap
 * that a kill interrupted. */
int cm_analyze_check_out(const cm_config *cfg);

#endif
