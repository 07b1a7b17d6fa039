/* Sorting arrays of records whose order starts with a uint64 field (a key
 * hash, a row number). Same result as qsort(items, n, size, cmp) when cmp is
 * a total order that compares that field first, ascending; much faster:
 * an LSD radix sort on the field, then cmp only inside runs of equal
 * fields: qsort on 40-100 byte records spends its time moving them and
 * calling the comparator. Not collective. */
#ifndef CM_SORT_H
#define CM_SORT_H

#include <stddef.h>

/* key_offset: byte offset of the uint64 field inside a record. */
int cm_sort_by_u64(void *items, size_t n, size_t size, size_t key_offset,
                   int (*cmp)(const void *, const void *));

#endif
