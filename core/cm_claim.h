/* Dynamic assignment of work items (input files) to ranks: guided
 * self-scheduling. A rank that runs faster (a lighter share of files, a less
 * busy core) claims more. The items a rank gets are runs of consecutive
 * indices, claimed in increasing order, so each rank's rows stay in input
 * order and the store places them by file (see cm_h5_placement), whatever
 * rank read them.
 *
 * Within a node the ranks share one counter in an MPI shared-memory window,
 * claimed with a C11 compare-and-swap: no rank waits for another to answer.
 * Across nodes the items are split statically, in contiguous blocks of equal
 * weight (one node's noisy core is absorbed by its node's ranks). */
#ifndef CM_CLAIM_H
#define CM_CLAIM_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cm_claims cm_claims;

/* Collective: a counter over n items of the given weights (bytes). */
int cm_claims_open(MPI_Comm comm, size_t n, const uint64_t *weight, cm_claims **c);
/* Not collective: claims the next run [lo, hi) of this node's items, about
 * 1/(2 x ranks on the node) of its weight still unclaimed (at least one
 * item); lo == hi when all are taken. *claimed: the fraction (0-1) of the
 * node's weight claimed so far, by any of its ranks. */
int cm_claims_next(cm_claims *c, size_t *lo, size_t *hi, double *claimed);
/* Not collective: this rank's place among the ranks of its node (rank, of
 * size). Nodes are the ranks sharing memory; for the tests,
 * CITEMILL_NODE_RANKS=k makes every k consecutive ranks a node instead. */
void cm_claims_node(const cm_claims *c, int *rank, int *size);
/* Collective on comm: the ranks of comm that share this rank's node, in
 * rank order (MPI_COMM_TYPE_SHARED; for the tests, CITEMILL_NODE_RANKS=k
 * makes every k consecutive ranks a node instead). Free with MPI_Comm_free. */
int cm_node_comm(MPI_Comm comm, MPI_Comm *node);
/* Collective: frees the window (NULL is fine). */
int cm_claims_close(cm_claims *c);

#endif
