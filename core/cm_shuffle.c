#include "cm_shuffle.h"

#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cm_claim.h"
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

/* CITEMILL_TRACE_SHUFFLE=FILE (bench/scaling_model.sh): each rank appends to
 * FILE.<rank> one line per shuffle, "P rank t_enter t_exit bytes_to_0 ...
 * bytes_to_P-1" (seconds of CLOCK_MONOTONIC), so that a replay can reproduce the
 * volumes and the compute between shuffles (t_enter of one minus t_exit of
 * the one before). Stateless: the line number is the shuffle's index. */
static double trace_clock(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void trace_shuffle(const char *base, int P, int me, double t_enter, const uint64_t *scount) {
  char path[4200];
  snprintf(path, sizeof path, "%s.%d", base, me);
  FILE *f = fopen(path, "a");
  if (!f) {
    cm_warn("cannot append to the shuffle trace '%s'", path);
    return;
  }
  fprintf(f, "%d %d %.6f %.6f", P, me, t_enter, trace_clock());
  for (int r = 0; r < P; r++)
    fprintf(f, " %llu", (unsigned long long)scount[r]);
  fputc('\n', f);
  if (fclose(f) != 0) cm_warn("writing the shuffle trace '%s' failed", path);
}

/* The flat shuffle: one all-to-all over comm (P - 1 messages a rank). */
static int shuffle_flat(MPI_Comm comm, int rc_local, cm_outbox *out, cm_inbox *in) {
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

/* ---- the two-level shuffle ----
 * With L ranks on each of N nodes (P = N L, ranks numbered node by node), rank
 * (A, i) sends nothing across the network itself: step 1, inside its node, it
 * hands rank (A, j) everything bound for ranks (B, j) of every node B; step 2,
 * the ranks of one local index j, one per node, exchange: (A, j) sends (B, j)
 * what all of node A has for it. A rank sends L - 1 + N - 1 messages instead
 * of P - 1, each N or L times larger: at 2,048 ranks of 32 a node, 94 instead
 * of 2,047 (docs/scaling.md). Chunks carry their length (8 bytes), and both
 * steps keep source order, so the inbox is the flat shuffle's, byte for byte. */

static int put_chunk(cm_buf *b, const uint8_t *data, uint64_t len) {
  CM_TRY(cm_buf_append(b, &len, sizeof len));
  return len ? cm_buf_append(b, data, (size_t)len) : CM_OK;
}

/* Reads the next chunk at *at of [data, data + end): its bytes and length. */
static int take_chunk(const uint8_t *data, uint64_t end, uint64_t *at, const uint8_t **bytes, uint64_t *len) {
  if (end - *at < sizeof *len) return CM_FAIL("two-level shuffle: a chunk header is cut short");
  memcpy(len, data + *at, sizeof *len);
  *at += sizeof *len;
  if (end - *at < *len) return CM_FAIL("two-level shuffle: a chunk is cut short");
  *bytes = data + *at;
  *at += *len;
  return CM_OK;
}

/* Collective on comm: the node and cross communicators when every node has
 * the same number L > 1 of ranks, numbered node by node, and there are N > 1
 * nodes; *use 0 (and no communicators) otherwise. */
static int two_level_layout(MPI_Comm comm, int P, int me, MPI_Comm *node, MPI_Comm *cross, int *use) {
  *use = 0;
  int L, l;
  CM_TRY(cm_node_comm(comm, node));
  CM_MPI(MPI_Comm_size(*node, &L));
  CM_MPI(MPI_Comm_rank(*node, &l));
  int v[3] = {L, -L, me - l == (me / L) * L && me % L == l ? 0 : 1}; /* min L, max L, misplaced */
  CM_MPI(MPI_Allreduce(MPI_IN_PLACE, v, 3, MPI_INT, MPI_MAX, comm));
  *use = v[0] == -v[1] && v[2] == 0 && L > 1 && P / L > 1;
  if (!*use) return MPI_Comm_free(node) == MPI_SUCCESS ? CM_OK : CM_FAIL("MPI_Comm_free failed");
  CM_MPI(MPI_Comm_split(comm, l, me, cross));
  return CM_OK;
}

static int shuffle_two_level(MPI_Comm comm, MPI_Comm node, MPI_Comm cross, int P, int me, cm_outbox *out,
                             cm_inbox *in) {
  int L, N;
  CM_MPI(MPI_Comm_size(node, &L));
  CM_MPI(MPI_Comm_size(cross, &N));
  uint64_t sent = 0;
  for (int r = 0; r < P; r++)
    if (r != me) sent += out->to[r].len;
  /* step 1: to local rank j, for each node B in order, the chunk bound for (B, j) */
  cm_outbox o1 = {0}, o2 = {0};
  cm_inbox i1 = {0}, i2 = {0};
  int rc = cm_outbox_init(&o1, L);
  for (int j = 0; j < L && rc == CM_OK; j++)
    for (int B = 0; B < N && rc == CM_OK; B++) {
      cm_buf *b = &out->to[B * L + j];
      rc = put_chunk(&o1.to[j], b->data, b->len);
      cm_buf_free(b);
    }
  rc = shuffle_flat(node, rc, &o1, &i1);
  /* step 2: to node B's rank of my local index, for each source i of my node, its chunk for B */
  if (rc == CM_OK) rc = cm_outbox_init(&o2, N);
  uint64_t *at = rc == CM_OK ? calloc((size_t)L, sizeof *at) : NULL;
  if (rc == CM_OK && !at) rc = CM_FAIL("out of memory in the two-level shuffle");
  for (int i = 0; rc == CM_OK && i < L; i++)
    at[i] = i1.from[i];
  for (int B = 0; rc == CM_OK && B < N; B++)
    for (int i = 0; rc == CM_OK && i < L; i++) {
      const uint8_t *bytes;
      uint64_t len;
      rc = take_chunk(i1.data.data, i1.from[i + 1], &at[i], &bytes, &len);
      if (rc == CM_OK) rc = put_chunk(&o2.to[B], bytes, len);
    }
  free(at);
  cm_inbox_free(&i1);
  rc = shuffle_flat(cross, rc, &o2, &i2);
  /* the inbox: from node A (in order), the chunks of its ranks (A, 0..L-1): sources in rank order */
  memset(in, 0, sizeof *in);
  in->nranks = P;
  in->from = rc == CM_OK ? calloc((size_t)P + 1, sizeof *in->from) : NULL;
  if (rc == CM_OK && !in->from) rc = CM_FAIL("out of memory in the two-level shuffle");
  if (rc == CM_OK) rc = cm_buf_reserve(&in->data, i2.data.len + 1);
  for (int A = 0; rc == CM_OK && A < N; A++) {
    uint64_t pos = i2.from[A];
    for (int i = 0; rc == CM_OK && i < L; i++) {
      const uint8_t *bytes;
      uint64_t len;
      rc = take_chunk(i2.data.data, i2.from[A + 1], &pos, &bytes, &len);
      if (rc == CM_OK && len) memcpy(in->data.data + in->data.len, bytes, (size_t)len);
      in->data.len += (size_t)len;
      in->from[A * L + i + 1] = in->data.len;
    }
  }
  cm_inbox_free(&i2);
  cm_outbox_free(&o1);
  cm_outbox_free(&o2);
  in->bytes_sent = sent;
  rc = cm_agree(comm, rc);
  if (rc != CM_OK) cm_inbox_free(in);
  return rc;
}

/* Whether to shuffle in two levels: CITEMILL_SHUFFLE_LEVELS=1 or 2 decides
 * (tests, benches); otherwise from CM_SHUFFLE_TWO_LEVEL_RANKS ranks on. */
static int two_level_wanted(int P) {
  const char *e = getenv("CITEMILL_SHUFFLE_LEVELS");
  if (e && (atoi(e) == 1 || atoi(e) == 2)) return atoi(e) == 2;
  return P >= CM_SHUFFLE_TWO_LEVEL_RANKS;
}

int cm_shuffle(MPI_Comm comm, int rc_local, cm_outbox *out, cm_inbox *in) {
  double t_enter = trace_clock();
  int P, me, rc = rc_local, use = 0;
  CM_MPI(MPI_Comm_size(comm, &P));
  CM_MPI(MPI_Comm_rank(comm, &me));
  const char *trace = getenv("CITEMILL_TRACE_SHUFFLE");
  uint64_t *scount = trace && *trace ? calloc((size_t)P, sizeof *scount) : NULL; /* traced: what goes whom */
  for (int r = 0; scount && r < P; r++)
    scount[r] = out->to[r].len;
  MPI_Comm node = MPI_COMM_NULL, cross = MPI_COMM_NULL;
  if (two_level_wanted(P)) {
    rc = cm_agree(comm, rc); /* the layout's collectives need every rank */
    if (rc == CM_OK) rc = cm_agree(comm, two_level_layout(comm, P, me, &node, &cross, &use));
  }
  if (use && rc == CM_OK) {
    rc = shuffle_two_level(comm, node, cross, P, me, out, in);
  } else {
    rc = shuffle_flat(comm, rc, out, in);
  }
  if (node != MPI_COMM_NULL) MPI_Comm_free(&node);
  if (cross != MPI_COMM_NULL) MPI_Comm_free(&cross);
  if (rc == CM_OK && scount) trace_shuffle(trace, P, me, t_enter, scount);
  free(scount);
  if (rc != CM_OK) memset(in, 0, sizeof *in);
  return rc;
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
