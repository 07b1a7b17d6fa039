/* The one data-movement primitive of citemill: every rank puts byte records
 * into per-destination outboxes, cm_shuffle delivers them. Received bytes are
 * grouped by source rank in rank order, and within a source in the order they
 * were appended, so results never depend on timing.
 *
 * Owner of a key: cm_owner(hash) = hash % nranks, with XXH3_64bits, seed 0. */
#ifndef CM_SHUFFLE_H
#define CM_SHUFFLE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "cm_buf.h"

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

uint64_t cm_hash(const void *p, size_t n);
/* A second 64-bit hash of the same bytes, independent of cm_hash and never
 * weakened by the CM_WEAK_HASH test build. Where a job groups keys by
 * (cm_hash, cm_hash2) instead of comparing their bytes, two different keys
 * merge only if both collide (2^-128 a pair): grouping then reads no key
 * bytes, which at report scale are cache misses in a random order. */
uint64_t cm_hash2(const void *p, size_t n);
/* A key's fingerprint: cm_hash first (the owner, and the field a record's
 * cm_sort_by_u64 key offset points at), then cm_hash2. On the wire: 16
 * bytes, h then h2 (cm_key128_push; read back with one memcpy). */
typedef struct {
  uint64_t h, h2;
} cm_key128;
cm_key128 cm_key128_of(const void *p, size_t n);
int cm_key128_push(cm_buf *b, cm_key128 k);
/* Order by h, then h2; 0 means the same key. Inline: sort comparators and
 * grouping loops call it once per record. */
static inline int cm_key128_cmp(cm_key128 a, cm_key128 b) {
  if (a.h != b.h) return a.h < b.h ? -1 : 1;
  return (a.h2 > b.h2) - (a.h2 < b.h2);
}
int cm_owner(uint64_t hash, int nranks);

/* Collective: every rank receives the concatenation (in rank order) of all
 * ranks' `mine` bytes. For small data (cohort parameters, dictionaries). */
int cm_allgather_bytes(MPI_Comm comm, const cm_buf *mine, cm_buf *all);
#endif
