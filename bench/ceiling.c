/* ceiling.c - the benchmark's ceiling: a minimal libmicrohttpd server that answers every
 * GET with a pre-rendered copy of switchsim's own response (identity, and gzip when the
 * request accepts it). It is the best this library does: connections kept alive
 * (response queued on the access handler's second call: queued on the first, the library
 * closes the connection), epoll in internal threads (one per CPU, at most 8) with
 * opportunistic reads and writes (MHD_USE_TURBO), responses created once. The ratio
 * switchsim/ceiling measures switchsim's own per-scrape work.
 *
 * Usage: ceiling PORT BODY_FILE [GZIP_FILE]     (listens on 127.0.0.1 only)
 * Prints its mode on stderr: "ceiling: mode: keep-alive, epoll, N threads". */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>

#include <microhttpd.h>

static struct MHD_Response *identity_response, *gzip_response;

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    *len = fread(buf, 1, (size_t)n, fp);
    fclose(fp);
    return buf;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    (void)cls, (void)url, (void)method, (void)version, (void)upload_data, (void)upload_data_size;
    static int seen;
    if (!*req_cls) { /* headers in: answer on the next call, when the request is complete */
        *req_cls = &seen;
        return MHD_YES;
    }
    const char *ae = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Accept-Encoding");
    int gz = gzip_response && ae && strstr(ae, "gzip");
    return MHD_queue_response(conn, MHD_HTTP_OK, gz ? gzip_response : identity_response);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: ceiling PORT BODY_FILE [GZIP_FILE]\n");
        return 2;
    }
    size_t len = 0, gz_len = 0;
    char *body = slurp(argv[2], &len);
    char *gz = argc > 3 ? slurp(argv[3], &gz_len) : NULL;
    if (!body || (argc > 3 && !gz)) {
        fprintf(stderr, "ceiling: cannot read the body files\n");
        return 1;
    }
    identity_response = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(identity_response, "Content-Type",
                            "text/plain; version=0.0.4; charset=utf-8");
    if (gz) {
        gzip_response = MHD_create_response_from_buffer(gz_len, gz, MHD_RESPMEM_PERSISTENT);
        MHD_add_response_header(gzip_response, "Content-Type",
                                "text/plain; version=0.0.4; charset=utf-8");
        MHD_add_response_header(gzip_response, "Content-Encoding", "gzip");
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cpus < 1 ? 1 : (cpus > 8 ? 8 : (unsigned)cpus);
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_TURBO, 0, NULL, NULL, handle, NULL,
        MHD_OPTION_SOCK_ADDR, &addr, MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_CONNECTION_LIMIT, 1024u, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "ceiling: cannot listen on 127.0.0.1:%s\n", argv[1]);
        return 1;
    }
    fprintf(stderr, "ceiling: listening on 127.0.0.1:%s\n", argv[1]);
    fprintf(stderr, "ceiling: mode: keep-alive, epoll, %u thread%s\n", threads,
            threads == 1 ? "" : "s");
    int sig;
    sigwait(&stop, &sig);
    MHD_stop_daemon(d);
    MHD_destroy_response(identity_response);
    if (gzip_response)
        MHD_destroy_response(gzip_response);
    free(body);
    free(gz);
    return 0;
}
