/* http.c - libmicrohttpd front end: routing, negotiation, connection limits (see http.h). */
#include "web/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/tcp.h> /* struct tcp_info with tcpi_bytes_received (glibc's lacks it) */
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <microhttpd.h>

#include "base/json.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "base/units.h"
#include "base/xalloc.h"
#include "model/fault.h"
#include "web/api.h"
#include "web/auth.h"
#include "web/pages.h"

const struct http_limit_info http_limit_table[] = {
#define HTTP_LIMIT_ROW(field, flag, kind, def, def_text, help) \
    {#field, offsetof(struct http_limits, field), flag, kind, def, def_text, help},
    HTTP_LIMITS(HTTP_LIMIT_ROW)
#undef HTTP_LIMIT_ROW
};
const size_t http_limit_count = sizeof(http_limit_table) / sizeof(http_limit_table[0]);

int http_limit_parse(enum http_limit_kind kind, const char *flag, const char *text, uint64_t *out,
                     struct errbuf *err)
{
    struct errbuf why;
    uint64_t v = 0;
    int rc = kind == HTTP_LIMIT_DURATION ? units_parse_duration_ms(text, &v, &why)
             : kind == HTTP_LIMIT_SIZE   ? units_parse_size_bytes(text, &v, &why)
                                         : units_parse_u64(text, &v, &why);
    if (rc < 0)
        return errbuf_set(err, "--%s: %s", flag, why.msg);
    if (v == 0)
        return errbuf_set(err, "--%s: must be more than 0", flag);
    *out = v;
    return 0;
}

/* One open connection, as the watchdog sees it. Created when libmicrohttpd accepts the
 * connection, freed when it reports the connection closed, which it does before it
 * closes the socket: so shutdown(fd) under srv->lock never hits a reused descriptor. */
enum conn_state { CONN_WAITING, CONN_BUSY };
struct conn {
    struct conn *prev, *next;
    int fd;
    enum conn_state state;
    /* WAITING: when the request's first byte was seen (0 = not yet); BUSY: when the
     * request was read. Monotonic ms. */
    int64_t since_ms;
    uint64_t bytes_mark; /* WAITING, since_ms == 0: bytes received when last looked */
    int mark_valid;
    int closing;             /* shut down by the watchdog or an eviction */
    const struct body *body; /* BUSY on /metrics: the body being sent, else NULL */
};

/* A /metrics body held by responses being sent, and how many responses hold it. */
struct held {
    const struct body *body;
    size_t bytes;
    unsigned responses;
};

/* What one request carries between libmicrohttpd's calls, when it needs more than "the
 * headers were seen" (which *req_cls == srv says): an API body being received, or a
 * /probe held back by a probe fault (docs/INCIDENTS.md). */
struct req_state {
    char *body; /* API: the body so far */
    size_t len;
    int too_large;
    int delayed; /* a probe fault held it back once already */
    int hang;    /* ... and it is to be closed without an answer */
};

/* A connection suspended by a probe fault and when to resume it. */
struct delayed {
    struct MHD_Connection *conn;
    int64_t due_ms; /* monotonic */
};
/* Probe-faulted requests held at once; more get 503 at once. */
#define HTTP_MAX_DELAYED 256

/* Routes of the table below, plus "other" for a request no route takes (request counts). */
#define HTTP_MAX_ROUTES 16

struct http_server {
    struct MHD_Daemon *daemon;
    struct exporter *exporter;
    struct http_limits limits; /* defaults filled in */
    struct MHD_Response *ok;
    struct MHD_Response *not_found;
    struct MHD_Response *bad_host;
    uint16_t port;
    struct page_info page;
    const char *sd_address; /* NULL: the Host of each /sd request */
    int (*reload)(void *ctx, struct errbuf *err);
    void *reload_ctx;
    const struct web_config *web; /* TLS and basic auth; NULL: neither */
    char tls_priorities[128];
    const char *handler_names[HTTP_MAX_ROUTES + 1];
    struct request_counts requests; /* switchsim_http_requests_total */

    pthread_mutex_t lock; /* guards conns, held*, watchdog_stop */
    struct conn *conns;
    struct held *held;
    size_t n_held, held_cap;
    size_t held_bytes;
    pthread_t watchdog;
    int watchdog_running;
    int watchdog_stop;
    pthread_cond_t wake;
    int admin_api;
    struct delayed delayed[HTTP_MAX_DELAYED]; /* under lock */
    size_t n_delayed;
};

/* A response's hold on a body: released by libmicrohttpd when the response is done. */
struct body_ref {
    struct http_server *srv;
    struct body *body;
};

/* Descriptors the process needs besides connections (listener, epoll, profiles, logs). */
#define HTTP_SPARE_FDS 32

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct MHD_Response *static_response(const char *text, const char *content_type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
    if (r)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    return r;
}

/* Caller holds srv->lock. Shuts a connection down (libmicrohttpd then closes it). */
static void conn_shutdown(struct conn *c, const char *why)
{
    if (c->closing)
        return;
    c->closing = 1;
    shutdown(c->fd, SHUT_RDWR);
    log_debug("closing connection", LOG_STR("reason", why));
}

/* Caller holds srv->lock. Makes room for `bytes` more: closes the connections sending
 * the oldest held bodies (lowest tick first) until the rest fits the cap. */
static void evict_oldest(struct http_server *srv, size_t bytes)
{
    size_t cap = srv->limits.max_inflight_body_bytes;
    size_t remaining = srv->held_bytes;
    for (;;) {
        if (remaining + bytes <= cap)
            return;
        const struct held *oldest = NULL;
        for (size_t i = 0; i < srv->n_held; i++) {
            const struct held *h = &srv->held[i];
            int evicted = 1; /* all its connections already closing: skip it */
            for (struct conn *c = srv->conns; c; c = c->next)
                if (c->body == h->body && !c->closing)
                    evicted = 0;
            if (!evicted && (!oldest || h->body->tick < oldest->body->tick))
                oldest = h;
        }
        if (!oldest)
            return;
        for (struct conn *c = srv->conns; c; c = c->next)
            if (c->body == oldest->body)
                conn_shutdown(c, "slow_reader_evicted");
        remaining -= oldest->bytes;
    }
}

/* Counts a response's hold on b (evicting slow readers of older bodies if needed). */
static void hold_body(struct http_server *srv, struct conn *c, const struct body *b)
{
    pthread_mutex_lock(&srv->lock);
    size_t i = 0;
    while (i < srv->n_held && srv->held[i].body != b)
        i++;
    if (i == srv->n_held) {
        evict_oldest(srv, b->cap);
        if (srv->n_held == srv->held_cap) {
            srv->held_cap = srv->held_cap ? 2 * srv->held_cap : 8;
            srv->held = xrealloc(srv->held, srv->held_cap * sizeof(*srv->held));
        }
        srv->held[srv->n_held++] = (struct held){b, b->cap, 0};
        srv->held_bytes += b->cap;
    }
    srv->held[i].responses++;
    if (c)
        c->body = b;
    pthread_mutex_unlock(&srv->lock);
}

static void release_body(void *cls)
{
    struct body_ref *ref = cls;
    struct http_server *srv = ref->srv;
    pthread_mutex_lock(&srv->lock);
    for (size_t i = 0; i < srv->n_held; i++)
        if (srv->held[i].body == ref->body) {
            if (--srv->held[i].responses == 0) {
                srv->held_bytes -= srv->held[i].bytes;
                srv->held[i] = srv->held[--srv->n_held];
            }
            break;
        }
    pthread_mutex_unlock(&srv->lock);
    body_release(ref->body);
    free(ref);
}

static struct conn *conn_of(struct MHD_Connection *mc)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(mc, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* The request being answered on this thread: libmicrohttpd calls the access handler and
 * queues its response on the same thread, so queue() can count it by handler and status
 * without every reply function carrying the route. Set by handle_request() and route(). */
static _Thread_local struct http_server *answering;
static _Thread_local size_t answering_handler;

static enum MHD_Result queue(struct MHD_Connection *conn, unsigned status, struct MHD_Response *r)
{
    struct http_server *srv = answering;
    if (srv)
        __atomic_add_fetch(
            &srv->requests.counts[answering_handler * REQUEST_N_CODES + request_code_slot(status)],
            1, __ATOMIC_RELAXED);
    return MHD_queue_response(conn, status, r);
}

/* A response owning a copy of text, with a Content-Type and optionally an Allow header. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *text,
                             const char *content_type, const char *allow)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    if (allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
    enum MHD_Result ret = queue(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A one-line plain-text answer: errors say why in one line a person can read. */
static enum MHD_Result reply_text(struct MHD_Connection *conn, unsigned status, const char *line)
{
    char text[ERRBUF_MSG_BYTES + 2];
    snprintf(text, sizeof(text), "%s\n", line);
    return reply(conn, status, text, "text/plain; charset=utf-8", NULL);
}

/* 503 with Retry-After: the simulation is not ready to serve (catching up, clock behind). */
static enum MHD_Result reply_unavailable(struct MHD_Connection *conn, const char *why)
{
    char text[ERRBUF_MSG_BYTES + 2];
    snprintf(text, sizeof(text), "%s\n", why);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_COPY);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
    enum MHD_Result ret = queue(conn, MHD_HTTP_SERVICE_UNAVAILABLE, r);
    MHD_destroy_response(r);
    return ret;
}

/* A malloc'd page (NULL: too large), handed to libmicrohttpd, which frees it. */
static enum MHD_Result reply_page(struct MHD_Connection *conn, char *page, size_t len,
                                  const char *content_type)
{
    if (!page)
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "page larger than its limit");
    struct MHD_Response *r = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(page);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    enum MHD_Result ret = queue(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static const char *header(struct MHD_Connection *conn, const char *name)
{
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* /metrics (device NULL) and /probe?target=DEVICE: the exposition the request negotiates. */
static enum MHD_Result serve_exposition(struct http_server *srv, struct MHD_Connection *conn,
                                        const char *device)
{
    struct errbuf err;
    struct scrape_request req = {http_negotiate_format(header(conn, MHD_HTTP_HEADER_ACCEPT)),
                                 http_accepts_gzip(header(conn, MHD_HTTP_HEADER_ACCEPT_ENCODING))
                                     ? BODY_GZIP
                                     : BODY_IDENTITY,
                                 device, 0};
    struct body *b = NULL;
    enum scrape_status st = exporter_scrape(srv->exporter, exporter_now_ms(), &req, &b, &err);
    if (st == SCRAPE_UNKNOWN_DEVICE)
        return reply_text(conn, MHD_HTTP_NOT_FOUND, err.msg);
    if (st == SCRAPE_NOT_READY)
        return reply_unavailable(conn, err.msg);
    if (st != SCRAPE_OK) {
        log_error("render failed", LOG_STR("err", err.msg));
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
    }
    /* The response borrows the shared body; MHD drops our reference when done with it. */
    struct body_ref *ref = xcalloc(1, sizeof(*ref));
    ref->srv = srv;
    ref->body = b;
    hold_body(srv, conn_of(conn), b);
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback_cls(b->len, b->data, release_body, ref);
    if (!r) {
        release_body(ref);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                            expo_format_desc(b->format)->content_type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
    if (b->encoding == BODY_GZIP)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
    enum MHD_Result ret = queue(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result serve_metrics(struct http_server *srv, struct MHD_Connection *conn)
{
    return serve_exposition(srv, conn, NULL);
}

/* snmp_exporter's convention: /probe?target=DEVICE[&module=NAME]. */
static enum MHD_Result serve_probe(struct http_server *srv, struct MHD_Connection *conn)
{
    const char *target = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "target");
    const char *module = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "module");
    if (!target || !*target)
        return reply_text(conn, MHD_HTTP_BAD_REQUEST,
                          "'target' parameter must be specified: /probe?target=DEVICE");
    if (module && strcmp(module, "switchsim") != 0) {
        char why[ERRBUF_MSG_BYTES];
        snprintf(why, sizeof(why), "unknown module \"%.200s\" (known: switchsim)", module);
        return reply_text(conn, MHD_HTTP_BAD_REQUEST, why);
    }
    return serve_exposition(srv, conn, target);
}

static enum MHD_Result serve_sd(struct http_server *srv, struct MHD_Connection *conn)
{
    const char *address = srv->sd_address ? srv->sd_address : header(conn, MHD_HTTP_HEADER_HOST);
    if (!address) /* HTTP/1.0 without Host, and no --web.sd-address */
        return reply_text(conn, MHD_HTTP_BAD_REQUEST,
                          "no Host header: set --web.sd-address to the address to advertise");
    struct world *w = exporter_world(srv->exporter);
    size_t len = 0;
    char *page = pages_sd(w, address, &len);
    world_release(w);
    return reply_page(conn, page, len, "application/json; charset=utf-8");
}

static enum MHD_Result serve_config(struct http_server *srv, struct MHD_Connection *conn)
{
    struct world *w = exporter_world(srv->exporter);
    size_t len = 0;
    char *page = pages_config(w, exporter_options_of(srv->exporter), &len);
    world_release(w);
    return reply_page(conn, page, len, "text/plain; charset=utf-8");
}

static enum MHD_Result serve_landing(struct http_server *srv, struct MHD_Connection *conn)
{
    struct world *w = exporter_world(srv->exporter);
    size_t len = 0;
    char *page = pages_landing(w, exporter_options_of(srv->exporter), &srv->page, &len);
    world_release(w);
    return reply_page(conn, page, len, "text/html; charset=utf-8");
}

static enum MHD_Result serve_ok(struct http_server *srv, struct MHD_Connection *conn)
{
    return queue(conn, MHD_HTTP_OK, srv->ok);
}

/* As Prometheus: 503 until the simulation is current (catching up from --start-time). */
static enum MHD_Result serve_ready(struct http_server *srv, struct MHD_Connection *conn)
{
    struct errbuf err;
    if (exporter_ready(srv->exporter, exporter_now_ms(), &err) < 0)
        return reply_unavailable(conn, err.msg);
    return queue(conn, MHD_HTTP_OK, srv->ok);
}

/* As Prometheus: POST or PUT /-/reload when the lifecycle API is enabled, else 403. */
static enum MHD_Result serve_reload(struct http_server *srv, struct MHD_Connection *conn)
{
    if (!srv->reload)
        return reply_text(conn, MHD_HTTP_FORBIDDEN,
                          "Lifecycle API is not enabled (start with --web.enable-lifecycle).");
    struct errbuf err;
    if (srv->reload(srv->reload_ctx, &err) < 0)
        return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, err.msg);
    return reply_text(conn, MHD_HTTP_OK, "OK");
}

/* The fault API (api.h): on when --web.enable-admin-api, behind the web config. */
static enum MHD_Result serve_api(struct http_server *srv, struct MHD_Connection *conn,
                                 const char *url, const char *method, struct req_state *st)
{
    if (!srv->admin_api)
        return reply(conn, MHD_HTTP_FORBIDDEN,
                     "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"the "
                     "admin API is disabled (start with --web.enable-admin-api)\"}\n",
                     "application/json", NULL);
    if (st && st->too_large) {
        char why[128];
        snprintf(why, sizeof(why),
                 "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"body larger "
                 "than %d bytes\"}\n",
                 JSON_MAX_BYTES);
        return reply(conn, MHD_HTTP_CONTENT_TOO_LARGE, why, "application/json", NULL);
    }
    struct api_reply out;
    api_handle(srv->exporter, method, url, st ? st->body : NULL, st ? st->len : 0, &out);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(out.len, out.body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(out.body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    if (out.allow)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, out.allow);
    enum MHD_Result ret = queue(conn, out.status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A probe fault on the /probe target (exporter_probe_fault): 1 when it answered or held the
 * request back (*ret set), 0 when the request goes on. */
static int probe_fault(struct http_server *srv, struct MHD_Connection *conn, struct req_state **stp,
                       enum MHD_Result *ret)
{
    struct req_state *st = *stp;
    if (st && st->delayed) {
        if (st->hang) {
            *ret = MHD_NO; /* close without an answer */
            return 1;
        }
        return 0;
    }
    const char *target = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "target");
    uint64_t delay_ms = 0;
    int kind = target ? exporter_probe_fault(srv->exporter, target, &delay_ms) : -1;
    if (kind < 0)
        return 0;
    if (kind == FAULT_PROBE_ERROR) {
        *ret = reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                          "probe_error fault on this target (DELETE it with the fault API)");
        return 1;
    }
    int64_t now = monotonic_ms();
    int64_t due = now + (kind == FAULT_PROBE_HANG ? (int64_t)srv->limits.write_timeout_ms
                                                  : (int64_t)delay_ms);
    pthread_mutex_lock(&srv->lock);
    int room = srv->n_delayed < HTTP_MAX_DELAYED;
    if (room) {
        if (!st)
            st = *stp = xcalloc(1, sizeof(*st));
        st->delayed = 1;
        st->hang = kind == FAULT_PROBE_HANG;
        srv->delayed[srv->n_delayed++] = (struct delayed){conn, due};
        MHD_suspend_connection(conn);
        pthread_cond_signal(&srv->wake);
    }
    pthread_mutex_unlock(&srv->lock);
    *ret = room ? MHD_YES
                : reply_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE,
                             "too many requests held by probe faults");
    return 1;
}

struct route {
    const char *path;
    const char *methods; /* the Allow header: "GET, HEAD" or "POST, PUT" */
    enum MHD_Result (*serve)(struct http_server *srv, struct MHD_Connection *conn);
};

static const struct route routes[] = {
    {"/metrics", "GET, HEAD", serve_metrics},
    {"/probe", "GET, HEAD", serve_probe},
    {"/sd", "GET, HEAD", serve_sd},
    {"/config", "GET, HEAD", serve_config},
    {"/", "GET, HEAD", serve_landing},
    {"/-/healthy", "GET, HEAD", serve_ok},
    {"/-/ready", "GET, HEAD", serve_ready},
    {"/-/reload", "POST, PUT", serve_reload},
    {API_PREFIX, "GET, HEAD, POST, DELETE", NULL}, /* serve_api: every path under it */
};

/* Whether url is the route's: its path, or under it for the API. */
static int route_matches(const struct route *r, const char *url)
{
    return r->serve ? strcmp(url, r->path) == 0 : api_path(url);
}

#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))
_Static_assert(N_ROUTES <= HTTP_MAX_ROUTES, "HTTP_MAX_ROUTES too small for the route table");

static int method_allowed(const struct route *r, const char *method)
{
    size_t n = strlen(method);
    for (const char *m = r->methods; *m;) {
        size_t len = strcspn(m, ",");
        if (len == n && strncmp(m, method, n) == 0)
            return 1;
        m += len;
        while (*m == ',' || *m == ' ')
            m++;
    }
    return 0;
}

/* Whether the request announces a body (no route takes one). */
static int request_has_body(struct MHD_Connection *conn)
{
    const char *len =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (len && strcmp(len, "0") != 0) ||
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

static enum MHD_Result count_host(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    (void)kind;
    (void)value;
    if (strcasecmp(key, MHD_HTTP_HEADER_HOST) == 0)
        ++*(unsigned *)cls;
    return MHD_YES;
}

/* RequireAndVerifyClientCert: libmicrohttpd asks for a client certificate when it has a
 * trust store, but does not check it: GnuTLS verifies the chain here. */
static int client_cert_ok(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    if (!info || !info->tls_session)
        return 0;
    gnutls_session_t session = (gnutls_session_t)info->tls_session;
    unsigned n = 0;
    unsigned status = 1;
    return gnutls_certificate_get_peers(session, &n) != NULL && n > 0 &&
           gnutls_certificate_verify_peers2(session, &status) == 0 && status == 0;
}

/* What the web config asks of every request, whatever the route (as exporter-toolkit):
 * 1 when the request may go on; 0 when a refusal was queued, its result in *ret. */
static int authorized(struct http_server *srv, struct MHD_Connection *conn, enum MHD_Result *ret)
{
    const struct web_config *web = srv->web;
    if (web->tls && web->client_auth == CLIENT_AUTH_REQUIRE_AND_VERIFY && !client_cert_ok(conn)) {
        *ret = reply(conn, MHD_HTTP_FORBIDDEN, "a valid client certificate is required\n",
                     "text/plain; charset=utf-8", NULL);
        return 0;
    }
    if (!web->n_users)
        return 1;
    char *password = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &password);
    int ok = auth_basic_ok(web, user, password);
    MHD_free(user);
    MHD_free(password);
    if (ok)
        return 1;
    __atomic_add_fetch(&srv->requests.counts[answering_handler * REQUEST_N_CODES +
                                             request_code_slot(MHD_HTTP_UNAUTHORIZED)],
                       1, __ATOMIC_RELAXED);
    /* A response of its own: the call adds WWW-Authenticate to the response it is given. */
    struct MHD_Response *r = static_response("401 unauthorized\n", "text/plain; charset=utf-8");
    *ret = r ? MHD_queue_basic_auth_fail_response(conn, "switchsim", r) : MHD_NO;
    if (r)
        MHD_destroy_response(r);
    return 0;
}

static enum MHD_Result route(struct http_server *srv, struct MHD_Connection *conn, const char *url,
                             const char *method, struct req_state **st)
{
    for (size_t i = 0; i < N_ROUTES; i++)
        if (route_matches(&routes[i], url))
            answering_handler = i; /* so a refusal counts against its route */
    enum MHD_Result refused = MHD_NO;
    if (srv->web && !authorized(srv, conn, &refused))
        return refused;
    for (size_t i = 0; i < N_ROUTES; i++) {
        if (!route_matches(&routes[i], url))
            continue;
        answering_handler = i;
        if (!routes[i].serve)
            return serve_api(srv, conn, url, method, *st);
        if (!method_allowed(&routes[i], method))
            return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "405 method not allowed\n",
                         "text/plain; charset=utf-8", routes[i].methods);
        enum MHD_Result held;
        if (routes[i].serve == serve_probe && probe_fault(srv, conn, st, &held))
            return held;
        return routes[i].serve(srv, conn);
    }
    return queue(conn, MHD_HTTP_NOT_FOUND, srv->not_found);
}

/* libmicrohttpd calls this once when the headers are in and again when the request is
 * complete. A response queued on the first call is an "early" response: the library then
 * discards the rest of the connection (no keep-alive, pipelined requests dropped). So
 * requests without a body are answered on the second call; a request with a body (which
 * no route reads) is refused on the first call, which closes the connection instead of
 * reading a body nobody wants. */
static enum MHD_Result handle_request(void *cls, struct MHD_Connection *conn, const char *url,
                                      const char *method, const char *version,
                                      const char *upload_data, size_t *upload_data_size,
                                      void **req_cls)
{
    struct http_server *srv = cls;
    answering = srv;
    answering_handler = N_ROUTES; /* "other" until route() finds one */
    struct req_state *st = *req_cls && *req_cls != srv ? *req_cls : NULL;
    if (!*req_cls) {
        *req_cls = srv; /* any non-NULL value: "headers seen" */
        log_debug("request", LOG_STR("method", method), LOG_STR("path", url));
        struct conn *c = conn_of(conn);
        if (c) {
            pthread_mutex_lock(&srv->lock);
            c->state = CONN_BUSY;
            c->since_ms = monotonic_ms();
            pthread_mutex_unlock(&srv->lock);
        }
        unsigned hosts = 0;
        MHD_get_connection_values(conn, MHD_HEADER_KIND, count_host, &hosts);
        if (strcmp(version, MHD_HTTP_VERSION_1_1) == 0 && hosts != 1)
            return queue(conn, MHD_HTTP_BAD_REQUEST, srv->bad_host);
        if (!request_has_body(conn))
            return MHD_YES;
        if (srv->admin_api && api_path(url) && strcmp(method, "POST") == 0) {
            *req_cls = xcalloc(1, sizeof(struct req_state)); /* the API reads the body */
            return MHD_YES;
        }
        return route(srv, conn, url, method, &st);
    }
    if (*upload_data_size != 0) { /* only API bodies get here: the others were answered early */
        if (st && !st->too_large) {
            if (st->len + *upload_data_size > JSON_MAX_BYTES) {
                st->too_large = 1;
            } else {
                st->body = xrealloc(st->body, st->len + *upload_data_size + 1);
                memcpy(st->body + st->len, upload_data, *upload_data_size);
                st->len += *upload_data_size;
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    enum MHD_Result ret = route(srv, conn, url, method, &st);
    if (st)
        *req_cls = st;
    return ret;
}

/* A request is done (answered or aborted): its connection waits for the next one. */
static void request_completed(void *cls, struct MHD_Connection *mc, void **req_cls,
                              enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct http_server *srv = cls;
    if (*req_cls && *req_cls != srv) {
        struct req_state *st = *req_cls;
        free(st->body);
        free(st);
        *req_cls = NULL;
    }
    struct conn *c = conn_of(mc);
    if (!c)
        return;
    pthread_mutex_lock(&srv->lock);
    c->state = CONN_WAITING;
    c->since_ms = 0;
    c->mark_valid = 0;
    c->body = NULL;
    pthread_mutex_unlock(&srv->lock);
}

static void connection_event(void *cls, struct MHD_Connection *mc, void **socket_context,
                             enum MHD_ConnectionNotificationCode code)
{
    struct http_server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(mc, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn *c = xcalloc(1, sizeof(*c));
        c->fd = info ? info->connect_fd : -1;
        c->state = CONN_WAITING;
        c->since_ms = monotonic_ms(); /* the first request's clock starts at accept */
        pthread_mutex_lock(&srv->lock);
        c->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = c;
        srv->conns = c;
        pthread_mutex_unlock(&srv->lock);
        *socket_context = c;
        return;
    }
    struct conn *c = *socket_context;
    if (!c)
        return;
    pthread_mutex_lock(&srv->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&srv->lock);
    free(c);
    *socket_context = NULL;
}

/* Bytes the kernel has received on a TCP socket so far, or 0 if unknown. */
static uint64_t bytes_received(int fd)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    memset(&ti, 0, sizeof(ti));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return 0;
    return ti.tcpi_bytes_received;
}

/* Enforces request_timeout_ms and write_timeout_ms. libmicrohttpd 0.9.75 only has an
 * inactivity timeout (a client sending a byte every few seconds never meets it) and
 * calls us only once the headers are complete, so the watchdog looks at the kernel's
 * count of received bytes to see when a waiting connection's next request begins. */
/* Caller holds srv->lock. Resumes the probe-faulted connections due by now_ms (all with
 * INT64_MAX). libmicrohttpd then calls the handler again, which answers (slow) or closes
 * (hang). Resuming is thread-safe and does not call back into us. */
static void resume_delayed_locked(struct http_server *srv, int64_t now_ms)
{
    size_t w = 0;
    for (size_t i = 0; i < srv->n_delayed; i++) {
        if (srv->delayed[i].due_ms <= now_ms)
            MHD_resume_connection(srv->delayed[i].conn);
        else
            srv->delayed[w++] = srv->delayed[i];
    }
    srv->n_delayed = w;
}

static void *watchdog_main(void *arg)
{
    struct http_server *srv = arg;
    int64_t request_ms = (int64_t)srv->limits.request_timeout_ms;
    int64_t write_ms = (int64_t)srv->limits.write_timeout_ms;
    pthread_mutex_lock(&srv->lock);
    while (!srv->watchdog_stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += HTTP_WATCHDOG_PERIOD_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->wake, &srv->lock, &until);
        int64_t now = monotonic_ms();
        resume_delayed_locked(srv, now);
        for (struct conn *c = srv->conns; c; c = c->next) {
            if (c->closing)
                continue;
            if (c->state == CONN_BUSY) {
                if (now - c->since_ms >= write_ms)
                    conn_shutdown(c, "write_timeout");
                continue;
            }
            if (c->since_ms == 0) {
                uint64_t got = bytes_received(c->fd);
                if (c->mark_valid && got != c->bytes_mark)
                    c->since_ms = now;
                c->bytes_mark = got;
                c->mark_valid = 1;
            }
            if (c->since_ms != 0 && now - c->since_ms >= request_ms)
                conn_shutdown(c, "request_timeout");
        }
    }
    pthread_mutex_unlock(&srv->lock);
    return NULL;
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Percent-decodes in place, except "%00" (and malformed escapes), kept as written: a
 * NUL would cut the path short ("/metrics%00.txt" read as "/metrics"). */
static size_t unescape(void *cls, struct MHD_Connection *mc, char *s)
{
    (void)cls;
    (void)mc;
    char *out = s;
    for (const char *in = s; *in;) {
        int hi = in[0] == '%' ? hex_value(in[1]) : -1;
        int lo = hi >= 0 ? hex_value(in[2]) : -1;
        if (lo >= 0 && (hi | lo) != 0) {
            *out++ = (char)(hi * 16 + lo);
            in += 3;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    return (size_t)(out - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* Per-request complaints (bad requests from clients) are not the operator's problem;
     * start-up failures are reported by http_start() itself. */
    log_debug(msg, LOG_STR("component", "http"));
}

/* Binds and listens; the host decides the family. Empty host = IPv6 dual stack,
 * falling back to IPv4 where IPv6 is unavailable. */
static int open_listener(const char *host, uint16_t port, struct errbuf *err)
{
    char port_text[8];
    snprintf(port_text, sizeof(port_text), "%u", (unsigned)port);
    int any = !host || !*host;
    const char *shown = any ? "" : host;
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    hints.ai_family = AF_UNSPEC;
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(any ? "::" : host, port_text, &hints, &res);
    if (gai != 0 && any) {
        hints.ai_family = AF_INET;
        gai = getaddrinfo("0.0.0.0", port_text, &hints, &res);
    }
    if (gai != 0)
        return errbuf_set(err, "cannot listen on %s:%s: %s", shown, port_text, gai_strerror(gai));
    int fd = -1;
    int saved = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0 && any && ai->ai_family == AF_INET6) {
            /* No IPv6 on this host: listen on IPv4 instead. */
            struct sockaddr_in v4;
            memset(&v4, 0, sizeof(v4));
            v4.sin_family = AF_INET;
            v4.sin_port = htons(port);
            fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            int one = 1;
            if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
                bind(fd, (struct sockaddr *)&v4, sizeof(v4)) == 0 && listen(fd, 256) == 0)
                break;
            saved = errno;
            if (fd >= 0)
                close(fd);
            fd = -1;
            continue;
        }
        if (fd < 0) {
            saved = errno;
            continue;
        }
        int one = 1, zero = 0;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (ai->ai_family == AF_INET6 && any)
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 256) == 0)
            break;
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return errbuf_set(err, "cannot listen on %s:%s: %s", shown, port_text, strerror(saved));
    return fd;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* The daemon's flags, and in opts (an MHD_OPTION_ARRAY ending in MHD_OPTION_END) the TLS
 * options of the web config: key, certificate, versions, and the CA that makes
 * libmicrohttpd ask for client certificates. */
static unsigned tls_options(struct http_server *srv, struct MHD_OptionItem opts[5])
{
    static const char *const versions[] = {"+VERS-TLS1.0", "+VERS-TLS1.1", "+VERS-TLS1.2",
                                           "+VERS-TLS1.3"};
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    size_t n = 0;
    const struct web_config *web = srv->web;
    if (web && web->tls) {
        flags |= MHD_USE_TLS;
        size_t k =
            (size_t)snprintf(srv->tls_priorities, sizeof(srv->tls_priorities), "NORMAL:-VERS-ALL");
        for (int v = web->min_version; v <= web->max_version; v++)
            k += (size_t)snprintf(srv->tls_priorities + k, sizeof(srv->tls_priorities) - k, ":%s",
                                  versions[v]);
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, web->key_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, web->cert_pem};
        opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, srv->tls_priorities};
        if (web->client_ca_pem)
            opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_TRUST, 0, web->client_ca_pem};
    }
    opts[n] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return flags;
}

struct http_server *http_start(const struct http_options *opts, struct exporter *exporter,
                               struct errbuf *err)
{
    int fd = open_listener(opts->host, opts->port, err);
    if (fd < 0)
        return NULL;
    struct http_server *srv = xcalloc(1, sizeof(*srv));
    srv->exporter = exporter;
    srv->port = bound_port(fd);
    srv->limits = opts->limits;
#define HTTP_LIMIT_DEFAULT(field, flag, kind, def, def_text, help) \
    if (srv->limits.field == 0)                                    \
        srv->limits.field = def;
    HTTP_LIMITS(HTTP_LIMIT_DEFAULT)
#undef HTTP_LIMIT_DEFAULT
    pthread_mutex_init(&srv->lock, NULL);
    pthread_condattr_t cattr;
    pthread_condattr_init(&cattr);
    pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
    pthread_cond_init(&srv->wake, &cattr);
    pthread_condattr_destroy(&cattr);
    srv->page = opts->page;
    srv->web = opts->web;
    srv->sd_address = opts->sd_address && *opts->sd_address ? opts->sd_address : NULL;
    srv->reload = opts->reload;
    srv->admin_api = opts->admin_api;
    srv->reload_ctx = opts->reload_ctx;
    for (size_t i = 0; i < N_ROUTES; i++)
        srv->handler_names[i] = routes[i].path;
    srv->handler_names[N_ROUTES] = "other";
    srv->requests =
        (struct request_counts){srv->handler_names, N_ROUTES + 1,
                                xcalloc((N_ROUTES + 1) * REQUEST_N_CODES, sizeof(uint64_t))};
    srv->ok = static_response("OK\n", "text/plain; charset=utf-8");
    srv->not_found = static_response("404 page not found\n", "text/plain; charset=utf-8");
    srv->bad_host = static_response("400 bad request: an HTTP/1.1 request needs exactly one "
                                    "Host header\n",
                                    "text/plain; charset=utf-8");
    unsigned threads = opts->threads;
    if (threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus < 1 ? 1 : (cpus > 8 ? 8 : (unsigned)cpus);
    }
    const struct http_limits *lim = &srv->limits;
    unsigned idle_s = (unsigned)((lim->idle_timeout_ms + 999) / 1000);
    unsigned max_conn =
        lim->max_connections > UINT32_MAX ? UINT32_MAX : (unsigned)lim->max_connections;
    unsigned max_per_ip = lim->max_connections_per_ip > UINT32_MAX
                              ? UINT32_MAX
                              : (unsigned)lim->max_connections_per_ip;
    if (pthread_create(&srv->watchdog, NULL, watchdog_main, srv) == 0)
        srv->watchdog_running = 1;
    struct MHD_OptionItem tls[5];
    unsigned flags = tls_options(srv, tls);
    if (srv->watchdog_running && srv->ok && srv->not_found && srv->bad_host)
        srv->daemon = MHD_start_daemon(
            flags, 0, NULL, NULL, handle_request, srv, MHD_OPTION_ARRAY, tls,
            MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT, idle_s,
            MHD_OPTION_CONNECTION_LIMIT, max_conn, MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_ip,
            MHD_OPTION_NOTIFY_CONNECTION, connection_event, srv, MHD_OPTION_NOTIFY_COMPLETED,
            request_completed, srv, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
    if (!srv->daemon) {
        errbuf_set(err, "cannot start the HTTP server on port %u", (unsigned)srv->port);
        close(fd);
        http_stop(srv);
        return NULL;
    }
    exporter_count_requests(exporter, &srv->requests);
    log_info(
        "HTTP server",
        LOG_STR("mode", srv->web && srv->web->tls ? "keep-alive, epoll, TLS" : "keep-alive, epoll"),
        LOG_BOOL("basic_auth", srv->web && srv->web->n_users), LOG_U64("threads", threads),
        LOG_U64("request_timeout_ms", lim->request_timeout_ms),
        LOG_U64("write_timeout_ms", lim->write_timeout_ms),
        LOG_U64("idle_timeout_ms", lim->idle_timeout_ms), LOG_U64("max_connections", max_conn),
        LOG_U64("max_connections_per_ip", max_per_ip),
        LOG_U64("max_inflight_body_bytes", lim->max_inflight_body_bytes));
    /* Each connection is a descriptor: raise the soft open-file limit to what the
     * connection limit needs (as Go programs such as Prometheus do), within the hard one. */
    struct rlimit nofile;
    rlim_t need = (rlim_t)max_conn + HTTP_SPARE_FDS;
    if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur != RLIM_INFINITY &&
        nofile.rlim_cur < need) {
        struct rlimit raised = nofile;
        raised.rlim_cur =
            nofile.rlim_max == RLIM_INFINITY || nofile.rlim_max > need ? need : nofile.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            nofile = raised;
        if (nofile.rlim_cur < need)
            log_warn("open-file limit below the connection limit",
                     LOG_U64("nofile", nofile.rlim_cur), LOG_U64("max_connections", max_conn),
                     LOG_STR("hint", "raise ulimit -n or lower --web.max-connections"));
    }
    return srv;
}

uint16_t http_port(const struct http_server *srv)
{
    return srv->port;
}

void http_stop(struct http_server *srv)
{
    if (!srv)
        return;
    if (srv->watchdog_running) {
        pthread_mutex_lock(&srv->lock);
        resume_delayed_locked(srv, INT64_MAX); /* MHD_stop_daemon wants none suspended */
        srv->watchdog_stop = 1;
        pthread_cond_signal(&srv->wake);
        pthread_mutex_unlock(&srv->lock);
        pthread_join(srv->watchdog, NULL);
    }
    if (srv->daemon)
        MHD_stop_daemon(srv->daemon); /* also closes the listen socket it was given */
    if (srv->exporter)
        exporter_count_requests(srv->exporter, NULL); /* before the counts go */
    if (srv->ok)
        MHD_destroy_response(srv->ok);
    if (srv->not_found)
        MHD_destroy_response(srv->not_found);
    if (srv->bad_host)
        MHD_destroy_response(srv->bad_host);
    pthread_cond_destroy(&srv->wake);
    pthread_mutex_destroy(&srv->lock);
    free(srv->held);
    free(srv->requests.counts);
    free(srv);
}
