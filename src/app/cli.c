/* cli.c - command-line parsing (getopt_long). */
#include "app/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <string.h>

#include "base/units.h"
#include "metrics/catalog.h"

void cli_usage(FILE *to)
{
    fprintf(to,
            "Usage: switchsim [flags]\n"
            "\n"
            "Simulated network-switch telemetry for Prometheus.\n"
            "\n"
            "Flags:\n"
            "  --profile PATH              profile file, or directory of *.yaml (repeatable;\n"
            "                              default: the installed profiles/default.yaml)\n"
            "  -p, --port N                port to listen on (default %d)\n"
            "  --web.listen-address ADDR   HOST:PORT or :PORT to listen on (default :%d,\n"
            "                              all interfaces)\n"
            "  --seed N                    random seed (default: the profile's, else 1)\n"
            "  --start-time T              simulated time of tick 0, RFC 3339 UTC or Unix\n"
            "                              seconds, not in the future (default: now)\n"
            "  --no-timestamps             expose samples without timestamps\n"
            "  --metrics.port-families L   comma-separated per-port families to expose,\n"
            "                              e.g. switch_port_link_up,switch_port_rx_packets_total\n"
            "                              (default all; see docs/METRICS.md)\n"
            "  --check-config              validate the profiles and exit\n"
            "  --log.level LEVEL           debug, info, warn or error (default info)\n"
            "  --version                   print the version and exit\n"
            "  -h, --help                  print this help and exit\n",
            CLI_DEFAULT_PORT, CLI_DEFAULT_PORT);
}

int cli_parse_listen_address(const char *text, char *host, size_t host_bytes, uint16_t *port,
                             struct errbuf *err)
{
    const char *colon = NULL;
    const char *h = text;
    size_t hlen = 0;
    if (text[0] == '[') {
        const char *close = strchr(text, ']');
        if (!close || close[1] != ':')
            return errbuf_set(err, "--web.listen-address: expected [IPV6]:PORT, got \"%s\"", text);
        h = text + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon)
            return errbuf_set(err, "--web.listen-address: expected HOST:PORT or :PORT, got \"%s\"",
                              text);
        hlen = (size_t)(colon - text);
    }
    if (hlen >= host_bytes)
        return errbuf_set(err, "--web.listen-address: host is too long");
    uint64_t p = 0;
    if (units_parse_u64(colon + 1, &p, NULL) < 0 || p > 65535)
        return errbuf_set(err, "--web.listen-address: port must be 0-65535, got \"%s\"", colon + 1);
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = (uint16_t)p;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int cli_parse_time_ms(const char *text, int64_t *out_ms, struct errbuf *err)
{
    uint64_t secs = 0;
    if (units_parse_u64(text, &secs, NULL) == 0) {
        if (secs > 253402300799ULL)
            return errbuf_set(err, "--start-time: %s is too far in the future", text);
        *out_ms = (int64_t)secs * 1000;
        return 0;
    }
    unsigned y, mo, d, h, mi, s, ms = 0;
    const char *t = text;
    if (strlen(t) < 20 || digits(t, 4, &y) || t[4] != '-' || digits(t + 5, 2, &mo) || t[7] != '-' ||
        digits(t + 8, 2, &d) || (t[10] != 'T' && t[10] != 't') || digits(t + 11, 2, &h) ||
        t[13] != ':' || digits(t + 14, 2, &mi) || t[16] != ':' || digits(t + 17, 2, &s))
        goto bad;
    t += 19;
    if (*t == '.') {
        unsigned frac = 0;
        int n = 0;
        for (t++; isdigit((unsigned char)*t); t++, n++)
            if (n < 3)
                frac = frac * 10 + (unsigned)(*t - '0');
        if (n == 0)
            goto bad;
        for (; n < 3; n++)
            frac *= 10;
        ms = frac;
    }
    if (strcmp(t, "Z") != 0 && strcmp(t, "z") != 0)
        goto bad;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        goto bad;
    *out_ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)s * 1000 + ms;
    return 0;
bad:
    return errbuf_set(err,
                      "--start-time: expected RFC 3339 UTC such as 2026-11-22T08:00:00Z or Unix "
                      "seconds, got \"%s\"",
                      text);
}

enum {
    OPT_PROFILE = 256,
    OPT_LISTEN,
    OPT_SEED,
    OPT_START,
    OPT_NO_TS,
    OPT_FAMILIES,
    OPT_CHECK,
    OPT_LOG_LEVEL,
    OPT_VERSION,
};

int cli_parse(int argc, char **argv, struct options *out, struct errbuf *err)
{
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, OPT_PROFILE},
        {"port", required_argument, NULL, 'p'},
        {"web.listen-address", required_argument, NULL, OPT_LISTEN},
        {"seed", required_argument, NULL, OPT_SEED},
        {"start-time", required_argument, NULL, OPT_START},
        {"no-timestamps", no_argument, NULL, OPT_NO_TS},
        {"metrics.port-families", required_argument, NULL, OPT_FAMILIES},
        {"check-config", no_argument, NULL, OPT_CHECK},
        {"log.level", required_argument, NULL, OPT_LOG_LEVEL},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(out, 0, sizeof(*out));
    out->listen_port = CLI_DEFAULT_PORT;
    out->timestamps = 1;
    out->families = catalog_all();
    out->log_level = LOG_LEVEL_INFO;
    int port_flag = -1;
    optind = 1;
    opterr = 0; /* we print our own message, once, with usage */
    for (;;) {
        int longindex = 0;
        int c = getopt_long(argc, argv, ":p:h", longopts, &longindex);
        if (c == -1)
            break;
        uint64_t n = 0;
        switch (c) {
        case OPT_PROFILE:
            if (out->n_profiles == CLI_MAX_PROFILES)
                return errbuf_set(err, "--profile: at most %d profiles", CLI_MAX_PROFILES);
            out->profiles[out->n_profiles++] = optarg;
            break;
        case 'p':
            if (units_parse_u64(optarg, &n, NULL) < 0 || n > 65535)
                return errbuf_set(err, "--port: expected a port number 0-65535, got \"%s\"",
                                  optarg);
            port_flag = (int)n;
            break;
        case OPT_LISTEN:
            if (cli_parse_listen_address(optarg, out->listen_host, sizeof(out->listen_host),
                                         &out->listen_port, err) < 0)
                return -1;
            break;
        case OPT_SEED:
            if (units_parse_u64(optarg, &out->seed, NULL) < 0)
                return errbuf_set(err, "--seed: expected a non-negative integer, got \"%s\"",
                                  optarg);
            out->seed_set = 1;
            break;
        case OPT_START:
            if (cli_parse_time_ms(optarg, &out->start_ms, err) < 0)
                return -1;
            out->start_set = 1;
            break;
        case OPT_NO_TS:
            out->timestamps = 0;
            break;
        case OPT_FAMILIES:
            if (catalog_select(optarg, SCOPE_PORT, "--metrics.port-families", &out->families, err) <
                0)
                return -1;
            break;
        case OPT_CHECK:
            out->check_config = 1;
            break;
        case OPT_LOG_LEVEL:
            if (log_level_parse(optarg, &out->log_level) < 0)
                return errbuf_set(
                    err, "--log.level: expected debug, info, warn or error, got \"%s\"", optarg);
            break;
        case OPT_VERSION:
            out->show_version = 1;
            break;
        case 'h':
            out->show_help = 1;
            break;
        case ':':
            /* For long options optopt holds our enum value, not a character. */
            if (optopt > 0 && optopt < 128 && isalnum(optopt))
                return errbuf_set(err, "-%c needs a value", optopt);
            return errbuf_set(err, "%s needs a value", argv[optind - 1]);
        default:
            if (optopt > 0 && optopt < 128 && isalnum(optopt))
                return errbuf_set(err, "unknown flag -%c", optopt);
            return errbuf_set(err, "unknown flag %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return errbuf_set(err, "unexpected argument \"%s\" (profiles go after --profile)",
                          argv[optind]);
    if (port_flag >= 0)
        out->listen_port = (uint16_t)port_flag;
    return 0;
}
