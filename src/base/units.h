/* units.h - parsing of the human units used in profiles and flags.
 *
 * Pure functions, no allocation, locale-independent. Each returns 0 and writes
 * *out on success, or returns -1 and fills err with what was expected. */
#ifndef SWITCHSIM_UNITS_H
#define SWITCHSIM_UNITS_H

#include <stdint.h>

#include "base/errbuf.h"

/* Line rate: "25G", "100Gbps", "400Gb/s", "1.5M", "10000000" (bits per second). */
int units_parse_speed_bps(const char *text, uint64_t *out, struct errbuf *err);
/* Size: "12MiB", "512KiB", "32MB", "9216B", "4096" (bytes). SI prefixes are powers
 * of 1000, IEC prefixes (KiB, MiB, GiB, TiB) powers of 1024. */
int units_parse_size_bytes(const char *text, uint64_t *out, struct errbuf *err);
/* Duration, Prometheus style: "500ms", "30s", "5m", "2h", "1d", "1w", "1h30m", "0". */
int units_parse_duration_ms(const char *text, uint64_t *out, struct errbuf *err);
/* Plain decimal number: "0.35", "1e-9", "42". Rejects NaN, Inf, hex and trailing junk. */
int units_parse_double(const char *text, double *out, struct errbuf *err);
/* Ratio: a number, or a percentage "35%" (= 0.35). Range is the caller's business. */
int units_parse_ratio(const char *text, double *out, struct errbuf *err);
/* Unsigned decimal integer without sign, spaces or junk. */
int units_parse_u64(const char *text, uint64_t *out, struct errbuf *err);

#endif /* SWITCHSIM_UNITS_H */
