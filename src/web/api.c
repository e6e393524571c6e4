/* api.c - the fault API (api.h). */
#include "web/api.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "base/units.h"
#include "model/fault.h"

int api_path(const char *path)
{
    return strncmp(path, API_PREFIX, strlen(API_PREFIX)) == 0;
}

static void reply_json(struct api_reply *out, unsigned status, struct strbuf *sb)
{
    size_t len = 0;
    out->status = status;
    out->body = strbuf_release(sb, &len);
    out->len = len;
}

/* errorType as Prometheus names them: bad_data (400), not_found (404), ... */
static void reply_error(struct api_reply *out, unsigned status, const char *type, const char *why)
{
    struct strbuf sb;
    strbuf_init(&sb, 256, 64 * 1024);
    strbuf_puts(&sb, "{\"status\":\"error\",\"errorType\":");
    json_put_string(&sb, type, strlen(type));
    strbuf_puts(&sb, ",\"error\":");
    json_put_string(&sb, why, strlen(why));
    strbuf_puts(&sb, "}\n");
    reply_json(out, status, &sb);
}

static void put_name(struct strbuf *sb, const char *s)
{
    json_put_string(sb, s, strlen(s));
}

static void serve_targets(struct exporter *e, struct api_reply *out)
{
    struct world *w = exporter_world(e);
    const struct fleet *f = w->fleet;
    struct strbuf sb;
    strbuf_init(&sb, 4096 + f->n_ports * 96, SWITCHSIM_MAX_BODY_BYTES);
    strbuf_puts(&sb, "{\"status\":\"success\",\"data\":{\"devices\":[");
    for (size_t d = 0; d < f->n_devices; d++) {
        const struct device *dev = &f->devices[d];
        strbuf_puts(&sb, d ? ",{\"name\":" : "{\"name\":");
        put_name(&sb, dev->name);
        strbuf_puts(&sb, ",\"ports\":[");
        for (size_t k = 0; k < dev->n_ports; k++) {
            strbuf_puts(&sb, k ? "," : "");
            put_name(&sb, dev->ports[k].name);
        }
        strbuf_puts(&sb, "]}");
    }
    strbuf_puts(&sb, "],\"links\":[");
    for (size_t l = 0; l < f->n_links; l++) {
        size_t ends[2] = {f->links[l].a, f->links[l].b};
        strbuf_puts(&sb, l ? ",[" : "[");
        for (int i = 0; i < 2; i++) {
            /* the device of a port: the last device whose first port is at or before it */
            size_t lo = 0, hi = f->n_devices;
            while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;
                if (f->devices[mid].first_port_index <= ends[i])
                    lo = mid;
                else
                    hi = mid;
            }
            const struct device *dev = &f->devices[lo];
            if (i)
                strbuf_putc(&sb, ',');
            struct strbuf name;
            strbuf_init(&name, 128, 4 * SWITCHSIM_MAX_NAME_BYTES);
            strbuf_appendf(&name, "%s:%s", dev->name,
                           dev->ports[ends[i] - dev->first_port_index].name);
            json_put_string(&sb, name.data, name.len);
            strbuf_cleanup(&name);
        }
        strbuf_puts(&sb, "]");
    }
    strbuf_puts(&sb, "],\"kinds\":[");
    for (int k = 0; k < FAULT_KIND_COUNT; k++) {
        const struct fault_kind_info *info = &fault_kinds[k];
        strbuf_puts(&sb, k ? ",{\"name\":" : "{\"name\":");
        put_name(&sb, info->name);
        strbuf_appendf(&sb, ",\"target\":\"%s\",\"summary\":",
                       info->target == FAULT_ON_DEVICE ? "DEVICE" : "DEVICE:PORT");
        put_name(&sb, info->summary);
        strbuf_puts(&sb, ",\"params\":[");
        for (size_t i = 0; i < info->n_params; i++) {
            const struct fault_param_info *p = &info->params[i];
            double scale = strcmp(p->unit, "s") == 0 ? 1000.0 : 1.0;
            strbuf_appendf(
                &sb, "%s{\"name\":\"%s\",\"unit\":\"%s\",\"min\":%g,\"max\":%g,\"default\":%g}",
                i ? "," : "", p->name, p->unit, p->min / scale, p->max / scale, p->def / scale);
        }
        strbuf_puts(&sb, "]}");
    }
    strbuf_puts(&sb, "],\"incidents\":[");
    for (size_t i = 0; i < INCIDENT_COUNT; i++) {
        strbuf_puts(&sb, i ? ",{\"name\":" : "{\"name\":");
        put_name(&sb, incidents[i].name);
        strbuf_appendf(&sb, ",\"target\":\"%s\",\"summary\":",
                       incidents[i].target == FAULT_ON_DEVICE ? "DEVICE" : "DEVICE:PORT");
        put_name(&sb, incidents[i].summary);
        strbuf_puts(&sb, "}");
    }
    strbuf_puts(&sb, "]}}\n");
    world_release(w);
    reply_json(out, 200, &sb);
}

/* A duration given as a JSON number of seconds or a string with units ("90s", "5m"). */
static int read_duration_ms(const struct json_value *v, const char *what, uint64_t *ms,
                            struct errbuf *err)
{
    if (v->type == JSON_STRING)
        return units_parse_duration_ms(v->string, ms, err) < 0
                   ? errbuf_set(err, "%s: %s", what, err->msg)
                   : 0;
    if (v->type == JSON_NUMBER && v->number >= 0 && v->number * 1000.0 < 1.8e19) {
        *ms = (uint64_t)llround(v->number * 1000.0);
        return 0;
    }
    return errbuf_set(err, "%s must be a duration: seconds as a number, or a string like \"5m\"",
                      what);
}

static int read_fault_request(const struct json_value *doc, struct fault_spec *req,
                              struct errbuf *err)
{
    static const char *const known[] = {"kind", "target", "duration", "params"};
    if (doc->type != JSON_OBJECT)
        return errbuf_set(err, "the body must be a JSON object");
    for (size_t i = 0; i < doc->n; i++) {
        size_t k = 0;
        while (k < 4 && strcmp(doc->keys[i], known[k]) != 0)
            k++;
        if (k == 4)
            return errbuf_set(err,
                              "unknown field \"%.64s\" (known: kind, target, duration, params)",
                              doc->keys[i]);
    }
    const struct json_value *kind = json_get(doc, "kind"), *target = json_get(doc, "target");
    if (!kind || kind->type != JSON_STRING)
        return errbuf_set(err, "\"kind\" must be a string: one of GET /api/v1/targets' kinds");
    req->kind = fault_kind_by_name(kind->string);
    req->incident = req->kind < 0 ? incident_by_name(kind->string) : NULL;
    if (req->kind < 0 && !req->incident)
        return errbuf_set(err,
                          "unknown kind \"%.64s\" (GET /api/v1/targets lists kinds and incidents)",
                          kind->string);
    if (!target || target->type != JSON_STRING)
        return errbuf_set(err, "\"target\" must be a string: \"DEVICE\" or \"DEVICE:PORT\"");
    req->target = target->string;
    const struct json_value *duration = json_get(doc, "duration");
    req->duration_ms = 0;
    if (duration && duration->type != JSON_NULL &&
        read_duration_ms(duration, "duration", &req->duration_ms, err) < 0)
        return -1;
    const struct json_value *params = json_get(doc, "params");
    req->n_params = 0;
    if (params && params->type != JSON_NULL) {
        if (params->type != JSON_OBJECT)
            return errbuf_set(err, "\"params\" must be an object");
        if (params->n > sizeof(req->param_values) / sizeof(req->param_values[0]))
            return errbuf_set(err, "too many params");
        for (size_t i = 0; i < params->n; i++) {
            const struct json_value *v = &params->items[i];
            const char *unit = "";
            const struct fault_kind_info *info = req->kind >= 0 ? &fault_kinds[req->kind] : NULL;
            for (size_t p = 0; info && p < info->n_params; p++)
                if (strcmp(info->params[p].name, params->keys[i]) == 0)
                    unit = info->params[p].unit;
            double value = 0;
            if (strcmp(unit, "s") == 0) {
                uint64_t ms = 0;
                if (read_duration_ms(v, params->keys[i], &ms, err) < 0)
                    return -1;
                value = (double)ms;
            } else if (v->type == JSON_NUMBER) {
                value = v->number;
            } else {
                return errbuf_set(err, "param \"%.64s\" must be a number", params->keys[i]);
            }
            req->param_names[req->n_params] = params->keys[i];
            req->param_values[req->n_params++] = value;
        }
    }
    return 0;
}

static void create_fault(struct exporter *e, const char *body, size_t len, struct api_reply *out)
{
    struct errbuf err;
    struct json_value *doc = NULL;
    if (!body || json_parse(body, len, &doc, &err) < 0) {
        char why[ERRBUF_MSG_BYTES + 32];
        snprintf(why, sizeof(why), "bad JSON: %s", body ? err.msg : "no body");
        reply_error(out, 400, "bad_data", why);
        return;
    }
    struct fault_spec req;
    memset(&req, 0, sizeof(req));
    req.source = "api";
    uint64_t ids[4];
    size_t n_ids = 0;
    if (read_fault_request(doc, &req, &err) < 0) {
        reply_error(out, 400, "bad_data", err.msg);
    } else if (exporter_add_fault(e, &req, ids, &n_ids, &err) < 0) {
        /* unknown devices and ports are "not found"; the rest is bad data */
        int missing = strncmp(err.msg, "no device", 9) == 0 || strstr(err.msg, " has no port ");
        int full = strstr(err.msg, "faults are held already") != NULL;
        reply_error(out, missing ? 404 : (full ? 409 : 400),
                    missing ? "not_found" : (full ? "unavailable" : "bad_data"), err.msg);
    } else {
        struct strbuf sb;
        strbuf_init(&sb, 256, 64 * 1024);
        strbuf_appendf(&sb, "{\"status\":\"success\",\"data\":{\"id\":%" PRIu64 ",\"ids\":[",
                       ids[0]);
        for (size_t i = 0; i < n_ids; i++)
            strbuf_appendf(&sb, "%s%" PRIu64, i ? "," : "", ids[i]);
        strbuf_puts(&sb, "]}}\n");
        reply_json(out, 201, &sb);
    }
    json_free(doc);
}

static void delete_fault(struct exporter *e, const char *id_text, struct api_reply *out)
{
    uint64_t id;
    struct errbuf err;
    if (units_parse_u64(id_text, &id, &err) < 0 || id == 0) {
        reply_error(out, 400, "bad_data", "a fault id is a positive whole number");
        return;
    }
    int rc = exporter_end_fault(e, id);
    if (rc == -2) {
        reply_error(out, 409, "bad_data",
                    "this fault is a scenario event: change the profile's scenario and reload");
        return;
    }
    if (rc < 0) {
        reply_error(out, 404, "not_found", "no active fault with this id");
        return;
    }
    struct strbuf sb;
    strbuf_init(&sb, 64, 1024);
    strbuf_puts(&sb, "{\"status\":\"success\"}\n");
    reply_json(out, 200, &sb);
}

void api_handle(struct exporter *e, const char *method, const char *path, const char *body,
                size_t body_len, struct api_reply *out)
{
    memset(out, 0, sizeof(*out));
    const char *rest = path + strlen(API_PREFIX);
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    if (strcmp(rest, "targets") == 0) {
        if (get)
            serve_targets(e, out);
        else
            out->allow = "GET, HEAD";
    } else if (strcmp(rest, "faults") == 0) {
        if (get) {
            struct strbuf sb;
            strbuf_init(&sb, 1024, SWITCHSIM_MAX_BODY_BYTES);
            strbuf_puts(&sb, "{\"status\":\"success\",\"data\":");
            exporter_faults_json(e, &sb);
            sb.len--; /* its newline */
            strbuf_puts(&sb, "}\n");
            reply_json(out, 200, &sb);
        } else if (strcmp(method, "POST") == 0) {
            create_fault(e, body, body_len, out);
        } else {
            out->allow = "GET, HEAD, POST";
        }
    } else if (strncmp(rest, "faults/", 7) == 0 && rest[7]) {
        if (strcmp(method, "DELETE") == 0)
            delete_fault(e, rest + 7, out);
        else
            out->allow = "DELETE";
    } else {
        reply_error(out, 404, "not_found", "no such API endpoint (see docs/INCIDENTS.md)");
    }
    if (out->allow)
        reply_error(out, 405, "bad_data", "method not allowed");
}
