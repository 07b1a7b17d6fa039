/* The JSON record parser: a thin C face over simdjson's DOM API (C++).
 *
 * Why DOM and not On-Demand: SPEC 5 requires every line to be fully
 * validated (UTF-8, surrogate pairs, no trailing garbage); On-Demand skips
 * unread values without validating them. DOM validates the whole line at
 * ~1.9 GB/s per core, still above ISA-L's inflate speed (docs/performance.md).
 *
 * A parser turns one line into a cm_patent or cm_work whose strings are views
 * (pointer + length, not NUL-terminated, may contain NUL bytes) into memory
 * owned by the parser: they stay valid until the next call on that parser.
 * Nothing here is collective; a parser is used by one thread. */
#ifndef CM_JSON_H
#define CM_JSON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* simdjson needs this many readable bytes after the end of each line. */
#define CM_JSON_PADDING 64

typedef struct {
  const char *p;
  size_t n;
} cm_str;

typedef struct {
  cm_str publication_number; /* raw (untrimmed) */
  cm_str country_code;       /* raw */
  int64_t publication_date;  /* YYYYMMDD, 0 = unknown */
  cm_str family_id;          /* text; empty = none ("-1" already mapped to empty) */
  uint8_t assignee_source;   /* 0 none, 1 assignee_harmonized, 2 plain assignee */
  size_t n_assignees;
  const cm_str *assignee_name;    /* n_assignees entries */
  const cm_str *assignee_country; /* n_assignees entries, raw, may be empty */
  size_t n_cited;
  const cm_str *cited; /* raw publication_number of patent citations (non-empty) */
  size_t n_npl;
  const cm_str *npl; /* npl_text of NPL citations (non-empty) */
} cm_patent;

typedef struct {
  cm_str id;  /* full id string */
  cm_str doi; /* raw doi string, empty if none */
  cm_str title;
  int has_year;
  int64_t year;
  cm_str type;
  int64_t cited_by_count;
  size_t n_inst; /* institutions over all authorships, in order */
  const cm_str *inst_id;
  const cm_str *inst_name;
  const cm_str *inst_country;
  size_t n_countries; /* authorships[].countries[] strings, in order */
  const cm_str *countries;
  cm_str field_id;     /* primary_topic.field.id when it is a string */
  cm_str topic_id;     /* primary_topic.id */
  cm_str topic_name;   /* primary_topic.display_name */
  cm_str first_author; /* authorships[0].author.display_name (else its raw_author_name) */
} cm_work;

typedef struct cm_json_parser cm_json_parser;

cm_json_parser *cm_json_parser_new(void);
void cm_json_parser_free(cm_json_parser *p);

/* Parse results (not cm_result codes: a bad line is a reject, not an error). */
enum { CM_JSON_OK = 0, CM_JSON_INVALID = 1, CM_JSON_MISSING = 2, CM_JSON_ARRAY = 3 };

/* Fields whose value was read as missing or unknown because of its JSON
 * type (SPEC 5: `publication_year` 2020.0, `assignee_harmonized` given as a
 * JSON-encoded string, ...), counted per field over the records that reach
 * the store, so that a schema change in a dump shows the first night. null,
 * and BigQuery's "" or 0 for an empty nested value, are missing, not wrong.
 * `name[]` counts values inside the entries of array `name`. */
enum {
  CM_WT_PUBLICATION_DATE,
  CM_WT_FAMILY_ID,
  CM_WT_ASSIGNEE_HARMONIZED,
  CM_WT_ASSIGNEE_HARMONIZED_ENTRY,
  CM_WT_ASSIGNEE,
  CM_WT_ASSIGNEE_ENTRY,
  CM_WT_CITATION,
  CM_WT_CITATION_ENTRY,
  CM_WT_FIRST_WORK, /* the works' fields from here on */
  CM_WT_DOI = CM_WT_FIRST_WORK,
  CM_WT_TITLE,
  CM_WT_PUBLICATION_YEAR,
  CM_WT_TYPE,
  CM_WT_CITED_BY_COUNT,
  CM_WT_AUTHORSHIPS,
  CM_WT_AUTHORSHIPS_ENTRY,
  CM_WT_PRIMARY_TOPIC,
  CM_WT_FIELD_ID,
  CM_WT_N
};
/* The fields' names as a dump spells them (CM_WT_N entries). */
extern const char *const CM_WT_NAMES[CM_WT_N];
/* The counts of the records parsed so far by p (CM_WT_N entries). */
void cm_json_wrong_types(const cm_json_parser *p, uint64_t counts[CM_WT_N]);

/* After CM_JSON_ARRAY (SPEC 1: a line holding a JSON array counts one reject
 * per element): the number of elements, and the first CM_JSON_REJECT_HEAD
 * bytes of element i as compact JSON. */
#define CM_JSON_REJECT_HEAD 200
size_t cm_json_array_size(const cm_json_parser *p);
const char *cm_json_array_element(const cm_json_parser *p, size_t i, size_t *len);

/* Parses one line (len bytes at line, followed by at least CM_JSON_PADDING
 * readable bytes). Returns CM_JSON_OK, CM_JSON_INVALID (not one valid JSON
 * object), CM_JSON_ARRAY (a JSON array) or CM_JSON_MISSING (a required field
 * is absent); on failure `why` receives a short reason. A member name that
 * appears twice in an object: the last one counts (SPEC 1). */
int cm_json_parse_patent(cm_json_parser *p, const char *line, size_t len, cm_patent *out, char *why,
                         size_t why_len);
int cm_json_parse_work(cm_json_parser *p, const char *line, size_t len, cm_work *out, char *why,
                       size_t why_len);

#ifdef __cplusplus
}
#endif
#endif
