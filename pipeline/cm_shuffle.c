#include "cm_shuffle.h"

#include <signal.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "cm_error.h"

uint64_t cm_hash(const void *p, size_t n) {
#ifdef CM_WEAK_HASH /* test build: force collisions between different keys */
  return XXH3_64bits(p, n) & 3;
#else
  return XXH3_64bits(p, n);
#endif
}
uint64_t cm_hash2(const void *p, size_t n) { return XXH3_64bits_withSeed(p, n, 0x5EED); }
cm_key128 cm_key128_of(const void *p, size_t n) { return (cm_key128){cm_hash(p, n), cm_hash2(p, n)}; }
int cm_key128_push(cm_buf *b, cm_key128 k) {
  CM_TRY(cm_buf_push_u64(b, k.h));
  return cm_buf_push_u64(b, k.h2);
}
int cm_owner(uint64_t hash, int nranks) { return (int)(hash % (uint64_t)nranks); }

int cm_outbox_init(cm_outbox *o, int nranks) {
  o->to = calloc((size_t)nranks, sizeof *o->to);
  CM_ALLOC(o->to, (size_t)nranks * sizeof *o->to);
  o->nranks = nranks;
  return CM_OK;
}

void cm_outbox_clear(cm_outbox *o) {
  for (int r = 0; r < o->nranks; r++)
    o->to[r].len = 0;
}

void cm_outbox_free(cm_outbox *o) {
  if (!o->to) return;
  for (int r = 0; r < o->nranks; r++)
    cm_buf_free(&o->to[r]);
  free(o->to);
  o->to = NULL;
}

void cm_inbox_free(cm_inbox *in) {
  cm_buf_free(&in->data);
  free(in->from);
  in->from = NULL;
}

int cm_shuffle(MPI_Comm comm, cm_outbox *out, cm_inbox *in) {
  if (cm_fault("shuffle-kill")) raise(SIGKILL); /* test hook: a rank dies mid-shuffle */
  int P, me;
  CM_MPI(MPI_Comm_size(comm, &P));
  CM_MPI(MPI_Comm_rank(comm, &me));
  uint64_t *scount = calloc((size_t)P, 8), *rcount = calloc((size_t)P, 8);
  uint64_t *sdone = calloc((size_t)P, 8), *rdone = calloc((size_t)P, 8);
  int *sc = calloc((size_t)P, sizeof(int)), *rc = calloc((size_t)P, sizeof(int));
  int *sd = calloc((size_t)P, sizeof(int)), *rd = calloc((size_t)P, sizeof(int));
  int err = !scount || !rcount || !sdone || !rdone || !sc || !rc || !sd || !rd;
  int status = CM_OK;
  cm_buf sbuf = {0}, rbuf = {0};
  if (err) {
    status = CM_FAIL("out of memory in shuffle bookkeeping");
    goto done; /* the caller ends the job (a failed shuffle is not recoverable) */
  }
  for (int r = 0; r < P; r++)
    scount[r] = out->to[r].len;
  CM_MPI(MPI_Alltoall(scount, 1, MPI_UINT64_T, rcount, 1, MPI_UINT64_T, comm));
  memset(in, 0, sizeof *in);
  in->nranks = P;
  in->from = calloc((size_t)P + 1, 8);
  if (!in->from) {
    status = CM_FAIL("out of memory in shuffle");
    goto done;
  }
  for (int r = 0; r < P; r++)
    in->from[r + 1] = in->from[r] + rcount[r];
  if (cm_buf_reserve(&in->data, in->from[P] + 1) != CM_OK) {
    status = CM_ERR;
    goto done;
  }
  in->data.len = in->from[P];
  for (int r = 0; r < P; r++)
    if (r != me) in->bytes_sent += scount[r];
  /* This rank's own records never go through MPI: one copy, outbox to inbox. */
  if (scount[me]) memcpy(in->data.data + in->from[me], out->to[me].data, scount[me]);
  sdone[me] = scount[me];
  rdone[me] = rcount[me];
  /* Rounds: per pair at most `cap` bytes, so that every count and
   * displacement fits an int and the send staging stays small (~64 MiB a
   * rank and a round): the memory of a shuffle is its outbox and inbox plus
   * that, not twice both. Copies are what a shuffle costs besides the
   * network (perf: ~14 % of analyze with a staging buffer on each side), so
   * the receive side lands in the inbox itself whenever the inbox is under
   * 2 GiB (displacements are ints), and a round with a single destination
   * sends from that outbox. */
  uint64_t cap = (uint64_t)(INT_MAX / 2) / (uint64_t)P;
  if (cap > (64u << 20) / (uint64_t)P) cap = (64u << 20) / (uint64_t)P;
  if (cap < (1u << 20)) cap = 1u << 20;
  int direct_recv = in->from[P] <= (uint64_t)INT_MAX, direct_send = 1;
  /* CITEMILL_SHUFFLE_STAGED=BYTES (tests only): staging on both sides and
   * rounds of BYTES per pair, the path of inboxes over 2 GiB, on small data */
  const char *staged = getenv("CITEMILL_SHUFFLE_STAGED");
  if (staged && atoll(staged) > 0) direct_recv = direct_send = 0, cap = (uint64_t)atoll(staged);
  for (;;) {
    uint64_t left = 0;
    for (int r = 0; r < P; r++)
      left += (scount[r] - sdone[r]) + (rcount[r] - rdone[r]);
    uint64_t any = 0;
    CM_MPI(MPI_Allreduce(&left, &any, 1, MPI_UINT64_T, MPI_SUM, comm));
    if (any == 0) break;
    size_t stot = 0, rtot = 0;
    int dests = 0, dest = -1;
    for (int r = 0; r < P; r++) {
      uint64_t s = scount[r] - sdone[r], q = rcount[r] - rdone[r];
      sc[r] = (int)(s < cap ? s : cap);
      rc[r] = (int)(q < cap ? q : cap);
      sd[r] = (int)stot;
      rd[r] = direct_recv ? (int)(in->from[r] + rdone[r]) : (int)rtot;
      stot += (size_t)sc[r];
      rtot += (size_t)rc[r];
      if (sc[r]) dests++, dest = r;
    }
    const uint8_t *send;
    if (dests == 1 && direct_send) { /* one destination: its outbox is the send buffer */
      send = out->to[dest].data + sdone[dest];
      sd[dest] = 0;
    } else {
      sbuf.len = 0;
      if (cm_buf_reserve(&sbuf, stot + 1) != CM_OK) {
        status = CM_ERR;
        goto done;
      }
      for (int r = 0; r < P; r++)
        if (sc[r]) memcpy(sbuf.data + sd[r], out->to[r].data + sdone[r], (size_t)sc[r]);
      send = sbuf.data;
    }
    uint8_t *recv = in->data.data;
    if (!direct_recv) {
      rbuf.len = 0;
      if (cm_buf_reserve(&rbuf, rtot + 1) != CM_OK) {
        status = CM_ERR;
        goto done;
      }
      recv = rbuf.data;
    }
    CM_MPI(MPI_Alltoallv(send, sc, sd, MPI_BYTE, recv, rc, rd, MPI_BYTE, comm));
    for (int r = 0; r < P; r++) {
      if (rc[r] && !direct_recv)
        memcpy(in->data.data + in->from[r] + rdone[r], rbuf.data + rd[r], (size_t)rc[r]);
      sdone[r] += (uint64_t)sc[r];
      rdone[r] += (uint64_t)rc[r];
    }
  }
  for (int r = 0; r < P; r++) /* sent: give the memory back, not just the length */
    cm_buf_free(&out->to[r]);
done:
  free(scount);
  free(rcount);
  free(sdone);
  free(rdone);
  free(sc);
  free(rc);
  free(sd);
  free(rd);
  cm_buf_free(&sbuf);
  cm_buf_free(&rbuf);
  return status;
}

int cm_allgather_bytes(MPI_Comm comm, const cm_buf *mine, cm_buf *all) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  if (mine->len > (size_t)INT_MAX) return CM_FAIL("allgather of more than 2 GiB");
  int len = (int)mine->len;
  int *lens = malloc((size_t)P * sizeof(int)), *displs = malloc((size_t)P * sizeof(int));
  CM_ALLOC(lens, (size_t)P * sizeof(int));
  CM_ALLOC(displs, (size_t)P * sizeof(int));
  CM_MPI(MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, comm));
  long long total = 0;
  for (int r = 0; r < P; r++)
    displs[r] = (int)total, total += lens[r];
  if (total > INT_MAX) return CM_FAIL("allgather of more than 2 GiB");
  all->len = 0;
  CM_TRY(cm_buf_reserve(all, (size_t)total + 1));
  CM_MPI(MPI_Allgatherv(mine->data, len, MPI_BYTE, all->data, lens, displs, MPI_BYTE, comm));
  all->len = (size_t)total;
  free(lens);
  free(displs);
  return CM_OK;
}
