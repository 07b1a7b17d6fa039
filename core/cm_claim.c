#include "cm_claim.h"

#include <stdatomic.h>
#include <stdlib.h>

#include "cm_error.h"

struct cm_claims {
  MPI_Comm node; /* the ranks sharing memory with this one */
  MPI_Win win;
  _Atomic uint64_t *next; /* in the node's window: the next unclaimed item */
  uint64_t *prefix;       /* prefix[i]: weight of items 0..i-1 */
  size_t lo, hi;          /* this node's items */
  int rank, ranks;        /* this rank's place on its node, and the node's ranks */
};

int cm_node_comm(MPI_Comm comm, MPI_Comm *node) {
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  const char *k = getenv("CITEMILL_NODE_RANKS"); /* tests: k consecutive ranks make a "node" */
  if (k && atoi(k) > 0)
    CM_MPI(MPI_Comm_split(comm, rank / atoi(k), rank, node));
  else
    CM_MPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, node));
  return CM_OK;
}

/* This node's block: the items whose middle byte falls in its share. */
static void node_block(const uint64_t *prefix, size_t n, int node, int nodes, size_t *lo, size_t *hi) {
  *lo = *hi = 0;
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    uint64_t mid = prefix[i] + (prefix[i + 1] - prefix[i]) / 2;
    int owner = (int)((unsigned __int128)mid * (unsigned)nodes / (prefix[n] ? prefix[n] : 1));
    if (owner >= nodes) owner = nodes - 1;
    if (owner == node) {
      if (!found) *lo = i, found = 1;
      *hi = i + 1;
    }
  }
}

/* Collective: this node's index and the number of nodes. */
static int node_index(MPI_Comm comm, MPI_Comm node, int *index, int *nodes) {
  int node_rank, leader;
  CM_MPI(MPI_Comm_rank(node, &node_rank));
  leader = node_rank == 0;
  CM_MPI(MPI_Allreduce(&leader, nodes, 1, MPI_INT, MPI_SUM, comm));
  int before = 0; /* leaders before this one, in rank order */
  CM_MPI(MPI_Exscan(&leader, &before, 1, MPI_INT, MPI_SUM, comm));
  int rank;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) before = 0; /* MPI_Exscan leaves rank 0's result undefined */
  *index = before;
  CM_MPI(MPI_Bcast(index, 1, MPI_INT, 0, node)); /* the leader's count */
  return CM_OK;
}

int cm_claims_open(MPI_Comm comm, size_t n, const uint64_t *weight, cm_claims **out) {
  cm_claims *c = calloc(1, sizeof *c);
  uint64_t *prefix = malloc((n + 1) * sizeof *prefix);
  int rc = cm_agree(comm, !c || !prefix ? CM_FAIL("out of memory") : CM_OK);
  if (rc != CM_OK) {
    free(c);
    free(prefix);
    return rc;
  }
  prefix[0] = 0;
  for (size_t i = 0; i < n; i++)
    prefix[i + 1] = prefix[i] + weight[i];
  c->prefix = prefix;
  int rank, node_rank, index, nodes;
  CM_MPI(MPI_Comm_rank(comm, &rank));
  CM_TRY(cm_node_comm(comm, &c->node));
  CM_MPI(MPI_Comm_rank(c->node, &node_rank));
  c->rank = node_rank;
  CM_MPI(MPI_Comm_size(c->node, &c->ranks));
  CM_TRY(node_index(comm, c->node, &index, &nodes));
  node_block(prefix, n, index, nodes, &c->lo, &c->hi);
  MPI_Aint size = node_rank == 0 ? (MPI_Aint)sizeof(uint64_t) : 0, got;
  void *base;
  int unit;
  CM_MPI(MPI_Win_allocate_shared(size, sizeof(uint64_t), MPI_INFO_NULL, c->node, &base, &c->win));
  CM_MPI(MPI_Win_shared_query(c->win, 0, &got, &unit, &base));
  c->next = base;
  CM_MPI(MPI_Win_lock_all(MPI_MODE_NOCHECK, c->win));
  if (node_rank == 0) atomic_store(c->next, c->lo);
  CM_MPI(MPI_Win_sync(c->win));
  CM_MPI(MPI_Barrier(c->node)); /* set before anyone claims */
  CM_MPI(MPI_Win_sync(c->win));
  *out = c;
  return CM_OK;
}

/* The end of a run starting at lo holding about 1/(2 x ranks) of what is
 * left of the node's weight. */
static size_t run_end(const cm_claims *c, size_t lo) {
  uint64_t want = (c->prefix[c->hi] - c->prefix[lo]) / (2 * (uint64_t)c->ranks);
  size_t a = lo + 1, b = c->hi; /* smallest end in [lo+1, hi] reaching want */
  while (a < b) {
    size_t m = a + (b - a) / 2;
    if (c->prefix[m] - c->prefix[lo] >= want)
      b = m;
    else
      a = m + 1;
  }
  return a;
}

int cm_claims_next(cm_claims *c, size_t *lo, size_t *hi, double *claimed) {
  uint64_t cur = atomic_load(c->next), end;
  do {
    if (cur >= c->hi) {
      *lo = *hi = c->hi;
      *claimed = 1;
      return CM_OK;
    }
    end = run_end(c, (size_t)cur);
  } while (!atomic_compare_exchange_weak(c->next, &cur, end)); /* another rank was first: cur is updated */
  *lo = (size_t)cur;
  *hi = (size_t)end;
  uint64_t all = c->prefix[c->hi] - c->prefix[c->lo];
  *claimed = all ? (double)(c->prefix[end] - c->prefix[c->lo]) / (double)all : 1;
  return CM_OK;
}

void cm_claims_node(const cm_claims *c, int *rank, int *size) {
  *rank = c->rank;
  *size = c->ranks;
}

int cm_claims_close(cm_claims *c) {
  if (!c) return CM_OK;
  int rc = MPI_Win_unlock_all(c->win);
  if (rc == MPI_SUCCESS) rc = MPI_Win_free(&c->win);
  if (rc == MPI_SUCCESS) rc = MPI_Comm_free(&c->node);
  free(c->prefix);
  free(c);
  return rc == MPI_SUCCESS ? CM_OK : CM_FAIL("freeing the file-claim window failed");
}
