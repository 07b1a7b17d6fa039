/* Dictionary encoding of low-cardinality string columns (office codes, work
 * types, fields). The dictionary is the byte-wise sorted set of all values on
 * all ranks, so it is the same whatever the rank count. Collective on comm. */
#ifndef CM_DICT_H
#define CM_DICT_H

#include <mpi.h>

#include "cm_columns.h"

/* codes receives one uint32 per value of `vals`; dict receives the sorted
 * distinct values (identical on every rank). */
int cm_dict_encode(MPI_Comm comm, const cm_strcol *vals, cm_strcol *dict, cm_buf *codes);
/* Not collective: the code of the C string `value` in a dictionary made by
 * cm_dict_encode, or UINT32_MAX when it is absent. */
uint32_t cm_dict_find(const cm_strcol *dict, const char *value);

#endif
