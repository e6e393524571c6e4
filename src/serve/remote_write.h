/* remote_write.h - pushes what the exporter serves to a Prometheus remote-write (v1) receiver.
 *
 * Each tick (or each --remote-write.interval) a collector thread renders the exporter's device
 * and port families (not the self-metrics: they describe this process, and two shards would
 * write the same series) as OpenMetrics, the format Prometheus negotiates when it scrapes (so
 * both paths store the same series), encodes every sample as a prompb WriteRequest of at most
 * REMOTE_WRITE_MAX_SAMPLES_PER_SEND samples (one TimeSeries per sample, labels sorted,
 * __name__ first) and queues it. A sender thread compresses each request with snappy and
 * POSTs it (libcurl) with Content-Encoding: snappy, Content-Type: application/x-protobuf and
 * X-Prometheus-Remote-Write-Version: 0.1.0; the scrape path never waits on either thread.
 *
 * Delivery: 2xx is sent; 5xx, 429 and connection errors are retried, oldest request first,
 * with exponential backoff (REMOTE_WRITE_MIN_BACKOFF_MS doubling to REMOTE_WRITE_MAX_BACKOFF_MS)
 * for as long as it takes; any other status fails the request (counted, logged, not retried).
 * The queue holds at most queue_samples samples (in flight included): a new tick that does not
 * fit sheds the oldest queued requests, counted as dropped and logged (the first drop at once,
 * then one line per REMOTE_WRITE_DROP_LOG_INTERVAL_MS with the sum). Ticks the collector
 * misses because rendering and encoding one took longer than the interval are counted as
 * dropped too (at the size of the tick that was pushed) and logged the same way. Samples still
 * queued at stop are counted as dropped and logged too. Nothing is lost silently.
 *
 * Counts are in struct remote_write_counts (metrics/registry.h), read by the self collector.
 * Threading: start/stop from one thread; the counts are atomics readable from any thread. */
#ifndef SWITCHSIM_REMOTE_WRITE_H
#define SWITCHSIM_REMOTE_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "base/errbuf.h"
#include "base/strbuf.h"
#include "metrics/registry.h"
#include "serve/exporter.h"

#define REMOTE_WRITE_MAX_HEADERS          16
#define REMOTE_WRITE_MAX_SAMPLES_PER_SEND 10000
#define REMOTE_WRITE_MIN_BACKOFF_MS       50
#define REMOTE_WRITE_MAX_BACKOFF_MS       5000
#define REMOTE_WRITE_MAX_LABELS           32 /* per series, __name__ included */
/* Drops are logged at once, then summed into at most one line per this interval. */
#define REMOTE_WRITE_DROP_LOG_INTERVAL_MS 10000

struct remote_write_options {
    const char *url;      /* NULL: remote write is off */
    uint64_t interval_ms; /* 0: every tick; else a multiple of the tick */
    const char *user;     /* basic auth user, with password_file; NULL = none */
    const char *password_file;
    const char *bearer_token_file;                 /* NULL = none; exclusive with basic auth */
    const char *headers[REMOTE_WRITE_MAX_HEADERS]; /* "Name: value", borrowed */
    size_t n_headers;
    const char *ca_file;      /* NULL: the system's CAs */
    int insecure_skip_verify; /* 1: no TLS certificate or host name check */
    uint64_t queue_samples;   /* the queue bound, in samples */
    uint64_t timeout_ms;      /* one POST, connect included */
};

/* Checks what can be checked without the network: the URL's scheme, the header syntax
 * (no overriding the protocol's own headers), auth exclusivity, the files readable. */
int remote_write_check(const struct remote_write_options *o, struct errbuf *err);

struct remote_writer;

/* Starts both threads and registers the counts with the exporter (which must outlive the
 * writer). Returns NULL with err when the options are bad or a thread cannot start. */
struct remote_writer *remote_write_start(struct exporter *e, const struct remote_write_options *o,
                                         struct errbuf *err);
/* Stops both threads (an in-flight POST is aborted), logs and counts what was still queued
 * as dropped, unregisters the counts. NULL is a no-op. */
void remote_write_stop(struct remote_writer *w);

/* Encodes the sample lines of an OpenMetrics exposition from *pos (up to end) as one prompb
 * WriteRequest into out (appended), at most max_samples samples, and advances *pos past
 * the lines it used ('#' lines are skipped). Timestamps are decimal seconds with at most
 * three decimals (to ms exactly); a sample without one gets default_ts_ms. A label with an
 * empty value is left out (Prometheus's data model: it is no label). Values are
 * float64, as a scraper parses them (a counter past 2^53 becomes the nearest double). *n_out
 * receives the samples encoded (0 at the end of the text). Returns 0, or -1 with err on a line that
 * is not a sample line of the format or has more than REMOTE_WRITE_MAX_LABELS labels. Pure; any
 * thread. */
int remote_write_encode(const char **pos, const char *end, int64_t default_ts_ms,
                        size_t max_samples, struct strbuf *out, size_t *n_out, struct errbuf *err);

#endif /* SWITCHSIM_REMOTE_WRITE_H */
