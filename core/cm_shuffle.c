#include "cm_shuffle.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"

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

int cm_shuffle(MPI_Comm comm, int rc_local, cm_outbox *out, cm_inbox *in) {
  if (cm_fault("shuffle-kill")) raise(SIGKILL); /* test hook: a rank dies mid-shuffle */
  if (cm_fault("shuffle-stall")) { /* test hook: a rank stops answering (its host is then taken away) */
    fprintf(stderr, "citemill: test hook: this rank stalls in a shuffle\n");
    fflush(stderr);
    for (;;)
      pause();
  }
  int P, me;
  CM_MPI(MPI_Comm_size(comm, &P));
  CM_MPI(MPI_Comm_rank(comm, &me));
  memset(in, 0, sizeof *in);
  in->nranks = P;
  uint64_t *scount = calloc((size_t)P, 8), *rcount = calloc((size_t)P, 8);
  uint64_t *sdone = calloc((size_t)P, 8), *rdone = calloc((size_t)P, 8);
  int *sc = calloc((size_t)P, sizeof(int)), *rc = calloc((size_t)P, sizeof(int));
  int *sd = calloc((size_t)P, sizeof(int)), *rd = calloc((size_t)P, sizeof(int));
  in->from = calloc((size_t)P + 1, 8);
  cm_buf sbuf = {0}, rbuf = {0};
  /* every failure below is agreed on before the next collective step */
  int status = rc_local != CM_OK ? rc_local
               : !scount || !rcount || !sdone || !rdone || !sc || !rc || !sd || !rd || !in->from
                   ? CM_FAIL("out of memory in shuffle bookkeeping")
                   : CM_OK;
  status = cm_agree(comm, status); /* the callers' local work and this rank's bookkeeping */
  if (status != CM_OK) goto done;
  for (int r = 0; r < P; r++)
    scount[r] = out->to[r].len;
  if (MPI_Alltoall(scount, 1, MPI_UINT64_T, rcount, 1, MPI_UINT64_T, comm) != MPI_SUCCESS) {
    status = CM_FAIL("MPI_Alltoall of the shuffle's counts failed");
    goto done;
  }
  for (int r = 0; r < P; r++)
    in->from[r + 1] = in->from[r] + rcount[r];
  status = cm_agree(comm, cm_buf_reserve(&in->data, in->from[P] + 1));
  if (status != CM_OK) goto done;
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
   * network, so the receive side lands in the inbox itself whenever the
   * inbox is under 2 GiB (displacements are ints), and a round with a single
   * destination sends from that outbox. */
  uint64_t cap = (uint64_t)(INT_MAX / 2) / (uint64_t)P;
  if (cap > (64u << 20) / (uint64_t)P) cap = (64u << 20) / (uint64_t)P;
  if (cap < (1u << 20)) cap = 1u << 20;
  int direct_recv = in->from[P] <= (uint64_t)INT_MAX, direct_send = 1;
  /* CITEMILL_SHUFFLE_STAGED=BYTES (tests only): staging on both sides and
   * rounds of BYTES per pair, the path of inboxes over 2 GiB, on small data */
  const char *staged = getenv("CITEMILL_SHUFFLE_STAGED");
  if (staged && atoll(staged) > 0) direct_recv = direct_send = 0, cap = (uint64_t)atoll(staged);
  for (;;) {
    uint64_t left_bad[2] = {0, 0};
    size_t stot = 0, rtot = 0;
    int dests = 0, dest = -1;
    for (int r = 0; r < P; r++) {
      uint64_t s = scount[r] - sdone[r], q = rcount[r] - rdone[r];
      left_bad[0] += s + q;
      sc[r] = (int)(s < cap ? s : cap);
      rc[r] = (int)(q < cap ? q : cap);
      sd[r] = (int)stot;
      rd[r] = direct_recv ? (int)(in->from[r] + rdone[r]) : (int)rtot;
      stot += (size_t)sc[r];
      rtot += (size_t)rc[r];
      if (sc[r]) dests++, dest = r;
    }
    const uint8_t *send = sbuf.data;
    if (dests == 1 && direct_send) { /* one destination: its outbox is the send buffer */
      send = out->to[dest].data + sdone[dest];
      sd[dest] = 0;
    } else {
      sbuf.len = 0;
      if (cm_buf_reserve(&sbuf, stot + 1) != CM_OK) left_bad[1] = 1;
      for (int r = 0; r < P && !left_bad[1]; r++)
        if (sc[r]) memcpy(sbuf.data + sd[r], out->to[r].data + sdone[r], (size_t)sc[r]);
      send = sbuf.data;
    }
    uint8_t *recv = in->data.data;
    if (!direct_recv) {
      rbuf.len = 0;
      if (cm_buf_reserve(&rbuf, rtot + 1) != CM_OK) left_bad[1] = 1;
      recv = rbuf.data;
    }
    /* one reduction: what is left anywhere, and whether a rank lacks memory */
    if (MPI_Allreduce(MPI_IN_PLACE, left_bad, 2, MPI_UINT64_T, MPI_SUM, comm) != MPI_SUCCESS) {
      status = CM_FAIL("MPI_Allreduce in the shuffle failed");
      goto done;
    }
    if (left_bad[1]) {
      status = CM_ERR_ALL; /* the rank without memory has said so */
      goto done;
    }
    if (left_bad[0] == 0) break;
    if (MPI_Alltoallv(send, sc, sd, MPI_BYTE, recv, rc, rd, MPI_BYTE, comm) != MPI_SUCCESS) {
      status = CM_FAIL("MPI_Alltoallv in the shuffle failed");
      goto done;
    }
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
  if (status != CM_OK) cm_inbox_free(in);
  return status;
}

int cm_allgather_bytes(MPI_Comm comm, const cm_buf *mine, cm_buf *all) {
  int P;
  CM_MPI(MPI_Comm_size(comm, &P));
  int *lens = malloc((size_t)P * sizeof(int)), *displs = malloc((size_t)P * sizeof(int));
  int rc = mine->len > (size_t)INT_MAX ? CM_FAIL("allgather of more than 2 GiB")
           : !lens || !displs          ? CM_FAIL("out of memory")
                                       : CM_OK;
  rc = cm_agree(comm, rc);
  int len = (int)mine->len;
  long long total = 0;
  if (rc == CM_OK && MPI_Allgather(&len, 1, MPI_INT, lens, 1, MPI_INT, comm) != MPI_SUCCESS)
    rc = CM_FAIL("MPI_Allgather failed");
  for (int r = 0; rc == CM_OK && r < P; r++)
    displs[r] = (int)total, total += lens[r];
  all->len = 0;
  if (rc == CM_OK)
    rc = cm_agree(comm, total > INT_MAX ? CM_FAIL("allgather of more than 2 GiB")
                                        : cm_buf_reserve(all, (size_t)total + 1));
  if (rc == CM_OK &&
      MPI_Allgatherv(mine->data, len, MPI_BYTE, all->data, lens, displs, MPI_BYTE, comm) != MPI_SUCCESS)
    rc = CM_FAIL("MPI_Allgatherv failed");
  if (rc == CM_OK) all->len = (size_t)total;
  free(lens);
  free(displs);
  return rc;
}
