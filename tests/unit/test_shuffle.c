/* core/cm_shuffle, run on 1-4 ranks (ctest runs each count): every record
 * reaches its destination, grouped by source in rank order and in append
 * order within a source; ranks that send nothing, or receive nothing, take
 * part; the staged path (CITEMILL_SHUFFLE_STAGED: rounds of a few bytes per
 * rank pair, the path of inboxes over 2 GiB) gives the same inbox, and so
 * does the two-level shuffle (CITEMILL_SHUFFLE_LEVELS=2); and a
 * failure passed in by one rank ends the shuffle on every rank, delivering
 * nothing (the error protocol). */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_shuffle.h"
#include "unit.h"

/* Rank r sends to rank d (d != last rank when `skip_last`) the records
 * (r, d, i) for i < count(r, d): rank 0 sends nothing when `quiet0`. */
static size_t count_of(int r, int d) { return (size_t)((r * 7 + d * 3) % 5) * 100; }

static void fill(cm_outbox *ob, int me, int P, int quiet0, int skip_last) {
  for (int d = 0; d < P; d++) {
    if ((quiet0 && me == 0) || (skip_last && d == P - 1 && P > 1)) continue;
    for (size_t i = 0; i < count_of(me, d); i++) {
      uint32_t rec[3] = {(uint32_t)me, (uint32_t)d, (uint32_t)i};
      cm_buf_append(&ob->to[d], rec, sizeof rec);
    }
  }
}

/* The inbox holds, from each source r in order, its records for me in order. */
static void check_inbox(const cm_inbox *in, int me, int P, int quiet0, int skip_last) {
  CHECK(in->nranks == P);
  for (int r = 0; r < P; r++) {
    size_t want = (quiet0 && r == 0) || (skip_last && me == P - 1 && P > 1) ? 0 : count_of(r, me);
    CHECK(in->from[r + 1] - in->from[r] == want * 12);
    for (size_t i = 0; i < want && in->from[r + 1] - in->from[r] == want * 12; i++) {
      uint32_t rec[3];
      memcpy(rec, in->data.data + in->from[r] + 12 * i, 12);
      CHECK(rec[0] == (uint32_t)r && rec[1] == (uint32_t)me && rec[2] == (uint32_t)i);
    }
  }
}

static void round_trip(int quiet0, int skip_last) {
  int me, P;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  cm_outbox ob;
  cm_inbox in;
  CHECK(cm_outbox_init(&ob, P) == CM_OK);
  fill(&ob, me, P, quiet0, skip_last);
  CHECK(cm_shuffle(MPI_COMM_WORLD, CM_OK, &ob, &in) == CM_OK);
  check_inbox(&in, me, P, quiet0, skip_last);
  for (int d = 0; d < P; d++) /* sent: the outboxes are empty */
    CHECK(ob.to[d].len == 0);
  cm_inbox_free(&in);
  cm_outbox_free(&ob);
}

static void agreed_failure(void) {
  int me, P;
  MPI_Comm_rank(MPI_COMM_WORLD, &me);
  MPI_Comm_size(MPI_COMM_WORLD, &P);
  cm_outbox ob;
  cm_inbox in;
  CHECK(cm_outbox_init(&ob, P) == CM_OK);
  fill(&ob, me, P, 0, 0);
  int rc = cm_shuffle(MPI_COMM_WORLD, me == P - 1 ? CM_ERR : CM_OK, &ob, &in);
  CHECK(rc == CM_ERR_ALL); /* on every rank, also the ones that did not fail */
  CHECK(in.data.len == 0 && in.from == NULL);
  cm_outbox_free(&ob);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  round_trip(0, 0);
  round_trip(1, 0);                          /* rank 0 sends nothing */
  round_trip(0, 1);                          /* the last rank receives nothing */
  setenv("CITEMILL_SHUFFLE_STAGED", "7", 1); /* rounds of 7 bytes a pair: records split across rounds */
  round_trip(0, 0);
  round_trip(1, 1);
  unsetenv("CITEMILL_SHUFFLE_STAGED");
  agreed_failure();
  round_trip(0, 0); /* and the communicator still works after it */
  /* two levels (on 4 ranks: 2 "nodes" of 2; on 1-3 ranks the layout does not allow it and the
   * flat shuffle runs): the same inboxes, the same error protocol */
  setenv("CITEMILL_SHUFFLE_LEVELS", "2", 1);
  setenv("CITEMILL_NODE_RANKS", "2", 1);
  round_trip(0, 0);
  round_trip(1, 1);
  setenv("CITEMILL_SHUFFLE_STAGED", "7", 1);
  round_trip(0, 1);
  unsetenv("CITEMILL_SHUFFLE_STAGED");
  agreed_failure();
  round_trip(1, 0);
  unsetenv("CITEMILL_SHUFFLE_LEVELS");
  unsetenv("CITEMILL_NODE_RANKS");
  int bad = unit_failures, any = 0, rank;
  MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (!any && rank == 0) printf("unit_shuffle: all checks passed\n");
  MPI_Finalize();
  return any != 0;
}
