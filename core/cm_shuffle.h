/* The one data-movement primitive of citemill: every rank puts byte records
 * into per-destination outboxes, cm_shuffle delivers them. Received bytes are
 * grouped by source rank in rank order, and within a source in the order they
 * were appended, so results never depend on timing. The owner of a key is
 * cm_owner(cm_hash(key)) (cm_hash.h). */
#ifndef CM_SHUFFLE_H
#define CM_SHUFFLE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"
#include "cm_hash.h"

typedef struct {
  cm_buf *to; /* one buffer per destination rank */
  int nranks;
} cm_outbox;

typedef struct {
  cm_buf data;    /* everything received */
  uint64_t *from; /* nranks + 1 offsets: source r's bytes are [from[r], from[r+1]) */
  int nranks;
  uint64_t bytes_sent; /* to other ranks, for the bytes-shuffled report */
} cm_inbox;

int cm_outbox_init(cm_outbox *o, int nranks);
void cm_outbox_clear(cm_outbox *o);
void cm_outbox_free(cm_outbox *o);
void cm_inbox_free(cm_inbox *in);

/* Collective on comm: delivers every outbox. rc is this rank's result of the
 * local work that filled its outboxes: the ranks agree on it in the
 * shuffle's first reduction, so a rank that failed still calls the shuffle,
 * and every rank then returns CM_ERR_ALL without delivering anything (the
 * error protocol of cm_error.h at no extra collective). Moves any volume
 * (rounds of at most a few hundred MiB per rank pair, so MPI's int counts
 * never overflow). The outboxes are emptied and their memory released. */
int cm_shuffle(MPI_Comm comm, int rc, cm_outbox *out, cm_inbox *in);

/* From this many ranks on, cm_shuffle goes in two levels when the ranks sit
 * on several nodes with the same number of ranks each (numbered node by
 * node): inside each node first, then between the ranks of one local index
 * across nodes, so a rank sends (ranks a node - 1) + (nodes - 1) messages
 * instead of P - 1. Same inbox, byte for byte. The threshold is where the
 * scaling model (docs/scaling.md) finds the flat all-to-all losing to it;
 * CITEMILL_SHUFFLE_LEVELS=1 or 2 overrides it (tests, benches). */
#define CM_SHUFFLE_TWO_LEVEL_RANKS 256

/* Collective: every rank receives the concatenation (in rank order) of all
 * ranks' `mine` bytes. For small data (cohort parameters, dictionaries). */
int cm_allgather_bytes(MPI_Comm comm, const cm_buf *mine, cm_buf *all);
#endif
