/* pages.c - landing page, /config and /sd (see pages.h). */
#include "web/pages.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/json.h"
#include "base/strbuf.h"
#include "metrics/catalog.h"
#include "metrics/collectors.h"

#define PAGE_MAX_BYTES ((size_t)64 << 20)

static void html_escape(struct strbuf *sb, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<':
            strbuf_puts(sb, "&lt;");
            break;
        case '>':
            strbuf_puts(sb, "&gt;");
            break;
        case '&':
            strbuf_puts(sb, "&amp;");
            break;
        case '"':
            strbuf_puts(sb, "&quot;");
            break;
        default:
            strbuf_putc(sb, *s);
        }
    }
}

static const char *plural(size_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* RFC 3339 UTC, to the millisecond. */
static void format_time(int64_t ms, char *out, size_t n)
{
    time_t secs = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + k, n - k, ".%03dZ", (int)(ms % 1000));
}

/* The body, or NULL if it outgrew PAGE_MAX_BYTES (never a truncated page). */
static char *finish(struct strbuf *sb, size_t *len)
{
    if (sb->overflow) {
        strbuf_cleanup(sb);
        return NULL;
    }
    return strbuf_release(sb, len);
}

static void landing_config(struct strbuf *sb, const struct world *w,
                           const struct exporter_options *eo, const struct page_info *info)
{
    char start[40];
    format_time(w->params.process_start_ms, start, sizeof(start));
    strbuf_puts(sb, "<h2>Configuration</h2>\n<table>\n<tr><td>profiles</td><td>");
    for (size_t i = 0; i < info->n_profiles; i++) {
        strbuf_puts(sb, i ? ", " : "");
        html_escape(sb, info->profiles[i]);
    }
    uint64_t per_port = catalog_series_per(SCOPE_PORT, eo->families);
    strbuf_appendf(sb,
                   "</td></tr>\n<tr><td>seed</td><td>%" PRIu64 "</td></tr>\n"
                   "<tr><td>tick</td><td>%" PRIu64 " ms</td></tr>\n"
                   "<tr><td>start time (tick 0)</td><td>%s</td></tr>\n"
                   "<tr><td>timestamps</td><td>%s</td></tr>\n"
                   "<tr><td>series per port</td><td>%" PRIu64 " (<code>--metrics.port-families"
                   "</code>)</td></tr>\n<tr><td>series</td><td>%" PRIu64 "</td></tr>\n"
                   "<tr><td>reload</td><td>SIGHUP%s</td></tr>\n</table>\n",
                   w->params.seed, w->fleet->tick_ms, start, eo->timestamps ? "on" : "off",
                   per_port,
                   catalog_series_count(w->fleet->n_devices, w->fleet->n_ports, eo->families),
                   info->lifecycle ? ", POST -/reload" : "");
}

char *pages_landing(const struct world *w, const struct exporter_options *eo,
                    const struct page_info *info, size_t *len)
{
    const struct fleet *fleet = w->fleet;
    struct strbuf sb;
    strbuf_init(&sb, 8192, PAGE_MAX_BYTES);
    strbuf_puts(&sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
                     "<title>switchsim</title></head>\n<body>\n<h1>switchsim</h1>\n"
                     "<p>Simulated network-switch telemetry for Prometheus. Version ");
    html_escape(&sb, info->version);
    strbuf_puts(&sb, " (revision ");
    html_escape(&sb, info->revision);
    /* Relative links: the page also works behind a reverse proxy's path prefix. */
    strbuf_puts(&sb, ").</p>\n<p><a href=\"metrics\">Metrics</a> (the whole fleet) &middot; "
                     "<a href=\"sd\">Service discovery</a> (one target per device) &middot; "
                     "<a href=\"config\">Configuration</a> &middot; "
                     "<a href=\"-/healthy\">health</a> &middot; "
                     "<a href=\"-/ready\">readiness</a></p>\n");
    landing_config(&sb, w, eo, info);
    strbuf_appendf(&sb, "<h2>%zu %s, %zu %s</h2>\n<ul>\n", fleet->n_devices,
                   plural(fleet->n_devices, "device", "devices"), fleet->n_ports,
                   plural(fleet->n_ports, "port", "ports"));
    for (size_t d = 0; d < fleet->n_devices && d < PAGES_MAX_DEVICES; d++) {
        const struct device *dev = &fleet->devices[d];
        strbuf_puts(&sb, "<li><a href=\"probe?target=");
        html_escape(&sb, dev->name); /* names hold no URL-special characters of concern */
        strbuf_puts(&sb, "\">");
        html_escape(&sb, dev->name);
        strbuf_puts(&sb, "</a> (");
        html_escape(&sb, dev->vendor);
        strbuf_putc(&sb, ' ');
        html_escape(&sb, dev->model);
        strbuf_appendf(&sb, ", %zu %s)</li>\n", dev->n_ports,
                       plural(dev->n_ports, "port", "ports"));
    }
    if (fleet->n_devices > PAGES_MAX_DEVICES)
        strbuf_appendf(&sb, "<li>and %zu more</li>\n", fleet->n_devices - PAGES_MAX_DEVICES);
    strbuf_puts(&sb, "</ul>\n</body>\n</html>\n");
    return finish(&sb, len);
}

static void yaml_string(struct strbuf *sb, const char *s)
{
    json_put_string(sb, s, strlen(s)); /* a JSON string is a YAML double-quoted scalar */
}

static void config_port(struct strbuf *sb, const struct port *port)
{
    const struct port_spec *s = port->spec;
    const struct traffic_model *t = &s->traffic;
    static const char *const pins[] = {"auto", "up", "down"};
    strbuf_puts(sb, "      - name: ");
    yaml_string(sb, port->name);
    strbuf_appendf(sb, "\n        speed_bps: %" PRIu64 "\n        type: ", s->speed_bps);
    yaml_string(sb, s->type);
    strbuf_puts(sb, "\n        description: ");
    yaml_string(sb, s->description);
    strbuf_appendf(sb,
                   "\n        admin: %s\n        buffer: {capacity_bytes: %" PRIu64 "}\n"
                   "        traffic: {utilization: %g, daily_swing: %g, peak_hour: %g, noise: %g, "
                   "noise_period_ms: %" PRIu64 ", port_spread: %g, microbursts_per_s: %g, "
                   "microburst_bytes: %" PRIu64 ", packet_size_bytes: %" PRIu64
                   ", error_ratio: %g, bad_link_share: %g}\n"
                   "        link: {mtbf_ms: %" PRIu64 ", mttr_ms: %" PRIu64 ", state: %s}\n",
                   s->admin_down ? "down" : "up", s->buffer_capacity_bytes, t->utilization,
                   t->daily_swing, t->peak_hour_utc, t->noise, t->noise_period_ms, t->port_spread,
                   t->microbursts_per_s, t->microburst_bytes, t->packet_size_bytes, t->error_ratio,
                   t->bad_link_share, s->link.mtbf_ms, s->link.mttr_ms, pins[s->link.pin]);
}

char *pages_config(const struct world *w, const struct exporter_options *eo, size_t *len)
{
    const struct fleet *fleet = w->fleet;
    struct strbuf sb;
    strbuf_init(&sb, 16384, PAGE_MAX_BYTES);
    char start[40];
    format_time(w->params.process_start_ms, start, sizeof(start));
    strbuf_appendf(&sb,
                   "# The loaded profiles as resolved: templates, port groups and overrides\n"
                   "# applied, units in the key names. Not a profile to load back.\n"
                   "simulation: {tick_ms: %" PRIu64 ", seed: %" PRIu64 ", start_time: \"%s\", "
                   "timestamps: %s}\n"
                   "devices: # %zu devices, %zu ports\n",
                   fleet->tick_ms, w->params.seed, start, eo->timestamps ? "true" : "false",
                   fleet->n_devices, fleet->n_ports);
    for (size_t d = 0; d < fleet->n_devices && d < PAGES_MAX_DEVICES; d++) {
        const struct device *dev = &fleet->devices[d];
        strbuf_puts(&sb, "  - name: ");
        yaml_string(&sb, dev->name);
        strbuf_puts(&sb, "\n    vendor: ");
        yaml_string(&sb, dev->vendor);
        strbuf_puts(&sb, "\n    model: ");
        yaml_string(&sb, dev->model);
        strbuf_appendf(&sb, "\n    reboot: {mtbf_ms: %" PRIu64 ", duration_ms: %" PRIu64 "}",
                       dev->reboot_mtbf_ms, dev->boot_duration_ms);
        strbuf_puts(&sb, "\n    labels: {");
        for (size_t l = 0; l < dev->n_labels; l++) {
            strbuf_appendf(&sb, "%s%s: ", l ? ", " : "", dev->labels[l].name);
            yaml_string(&sb, dev->labels[l].value);
        }
        strbuf_puts(&sb, "}\n    ports:\n");
        for (size_t p = 0; p < dev->n_ports; p++)
            config_port(&sb, &dev->ports[p]);
    }
    if (fleet->n_devices > PAGES_MAX_DEVICES)
        strbuf_appendf(&sb, "# and %zu more devices, not shown\n",
                       fleet->n_devices - PAGES_MAX_DEVICES);
    return finish(&sb, len);
}

static void json_pair(struct strbuf *sb, const char *prefix, const char *key, const char *value)
{
    strbuf_putc(sb, '"');
    strbuf_puts(sb, prefix);
    strbuf_puts(sb, key); /* label names are validated: no escaping needed */
    strbuf_puts(sb, "\":");
    json_put_string(sb, value, strlen(value));
}

char *pages_sd(const struct world *w, const char *address, size_t *len)
{
    const struct fleet *fleet = w->fleet;
    struct strbuf sb;
    strbuf_init(&sb, 256 + fleet->n_devices * 256, PAGE_MAX_BYTES);
    strbuf_putc(&sb, '[');
    for (size_t d = 0; d < fleet->n_devices; d++) {
        const struct device *dev = &fleet->devices[d];
        strbuf_puts(&sb, d ? ",\n{\"targets\":[" : "\n{\"targets\":[");
        json_put_string(&sb, address, strlen(address));
        strbuf_puts(&sb, "],\"labels\":{\"__metrics_path__\":\"/probe\",");
        json_pair(&sb, "", "__param_target", dev->name);
        strbuf_putc(&sb, ',');
        json_pair(&sb, "", "instance", dev->name);
        strbuf_putc(&sb, ',');
        json_pair(&sb, "__meta_switchsim_", "vendor", dev->vendor);
        strbuf_putc(&sb, ',');
        json_pair(&sb, "__meta_switchsim_", "model", dev->model);
        for (size_t l = 0; l < dev->n_labels; l++) {
            strbuf_putc(&sb, ',');
            json_pair(&sb, "__meta_switchsim_label_", dev->labels[l].name, dev->labels[l].value);
        }
        strbuf_puts(&sb, "}}");
    }
    strbuf_puts(&sb, "\n]\n");
    return finish(&sb, len);
}
