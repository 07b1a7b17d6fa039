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
  cm_str field_id;   /* primary_topic.field.id when it is a string */
  cm_str topic_id;   /* primary_topic.id */
  cm_str topic_name; /* primary_topic.display_name */
} cm_work;

typedef struct cm_json_parser cm_json_parser;

cm_json_parser *cm_json_parser_new(void);
void cm_json_parser_free(cm_json_parser *p);

/* Parse results. */
enum { CM_JSON_OK = 0, CM_JSON_INVALID = 1, CM_JSON_MISSING = 2 };

/* Parses one line (len bytes at line, followed by at least CM_JSON_PADDING
 * readable bytes). Returns CM_JSON_OK, CM_JSON_INVALID (not one valid JSON
 * object) or CM_JSON_MISSING (a required field is absent); on failure `why`
 * receives a short reason. */
int cm_json_parse_patent(cm_json_parser *p, const char *line, size_t len, cm_patent *out, char *why,
                         size_t why_len);
int cm_json_parse_work(cm_json_parser *p, const char *line, size_t len, cm_work *out, char *why,
                       size_t why_len);

#ifdef __cplusplus
}
#endif
#endif
