/* remote_write.c - prompb WriteRequest encoding, a bounded queue, snappy and libcurl
 * (remote_write.h).
 *
 * The protobuf is written by hand: the four messages used (WriteRequest, TimeSeries, Label,
 * Sample) need varints, one fixed64 and length prefixes, computed before each message. That
 * writes straight from the rendered text into one buffer, with no per-series allocation; the
 * unit test decodes the output with protobuf-c code generated from prompb's own .proto, so the
 * encoder is checked against an independent implementation. */
#include "serve/remote_write.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <snappy-c.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/log.h"
#include "base/xalloc.h"
#include "metrics/catalog.h"

/* ---- encoding ---------------------------------------------------------------------------- */

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        n++;
    }
    return n;
}

static char *put_varint(char *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (char)v;
    return p;
}

struct span {
    const char *p;
    size_t len;
};

struct rw_label {
    struct span name, value;
};

static size_t label_msg_len(const struct rw_label *l)
{
    return 1 + varint_len(l->name.len) + l->name.len + 1 + varint_len(l->value.len) + l->value.len;
}

/* Parses one label value (after the opening quote) into scratch, unescaping \\ \" \n. */
static const char *parse_value(const char *p, const char *end, struct strbuf *scratch, size_t *off,
                               size_t *len)
{
    *off = scratch->len;
    while (p < end && *p != '"') {
        char c = *p++;
        if (c == '\\') {
            if (p >= end)
                return NULL;
            c = *p++;
            if (c == 'n')
                c = '\n';
            else if (c != '\\' && c != '"')
                return NULL;
        }
        strbuf_putc(scratch, c);
    }
    if (p >= end)
        return NULL;
    *len = scratch->len - *off;
    return p + 1;
}

static int bad_line(const char *line, const char *end, const char *why, struct errbuf *err)
{
    const char *nl = memchr(line, '\n', (size_t)(end - line));
    int n = (int)((nl ? nl : end) - line);
    return errbuf_set(err, "remote write: %s: %.*s", why, n > 200 ? 200 : n, line);
}

static int parse_double(const char *p, size_t len, double *out)
{
    char tmp[64];
    if (len == 0 || len >= sizeof(tmp))
        return -1;
    memcpy(tmp, p, len);
    tmp[len] = 0;
    char *e;
    errno = 0;
    *out = strtod(tmp, &e);
    return *e == 0 ? 0 : -1;
}

/* An OpenMetrics timestamp: decimal seconds with at most millisecond digits, to ms exactly
 * (no detour through a double). */
static int parse_ts_seconds(const char *p, size_t len, int64_t *out_ms)
{
    const char *end = p + len;
    int neg = p < end && *p == '-';
    p += neg;
    if (p == end || *p < '0' || *p > '9')
        return -1;
    int64_t sec = 0;
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
        if (sec > (INT64_MAX / 1000 - 9) / 10)
            return -1;
        sec = sec * 10 + (*p - '0');
    }
    int64_t ms = 0;
    if (p < end && *p == '.') {
        p++;
        int digits = 0;
        for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
            if (digits == 3)
                return -1; /* below a millisecond: remote write cannot carry it */
            ms = ms * 10 + (*p - '0');
        }
        if (digits == 0)
            return -1;
        for (; digits < 3; digits++)
            ms *= 10;
    }
    if (p != end)
        return -1;
    *out_ms = neg ? -(sec * 1000 + ms) : sec * 1000 + ms;
    return 0;
}

/* One sample line -> one TimeSeries appended to out. */
static int encode_line(const char *line, const char *eol, int64_t default_ts_ms, struct strbuf *out,
                       struct strbuf *scratch, struct errbuf *err)
{
    static const char name_label[] = "__name__";
    struct rw_label labels[REMOTE_WRITE_MAX_LABELS];
    size_t offs[REMOTE_WRITE_MAX_LABELS];
    size_t n = 0;
    const char *p = line;
    while (p < eol && *p != '{' && *p != ' ')
        p++;
    if (p == line || p == eol)
        return bad_line(line, eol, "not a sample line", err);
    labels[n++] =
        (struct rw_label){{name_label, sizeof(name_label) - 1}, {line, (size_t)(p - line)}};
    strbuf_reset(scratch);
    if (*p == '{') {
        p++;
        while (p < eol && *p != '}') {
            const char *name = p;
            while (p < eol && *p != '=')
                p++;
            if (p + 1 >= eol || p[1] != '"')
                return bad_line(line, eol, "bad label", err);
            if (n == REMOTE_WRITE_MAX_LABELS)
                return bad_line(line, eol, "too many labels", err);
            labels[n].name = (struct span){name, (size_t)(p - name)};
            p = parse_value(p + 2, eol, scratch, &offs[n], &labels[n].value.len);
            if (!p)
                return bad_line(line, eol, "bad label value", err);
            if (labels[n].value.len) /* an empty value is no label, as when scraped */
                n++;
            if (p < eol && *p == ',')
                p++;
        }
        if (p >= eol)
            return bad_line(line, eol, "unterminated label set", err);
        p++;
    }
    if (scratch->overflow)
        return bad_line(line, eol, "label values too long", err);
    /* The scratch buffer no longer moves: point the values into it. */
    for (size_t i = 1; i < n; i++)
        labels[i].value.p = scratch->data + offs[i];
    if (p >= eol || *p != ' ')
        return bad_line(line, eol, "no value", err);
    const char *v = ++p;
    while (p < eol && *p != ' ')
        p++;
    double value;
    if (parse_double(v, (size_t)(p - v), &value) < 0)
        return bad_line(line, eol, "bad value", err);
    int64_t ts = default_ts_ms;
    if (p < eol && parse_ts_seconds(p + 1, (size_t)(eol - p - 1), &ts) < 0)
        return bad_line(line, eol, "bad timestamp", err);
    /* Sorted by name (few labels: insertion sort); names are unique in a valid line. */
    for (size_t i = 1; i < n; i++) {
        struct rw_label t = labels[i];
        size_t j = i;
        while (j > 0) {
            const struct span *a = &labels[j - 1].name;
            size_t m = a->len < t.name.len ? a->len : t.name.len;
            int c = memcmp(a->p, t.name.p, m);
            if (c < 0 || (c == 0 && a->len <= t.name.len))
                break;
            labels[j] = labels[j - 1];
            j--;
        }
        labels[j] = t;
    }
    size_t sample_len = 1 + 8 + 1 + varint_len((uint64_t)ts);
    size_t series_len = 1 + varint_len(sample_len) + sample_len;
    for (size_t i = 0; i < n; i++) {
        size_t l = label_msg_len(&labels[i]);
        series_len += 1 + varint_len(l) + l;
    }
    char *q = strbuf_grow(out, 1 + 10 + series_len);
    if (!q)
        return errbuf_set(err, "remote write: request larger than %zu bytes", out->max_bytes);
    char *start = q;
    *q++ = 0x0a; /* WriteRequest.timeseries = 1 */
    q = put_varint(q, series_len);
    for (size_t i = 0; i < n; i++) {
        *q++ = 0x0a; /* TimeSeries.labels = 1 */
        q = put_varint(q, label_msg_len(&labels[i]));
        *q++ = 0x0a; /* Label.name = 1 */
        q = put_varint(q, labels[i].name.len);
        memcpy(q, labels[i].name.p, labels[i].name.len);
        q += labels[i].name.len;
        *q++ = 0x12; /* Label.value = 2 */
        q = put_varint(q, labels[i].value.len);
        memcpy(q, labels[i].value.p, labels[i].value.len);
        q += labels[i].value.len;
    }
    *q++ = 0x12; /* TimeSeries.samples = 2 */
    q = put_varint(q, sample_len);
    *q++ = 0x09; /* Sample.value = 1, fixed64 little-endian */
    uint64_t bits;
    memcpy(&bits, &value, sizeof(bits));
    for (int b = 0; b < 8; b++)
        *q++ = (char)(bits >> (8 * b));
    *q++ = 0x10; /* Sample.timestamp = 2, varint */
    q = put_varint(q, (uint64_t)ts);
    strbuf_commit(out, (size_t)(q - start));
    return 0;
}

int remote_write_encode(const char **pos, const char *end, int64_t default_ts_ms,
                        size_t max_samples, struct strbuf *out, size_t *n_out, struct errbuf *err)
{
    struct strbuf scratch;
    strbuf_init(&scratch, 256, 1 << 20);
    const char *p = *pos;
    size_t n = 0;
    int rc = 0;
    while (p < end && n < max_samples) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        if (eol > p && *p != '#') {
            if ((rc = encode_line(p, eol, default_ts_ms, out, &scratch, err)) < 0)
                break;
            n++;
        }
        p = nl ? nl + 1 : end;
    }
    strbuf_cleanup(&scratch);
    *pos = p;
    *n_out = n;
    return rc;
}

/* ---- options ----------------------------------------------------------------------------- */

static int read_secret(const char *path, const char *what, char **out, struct errbuf *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return errbuf_set(err, "%s %s: %s", what, path, strerror(errno));
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad)
        return errbuf_set(err, "%s %s: unreadable or longer than %zu bytes", what, path,
                          sizeof(buf) - 1);
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    buf[n] = 0;
    if (n == 0 || strlen(buf) != n)
        return errbuf_set(err, "%s %s: empty or holds a NUL byte", what, path);
    *out = xmalloc(n + 1);
    memcpy(*out, buf, n + 1);
    return 0;
}

static const char *const reserved_headers[] = {"Content-Encoding",
                                               "Content-Type",
                                               "X-Prometheus-Remote-Write-Version",
                                               "Content-Length",
                                               "Authorization",
                                               "User-Agent",
                                               "Host"};

int remote_write_check(const struct remote_write_options *o, struct errbuf *err)
{
    if (!o->url)
        return 0;
    if (strncmp(o->url, "http://", 7) != 0 && strncmp(o->url, "https://", 8) != 0)
        return errbuf_set(err, "--remote-write.url %s: must start with http:// or https://",
                          o->url);
    if (!o->user != !o->password_file)
        return errbuf_set(err, "--remote-write.basic-auth-user and "
                               "--remote-write.basic-auth-password-file go together");
    if (o->user && o->bearer_token_file)
        return errbuf_set(err, "--remote-write: basic auth and a bearer token exclude each other");
    for (size_t i = 0; i < o->n_headers; i++) {
        const char *h = o->headers[i];
        const char *colon = strchr(h, ':');
        if (!colon || colon == h || strpbrk(h, "\r\n"))
            return errbuf_set(err, "--remote-write.header %s: expected 'Name: value'", h);
        for (const char *c = h; c < colon; c++)
            if (*c <= ' ' || *c >= 127)
                return errbuf_set(err, "--remote-write.header %s: bad header name", h);
        for (size_t r = 0; r < sizeof(reserved_headers) / sizeof(reserved_headers[0]); r++)
            if (strlen(reserved_headers[r]) == (size_t)(colon - h) &&
                strncasecmp(h, reserved_headers[r], (size_t)(colon - h)) == 0)
                return errbuf_set(err, "--remote-write.header %s: set by switchsim itself", h);
    }
    if (o->queue_samples < REMOTE_WRITE_MAX_SAMPLES_PER_SEND)
        return errbuf_set(err, "--remote-write.queue-samples %llu: at least %d (one request)",
                          (unsigned long long)o->queue_samples, REMOTE_WRITE_MAX_SAMPLES_PER_SEND);
    char *secret = NULL;
    if (o->password_file &&
        read_secret(o->password_file, "--remote-write.basic-auth-password-file", &secret, err) < 0)
        return -1;
    free(secret);
    secret = NULL;
    if (o->bearer_token_file &&
        read_secret(o->bearer_token_file, "--remote-write.bearer-token-file", &secret, err) < 0)
        return -1;
    free(secret);
    return 0;
}

/* ---- queue and threads ------------------------------------------------------------------- */

struct request {
    struct request *next;
    char *data; /* uncompressed WriteRequest */
    size_t len;
    uint64_t samples;
    uint64_t tick;
};

struct remote_writer {
    struct exporter *exporter;
    struct remote_write_options opts;
    uint64_t tick_ms;
    uint64_t interval_ms;
    struct remote_write_counts counts;

    pthread_mutex_t lock; /* guards the queue and stopping */
    pthread_cond_t wake;  /* queue not empty, or stopping */
    struct request *head, *tail;
    uint64_t queued_samples;   /* in the list */
    uint64_t inflight_samples; /* taken by the sender */
    int stopping;              /* also read without the lock by curl's progress callback */
    uint64_t shed_unlogged, shed_requests_unlogged; /* dropped since the last log line */
    int64_t shed_logged_ms;
    uint64_t skipped_unlogged; /* ticks the collector missed since the last log line */
    int64_t skipped_logged_ms; /* (collector thread only) */

    pthread_t collector, sender;
    int collector_started, sender_started;
    CURL *curl;
    struct curl_slist *headers;
    char *password, *bearer;
};

static void set_pending(struct remote_writer *w)
{
    __atomic_store_n(&w->counts.pending, w->queued_samples + w->inflight_samples, __ATOMIC_RELAXED);
}

static void add_count(uint64_t *c, uint64_t n)
{
    __atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static void request_free(struct request *r)
{
    if (r) {
        free(r->data);
        free(r);
    }
}

/* Appends, shedding the oldest queued requests while the bound is exceeded. Under lock. */
static void enqueue(struct remote_writer *w, struct request *r)
{
    uint64_t shed = 0, shed_requests = 0;
    while (w->head &&
           w->queued_samples + w->inflight_samples + r->samples > w->opts.queue_samples) {
        struct request *old = w->head;
        w->head = old->next;
        if (!w->head)
            w->tail = NULL;
        w->queued_samples -= old->samples;
        shed += old->samples;
        shed_requests++;
        request_free(old);
    }
    if (w->queued_samples + w->inflight_samples + r->samples > w->opts.queue_samples) {
        shed += r->samples; /* only the in-flight request is left: the new one cannot wait */
        shed_requests++;
        request_free(r);
    } else {
        r->next = NULL;
        if (w->tail)
            w->tail->next = r;
        else
            w->head = r;
        w->tail = r;
        w->queued_samples += r->samples;
    }
    if (shed) {
        add_count(&w->counts.dropped, shed);
        w->shed_unlogged += shed;
        w->shed_requests_unlogged += shed_requests;
        int64_t now = exporter_now_ms();
        if (now - w->shed_logged_ms >= REMOTE_WRITE_DROP_LOG_INTERVAL_MS) {
            log_warn("Remote write queue full: dropped the oldest samples",
                     LOG_U64("samples", w->shed_unlogged),
                     LOG_U64("requests", w->shed_requests_unlogged),
                     LOG_U64("queue_samples", w->opts.queue_samples));
            w->shed_unlogged = w->shed_requests_unlogged = 0;
            w->shed_logged_ms = now;
        }
    }
    set_pending(w);
    pthread_cond_signal(&w->wake);
}

/* Sleeps until abs_ms (CLOCK_REALTIME) or stop. Under lock. Returns 1 when stopping. */
static int wait_until(struct remote_writer *w, int64_t abs_ms)
{
    struct timespec ts = {(time_t)(abs_ms / 1000), (long)(abs_ms % 1000) * 1000000L};
    while (!w->stopping && exporter_now_ms() < abs_ms)
        if (pthread_cond_timedwait(&w->wake, &w->lock, &ts) == ETIMEDOUT)
            break;
    return w->stopping;
}

/* Renders the tick at now and queues it in requests of at most MAX_SAMPLES_PER_SEND. */
static void collect_once(struct remote_writer *w, uint64_t *last_tick)
{
    struct errbuf err;
    const struct exporter_options *eo = exporter_options_of(w->exporter);
    uint64_t families = eo->families & ~catalog_scope_rows(SCOPE_SELF);
    /* OpenMetrics, as Prometheus negotiates when it scrapes: the same series (a stateset's
     * label is the family's name) whether stored by scrape or by remote write. */
    struct scrape_request req = {EXPO_OPENMETRICS_100, BODY_IDENTITY, NULL, families};
    struct body *b = NULL;
    enum scrape_status st = exporter_scrape(w->exporter, exporter_now_ms(), &req, &b, &err);
    if (st != SCRAPE_OK) {
        log_warn("Remote write: tick not rendered", LOG_STR("err", err.msg));
        return;
    }
    if (b->tick == *last_tick) {
        body_release(b);
        return;
    }
    uint64_t iv_ticks = w->interval_ms / w->tick_ms;
    uint64_t skipped = *last_tick == UINT64_MAX || b->tick <= *last_tick
                           ? 0
                           : (b->tick - *last_tick) / iv_ticks - 1;
    *last_tick = b->tick;
    uint64_t tick_samples = 0;
    const char *p = b->data, *end = b->data + b->len;
    for (;;) {
        struct strbuf pb;
        strbuf_init(&pb, 1 << 16, (size_t)1 << 30);
        size_t n = 0;
        if (remote_write_encode(&p, end, b->timestamp_ms, REMOTE_WRITE_MAX_SAMPLES_PER_SEND, &pb,
                                &n, &err) < 0) {
            log_error("Remote write: cannot encode the tick", LOG_STR("err", err.msg));
            strbuf_cleanup(&pb);
            break;
        }
        if (n == 0) {
            strbuf_cleanup(&pb);
            break;
        }
        tick_samples += n;
        struct request *r = xcalloc(1, sizeof(*r));
        r->samples = n;
        r->tick = b->tick;
        r->data = strbuf_release(&pb, &r->len);
        pthread_mutex_lock(&w->lock);
        enqueue(w, r);
        pthread_mutex_unlock(&w->lock);
    }
    body_release(b);
    if (skipped) {
        /* Rendering and encoding took longer than the interval: those ticks were never
         * queued. Counted as dropped at this tick's size, and logged. */
        add_count(&w->counts.dropped, skipped * tick_samples);
        w->skipped_unlogged += skipped;
        int64_t now = exporter_now_ms();
        if (now - w->skipped_logged_ms >= REMOTE_WRITE_DROP_LOG_INTERVAL_MS) {
            log_warn("Remote write cannot keep up: ticks skipped (push less often with "
                     "--remote-write.interval)",
                     LOG_U64("ticks", w->skipped_unlogged),
                     LOG_U64("samples_per_tick", tick_samples));
            w->skipped_unlogged = 0;
            w->skipped_logged_ms = now;
        }
    }
}

static void *collector_main(void *arg)
{
    struct remote_writer *w = arg;
    uint64_t last_tick = UINT64_MAX;
    pthread_mutex_lock(&w->lock);
    while (!w->stopping) {
        pthread_mutex_unlock(&w->lock);
        collect_once(w, &last_tick);
        pthread_mutex_lock(&w->lock);
        /* The next boundary of the interval, a few ms late so the ticker is there first. */
        int64_t now = exporter_now_ms();
        int64_t iv = (int64_t)w->interval_ms;
        if (wait_until(w, (now / iv + 1) * iv + 5))
            break;
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static int abort_on_stop(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    struct remote_writer *w = arg;
    return __atomic_load_n(&w->stopping, __ATOMIC_RELAXED) ? 1 : 0;
}

static size_t keep_reply(char *data, size_t size, size_t n, void *arg)
{
    struct strbuf *sb = arg;
    size_t bytes = size * n;
    size_t room = sb->len < 512 ? 512 - sb->len : 0;
    strbuf_append(sb, data, bytes < room ? bytes : room); /* the start is enough for a log */
    return bytes;
}

enum outcome { SENT, RETRY, FAILED };

static enum outcome post(struct remote_writer *w, const struct request *r, char *zbuf, long *status,
                         struct strbuf *reply, char *why, size_t why_bytes)
{
    size_t zlen = snappy_max_compressed_length(r->len);
    if (snappy_compress(r->data, r->len, zbuf, &zlen) != SNAPPY_OK) {
        snprintf(why, why_bytes, "snappy compression failed");
        return FAILED;
    }
    strbuf_reset(reply);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, zbuf);
    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)zlen);
    curl_easy_setopt(w->curl, CURLOPT_WRITEDATA, reply);
    CURLcode cc = curl_easy_perform(w->curl);
    *status = 0;
    if (cc != CURLE_OK) {
        snprintf(why, why_bytes, "%s", curl_easy_strerror(cc));
        return RETRY;
    }
    curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, status);
    snprintf(why, why_bytes, "HTTP %ld: %.*s", *status, (int)reply->len, reply->data);
    if (*status >= 200 && *status < 300)
        return SENT;
    if (*status >= 500 || *status == 429)
        return RETRY;
    return FAILED;
}

static void *sender_main(void *arg)
{
    struct remote_writer *w = arg;
    struct strbuf reply;
    strbuf_init(&reply, 600, 4096);
    char *zbuf = NULL;
    size_t zcap = 0;
    int64_t outage_since = 0; /* ms; 0 while the receiver answers */
    uint64_t retried_in_outage = 0;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->stopping && !w->head)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->stopping)
            break;
        struct request *r = w->head;
        w->head = r->next;
        if (!w->head)
            w->tail = NULL;
        w->queued_samples -= r->samples;
        w->inflight_samples = r->samples;
        set_pending(w);
        pthread_mutex_unlock(&w->lock);

        size_t need = snappy_max_compressed_length(r->len);
        if (need > zcap) {
            free(zbuf);
            zbuf = xmalloc(need);
            zcap = need;
        }
        int64_t backoff_ms = REMOTE_WRITE_MIN_BACKOFF_MS;
        int stop = 0;
        for (;;) {
            long status;
            char why[700];
            enum outcome o = post(w, r, zbuf, &status, &reply, why, sizeof(why));
            if (o == SENT) {
                add_count(&w->counts.sent, r->samples);
                if (outage_since) {
                    log_info("Remote write recovered",
                             LOG_F64("outage_seconds",
                                     (double)(exporter_now_ms() - outage_since) / 1000.0),
                             LOG_U64("samples_retried", retried_in_outage));
                    outage_since = 0;
                    retried_in_outage = 0;
                }
                break;
            }
            if (o == FAILED) {
                add_count(&w->counts.failed, r->samples);
                log_error("Remote write refused: samples not retried", LOG_STR("reason", why),
                          LOG_U64("samples", r->samples), LOG_U64("tick", r->tick));
                break;
            }
            if (!outage_since) {
                outage_since = exporter_now_ms();
                log_warn("Remote write failing: retrying with backoff", LOG_STR("reason", why),
                         LOG_STR("url", w->opts.url));
            } else {
                log_debug("Remote write retry", LOG_STR("reason", why),
                          LOG_I64("backoff_ms", backoff_ms));
            }
            pthread_mutex_lock(&w->lock);
            stop = wait_until(w, exporter_now_ms() + backoff_ms);
            pthread_mutex_unlock(&w->lock);
            if (stop)
                break;
            add_count(&w->counts.retried, r->samples);
            retried_in_outage += r->samples;
            backoff_ms = backoff_ms * 2 > REMOTE_WRITE_MAX_BACKOFF_MS ? REMOTE_WRITE_MAX_BACKOFF_MS
                                                                      : backoff_ms * 2;
        }
        pthread_mutex_lock(&w->lock);
        w->inflight_samples = 0;
        if (stop) { /* counted with the rest of the queue below */
            r->next = w->head;
            w->head = r;
            if (!w->tail)
                w->tail = r;
            w->queued_samples += r->samples;
        } else {
            request_free(r);
        }
        set_pending(w);
        if (stop)
            break;
    }
    pthread_mutex_unlock(&w->lock);
    free(zbuf);
    strbuf_cleanup(&reply);
    return NULL;
}

static int setup_curl(struct remote_writer *w, struct errbuf *err)
{
    const struct remote_write_options *o = &w->opts;
    if (o->password_file && read_secret(o->password_file, "--remote-write.basic-auth-password-file",
                                        &w->password, err) < 0)
        return -1;
    if (o->bearer_token_file &&
        read_secret(o->bearer_token_file, "--remote-write.bearer-token-file", &w->bearer, err) < 0)
        return -1;
    if (!(w->curl = curl_easy_init()))
        return errbuf_set(err, "remote write: curl_easy_init failed");
    struct curl_slist *h = NULL;
    h = curl_slist_append(h, "Content-Encoding: snappy");
    h = curl_slist_append(h, "Content-Type: application/x-protobuf");
    h = curl_slist_append(h, "X-Prometheus-Remote-Write-Version: 0.1.0");
    h = curl_slist_append(h, "User-Agent: switchsim/" SWITCHSIM_VERSION);
    h = curl_slist_append(h, "Expect:"); /* no 100-continue round trip */
    if (w->bearer) {
        struct strbuf sb;
        strbuf_init(&sb, 64, 8192);
        strbuf_appendf(&sb, "Authorization: Bearer %s", w->bearer);
        h = curl_slist_append(h, sb.data);
        strbuf_cleanup(&sb);
    }
    for (size_t i = 0; i < o->n_headers; i++)
        h = curl_slist_append(h, o->headers[i]);
    if (!h)
        return errbuf_set(err, "remote write: out of memory for headers");
    w->headers = h;
    CURL *c = w->curl;
    int bad = 0;
    bad |= curl_easy_setopt(c, CURLOPT_URL, o->url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, h) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, keep_reply) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, abort_on_stop) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, w) != CURLE_OK;
    if (o->user) {
        bad |= curl_easy_setopt(c, CURLOPT_USERNAME, o->user) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_PASSWORD, w->password) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK;
    }
    if (o->ca_file)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file) != CURLE_OK;
    if (o->insecure_skip_verify) {
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    }
    if (bad)
        return errbuf_set(err, "remote write: libcurl refused an option (URL %s)", o->url);
    return 0;
}

static void writer_free(struct remote_writer *w)
{
    if (w->curl)
        curl_easy_cleanup(w->curl);
    curl_slist_free_all(w->headers);
    free(w->password);
    free(w->bearer);
    while (w->head) {
        struct request *r = w->head;
        w->head = r->next;
        request_free(r);
    }
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    free(w);
    curl_global_cleanup(); /* pairs with remote_write_start's curl_global_init */
}

struct remote_writer *remote_write_start(struct exporter *e, const struct remote_write_options *o,
                                         struct errbuf *err)
{
    if (remote_write_check(o, err) < 0)
        return NULL;
    struct world *world = exporter_world(e);
    uint64_t tick_ms = world->fleet->tick_ms;
    world_release(world);
    if (o->interval_ms % tick_ms != 0) {
        errbuf_set(err, "--remote-write.interval %llu ms: must be a multiple of the tick (%llu ms)",
                   (unsigned long long)o->interval_ms, (unsigned long long)tick_ms);
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        errbuf_set(err, "remote write: curl_global_init failed");
        return NULL;
    }
    struct remote_writer *w = xcalloc(1, sizeof(*w));
    w->exporter = e;
    w->opts = *o;
    w->tick_ms = tick_ms;
    w->interval_ms = o->interval_ms ? o->interval_ms : tick_ms;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    if (setup_curl(w, err) < 0) {
        writer_free(w);
        return NULL;
    }
    exporter_count_remote_write(e, &w->counts);
    if (pthread_create(&w->sender, NULL, sender_main, w) == 0)
        w->sender_started = 1;
    if (w->sender_started && pthread_create(&w->collector, NULL, collector_main, w) == 0)
        w->collector_started = 1;
    if (!w->collector_started) {
        errbuf_set(err, "remote write: cannot start a thread");
        remote_write_stop(w);
        return NULL;
    }
    log_info("Remote write on", LOG_STR("url", o->url), LOG_U64("interval_ms", w->interval_ms),
             LOG_U64("queue_samples", o->queue_samples));
    return w;
}

void remote_write_stop(struct remote_writer *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    __atomic_store_n(&w->stopping, 1, __ATOMIC_RELAXED);
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    if (w->collector_started)
        pthread_join(w->collector, NULL);
    if (w->sender_started)
        pthread_join(w->sender, NULL);
    exporter_count_remote_write(w->exporter, NULL);
    if (w->shed_unlogged)
        log_warn("Remote write queue full: dropped the oldest samples",
                 LOG_U64("samples", w->shed_unlogged),
                 LOG_U64("requests", w->shed_requests_unlogged),
                 LOG_U64("queue_samples", w->opts.queue_samples));
    if (w->queued_samples) {
        add_count(&w->counts.dropped, w->queued_samples);
        log_warn("Remote write stopped with samples unsent", LOG_U64("samples", w->queued_samples));
    }
    log_info("Remote write stopped", LOG_U64("samples_sent", w->counts.sent),
             LOG_U64("samples_failed", w->counts.failed),
             LOG_U64("samples_dropped", w->counts.dropped));
    writer_free(w);
}
