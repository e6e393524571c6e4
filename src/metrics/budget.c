/* budget.c - load-time limits from the catalog (see budget.h). */
#include "metrics/budget.h"

#include <string.h>

#include "metrics/catalog.h"
#include "model/fault.h"
#include "model/model.h"

/* " " + a 20-digit value (or a 32-byte double) + " " + a 20-byte timestamp + "\n". */
#define SAMPLE_TAIL_BYTES (1 + 32 + 1 + 20 + 1)
/* The identity labels, without their values (counted by the loader). */
#define PORT_LABELS_BYTES   (sizeof("{device=\"\",port=\"\"}") - 1)
#define DEVICE_LABELS_BYTES (sizeof("{device=\"\"}") - 1)
/* The port info family's extra labels without type and description (counted by the loader);
 * the speed label's value ("2.5G", "100M") is at most this long. */
#define PORT_INFO_EXTRA_BYTES   (sizeof(",speed=\"\",type=\"\",description=\"\"") - 1 + 16)
#define DEVICE_INFO_EXTRA_BYTES (sizeof(",vendor=\"\",model=\"\"") - 1)

static uint64_t longest_state(const struct expo_family *fam)
{
    uint64_t n = 0;
    for (size_t s = 0; s < fam->n_states; s++)
        if (strlen(fam->state_names[s]) > n)
            n = strlen(fam->state_names[s]);
    /* `,<label>=""` where the label is "state" or, in OpenMetrics, the family's name. */
    return n + strlen(fam->name) + 4;
}

/* Bytes of one entity's lines of this row, besides the profile's strings. */
static uint64_t row_line_bytes(const struct metric_def *row)
{
    const struct expo_family *fam = &row->family;
    uint64_t per_series = strlen(fam->name) + SAMPLE_TAIL_BYTES;
    if (row->scope == SCOPE_PORT)
        per_series += PORT_LABELS_BYTES + (fam->type == METRIC_INFO ? PORT_INFO_EXTRA_BYTES : 0);
    else if (row->scope == SCOPE_DEVICE)
        per_series +=
            DEVICE_LABELS_BYTES + (fam->type == METRIC_INFO ? DEVICE_INFO_EXTRA_BYTES : 0);
    else
        per_series += 64; /* build labels, format labels */
    if (fam->type == METRIC_STATESET)
        per_series += longest_state(fam);
    return per_series * catalog_row_series(row);
}

/* "# HELP", "# TYPE" and "# UNIT" lines of a row, at their longest. */
static uint64_t row_metadata_bytes(const struct metric_def *row)
{
    uint64_t name = strlen(row->family.name);
    return 3 * (7 + name + 1) + 2 * strlen(row->family.help) + 16 + strlen(row->family.unit) + 8;
}

void catalog_budget(uint64_t families, struct profile_budget *out)
{
    memset(out, 0, sizeof(*out));
    out->series_per_port = catalog_series_per(SCOPE_PORT, families);
    out->series_per_device = catalog_series_per(SCOPE_DEVICE, families);
    out->fixed_series = catalog_series_per(SCOPE_SELF, families);
    out->max_series = SWITCHSIM_MAX_SERIES;
    out->fixed_body_bytes = sizeof("# EOF\n");
    for (size_t i = 0; i < catalog_n_rows; i++) {
        const struct metric_def *row = &catalog_rows[i];
        if (!(families >> i & 1))
            continue;
        out->fixed_body_bytes += row_metadata_bytes(row);
        int info = row->family.type == METRIC_INFO;
        switch (row->scope) {
        case SCOPE_PORT:
            out->port_fixed_bytes += row_line_bytes(row);
            out->port_attr_series += info ? catalog_row_series(row) : 0;
            break;
        case SCOPE_DEVICE:
            out->device_fixed_bytes += row_line_bytes(row);
            out->device_attr_series += info ? catalog_row_series(row) : 0;
            break;
        default:
            out->fixed_body_bytes += row_line_bytes(row);
            if (row->dim == DIM_REQUESTS)
                out->fixed_body_bytes += CATALOG_MAX_REQUEST_SERIES *
                                         (strlen(row->family.name) + 64 + SAMPLE_TAIL_BYTES);
            if (row->dim == DIM_FAULTS) /* id, kind, source and a DEVICE:PORT target */
                out->fixed_body_bytes +=
                    FAULT_MAX * (strlen(row->family.name) + 128 +
                                 4 * (2 * SWITCHSIM_MAX_NAME_BYTES + 1) + SAMPLE_TAIL_BYTES);
            break;
        }
    }
    out->label_overhead_bytes = sizeof(",=\"\"") - 1;
    out->max_label_bytes = SWITCHSIM_MAX_LABEL_BYTES;
    out->max_body_bytes = SWITCHSIM_MAX_BODY_BYTES;
}
