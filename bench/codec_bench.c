/* codec_bench.c - how switchsim's gzip library was chosen: zlib and libdeflate at levels
 * 1 and 6 on one exposition body. Prints key=value lines (milliseconds, output bytes).
 *
 * Usage: codec_bench BODY_FILE */
#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static size_t zlib_gzip(const unsigned char *in, size_t len, unsigned char *out, size_t cap,
                        int level)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    FILE *fp = fopen(argv[1], "rb");
    if (!fp)
        return 1;
    fseek(fp, 0, SEEK_END);
    size_t len = (size_t)ftell(fp);
    fseek(fp, 0, SEEK_SET);
    unsigned char *in = malloc(len);
    if (fread(in, 1, len, fp) != len)
        return 1;
    fclose(fp);
    size_t cap = len + len / 100 + 1024;
    unsigned char *out = malloc(cap);
    static const int levels[] = {1, 6};
    for (int i = 0; i < 2; i++) {
        int lvl = levels[i];
        double best_z = 1e30, best_d = 1e30;
        size_t nz = 0, nd = 0;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now_ms();
            nz = zlib_gzip(in, len, out, cap, lvl);
            double t = now_ms() - t0;
            best_z = t < best_z ? t : best_z;
            struct libdeflate_compressor *c = libdeflate_alloc_compressor(lvl);
            t0 = now_ms();
            nd = libdeflate_gzip_compress(c, in, len, out, cap);
            t = now_ms() - t0;
            best_d = t < best_d ? t : best_d;
            libdeflate_free_compressor(c);
        }
        printf("codec=zlib level=%d ms=%.1f bytes=%zu\n", lvl, best_z, nz);
        printf("codec=libdeflate level=%d ms=%.1f bytes=%zu\n", lvl, best_d, nd);
    }
    free(in);
    free(out);
    return 0;
}
