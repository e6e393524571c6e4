/* fuzz_api.c - libFuzzer target for the fault API's request bodies (web/api.c, base/json.c,
 * model/fault.c) against a live exporter of tests/e2e/e2e.yaml.
 *
 * Each input is the body of POST /api/v1/faults. The answer must be 201, 400, 404 or 409,
 * and its body one valid JSON document (read back with the strict reader). Faults the input
 * made are deleted again, so every input starts from an empty set. ASan/UBSan catch memory
 * and arithmetic errors. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "config/profile.h"
#include "metrics/budget.h"
#include "metrics/catalog.h"
#include "serve/exporter.h"
#include "serve/world.h"
#include "web/api.h"

#ifndef FUZZ_PROFILE
#define FUZZ_PROFILE "tests/e2e/e2e.yaml"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct exporter *exporter_once(void)
{
    static struct exporter *e;
    if (e)
        return e;
    static struct profile_budget budget;
    catalog_budget(catalog_all(), &budget);
    const char *paths[] = {FUZZ_PROFILE};
    struct fleet *fleet = NULL;
    struct errbuf err;
    if (profile_load(paths, 1, &budget, &fleet, &err) != 0) {
        fprintf(stderr, "fuzz_api: %s (run from the project root)\n", err.msg);
        abort();
    }
    struct world_params params = {1, 0, {"fuzz", "fuzz"}, {0, 1}};
    struct exporter_options opts = {.timestamps = 1, .families = catalog_all()};
    e = exporter_new(world_new_at(fleet, &params, 1795305600ULL), &opts);
    return e;
}

static void check_json(const struct api_reply *out)
{
    struct json_value *v = NULL;
    struct errbuf err;
    if (json_parse(out->body, out->len, &v, &err) != 0 || v->type != JSON_OBJECT) {
        fprintf(stderr, "fuzz_api: invalid JSON answer (%s): %.*s\n", err.msg, (int)out->len,
                out->body);
        abort();
    }
    json_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct exporter *e = exporter_once();
    struct api_reply out;
    api_handle(e, "POST", "/api/v1/faults", (const char *)data, size, &out);
    if (out.status != 201 && out.status != 400 && out.status != 404 && out.status != 409)
        abort();
    check_json(&out);
    if (out.status == 201) {
        struct json_value *v = NULL;
        struct errbuf err;
        if (json_parse(out.body, out.len, &v, &err) == 0) {
            const struct json_value *ids = json_get(json_get(v, "data"), "ids");
            for (size_t i = 0; ids && i < ids->n; i++) {
                char path[64];
                snprintf(path, sizeof(path), "/api/v1/faults/%.0f", ids->items[i].number);
                struct api_reply del;
                api_handle(e, "DELETE", path, NULL, 0, &del);
                if (del.status != 200)
                    abort();
                free(del.body);
            }
            json_free(v);
        }
    }
    free(out.body);
    return 0;
}
