/* Writes of byte ranges into a file that exists already, past the page cache
 * where the file system allows it (O_DIRECT).
 *
 * Why (`ingest --direct-io`): a store analyzed later or on other nodes is
 * not read again soon; copied into the page cache first, its bytes cost the
 * writing rank a kernel copy into fresh pages (on the dev VM 22 % of a 1-rank
 * ingest: docs/performance.md) and push other data out.
 * Direct writes go from a small aligned staging buffer to the device. Only
 * whole aligned blocks go direct; a range's unaligned ends go through the page
 * cache (several ranks may write parts of one block: the page cache keeps
 * them coherent, and no direct write touches a block another writer shares).
 * A file system that refuses O_DIRECT gets plain writes. */
#ifndef CM_DIRECT_H
#define CM_DIRECT_H

#include <stddef.h>
#include <stdint.h>

typedef struct cm_direct cm_direct;

/* Not collective: opens path (which must exist: never created or truncated
 * here) for writing. */
int cm_direct_open(const char *path, cm_direct **d);
/* Not collective: writes len bytes of buf at byte offset off. */
int cm_direct_write(cm_direct *d, uint64_t off, const void *buf, size_t len);
/* Not collective: closes and frees d (NULL is fine); an error when the
 * kernel reports a failed write on close. */
int cm_direct_close(cm_direct *d);

#endif
