/* The citation inversion, the step office_patents and the assignee tables
 * share (a distributed join).
 *
 * Every patent B sends a self record to the owner of its key; every citing
 * publication A sends (B, A) for each distinct B it cites (B != A). At the
 * owner both meet; citations of keys outside the corpus find no self record
 * and are dropped. A key travels as two independent 64-bit hashes (cm_hash,
 * cm_hash2), not as its bytes: two different keys would merge only if both
 * collided (2^-128 a pair). That halves the bytes shuffled, and the owner's
 * sort and grouping read no key bytes (which are cache misses in a random
 * order). The same pass makes the canonical assignee sets of the local
 * office-O window patents, which the assignee tables read again. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_shuffle.h"
#include "cm_sort.h"
#include "cm_text.h"

/* A received record, 24 bytes (this join's items and its sort's scratch copy
 * are the largest memory of analyze): the key, then one word that sorts a
 * key's self record first and its citations by citing row. Self record:
 * the offset of its body in the inbox (top bit 0); citation: the top bit set
 * over the citing publication's global row. */
typedef struct {
  cm_key128 k;
  uint64_t v;
} join_item;

#define JOIN_CITATION (UINT64_C(1) << 63)

static int join_cmp(const void *a, const void *b) {
  const join_item *x = a, *y = b;
  int c = cm_key128_cmp(x->k, y->k);
  if (c) return c;
  return (x->v > y->v) - (x->v < y->v);
}

/* (key, tag) to the key's owner. */
static int put_key(cm_outbox *ob, const void *key, size_t n, uint8_t tag, cm_buf **to) {
  cm_key128 k = cm_key128_of(key, n);
  *to = &ob->to[cm_owner(k.h, ob->nranks)];
  CM_TRY(cm_key128_push(*to, k));
  return cm_buf_push_u8(*to, tag);
}

void cm_asg_scratch_free(cm_asg_scratch *s) {
  cm_buf *b[] = {&s->canon, &s->norm, &s->pairs, &s->offs, &s->views};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++)
    cm_buf_free(b[i]);
}

int cm_patent_assignees(cm_ctx *c, size_t i, cm_listcol *set, cm_buf *countries, cm_asg_scratch *s) {
  /* set row: distinct canonical names (sorted); countries: for each of them a
   * uint32 count then (uint32 len, bytes) distinct non-empty countries. The
   * (name, country) pairs are sorted as "name\0country" strings: the
   * separator sorts before any byte, so a name's pairs stay together. */
  size_t first, cnt;
  cm_listcol_row(&c->p_asg_name, i, &first, &cnt);
  s->pairs.len = s->offs.len = s->views.len = 0;
  for (size_t j = 0; j < cnt; j++) {
    size_t ln, lc;
    const uint8_t *name = cm_strcol_get(&c->p_asg_name.items, first + j, &ln);
    const uint8_t *ctry = cm_strcol_get(&c->p_asg_country.items, first + j, &lc);
    CM_TRY(cm_canonical(c->aliases, (const char *)name, ln, &s->canon, NULL, &s->norm)); /* type: tables */
    if (s->canon.len == 0) continue;
    CM_TRY(cm_buf_push_u64(&s->offs, s->pairs.len));
    CM_TRY(cm_buf_append(&s->pairs, s->canon.data, s->canon.len));
    CM_TRY(cm_buf_push_u8(&s->pairs, 0));
    CM_TRY(cm_buf_append(&s->pairs, ctry, lc));
  }
  size_t k = s->offs.len / 8; /* the views are made once pairs stops moving */
  CM_TRY(cm_buf_reserve(&s->views, k * sizeof(cm_view)));
  cm_view *v = (cm_view *)s->views.data;
  for (size_t j = 0; j < k; j++) {
    uint64_t a = CM_BUF_AT(&s->offs, uint64_t, j),
             e = j + 1 < k ? CM_BUF_AT(&s->offs, uint64_t, j + 1) : s->pairs.len;
    v[j] = (cm_view){s->pairs.data + a, (uint32_t)(e - a)};
  }
  cm_views_sort(v, k);
  countries->len = 0;
  for (size_t j = 0; j < k;) {
    const uint8_t *sep = memchr(v[j].p, 0, v[j].n);
    size_t cl = (size_t)(sep - v[j].p);
    CM_TRY(cm_listcol_add(set, v[j].p, cl));
    size_t at = countries->len;
    uint32_t nc = 0;
    CM_TRY(cm_buf_push_u32(countries, 0));
    size_t e = j;
    for (; e < k && v[e].n > cl && memcmp(v[e].p, v[j].p, cl + 1) == 0; e++) {
      size_t ctl = v[e].n - cl - 1;
      if (ctl == 0) continue;
      if (e > j && cm_view_cmp(&v[e], &v[e - 1]) == 0) continue;
      CM_TRY(cm_buf_push_u32(countries, (uint32_t)ctl));
      CM_TRY(cm_buf_append(countries, sep + 1, ctl));
      nc++;
    }
    memcpy(countries->data + at, &nc, 4);
    j = e;
  }
  return cm_listcol_end_row(set);
}

/* Not collective: this rank's patents' self records and citation records
 * into ob (and the canonical assignees of its office-O window patents into
 * out->o_asg / out->o_ctry). */
static int send_citations(cm_ctx *c, cm_outbox *ob, cm_citations *out) {
  if (cm_fault("citations-fail"))
    return CM_FAIL("injected failure in the citation inversion (CITEMILL_FAULT)");
  cm_listcol *set = &out->o_asg;
  CM_TRY(cm_listcol_init(set));
  CM_TRY(cm_strcol_init(&out->o_ctry));
  cm_buf ctry = {0};
  cm_asg_scratch scratch = {0};
  cm_view *cited = NULL;
  size_t cited_cap = 0;
  int rc = CM_OK;
  for (size_t i = 0; i < c->p_n; i++) {
    size_t kl;
    const uint8_t *k = cm_strcol_get(&c->p_key, i, &kl);
    uint32_t off = CM_BUF_AT(&c->p_office, uint32_t, i);
    uint8_t inw = (uint8_t)cm_in_window(c->par, CM_BUF_AT(&c->p_year, int64_t, i));
    cm_buf *b;
    CM_TRY_TO(rc, put_key(ob, k, kl, 0, &b), done);
    CM_TRY_TO(rc, cm_buf_push_u32(b, off), done);
    CM_TRY_TO(rc, cm_buf_push_u8(b, inw), done);
    uint32_t na = 0;
    size_t first = 0;
    if (cm_office_window(c, i)) { /* its canonical assignees are kept for the assignee tables */
      CM_TRY_TO(rc, cm_patent_assignees(c, i, set, &ctry, &scratch), done);
      CM_TRY_TO(rc, cm_strcol_push(&out->o_ctry, ctry.data, ctry.len), done);
      size_t r = cm_listcol_count(set) - 1;
      size_t cnt;
      cm_listcol_row(set, r, &first, &cnt);
      na = (uint32_t)cnt;
    }
    CM_TRY_TO(rc, cm_buf_push_u32(b, na), done);
    for (uint32_t j = 0; j < na; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&set->items, first + j, &l);
      CM_TRY_TO(rc, cm_buf_push_u32(b, (uint32_t)l), done);
      CM_TRY_TO(rc, cm_buf_append(b, p, l), done);
    }
    /* distinct cited keys, excluding the publication itself */
    size_t cf, cc;
    cm_listcol_row(&c->p_cited, i, &cf, &cc);
    if (cc > cited_cap) {
      cited_cap = cc * 2;
      cm_view *nv = realloc(cited, cited_cap * sizeof *nv);
      if (!nv) {
        rc = CM_FAIL("out of memory for %zu cited keys", cited_cap);
        goto done;
      }
      cited = nv;
    }
    size_t m = 0;
    for (size_t j = 0; j < cc; j++) {
      size_t l;
      const uint8_t *p = cm_strcol_get(&c->p_cited.items, cf + j, &l);
      if (l == kl && memcmp(p, k, l) == 0) continue;
      cited[m++] = (cm_view){p, (uint32_t)l};
    }
    cm_views_sort(cited, m);
    uint64_t g = c->p_lo + i;
    for (size_t j = 0; j < m; j++) {
      if (j && cm_view_cmp(&cited[j], &cited[j - 1]) == 0) continue;
      cm_buf *bb;
      CM_TRY_TO(rc, put_key(ob, cited[j].p, cited[j].n, 1, &bb), done);
      CM_TRY_TO(rc, cm_buf_push_u64(bb, g), done);
    }
  }
done:
  free(cited);
  cm_buf_free(&ctry);
  cm_asg_scratch_free(&scratch);
  return rc;
}

/* The fewest bytes a received record takes: key, tag, then a citer (8) or
 * office, in-window and name count (9). */
#define JOIN_RECORD_MIN (16 + 1 + 8)

/* Not collective: the received records into items (room for
 * in->data.len / JOIN_RECORD_MIN of them); returns how many. */
static size_t parse_joins(const cm_inbox *in, join_item *items) {
  size_t n = 0;
  for (cm_cursor q = cm_cursor_of(&in->data); cm_cursor_more(&q); n++) {
    join_item x;
    memcpy(&x.k, cm_cursor_bytes(&q, 16), 16);
    if (cm_cursor_u8(&q) == 1) {
      x.v = JOIN_CITATION | cm_cursor_u64(&q);
    } else { /* office u32, in-window u8, then the assignee names */
      x.v = (uint64_t)(q.p - in->data.data);
      cm_cursor_bytes(&q, 5);
      for (uint32_t j = 0, na = cm_cursor_u32(&q); j < na; j++)
        cm_cursor_bytes(&q, cm_cursor_u32(&q));
    }
    items[n] = x;
  }
  return n;
}

static int join_citations(const cm_inbox *in, cm_citations *out) {
  /* allocated once, for the most records the bytes can hold: pages past the
   * records actually received are never touched, so they cost no memory */
  size_t most = in->data.len / JOIN_RECORD_MIN;
  join_item *it = malloc((most + 1) * sizeof *it);
  if (!it) return CM_FAIL("out of memory for %zu citation join items", most);
  size_t cnt = parse_joins(in, it);
  int rc = cm_sort_by_u64(it, cnt, sizeof *it, offsetof(join_item, k.h), join_cmp);
  size_t nself = 0;
  for (size_t i = 0; i < cnt; i++)
    nself += !(it[i].v & JOIN_CITATION);
  out->office = malloc((nself + 1) * 4);
  out->in_window = malloc(nself + 1);
  out->first = malloc((nself + 1) * 8);
  out->citer = malloc((cnt + 1) * 8);
  if (rc == CM_OK && (!out->office || !out->in_window || !out->first || !out->citer))
    rc = CM_FAIL("out of memory in citation join");
  size_t nc = 0;
  for (size_t i = 0; i < cnt && rc == CM_OK;) {
    size_t e = i + 1;
    while (e < cnt && cm_key128_cmp(it[e].k, it[i].k) == 0)
      e++;
    if (!(it[i].v & JOIN_CITATION)) { /* B is in the corpus */
      const uint8_t *body = in->data.data + it[i].v;
      size_t b = out->n++;
      memcpy(&out->office[b], body, 4);
      out->in_window[b] = body[4];
      out->first[b] = nc;
      uint32_t na;
      memcpy(&na, body + 5, 4);
      size_t q = 9;
      for (uint32_t j = 0; j < na && rc == CM_OK; j++) {
        uint32_t l;
        memcpy(&l, body + q, 4);
        rc = cm_listcol_add(&out->assignees, body + q + 4, l);
        q += 4 + l;
      }
      if (rc == CM_OK) rc = cm_listcol_end_row(&out->assignees);
      uint64_t prev = UINT64_MAX;
      for (size_t j = i + 1; j < e; j++) {
        if (!(it[j].v & JOIN_CITATION)) continue; /* keys are unique in a store: no second self record */
        uint64_t citer = it[j].v & ~JOIN_CITATION;
        if (citer != prev) out->citer[nc++] = citer;
        prev = citer;
      }
    }
    i = e;
  }
  if (rc == CM_OK) out->first[out->n] = nc;
  free(it);
  return rc;
}

int cm_job_citations(cm_ctx *c, cm_citations *out) {
  memset(out, 0, sizeof *out);
  cm_outbox ob = {0};
  int rc = cm_listcol_init(&out->assignees);
  if (rc == CM_OK) rc = cm_outbox_init(&ob, c->nranks);
  if (rc == CM_OK) rc = send_citations(c, &ob, out);
  cm_inbox in = {0};
  rc = cm_job_shuffle(c, rc, &ob, &in);
  cm_outbox_free(&ob);
  if (rc != CM_OK) return rc; /* agreed, or a failure inside the shuffle */
  rc = join_citations(&in, out);
  cm_inbox_free(&in);
  return cm_agree(c->comm, rc);
}

void cm_citations_free_sets(cm_citations *c) {
  cm_listcol_free(&c->o_asg);
  cm_strcol_free(&c->o_ctry);
}

void cm_citations_free(cm_citations *c) {
  free(c->office);
  free(c->in_window);
  free(c->first);
  free(c->citer);
  cm_listcol_free(&c->assignees);
  cm_citations_free_sets(c);
  memset(c, 0, sizeof *c);
}
