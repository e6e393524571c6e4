/* api.h - the fault API (docs/INCIDENTS.md): JSON over HTTP under /api/v1/.
 *
 *   GET    /api/v1/targets      devices, ports, links and the fault kinds
 *   GET    /api/v1/faults       faults active now or later
 *   POST   /api/v1/faults       {"kind", "target", "duration", "params"} -> 201 and the fault
 *   DELETE /api/v1/faults/{id}  ends a fault at the next tick
 *
 * Replies use Prometheus's API envelope: {"status":"success","data":...} or
 * {"status":"error","errorType":...,"error":"one line"}. Bad JSON, unknown kinds, targets
 * and parameters, out-of-range values: 4xx and nothing applied.
 *
 * No libmicrohttpd here: http.c hands over the method, path and body, enables the API only
 * with --web.enable-admin-api, and applies the web config's authentication before it.
 * Threading: any thread (the exporter serializes). */
#ifndef SWITCHSIM_API_H
#define SWITCHSIM_API_H

#include <stddef.h>

#include "serve/exporter.h"

#define API_PREFIX "/api/v1/"

struct api_reply {
    unsigned status;
    char *body; /* malloc'd JSON, ends in a newline; the caller frees it */
    size_t len;
    const char *allow; /* the Allow header of a 405, else NULL */
};

/* Whether path is under the API. */
int api_path(const char *path);

/* Answers one request. body may be NULL (no body). */
void api_handle(struct exporter *e, const char *method, const char *path, const char *body,
                size_t body_len, struct api_reply *out);

#endif /* SWITCHSIM_API_H */
