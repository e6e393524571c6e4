/* compress.h - gzip (RFC 1952) of a whole buffer: the only module that uses libdeflate.
 *
 * libdeflate at level 1 was chosen by measurement (docs/PERFORMANCE.md): on a 67 MB
 * exposition body it took 101 ms against zlib level 1's 187 ms, with smaller output.
 * Thread-safe: every call uses its own compressor. Output is owned by the caller. */
#ifndef SWITCHSIM_COMPRESS_H
#define SWITCHSIM_COMPRESS_H

#include <stddef.h>

#include "base/errbuf.h"

#define COMPRESS_GZIP_LEVEL 1

/* Compresses in[0..in_len) into one gzip member; *out is malloc'd. */
int compress_gzip(const char *in, size_t in_len, char **out, size_t *out_len, struct errbuf *err);
/* Decompresses one gzip member of at most max_out bytes (tests and tools). */
int compress_gunzip(const char *in, size_t in_len, size_t max_out, char **out, size_t *out_len,
                    struct errbuf *err);

#endif /* SWITCHSIM_COMPRESS_H */
