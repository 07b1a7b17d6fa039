/* report.html: tables and charts from the CSVs of an analysis.
 * Charts are plain SVG; every plotted mark has class "mark" and every chart
 * a data-chart name, so tests can count them (tests/test_run.sh). */
#include "cm_report.h"

#include <hdf5.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cm_csv.h"
#include "cm_error.h"
#include "cm_jobs.h"
#include "cm_json.h"
#include "cm_text.h"

typedef struct {
  cm_strcol cells;
  int ncols;
  size_t nrows;
} table;

/* Cell (row 0 is the header) copied NUL-terminated into out. */
static void cell_str(const table *t, size_t row, int col, char *out, size_t cap) {
  size_t l;
  const uint8_t *p = cm_strcol_get(&t->cells, row * (size_t)t->ncols + (size_t)col, &l);
  if (l >= cap) l = cap - 1;
  memcpy(out, p, l);
  out[l] = 0;
}

static int col_of(const table *t, const char *name) {
  char h[64];
  for (int c = 0; c < t->ncols; c++) {
    cell_str(t, 0, c, h, sizeof h);
    if (strcmp(h, name) == 0) return c;
  }
  return -1;
}

static double num(const table *t, size_t row, const char *name, int *ok) {
  char v[64];
  int c = col_of(t, name);
  *ok = 0;
  if (c < 0) return 0;
  cell_str(t, row, c, v, sizeof v);
  if (!v[0]) return 0;
  *ok = 1;
  return strtod(v, NULL);
}

static int esc(cm_buf *b, const char *s) {
  for (; *s; s++) {
    const char *r = *s == '<'   ? "&lt;"
                    : *s == '>' ? "&gt;"
                    : *s == '&' ? "&amp;"
                    : *s == '"' ? "&quot;"
                                : NULL;
    CM_TRY(r ? cm_buf_append(b, r, strlen(r)) : cm_buf_push_u8(b, (uint8_t)*s));
  }
  return CM_OK;
}

/* ---- cell formatting ---- */

static int is_int(const char *s) {
  if (*s == '-') s++;
  if (!*s) return 0;
  for (; *s; s++)
    if (*s < '0' || *s > '9') return 0;
  return 1;
}

static int is_percent_col(const char *h) {
  return strcmp(h, "share") == 0 || strcmp(h, "cited_share") == 0 || strcmp(h, "top10_share") == 0 ||
         strcmp(h, "top1_share") == 0 || strcmp(h, "cagr") == 0;
}

/* Integers with thousands separators, shares and growth as percentages. */
static int fmt_cell(cm_buf *b, const char *head, const char *v) {
  if (is_int(v) && strcmp(head, "year") != 0 && strcmp(head, "rank") != 0) {
    int neg = v[0] == '-';
    const char *d = v + neg;
    size_t n = strlen(d);
    if (neg) CM_TRY(cm_buf_push_u8(b, '-'));
    for (size_t i = 0; i < n; i++) {
      if (i && (n - i) % 3 == 0) CM_TRY(cm_buf_push_u8(b, ','));
      CM_TRY(cm_buf_push_u8(b, (uint8_t)d[i]));
    }
    return CM_OK;
  }
  char *end;
  double x = strtod(v, &end);
  if (*v && !*end && (is_percent_col(head) || strcmp(head, "publications") == 0) && strchr(v, '.'))
    return cm_buf_printf(b, "%.1f %%", 100 * x);
  if (*v && !*end && strchr(v, '.')) return cm_buf_printf(b, "%.2f", x);
  return esc(b, v);
}

static int html_table(cm_buf *b, const table *t, size_t max_rows) {
  CM_TRY(cm_buf_printf(b, "<table><thead><tr>"));
  char h[64], v[1024];
  for (int c = 0; c < t->ncols; c++) {
    cell_str(t, 0, c, h, sizeof h);
    CM_TRY(cm_buf_printf(b, "<th>"));
    CM_TRY(esc(b, h));
    CM_TRY(cm_buf_printf(b, "</th>"));
  }
  CM_TRY(cm_buf_printf(b, "</tr></thead><tbody>\n"));
  for (size_t r = 1; r <= t->nrows && r <= max_rows; r++) {
    CM_TRY(cm_buf_printf(b, "<tr>"));
    for (int c = 0; c < t->ncols; c++) {
      cell_str(t, 0, c, h, sizeof h);
      cell_str(t, r, c, v, sizeof v);
      CM_TRY(cm_buf_printf(b, is_int(v) || strchr(v, '.') ? "<td class=\"n\">" : "<td>"));
      CM_TRY(fmt_cell(b, h, v));
      CM_TRY(cm_buf_printf(b, "</td>"));
    }
    CM_TRY(cm_buf_printf(b, "</tr>\n"));
  }
  if (t->nrows > max_rows)
    CM_TRY(cm_buf_printf(b, "<tr><td colspan=\"%d\">%zu more rows in the CSV</td></tr>", t->ncols,
                         t->nrows - max_rows));
  return cm_buf_printf(b, "</tbody></table>\n");
}

/* ---- charts ---- */

/* Horizontal bars of values in [0, 1] shown as percentages. */
static int bar_chart(cm_buf *b, const char *name, const char *title, const table *t, const char *label_col,
                     const char *value_col, size_t max) {
  size_t n = t->nrows < max ? t->nrows : max;
  int lc = col_of(t, label_col);
  double vmax = 0;
  for (size_t r = 1; r <= n; r++) {
    int ok;
    double v = num(t, r, value_col, &ok);
    if (ok && v > vmax) vmax = v;
  }
  if (vmax <= 0) vmax = 1;
  int h = 24 * (int)n + 40;
  CM_TRY(cm_buf_printf(b,
                       "<figure><svg class=\"chart\" data-chart=\"%s\" width=\"640\" height=\"%d\" "
                       "viewBox=\"0 0 640 %d\" role=\"img\"><title>",
                       name, h, h));
  CM_TRY(esc(b, title));
  CM_TRY(cm_buf_printf(b, "</title>\n"));
  for (size_t r = 1; r <= n; r++) {
    int ok;
    double v = num(t, r, value_col, &ok);
    char lab[256];
    cell_str(t, r, lc, lab, sizeof lab);
    int y = 24 * (int)(r - 1) + 10, w = ok ? (int)(440 * v / vmax) : 0;
    CM_TRY(cm_buf_printf(b, "<text x=\"150\" y=\"%d\" text-anchor=\"end\">", y + 15));
    CM_TRY(esc(b, lab));
    CM_TRY(cm_buf_printf(b,
                         "</text><rect class=\"mark\" x=\"156\" y=\"%d\" width=\"%d\" height=\"18\"/>"
                         "<text x=\"%d\" y=\"%d\">%s</text>\n",
                         y, w, 162 + w, y + 15, ok ? "" : "n/a"));
    if (ok)
      CM_TRY(
          cm_buf_printf(b, "<text x=\"%d\" y=\"%d\" class=\"v\">%.1f %%</text>\n", 162 + w, y + 15, 100 * v));
  }
  CM_TRY(cm_buf_printf(b, "</svg><figcaption>"));
  CM_TRY(esc(b, title));
  return cm_buf_printf(b, "</figcaption></figure>\n");
}

typedef struct {
  double x, y, r;
  char label[160];
  int labelled;
} point;

/* Scatter plot; optional threshold lines at (tx, ty) in data units. */
static int scatter(cm_buf *b, const char *name, const char *title, const char *xlab, const char *ylab,
                   const point *p, size_t n, int lines, double tx, double ty) {
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (size_t i = 0; i < n; i++) {
    x0 = fmin(x0, p[i].x), x1 = fmax(x1, p[i].x), y0 = fmin(y0, p[i].y), y1 = fmax(y1, p[i].y);
  }
  if (lines) x0 = fmin(x0, tx), x1 = fmax(x1, tx), y0 = fmin(y0, ty), y1 = fmax(y1, ty);
  if (!n && !lines) x0 = y0 = 0, x1 = y1 = 1;
  if (x1 - x0 < 1e-9) x0 -= 0.5, x1 += 0.5;
  if (y1 - y0 < 1e-9) y0 -= 0.05, y1 += 0.05;
  double dx = (x1 - x0) * 0.05, dy = (y1 - y0) * 0.08;
  x0 -= dx, x1 += dx, y0 -= dy, y1 += dy;
#define SX(v) (60 + 560 * ((v)-x0) / (x1 - x0))
#define SY(v) (380 - 340 * ((v)-y0) / (y1 - y0))
  CM_TRY(cm_buf_printf(b,
                       "<figure><svg class=\"chart\" data-chart=\"%s\" width=\"660\" height=\"420\" "
                       "viewBox=\"0 0 660 420\" role=\"img\"><title>",
                       name));
  CM_TRY(esc(b, title));
  CM_TRY(cm_buf_printf(
      b,
      "</title>\n<line class=\"axis\" x1=\"60\" y1=\"380\" x2=\"620\" y2=\"380\"/>"
      "<line class=\"axis\" x1=\"60\" y1=\"40\" x2=\"60\" y2=\"380\"/>"
      "<text x=\"340\" y=\"412\" text-anchor=\"middle\">%s</text>"
      "<text x=\"14\" y=\"210\" transform=\"rotate(-90 14 210)\" text-anchor=\"middle\">%s</text>\n",
      xlab, ylab));
  CM_TRY(cm_buf_printf(
      b,
      "<text x=\"60\" y=\"396\" text-anchor=\"middle\">%.2g</text><text x=\"620\" y=\"396\" "
      "text-anchor=\"middle\">%.2g</text><text x=\"56\" y=\"384\" text-anchor=\"end\">%.2g</text>"
      "<text x=\"56\" y=\"44\" text-anchor=\"end\">%.2g</text>\n",
      x0, x1, y0, y1));
  if (lines)
    CM_TRY(cm_buf_printf(b,
                         "<line class=\"threshold\" x1=\"%.1f\" y1=\"40\" x2=\"%.1f\" y2=\"380\"/>"
                         "<line class=\"threshold\" x1=\"60\" y1=\"%.1f\" x2=\"620\" y2=\"%.1f\"/>\n",
                         SX(tx), SX(tx), SY(ty), SY(ty)));
  for (size_t i = 0; i < n; i++) {
    CM_TRY(cm_buf_printf(b, "<circle class=\"mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\"><title>", SX(p[i].x),
                         SY(p[i].y), p[i].r));
    CM_TRY(esc(b, p[i].label));
    CM_TRY(cm_buf_printf(b, "</title></circle>\n"));
    if (p[i].labelled) {
      CM_TRY(cm_buf_printf(b, "<text class=\"label\" x=\"%.1f\" y=\"%.1f\">", SX(p[i].x) + p[i].r + 2,
                           SY(p[i].y) + 4));
      CM_TRY(esc(b, p[i].label));
      CM_TRY(cm_buf_printf(b, "</text>\n"));
    }
  }
#undef SX
#undef SY
  CM_TRY(cm_buf_printf(b, "</svg><figcaption>"));
  CM_TRY(esc(b, title));
  return cm_buf_printf(b, "</figcaption></figure>\n");
}

/* BCG matrix: assignees with a defined CAGR; the top 10 by patents labelled. */
static int bcg_chart(cm_buf *b, const table *t, const cm_config *cfg) {
  point *p = calloc(t->nrows + 1, sizeof *p);
  CM_ALLOC(p, (t->nrows + 1) * sizeof *p);
  size_t n = 0;
  for (size_t r = 1; r <= t->nrows; r++) {
    int ok1, ok2;
    double pats = num(t, r, "patents", &ok1), g = num(t, r, "cagr", &ok2);
    if (!ok1 || !ok2 || pats <= 0) continue;
    p[n] = (point){log10(pats), g, 4, "", r <= 10};
    cell_str(t, r, col_of(t, "assignee"), p[n].label, sizeof p[n].label);
    n++;
  }
  char title[256];
  snprintf(title, sizeof title,
           "Share / growth matrix: %zu assignees; lines at %" PRId64 " patents and CAGR %.0f %%", n,
           cfg->bcg_count, 100 * cfg->bcg_cagr);
  int rc = scatter(b, "bcg", title, "log10 patents in the window", "CAGR", p, n, 1,
                   log10((double)(cfg->bcg_count > 0 ? cfg->bcg_count : 1)), cfg->bcg_cagr);
  free(p);
  return rc;
}

/* Topics: mutual index against CAGR, area by works, labelled. */
static int topic_chart(cm_buf *b, const table *t) {
  point *p = calloc(t->nrows + 1, sizeof *p);
  CM_ALLOC(p, (t->nrows + 1) * sizeof *p);
  size_t n = 0;
  double wmax = 1;
  for (size_t r = 1; r <= t->nrows; r++) {
    int ok;
    wmax = fmax(wmax, num(t, r, "works", &ok));
  }
  for (size_t r = 1; r <= t->nrows; r++) {
    int ok1, ok2, ok3;
    double m = num(t, r, "mutual", &ok1), g = num(t, r, "cagr", &ok2), w = num(t, r, "works", &ok3);
    if (!ok1 || !ok2) continue;
    p[n] = (point){m, g, 3 + 12 * sqrt(w / wmax), "", r <= 12};
    cell_str(t, r, col_of(t, "name"), p[n].label, sizeof p[n].label);
    n++;
  }
  int rc = scatter(b, "topics", "Topics: mutual activity index against CAGR (area by works)", "mutual index",
                   "CAGR", p, n, 0, 0, 0);
  free(p);
  return rc;
}

/* ---- store counts ---- */

int cm_report_read_counts(const char *store, cm_report_counts *c) {
  memset(c, 0, sizeof *c);
  hid_t f = H5Fopen(store, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) return CM_FAIL("cannot open '%s'", store);
  const char *groups[] = {"patents", "works"};
  const char *attrs[] = {"rows", "lines", "rejects", "duplicates_dropped"};
  for (int k = 0; k < 2; k++) {
    hid_t g = H5Gopen2(f, groups[k], H5P_DEFAULT);
    if (g < 0) continue;
    uint64_t *dst[] = {&c->rows[k], &c->lines[k], &c->rejects[k], &c->dups[k]};
    for (int i = 0; i < 4; i++) {
      hid_t a = H5Aopen(g, attrs[i], H5P_DEFAULT);
      if (a >= 0) H5Aread(a, H5T_NATIVE_UINT64, dst[i]), H5Aclose(a);
    }
    for (int i = 0; i < CM_WT_N && c->n_wt[k] < 32; i++) {
      char name[96];
      if ((i >= CM_WT_FIRST_WORK) != k) continue;
      snprintf(name, sizeof name, "wrong_type.%s", CM_WT_NAMES[i]);
      hid_t a = H5Aexists(g, name) > 0 ? H5Aopen(g, name, H5P_DEFAULT) : -1;
      if (a < 0) continue;
      uint64_t v = 0;
      H5Aread(a, H5T_NATIVE_UINT64, &v);
      H5Aclose(a);
      c->wt_names[k][c->n_wt[k]] = CM_WT_NAMES[i];
      c->wrong_type[k][c->n_wt[k]++] = v;
    }
    hid_t d = H5Dopen2(g, "input_size", H5P_DEFAULT);
    if (d >= 0) {
      hid_t s = H5Dget_space(d);
      hsize_t dims[1] = {0};
      H5Sget_simple_extent_dims(s, dims, NULL);
      c->files[k] = dims[0];
      H5Sclose(s);
      H5Dclose(d);
    }
    H5Gclose(g);
  }
  H5Fclose(f);
  return CM_OK;
}

/* ---- the page ---- */

static const char *CSS =
    "body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1000px;color:#222}"
    "h1{font-size:1.6em}h2{margin-top:2em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:1em 0;font-size:13px}"
    "th,td{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f4f4f4}"
    "svg text{font:11px sans-serif;fill:#333}rect.mark{fill:#3b6ea5}"
    "circle.mark{fill:#d9822b;fill-opacity:.6;stroke:#9a5514}"
    "line.axis{stroke:#555}line.threshold{stroke:#a33;stroke-dasharray:4 3}"
    "figure{margin:1em 0}figcaption{color:#555;font-size:12px}"
    "dl{display:grid;grid-template-columns:12em 1fr}dt{font-weight:600}"
    "pre{background:#f7f7f7;padding:.6em;font-size:12px}";

/* The sections: the tables of the jobs' registry, in its order. */
#define N_SECTIONS CM_N_TABLES
#define SECTIONS CM_TABLES

static int provenance(cm_buf *b, const cm_config *cfg, const char *out) {
  char store[CM_PATH_MAX];
  CM_PATH(store, "%s/store.h5", out);
  cm_report_counts c;
  CM_TRY(cm_report_read_counts(store, &c));
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char when[32];
  strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
  CM_TRY(cm_buf_printf(b,
                       "<section id=\"provenance\"><h2>Provenance</h2><dl><dt>citemill</dt><dd>%s</dd>"
                       "<dt>report written</dt><dd>%s</dd>",
                       CM_VERSION, when));
  for (int k = 0; k < 2; k++)
    CM_TRY(cm_buf_printf(b,
                         "<dt>%s</dt><dd>%" PRIu64 " records stored from %" PRIu64 " input files (%" PRIu64
                         " lines, %" PRIu64 " rejects, %" PRIu64 " duplicates dropped)</dd>",
                         k ? "works" : "patents", c.rows[k], c.files[k], c.lines[k], c.rejects[k],
                         c.dups[k]));
  CM_TRY(cm_buf_printf(b, "<dt>inputs</dt><dd>"));
  for (int k = 0; k < 2; k++)
    for (int i = 0; i < (k ? cfg->n_works : cfg->n_patents); i++) {
      CM_TRY(cm_buf_printf(b, "%s: ", k ? "works" : "patents"));
      CM_TRY(esc(b, k ? cfg->works[i] : cfg->patents[i]));
      CM_TRY(cm_buf_printf(b, "<br>"));
    }
  char opts[8192];
  CM_TRY(cm_config_stage_options(cfg, "analyze", opts, sizeof opts));
  CM_TRY(cm_buf_printf(b, "</dd></dl><p>Options of the analysis:</p><pre>"));
  CM_TRY(esc(b, opts));
  return cm_buf_printf(b,
                       "</pre><p>Stage times and checksums: <code>manifest</code> and <code>run.json</code> "
                       "next to this file.</p></section>\n");
}

int cm_report_write(const cm_config *cfg, const char *out) {
  cm_buf b = {0};
  table t[N_SECTIONS];
  memset(t, 0, sizeof t);
  int rc = CM_OK;
  for (int s = 0; s < N_SECTIONS && rc == CM_OK; s++) {
    char path[CM_PATH_MAX];
    CM_PATH(path, "%s/analysis/tables/%s.csv", out, SECTIONS[s].name);
    rc = cm_csv_read(path, &t[s].cells, &t[s].ncols, &t[s].nrows);
  }
  if (rc == CM_OK)
    rc = cm_buf_printf(
        &b,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>citemill report</title>"
        "<style>%s</style></head><body>\n<h1>Innovation and collaboration: citemill report</h1>\n",
        CSS);
  if (rc == CM_OK) rc = provenance(&b, cfg, out);
  for (int s = 0; s < N_SECTIONS && rc == CM_OK; s++) {
    const char *nm = SECTIONS[s].name;
    rc = cm_buf_printf(&b, "<section id=\"%s\"><h2>%s</h2>\n", nm, SECTIONS[s].heading);
    if (rc == CM_OK && strcmp(nm, "office_patents") == 0)
      rc = bar_chart(&b, "office-cited", "Share of each office's publications cited by other patents", &t[s],
                     "office", "cited_share", 64);
    if (rc == CM_OK && strcmp(nm, "assignee_growth") == 0) rc = bcg_chart(&b, &t[s], cfg);
    if (rc == CM_OK && strcmp(nm, "country_publications") == 0)
      rc = bar_chart(&b, "highly-cited", "Share of each country's works in the top 10 % most cited", &t[s],
                     "country", "top10_share", 64);
    if (rc == CM_OK && strcmp(nm, "collaboration_partners") == 0)
      rc = bar_chart(&b, "partners",
                     "Partners' share of the focus country's internationally co-authored works", &t[s],
                     "partner", "share", 15);
    if (rc == CM_OK && strcmp(nm, "topic_growth") == 0) rc = topic_chart(&b, &t[s]);
    if (rc == CM_OK) rc = html_table(&b, &t[s], 100);
    if (rc == CM_OK) rc = cm_buf_printf(&b, "</section>\n");
  }
  if (rc == CM_OK) rc = cm_buf_printf(&b, "</body></html>\n");
  for (int s = 0; s < N_SECTIONS; s++)
    cm_strcol_free(&t[s].cells);
  char path[CM_PATH_MAX], tmp[4400];
  CM_PATH(path, "%s/report.html", out);
  CM_PATH(tmp, "%s.tmp", path);
  if (rc == CM_OK) {
    FILE *f = fopen(tmp, "wb");
    if (!f)
      rc = CM_FAIL("cannot write '%s'", tmp);
    else {
      size_t w = fwrite(b.data, 1, b.len, f);
      if (fclose(f) != 0 || w != b.len) rc = CM_FAIL("writing '%s' failed (disk full?)", tmp);
    }
    if (rc == CM_OK && rename(tmp, path) != 0) rc = CM_FAIL("cannot rename '%s'", tmp);
    if (rc != CM_OK) remove(tmp);
  }
  cm_buf_free(&b);
  return rc;
}
