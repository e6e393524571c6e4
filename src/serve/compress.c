/* compress.c - gzip through libdeflate. */
#include "serve/compress.h"

#include <libdeflate.h>
#include <stdlib.h>

#include "base/xalloc.h"

int compress_gzip(const char *in, size_t in_len, char **out, size_t *out_len, struct errbuf *err)
{
    struct libdeflate_compressor *c = libdeflate_alloc_compressor(COMPRESS_GZIP_LEVEL);
    if (!c)
        return errbuf_set(err, "gzip: cannot allocate a compressor");
    size_t bound = libdeflate_gzip_compress_bound(c, in_len);
    char *buf = xmalloc(bound);
    size_t n = libdeflate_gzip_compress(c, in, in_len, buf, bound);
    libdeflate_free_compressor(c);
    if (n == 0) {
        free(buf);
        return errbuf_set(err, "gzip: compression failed");
    }
    /* The bound is about the input size; keep only what was written. */
    *out = xrealloc(buf, n);
    *out_len = n;
    return 0;
}

int compress_gunzip(const char *in, size_t in_len, size_t max_out, char **out, size_t *out_len,
                    struct errbuf *err)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    if (!d)
        return errbuf_set(err, "gunzip: cannot allocate a decompressor");
    char *buf = xmalloc(max_out ? max_out : 1);
    size_t n = 0;
    enum libdeflate_result r = libdeflate_gzip_decompress(d, in, in_len, buf, max_out, &n);
    libdeflate_free_decompressor(d);
    if (r != LIBDEFLATE_SUCCESS) {
        free(buf);
        return errbuf_set(err, "gunzip: invalid or too large gzip data (libdeflate result %d)",
                          (int)r);
    }
    *out = buf;
    *out_len = n;
    return 0;
}
