/* profile.c - YAML device profiles -> struct fleet.
 *
 * The schema is the key tables below (config/schema.h): one row per key. The code after
 * them does what rows cannot: templates, name patterns, labels, per-port overrides, the
 * fleet-wide uniqueness and budget checks. A device entry with `count: N` is resolved
 * once (ports, overrides, labels) and its N devices share the result, so loading costs
 * time in proportion to the files plus the number of devices, not devices x ports.
 *
 * A new key is one row in the table of the mapping it belongs to, plus the field it fills
 * in that table's struct (a port setting: struct port_spec in model.h). A new section
 * (say `links:` at the top) is one row of kind SKIND_LIST or SKIND_MAPPING in top_keys,
 * its own table of rows for its entries, and the code that turns them into the fleet.
 * docs/PROFILES.md shows every table between "<!-- keys: NAME -->" markers; the unit test
 * that compares them prints the table to paste when a row changes (a new table also
 * needs its name in profile_key_tables[]). */
#include "config/profile.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "base/units.h"
#include "base/xalloc.h"
#include "config/yaml.h"
#include "model/fault.h"

/* ---- the key tables ------------------------------------------------------------------- */

/* Fields the tables fill that are not part of the fleet. */
struct reboot_keys {
    uint64_t mtbf_ms;
    uint64_t duration_ms;
};

struct part_keys { /* keys a template and a device share */
    const char *vendor;
    const char *model;
    struct reboot_keys reboot;
    const struct ynode *labels;
    const struct ynode *port_groups;
    const struct ynode *ports;
};

struct device_keys {
    const char *name;
    uint64_t count;
    uint64_t first;
    const char *template_name;
    struct part_keys parts;
};

struct group_keys {
    const char *name;
    uint64_t count;
    uint64_t first;
    struct port_spec spec;
};

struct simulation_keys {
    uint64_t tick_ms;
    uint64_t seed;
};

struct top_keys {
    const struct ynode *simulation;
    const struct ynode *defaults;
    const struct ynode *templates;
    const struct ynode *devices;
    const struct ynode *links;
    const struct ynode *scenario;
};

struct scenario_keys {
    const char *name;
    const char *kind;
    const char *target;
    const char *at;
    uint64_t for_ms;
    uint64_t every_ms;
    uint64_t offset_ms;
    uint64_t count;
    const struct ynode *params;
};

struct fabric_side_keys {
    const char *template_name;
    const char *ports;
    uint64_t first;
};

struct fabric_keys {
    struct fabric_side_keys lower, upper;
    uint64_t links_per_pair;
};

static const char *const link_states[] = {"auto", "up", "down", NULL};
_Static_assert(LINK_PIN_NONE == 0 && LINK_PIN_UP == 1 && LINK_PIN_DOWN == 2,
               "link_states[] is indexed by enum link_pin");
_Static_assert(sizeof(enum link_pin) == sizeof(int), "SKIND_ENUM fields are ints");

#define PS(field) offsetof(struct port_spec, field)
#define TM(field) offsetof(struct traffic_model, field)
#define LM(field) offsetof(struct link_model, field)
#define STR_(x)   #x
#define STR(x)    STR_(x)
#define NAME_ROW  .kind = SKIND_NAME, .max_bytes = SWITCHSIM_MAX_NAME_BYTES
#define TEXT_ROW  .kind = SKIND_TEXT, .max_bytes = SWITCHSIM_MAX_TEXT_BYTES
#define MS_PER_S  1000ULL
#define MS_PER_H  (3600 * MS_PER_S)
#define MS_PER_D  (24 * MS_PER_H)

static const struct skey buffer_keys[] = {{.name = "capacity",
                                           .kind = SKIND_SIZE_BYTES,
                                           .offset = PS(buffer_capacity_bytes),
                                           .min_u = 1024,
                                           .max_u = 4ULL << 30,
                                           .has_default = 1,
                                           .def_u = 4ULL << 20,
                                           .doc = "egress buffer size"},
                                          {0}};

static const struct skey traffic_keys[] = {
    {.name = "utilization",
     .kind = SKIND_RATIO,
     .offset = TM(utilization),
     .max_d = 1,
     .has_default = 1,
     .def_d = 0.3,
     .doc = "mean load hosts offer a host-facing port, as a fraction of line rate (preamble "
            "and gap included); what the fabric forwards follows from it, see "
            "[SIMULATION.md](SIMULATION.md#load)"},
    {.name = "daily_swing",
     .kind = SKIND_RATIO,
     .offset = TM(daily_swing),
     .max_d = 1,
     .has_default = 1,
     .def_d = 0.3,
     .doc = "amplitude of the daily cycle, relative to the mean"},
    {.name = "peak_hour",
     .kind = SKIND_REAL,
     .offset = TM(peak_hour_utc),
     .max_d = 24,
     .max_open = 1,
     .has_default = 1,
     .def_d = 15,
     .doc = "hour of the day (UTC) when the daily cycle peaks; each port peaks within ±1 h of "
            "it"},
    {.name = "noise",
     .kind = SKIND_RATIO,
     .offset = TM(noise),
     .max_d = 1,
     .has_default = 1,
     .def_d = 0.15,
     .doc = "largest deviation of the smooth random variation, relative to the mean "
            "(`daily_swing` + `noise` ≤ 1; a larger noise is reduced to fit)"},
    {.name = "noise_period",
     .kind = SKIND_DURATION_MS,
     .offset = TM(noise_period_ms),
     .min_u = MS_PER_S,
     .max_u = 7 * MS_PER_D,
     .has_default = 1,
     .def_u = 5 * 60 * MS_PER_S,
     .doc = "correlation time of that variation (larger = smoother)"},
    {.name = "port_spread",
     .kind = SKIND_REAL,
     .offset = TM(port_spread),
     .max_d = 3,
     .has_default = 1,
     .def_d = 0.8,
     .doc = "spread of the ports' own means: log-normal σ around `utilization` (0 = every port "
            "alike; 0.8 = many quiet ports and a few hot ones)"},
    {.name = "microbursts",
     .kind = SKIND_REAL,
     .offset = TM(microbursts_per_s),
     .max_d = 100000,
     .has_default = 1,
     .def_d = 50,
     .doc = "microbursts per second at full load (they last microseconds to milliseconds and "
            "show in the buffer watermark, not in rates); 0 disables them"},
    {.name = "microburst_size",
     .kind = SKIND_SIZE_BYTES,
     .offset = TM(microburst_bytes),
     .min_u = 64,
     .max_u = 1ULL << 30,
     .has_default = 1,
     .def_u = 16 * 1024,
     .doc = "scale of the queue a microburst builds (Pareto-distributed; grows as load / "
            "(1 − load)); with `buffer.capacity` it sets how often bursts overflow and drop"},
    {.name = "packet_size",
     .kind = SKIND_SIZE_BYTES,
     .offset = TM(packet_size_bytes),
     .min_u = 64,
     .max_u = 9216,
     .has_default = 1,
     .def_u = 1400,
     .doc = "size of bulk frames; small 64-byte frames are mixed in at a fixed rate, so "
            "bytes per packet grows with load"},
    {.name = "error_ratio",
     .kind = SKIND_RATIO,
     .offset = TM(error_ratio),
     .max_d = 1,
     .has_default = 1,
     .def_d = 1e-8,
     .doc = "errored frames per frame, in each direction, on a bad host link"},
    {.name = "bad_link_share",
     .kind = SKIND_RATIO,
     .offset = TM(bad_link_share),
     .max_d = 1,
     .has_default = 1,
     .def_d = 0.05,
     .doc = "share of host links that are bad (the others never see an error)"},
    {0}};

static const struct skey link_keys[] = {
    {.name = "mtbf",
     .kind = SKIND_DURATION_MS,
     .offset = LM(mtbf_ms),
     .zero_or_min_u = MS_PER_S,
     .max_u = 365 * MS_PER_D,
     .zero_means = "never fails",
     .has_default = 1,
     .def_u = 0,
     .doc = "mean time between failures; `0` = the link never fails"},
    {.name = "mttr",
     .kind = SKIND_DURATION_MS,
     .offset = LM(mttr_ms),
     .min_u = MS_PER_S,
     .max_u = 30 * MS_PER_D,
     .has_default = 1,
     .def_u = 60 * MS_PER_S,
     .doc = "mean time to repair"},
    {.name = "state",
     .kind = SKIND_ENUM,
     .offset = LM(pin),
     .choices = link_states,
     .has_default = 1,
     .def_enum = LINK_PIN_NONE,
     .doc = "`up`/`down` pin the link in that state (a pinned-down port is the way to test "
            "\"port down\" alerts)"},
    {0}};

static const char *const admin_states[] = {"up", "down", NULL};

static const struct skey settings_keys[] = {
    {.name = "admin",
     .kind = SKIND_ENUM,
     .offset = PS(admin_down),
     .choices = admin_states,
     .has_default = 1,
     .def_enum = 0,
     .doc = "administrative state: `down` is a port switched off on purpose (no traffic, "
            "oper state down, not a failure, no alert)"},
    {.name = "speed",
     .kind = SKIND_SPEED_BPS,
     .offset = PS(speed_bps),
     .min_u = 1000000ULL,
     .max_u = 1600000000000ULL,
     .has_default = 1,
     .def_u = 10000000000ULL,
     .doc = "line rate"},
    {.name = "type",
     NAME_ROW,
     .offset = PS(type),
     .has_default = 1,
     .def_s = "ethernet",
     .doc = "transceiver/medium, exposed as the `type` label of the port info family"},
    {.name = "description",
     TEXT_ROW,
     .offset = PS(description),
     .has_default = 1,
     .def_s = "",
     .doc = "exposed as the `description` label of the port info family"},
    {.name = "buffer",
     .kind = SKIND_MAPPING,
     .offset = SKEY_NO_FIELD,
     .sub = buffer_keys,
     .doc_inline = 1},
    {.name = "traffic",
     .kind = SKIND_MAPPING,
     .offset = PS(traffic),
     .sub = traffic_keys,
     .doc_inline = 1},
    {.name = "link", .kind = SKIND_MAPPING, .offset = PS(link), .sub = link_keys, .doc_inline = 1},
    {0}};

#define RK(field) offsetof(struct reboot_keys, field)
static const struct skey reboot_keys[] = {
    {.name = "mtbf",
     .kind = SKIND_DURATION_MS,
     .offset = RK(mtbf_ms),
     .zero_or_min_u = MS_PER_H,
     .max_u = 10 * 365 * MS_PER_D,
     .zero_means = "no random reboots",
     .has_default = 1,
     .def_u = 0,
     .doc = "mean time between reboots; `0` = no random reboots (the device then reboots "
            "every 30 days, at a time of its own: see "
            "[SIMULATION.md](SIMULATION.md#reboots-and-uptime))"},
    {.name = "duration",
     .kind = SKIND_DURATION_MS,
     .offset = RK(duration_ms),
     .max_u = MS_PER_H,
     .has_default = 1,
     .def_u = 3 * 60 * MS_PER_S,
     .doc = "time from the reboot until the ports come up (uptime counts from the reboot)"},
    {0}};

#define PK(field) offsetof(struct part_keys, field)
static const struct skey part_keys[] = {
    {.name = "vendor",
     NAME_ROW,
     .offset = PK(vendor),
     .has_default = 1,
     .def_s = "switchsim",
     .doc = "shown on `switch_device_info`"},
    {.name = "model",
     NAME_ROW,
     .offset = PK(model),
     .has_default = 1,
     .def_s = "generic",
     .doc = "shown on `switch_device_info`"},
    {.name = "reboot",
     .kind = SKIND_MAPPING,
     .offset = PK(reboot),
     .sub = reboot_keys,
     .doc_inline = 1},
    {.name = "labels",
     .kind = SKIND_MAPPING,
     .offset = PK(labels),
     .doc = "free-form `name: value` pairs, exposed on `switch_device_info` only (label names: "
            "letters, digits, `_`, not starting with a digit, at most " STR(
                SWITCHSIM_MAX_NAME_BYTES) " bytes; not `device`, "
                                          "`vendor`, `model`, `port`, `job`, `instance` or `__*`; "
                                          "values are text)"},
    {.name = "port_groups",
     .kind = SKIND_LIST,
     .offset = PK(port_groups),
     .doc_default = "none (a device: its template's)",
     .doc = "list of port groups; replaces the template's list when given"},
    {.name = "ports",
     .kind = SKIND_MAPPING,
     .offset = PK(ports),
     .doc = "per-port overrides: `PORT_NAME: {port settings}`"},
    {0}};

#define DK(field) offsetof(struct device_keys, field)
static const struct skey device_keys[] = {
    {.name = "name",
     NAME_ROW,
     .offset = DK(name),
     .required = 1,
     .doc = "device name, or a pattern with `{n}` / `{n:03}` (zero-padded) when `count` > 1; at "
            "most " STR(SWITCHSIM_MAX_NAME_BYTES) " bytes after expansion"},
    {.name = "count",
     .kind = SKIND_U64,
     .offset = DK(count),
     .min_u = 1,
     .max_u = SWITCHSIM_MAX_DEVICES,
     .has_default = 1,
     .def_u = 1,
     .doc = "stamp out this many devices from one entry"},
    {.name = "first",
     .kind = SKIND_U64,
     .offset = DK(first),
     .max_u = 1000000,
     .has_default = 1,
     .def_u = 1,
     .doc = "number of the first device (`leaf{n}` with `first: 5` → `leaf5`, `leaf6`, …)"},
    {.name = "template",
     NAME_ROW,
     .offset = DK(template_name),
     .doc = "name of a template under `templates`"},
    {.name = "parts",
     .kind = SKIND_INCLUDE,
     .offset = DK(parts),
     .sub = part_keys,
     .doc_inline = 1},
    {0}};

static const struct skey template_keys[] = {
    {.name = "parts", .kind = SKIND_INCLUDE, .offset = 0, .sub = part_keys, .doc_inline = 1}, {0}};

#define GK(field) offsetof(struct group_keys, field)
static const struct skey group_keys[] = {
    {.name = "name",
     NAME_ROW,
     .offset = GK(name),
     .required = 1,
     .doc = "port name, or a pattern with `{n}` / `{n:03}` when `count` > 1; at most " STR(
         SWITCHSIM_MAX_NAME_BYTES) " bytes after expansion"},
    {.name = "count",
     .kind = SKIND_U64,
     .offset = GK(count),
     .min_u = 1,
     .max_u = SWITCHSIM_MAX_PORTS_PER_DEVICE,
     .has_default = 1,
     .def_u = 1,
     .doc = "ports in the group"},
    {.name = "first",
     .kind = SKIND_U64,
     .offset = GK(first),
     .max_u = 1000000,
     .has_default = 1,
     .def_u = 1,
     .doc = "number of the first port"},
    {.name = "settings", .kind = SKIND_INCLUDE, .offset = GK(spec), .sub = settings_keys},
    {0}};

#define SK(field) offsetof(struct simulation_keys, field)
static const struct skey simulation_keys[] = {
    {.name = "tick",
     .kind = SKIND_DURATION_MS,
     .offset = SK(tick_ms),
     .min_u = 100,
     .max_u = MS_PER_H,
     .has_default = 1,
     .def_u = MODEL_DEFAULT_TICK_MS,
     .doc = "simulation step; every sample carries the time of its tick. All loaded files must "
            "agree"},
    {.name = "seed",
     .kind = SKIND_U64,
     .offset = SK(seed),
     .max_u = UINT64_MAX,
     .doc_default = "1, unless `--seed`",
     .doc = "random seed; `--seed` overrides it. All loaded files must agree"},
    {0}};

#define TK(field) offsetof(struct top_keys, field)
static const struct skey top_keys[] = {
    {.name = "simulation",
     .kind = SKIND_MAPPING,
     .offset = TK(simulation),
     .doc = "`tick` and `seed`, below"},
    {.name = "defaults",
     .kind = SKIND_MAPPING,
     .offset = TK(defaults),
     .doc = "port settings applied to every port group of this file before its own keys"},
    {.name = "templates",
     .kind = SKIND_MAPPING,
     .offset = TK(templates),
     .doc = "reusable device definitions: `NAME: {template}`"},
    {.name = "devices",
     .kind = SKIND_LIST,
     .offset = TK(devices),
     .required = 1,
     .doc = "the devices, at least one"},
    {.name = "links",
     .kind = SKIND_LIST,
     .offset = TK(links),
     .doc = "the cables between device ports: `[DEVICE:PORT, DEVICE:PORT]` per link, or "
            "`{fabric: {…}}` for a leaf-spine pattern (below); ports in no link face hosts"},
    {.name = "scenario",
     .kind = SKIND_LIST,
     .offset = TK(scenario),
     .doc = "incidents on a timeline: faults or library incidents at set times "
            "([docs/INCIDENTS.md](INCIDENTS.md)); targets are devices and ports of this or "
            "earlier files"},
    {0}};

#define SC(field) offsetof(struct scenario_keys, field)
static const struct skey scenario_keys[] = {
    {.name = "name",
     NAME_ROW,
     .offset = SC(name),
     .doc_default = "`scenario[INDEX]`",
     .doc = "what `switchsim_fault_active` calls it (label `source`)"},
    {.name = "kind",
     NAME_ROW,
     .offset = SC(kind),
     .required = 1,
     .doc = "a fault kind or a library incident (docs/INCIDENTS.md)"},
    {.name = "target",
     NAME_ROW,
     .offset = SC(target),
     .required = 1,
     .doc = "`DEVICE` or `DEVICE:PORT`, as the kind needs"},
    {.name = "at",
     NAME_ROW,
     .offset = SC(at),
     .doc_default = "none: with `every`, repeats anchored to the epoch",
     .doc = "`+DURATION` after the profiles are loaded (each process on its own), or a UTC "
            "time `YYYY-MM-DDTHH:MM:SSZ` (every process alike)"},
    {.name = "for",
     .kind = SKIND_DURATION_MS,
     .offset = SC(for_ms),
     .max_u = FAULT_MAX_DURATION_MS,
     .doc_default = "until the process ends (a flap: its flaps; an incident: its own)",
     .doc = "how long each occurrence lasts"},
    {.name = "every",
     .kind = SKIND_DURATION_MS,
     .offset = SC(every_ms),
     .max_u = FAULT_MAX_DURATION_MS,
     .doc_default = "once",
     .doc = "repeat period; without `at`, occurrences start at multiples of it since the "
            "epoch, plus `offset`, so every process agrees"},
    {.name = "offset",
     .kind = SKIND_DURATION_MS,
     .offset = SC(offset_ms),
     .max_u = FAULT_MAX_DURATION_MS,
     .doc = "with `every` and no `at`: where in each period the event starts"},
    {.name = "count",
     .kind = SKIND_U64,
     .offset = SC(count),
     .max_u = 1000000000,
     .doc_default = "0: without end",
     .doc = "occurrences, with `every`"},
    {.name = "params",
     .kind = SKIND_MAPPING,
     .offset = SC(params),
     .doc = "the kind's parameters by name (`factor: 4`, `delay: 15s`)"},
    {0}};

#define FS(field) offsetof(struct fabric_side_keys, field)
static const struct skey fabric_side_keys[] = {
    {.name = "template",
     NAME_ROW,
     .offset = FS(template_name),
     .required = 1,
     .doc = "the devices made from this template (of this file), in profile order"},
    {.name = "ports",
     NAME_ROW,
     .offset = FS(ports),
     .required = 1,
     .doc = "pattern naming the ports used, with `{n}` / `{n:03}`"},
    {.name = "first",
     .kind = SKIND_U64,
     .offset = FS(first),
     .max_u = 1000000,
     .has_default = 1,
     .def_u = 1,
     .doc = "number of the first port used"},
    {0}};

#define FK(field) offsetof(struct fabric_keys, field)
static const struct skey fabric_keys[] = {
    {.name = "lower",
     .kind = SKIND_MAPPING,
     .offset = FK(lower),
     .sub = fabric_side_keys,
     .required = 1,
     .doc = "the lower tier (leaves): each device's ports go round-robin to the upper devices"},
    {.name = "upper",
     .kind = SKIND_MAPPING,
     .offset = FK(upper),
     .sub = fabric_side_keys,
     .required = 1,
     .doc = "the upper tier (spines): each device's ports serve the lower devices in order"},
    {.name = "links_per_pair",
     .kind = SKIND_U64,
     .offset = FK(links_per_pair),
     .min_u = 1,
     .max_u = 64,
     .has_default = 1,
     .def_u = 1,
     .doc = "parallel links between each lower and each upper device"},
    {0}};

/* Values of a device's free-form labels. */
static const struct skey label_value_row = {.name = "label", TEXT_ROW};

const char *const profile_key_tables[] = {
    "profile",       "simulation", "device",      "template", "port_group",
    "port_settings", "fabric",     "fabric_side", "scenario", NULL};

const struct skey *profile_keys(const char *table_name)
{
    static const struct skey *const tables[] = {top_keys,      simulation_keys,  device_keys,
                                                template_keys, group_keys,       settings_keys,
                                                fabric_keys,   fabric_side_keys, scenario_keys};
    for (size_t i = 0; profile_key_tables[i]; i++)
        if (strcmp(profile_key_tables[i], table_name) == 0)
            return tables[i];
    return NULL;
}

void profile_port_defaults(struct port_spec *spec)
{
    memset(spec, 0, sizeof(*spec));
    schema_defaults(settings_keys, spec);
}

/* ---- loading state -------------------------------------------------------------------- */

struct loader {
    struct fleet *fleet;
    const struct profile_budget *budget;
    struct strset device_names;
    struct errbuf *err;
    struct schema_ctx sctx;         /* strings copied into the fleet */
    struct schema_ctx check;        /* strings only checked */
    char tick_source[YWHERE_BYTES]; /* where the tick was first set, for conflict messages */
};

/* A port group as parsed once, stamped out per device. */
struct group {
    const char *pattern;
    uint64_t first;
    uint64_t count;
    const struct port_spec *spec;
    const struct ynode *node;
    const struct ynode *name_node;
    char where[YWHERE_BYTES];
};

struct devparts {
    const char *vendor;
    const char *model;
    struct reboot_keys reboot;
    const struct ynode *labels[2]; /* template's, then the device's own (later wins) */
    char labels_where[2][YWHERE_BYTES];
    const struct group *groups;
    size_t n_groups;
    const struct ynode *overrides[2]; /* per-port settings: template's, then the device's */
    char overrides_where[2][YWHERE_BYTES];
};

/* What every device of an entry shares, and what it costs per device. The ports part
 * depends only on port groups and overrides, the labels part only on labels, so entries
 * that take both from one template share the template's (a file of 1,000 devices using a
 * template with 1,024 overrides resolves them once). */
struct entry {
    struct port *ports;
    size_t n_ports;
    struct label *labels;
    size_t n_labels;
    uint64_t port_names_bytes;  /* escaped, all ports */
    uint64_t port_attr_bytes;   /* type + description, escaped, all ports */
    uint64_t device_attr_bytes; /* vendor + model + labels, escaped */
};

struct tmpl {
    const char *name;
    struct devparts parts;
    struct entry shared; /* its ports part once have_ports, its labels part once have_labels */
    int have_ports;
    int have_labels;
};

/* One file being walked. */
/* A device this file stamped, and its template (NULL: none). */
struct stamped {
    size_t device;
    const struct tmpl *tmpl;
};

struct pctx {
    struct loader *ld;
    struct port_spec defaults;
    struct tmpl *templates;
    struct strmap template_index;
    struct stamped *dev_template; /* owned (xrealloc), freed by the file's loader */
    size_t n_dev_template, cap_dev_template;
    const struct tmpl *current_template;
};

#define CHECK(expr)     \
    do {                \
        if ((expr) < 0) \
            return -1;  \
    } while (0)

static const char *intern(void *user, const char *s, size_t len)
{
    return fleet_strndup(user, s, len);
}

/* Bytes of s as a label value in the exposition: \\, \" and newline are escaped. */
static uint64_t escaped_bytes(const char *s)
{
    uint64_t n = 0;
    for (; *s; s++)
        n += (*s == '\\' || *s == '"' || *s == '\n') ? 2 : 1;
    return n;
}

/* ---- names ------------------------------------------------------------------------------ */

/* Checks a name pattern: "{n}" or "{n:0W}" (zero-padded to W digits) placeholders only. */
static int check_pattern(struct pctx *c, const struct ynode *node, const char *where,
                         const char *pattern, uint64_t count)
{
    int placeholders = 0;
    char q[YQUOTE_BYTES];
    for (const char *p = pattern; *p; p++) {
        if (*p == '}')
            return yfail(c->ld->err, node, where, "unmatched \"}\" in name pattern \"%s\"",
                         yquote(q, pattern));
        if (*p != '{')
            continue;
        if (strncmp(p, "{n}", 3) == 0) {
            p += 2;
        } else if (strncmp(p, "{n:0", 4) == 0 && p[4] >= '1' && p[4] <= '9' && p[5] == '}') {
            p += 5;
        } else {
            return yfail(c->ld->err, node, where,
                         "bad placeholder in name pattern \"%s\" (use {n} or {n:03})",
                         yquote(q, pattern));
        }
        placeholders++;
    }
    if (count > 1 && placeholders == 0)
        return yfail(c->ld->err, node, where, "name pattern \"%s\" needs {n} when count is %llu",
                     yquote(q, pattern), (unsigned long long)count);
    return 0;
}

/* A pattern of at most SWITCHSIM_MAX_NAME_BYTES expands to at most this (each placeholder,
 * 3 bytes or more, becomes at most 20 digits). */
#define EXPANDED_BYTES (SWITCHSIM_MAX_NAME_BYTES * 7 + 1)

/* Expands a checked pattern for number n into out; refuses a result over the name limit
 * (never cuts it). what is "device" or "port". */
static int expand_pattern(struct pctx *c, const struct ynode *node, const char *where,
                          const char *what, const char *pattern, uint64_t n,
                          char out[EXPANDED_BYTES])
{
    size_t len = 0;
    for (const char *p = pattern; *p; p++) {
        if (*p == '{') {
            int width = p[2] == ':' ? p[4] - '0' : 0;
            len += (size_t)snprintf(out + len, EXPANDED_BYTES - len, "%0*llu", width,
                                    (unsigned long long)n);
            p = strchr(p, '}'); /* present: check_pattern() ran first */
        } else {
            out[len++] = *p;
        }
    }
    out[len] = '\0';
    if (len > SWITCHSIM_MAX_NAME_BYTES) {
        char q[YQUOTE_BYTES];
        return yfail(c->ld->err, node, where,
                     "%s name \"%s\" is %zu bytes, more than the limit of %d", what, yquote(q, out),
                     len, SWITCHSIM_MAX_NAME_BYTES);
    }
    return 0;
}

/* ---- parts of templates and devices --------------------------------------------------- */

static int parse_groups(struct pctx *c, const struct ynode *node, const char *where,
                        struct devparts *parts)
{
    if (node->n == 0)
        return yfail(c->ld->err, node, where, "must list at least one port group");
    struct group *groups = fleet_alloc(c->ld->fleet, node->n * sizeof(*groups));
    for (size_t i = 0; i < node->n; i++) {
        struct group *g = &groups[i];
        const struct ynode *gn = node->items[i];
        ywhere_index(g->where, where, i);
        struct group_keys gk;
        memset(&gk, 0, sizeof(gk));
        schema_defaults(group_keys, &gk);
        gk.spec = c->defaults;
        CHECK(schema_apply(&c->ld->sctx, gn, g->where, group_keys, &gk));
        g->node = gn;
        g->name_node = ymap_get(gn, "name");
        g->pattern = gk.name;
        g->count = gk.count;
        g->first = gk.first;
        char w[YWHERE_BYTES];
        ywhere_key(w, g->where, "name");
        CHECK(check_pattern(c, g->name_node, w, g->pattern, g->count));
        struct port_spec *spec = fleet_alloc(c->ld->fleet, sizeof(*spec));
        *spec = gk.spec;
        g->spec = spec;
    }
    parts->groups = groups;
    parts->n_groups = node->n;
    return 0;
}

static int check_label_name(struct pctx *c, const struct ynode *key, const char *where,
                            const char *name)
{
    static const char *const reserved[] = {"device", "vendor",   "model", "port",
                                           "job",    "instance", NULL};
    char q[YQUOTE_BYTES];
    int ok = (isalpha((unsigned char)name[0]) || name[0] == '_');
    for (const char *p = name; *p && ok; p++)
        ok = isalnum((unsigned char)*p) || *p == '_';
    if (!ok)
        return yfail(c->ld->err, key, where,
                     "invalid label name \"%s\" (letters, digits and _, not starting with a digit)",
                     yquote(q, name));
    if (key->len > SWITCHSIM_MAX_NAME_BYTES)
        return yfail(c->ld->err, key, where,
                     "label name \"%s\" is %zu bytes, more than the limit of %d", yquote(q, name),
                     key->len, SWITCHSIM_MAX_NAME_BYTES);
    if (strncmp(name, "__", 2) == 0)
        return yfail(c->ld->err, key, where, "label names starting with __ are reserved");
    for (const char *const *r = reserved; *r; r++)
        if (strcmp(*r, name) == 0)
            return yfail(c->ld->err, key, where, "label name \"%s\" is reserved", name);
    return 0;
}

static int check_labels(struct pctx *c, const struct ynode *node, const char *where)
{
    CHECK(ymap_check(c->ld->err, node, where, NULL));
    for (size_t i = 0; i < node->n; i++) {
        const struct ynode *key = node->pairs[i].key;
        char w[YWHERE_BYTES];
        ywhere_key(w, where, key->text);
        CHECK(check_label_name(c, key, w, key->text));
        CHECK(schema_value(&c->ld->check, &label_value_row, node->pairs[i].value, w, NULL));
    }
    return 0;
}

static int check_overrides(struct pctx *c, const struct ynode *node, const char *where)
{
    CHECK(ymap_check(c->ld->err, node, where, NULL));
    for (size_t i = 0; i < node->n; i++) {
        char w[YWHERE_BYTES];
        ywhere_key(w, where, node->pairs[i].key->text);
        struct port_spec scratch = c->defaults; /* validates values once, up front */
        CHECK(schema_apply(&c->ld->check, node->pairs[i].value, w, settings_keys, &scratch));
    }
    return 0;
}

/* Takes what a template or device entry said (slot 0 = template, 1 = device) into parts. */
static int resolve_parts(struct pctx *c, const struct part_keys *pk, const char *where, int slot,
                         struct devparts *parts)
{
    parts->vendor = pk->vendor;
    parts->model = pk->model;
    parts->reboot = pk->reboot;
    if (pk->labels) {
        ywhere_key(parts->labels_where[slot], where, "labels");
        CHECK(check_labels(c, pk->labels, parts->labels_where[slot]));
        parts->labels[slot] = pk->labels;
    }
    if (pk->port_groups) {
        char w[YWHERE_BYTES];
        ywhere_key(w, where, "port_groups");
        CHECK(parse_groups(c, pk->port_groups, w, parts));
    }
    if (pk->ports) {
        ywhere_key(parts->overrides_where[slot], where, "ports");
        CHECK(check_overrides(c, pk->ports, parts->overrides_where[slot]));
        parts->overrides[slot] = pk->ports;
    }
    return 0;
}

/* ---- one device entry ------------------------------------------------------------------ */

static int build_ports(struct pctx *c, const struct devparts *parts, const struct ynode *dev_node,
                       const char *where, const char *dev_name, struct entry *e)
{
    uint64_t total = 0;
    for (size_t g = 0; g < parts->n_groups; g++)
        total += parts->groups[g].count;
    if (total > SWITCHSIM_MAX_PORTS_PER_DEVICE)
        return yfail(c->ld->err, dev_node, where,
                     "device \"%s\" has %llu ports, more than the limit of %d", dev_name,
                     (unsigned long long)total, SWITCHSIM_MAX_PORTS_PER_DEVICE);
    e->ports = fleet_alloc(c->ld->fleet, (size_t)(total ? total : 1) * sizeof(*e->ports));
    e->n_ports = 0;
    struct strset names;
    strset_init(&names);
    int rc = 0;
    for (size_t g = 0; g < parts->n_groups && rc == 0; g++) {
        const struct group *grp = &parts->groups[g];
        char w[YWHERE_BYTES];
        ywhere_key(w, grp->where, "name");
        for (uint64_t k = 0; k < grp->count && rc == 0; k++) {
            char name[EXPANDED_BYTES];
            rc = expand_pattern(c, grp->name_node, w, "port", grp->pattern, grp->first + k, name);
            if (rc < 0)
                break;
            struct port *port = &e->ports[e->n_ports];
            port->name = fleet_strdup(c->ld->fleet, name);
            port->spec = grp->spec;
            if (!strset_add(&names, port->name)) {
                char q[YQUOTE_BYTES];
                rc = yfail(c->ld->err, grp->node, grp->where,
                           "duplicate port name \"%s\" on device \"%s\"", yquote(q, port->name),
                           dev_name);
                break;
            }
            e->n_ports++;
        }
    }
    strset_cleanup(&names);
    return rc;
}

static int apply_overrides(struct pctx *c, const struct devparts *parts, const char *dev_name,
                           struct entry *e)
{
    if (!e->ports || (!parts->overrides[0] && !parts->overrides[1]))
        return 0;
    struct strmap index;
    strmap_init(&index);
    for (size_t i = 0; i < e->n_ports; i++)
        strmap_put(&index, e->ports[i].name, i, NULL);
    int rc = 0;
    for (int s = 0; s < 2 && rc == 0; s++) {
        const struct ynode *ov = parts->overrides[s];
        for (size_t p = 0; ov && p < ov->n && rc == 0; p++) {
            const struct ynode *key = ov->pairs[p].key;
            char w[YWHERE_BYTES];
            ywhere_key(w, parts->overrides_where[s], key->text);
            size_t i = 0;
            if (!strmap_get(&index, key->text, &i)) {
                char q[YQUOTE_BYTES];
                rc = yfail(c->ld->err, key, w, "device \"%s\" has no port named \"%s\"", dev_name,
                           yquote(q, key->text));
                break;
            }
            struct port_spec *spec = fleet_alloc(c->ld->fleet, sizeof(*spec));
            *spec = *e->ports[i].spec;
            rc = schema_apply(&c->ld->sctx, ov->pairs[p].value, w, settings_keys, spec);
            e->ports[i].spec = spec;
        }
    }
    strmap_cleanup(&index);
    return rc;
}

static void collect_labels(struct pctx *c, const struct devparts *parts, struct entry *e)
{
    size_t max = 0;
    for (int s = 0; s < 2; s++)
        if (parts->labels[s])
            max += parts->labels[s]->n;
    e->labels = fleet_alloc(c->ld->fleet, (max ? max : 1) * sizeof(*e->labels));
    e->n_labels = 0;
    struct strmap index;
    strmap_init(&index);
    for (int s = 0; s < 2; s++) {
        const struct ynode *l = parts->labels[s];
        for (size_t p = 0; l && p < l->n; p++) {
            size_t i = e->n_labels;
            if (strmap_put(&index, l->pairs[p].key->text, i, &i))
                e->labels[e->n_labels++].name = fleet_strdup(c->ld->fleet, l->pairs[p].key->text);
            e->labels[i].value = fleet_strdup(c->ld->fleet, l->pairs[p].value->text);
        }
    }
    strmap_cleanup(&index);
}

static void port_costs(struct entry *e)
{
    e->port_names_bytes = 0;
    e->port_attr_bytes = 0;
    for (size_t i = 0; i < e->n_ports; i++) {
        e->port_names_bytes += escaped_bytes(e->ports[i].name);
        e->port_attr_bytes +=
            escaped_bytes(e->ports[i].spec->type) + escaped_bytes(e->ports[i].spec->description);
    }
}

static void device_costs(const struct profile_budget *b, const struct devparts *parts,
                         struct entry *e)
{
    e->device_attr_bytes = escaped_bytes(parts->vendor) + escaped_bytes(parts->model);
    for (size_t i = 0; i < e->n_labels; i++)
        e->device_attr_bytes +=
            strlen(e->labels[i].name) + escaped_bytes(e->labels[i].value) + b->label_overhead_bytes;
}

/* Adds one device's cost to the fleet's and checks the budget. */
static int add_costs(struct pctx *c, const struct ynode *node, const char *where,
                     const struct entry *e, const char *dev_name)
{
    const struct profile_budget *b = c->ld->budget;
    struct fleet *fleet = c->ld->fleet;
    uint64_t series = (uint64_t)fleet->n_ports * b->series_per_port +
                      (uint64_t)fleet->n_devices * b->series_per_device + b->fixed_series;
    if (series > b->max_series)
        return yfail(c->ld->err, node, where,
                     "the fleet would expose more than the limit of %llu series",
                     (unsigned long long)b->max_series);
    uint64_t dev = escaped_bytes(dev_name);
    uint64_t n = e->n_ports;
    fleet->label_bytes +=
        (n + 1) * dev + e->port_names_bytes + e->port_attr_bytes + e->device_attr_bytes;
    fleet->body_bytes_max +=
        n * b->port_fixed_bytes + b->series_per_port * (n * dev + e->port_names_bytes) +
        b->port_attr_series * e->port_attr_bytes + b->device_fixed_bytes +
        b->series_per_device * dev + b->device_attr_series * e->device_attr_bytes;
    char q[YQUOTE_BYTES];
    if (fleet->label_bytes > b->max_label_bytes)
        return yfail(c->ld->err, node, where,
                     "label values (names, descriptions, labels) of the fleet would exceed the "
                     "limit of %llu bytes at device \"%s\"",
                     (unsigned long long)b->max_label_bytes, yquote(q, dev_name));
    if (fleet->body_bytes_max > b->max_body_bytes)
        return yfail(c->ld->err, node, where,
                     "a scrape of the fleet could exceed the limit of %llu bytes at device \"%s\"",
                     (unsigned long long)b->max_body_bytes, yquote(q, dev_name));
    return 0;
}

/* An entry's ports and labels: resolved here, or its template's when the entry adds
 * nothing to them (the first such entry resolves them for the rest). */
static int resolve_entry(struct pctx *c, struct tmpl *t, const struct part_keys *own,
                         const struct devparts *parts, const struct ynode *node, const char *where,
                         const char *first_name, struct entry *e)
{
    int share_ports = t && !own->port_groups && !own->ports;
    int share_labels = t && !own->labels;
    if (share_ports && t->have_ports) {
        *e = t->shared; /* its ports part; the labels part is set below */
    } else {
        CHECK(build_ports(c, parts, node, where, first_name, e));
        CHECK(apply_overrides(c, parts, first_name, e));
        port_costs(e);
        if (share_ports) {
            t->shared.ports = e->ports;
            t->shared.n_ports = e->n_ports;
            t->shared.port_names_bytes = e->port_names_bytes;
            t->shared.port_attr_bytes = e->port_attr_bytes;
            t->have_ports = 1;
        }
    }
    if (share_labels && t->have_labels) {
        e->labels = t->shared.labels;
        e->n_labels = t->shared.n_labels;
    } else {
        collect_labels(c, parts, e);
        if (share_labels) {
            t->shared.labels = e->labels;
            t->shared.n_labels = e->n_labels;
            t->have_labels = 1;
        }
    }
    device_costs(c->ld->budget, parts, e);
    return 0;
}

/* Adds the entry's devices, named from the pattern, to the fleet. */
static int stamp_devices(struct pctx *c, const struct device_keys *dk, const struct devparts *parts,
                         const struct entry *e, const struct ynode *node, const char *where)
{
    struct loader *ld = c->ld;
    const struct ynode *name_node = ymap_get(node, "name");
    char w[YWHERE_BYTES];
    ywhere_key(w, where, "name");
    for (uint64_t k = 0; k < dk->count; k++) {
        char name[EXPANDED_BYTES];
        CHECK(expand_pattern(c, name_node, w, "device", dk->name, dk->first + k, name));
        if (ld->fleet->n_devices >= SWITCHSIM_MAX_DEVICES)
            return yfail(ld->err, name_node, w, "more than the limit of %d devices",
                         SWITCHSIM_MAX_DEVICES);
        struct device dev;
        memset(&dev, 0, sizeof(dev));
        dev.name = fleet_strdup(ld->fleet, name);
        if (!strset_add(&ld->device_names, dev.name)) {
            char q[YQUOTE_BYTES];
            return yfail(ld->err, name_node, w, "duplicate device name \"%s\"",
                         yquote(q, dev.name));
        }
        dev.vendor = parts->vendor;
        dev.model = parts->model;
        dev.reboot_mtbf_ms = parts->reboot.mtbf_ms;
        dev.boot_duration_ms = parts->reboot.duration_ms;
        dev.labels = e->labels;
        dev.n_labels = e->n_labels;
        dev.ports = e->ports;
        dev.n_ports = e->n_ports;
        fleet_add_device(ld->fleet, &dev);
        if (c->n_dev_template == c->cap_dev_template) { /* geometric: linear loading */
            c->cap_dev_template = c->cap_dev_template ? 2 * c->cap_dev_template : 64;
            c->dev_template =
                xrealloc(c->dev_template, c->cap_dev_template * sizeof(*c->dev_template));
        }
        c->dev_template[c->n_dev_template++] =
            (struct stamped){ld->fleet->n_devices - 1, c->current_template};
        CHECK(add_costs(c, node, where, e, dev.name));
    }
    return 0;
}

static int parse_device(struct pctx *c, const struct ynode *node, const char *where)
{
    struct loader *ld = c->ld;
    CHECK(schema_check(&ld->sctx, node, where, device_keys));
    struct device_keys dk;
    memset(&dk, 0, sizeof(dk));
    schema_defaults(device_keys, &dk);
    struct devparts parts;
    memset(&parts, 0, sizeof(parts));
    /* The template first, so the device's own keys apply on top of it. */
    const struct ynode *tnode = ymap_get(node, "template");
    size_t ti = 0;
    struct tmpl *t = tnode && tnode->kind == YNODE_SCALAR && c->templates &&
                             strmap_get(&c->template_index, tnode->text, &ti)
                         ? &c->templates[ti]
                         : NULL;
    if (t) {
        parts = t->parts;
        parts.labels[1] = NULL;
        parts.overrides[1] = NULL;
        dk.parts.vendor = parts.vendor;
        dk.parts.model = parts.model;
        dk.parts.reboot = parts.reboot;
    }
    CHECK(schema_apply(&ld->sctx, node, where, device_keys, &dk));
    char w[YWHERE_BYTES];
    if (dk.template_name && !t) {
        char q[YQUOTE_BYTES];
        ywhere_key(w, where, "template");
        return yfail(ld->err, tnode, w, "unknown template \"%s\"", yquote(q, dk.template_name));
    }
    CHECK(resolve_parts(c, &dk.parts, where, 1, &parts));
    const struct ynode *name_node = ymap_get(node, "name");
    ywhere_key(w, where, "name");
    CHECK(check_pattern(c, name_node, w, dk.name, dk.count));
    if (parts.n_groups == 0)
        return yfail(ld->err, node, where,
                     "device needs port_groups (directly or from its template)");
    char first_name[EXPANDED_BYTES];
    CHECK(expand_pattern(c, name_node, w, "device", dk.name, dk.first, first_name));
    struct entry e;
    memset(&e, 0, sizeof(e));
    CHECK(resolve_entry(c, t, &dk.parts, &parts, node, where, first_name, &e));
    c->current_template = t;
    return stamp_devices(c, &dk, &parts, &e, node, where);
}

/* ---- a file ----------------------------------------------------------------------------- */

static int parse_simulation(struct pctx *c, const struct ynode *node)
{
    struct loader *ld = c->ld;
    struct simulation_keys sk;
    memset(&sk, 0, sizeof(sk));
    schema_defaults(simulation_keys, &sk);
    CHECK(schema_apply(&ld->sctx, node, "simulation", simulation_keys, &sk));
    struct fleet *fleet = ld->fleet;
    const struct ynode *tn = ymap_get(node, "tick");
    if (tn) {
        if (fleet->tick_set && fleet->tick_ms != sk.tick_ms)
            return yfail(ld->err, tn, "simulation.tick",
                         "%s conflicts with the tick of %llums set at %s", tn->text,
                         (unsigned long long)fleet->tick_ms, ld->tick_source);
        if (!fleet->tick_set)
            snprintf(ld->tick_source, sizeof(ld->tick_source), "%s:%zu:%zu", tn->file, tn->line,
                     tn->column);
        fleet->tick_ms = sk.tick_ms;
        fleet->tick_set = 1;
    }
    const struct ynode *sn = ymap_get(node, "seed");
    if (sn) {
        if (fleet->seed_set && fleet->seed != sk.seed)
            return yfail(ld->err, sn, "simulation.seed",
                         "conflicts with the seed %llu set by an earlier profile",
                         (unsigned long long)fleet->seed);
        fleet->seed = sk.seed;
        fleet->seed_set = 1;
    }
    return 0;
}

static int parse_templates(struct pctx *c, const struct ynode *node)
{
    CHECK(ymap_check(c->ld->err, node, "templates", NULL));
    c->templates = fleet_alloc(c->ld->fleet, (node->n ? node->n : 1) * sizeof(*c->templates));
    for (size_t i = 0; i < node->n; i++) {
        struct tmpl *t = &c->templates[i];
        t->name = node->pairs[i].key->text;
        strmap_put(&c->template_index, t->name, i, NULL);
        char w[YWHERE_BYTES];
        ywhere_key(w, "templates", t->name);
        struct part_keys pk;
        memset(&pk, 0, sizeof(pk));
        schema_defaults(template_keys, &pk);
        CHECK(schema_apply(&c->ld->sctx, node->pairs[i].value, w, template_keys, &pk));
        CHECK(resolve_parts(c, &pk, w, 0, &t->parts));
    }
    return 0;
}

/* ---- links ------------------------------------------------------------------------------ */

struct link_ctx {
    struct pctx *c;
    struct strmap devices; /* name -> fleet device index */
    uint8_t *in_link;      /* per fleet-wide port index */
};

static long port_of(const struct device *dev, const char *name)
{
    for (size_t k = 0; k < dev->n_ports; k++)
        if (strcmp(dev->ports[k].name, name) == 0)
            return (long)(dev->first_port_index + k);
    return -1;
}

/* Adds a link between two ports, or explains why it cannot be. */
static int add_link(struct link_ctx *lc, const struct ynode *node, const char *where, size_t dev_a,
                    long a, size_t dev_b, long b)
{
    struct loader *ld = lc->c->ld;
    const struct device *da = &ld->fleet->devices[dev_a], *db = &ld->fleet->devices[dev_b];
    const struct port *pa = &da->ports[(size_t)a - da->first_port_index];
    const struct port *pb = &db->ports[(size_t)b - db->first_port_index];
    char q1[YQUOTE_BYTES], q2[YQUOTE_BYTES];
    if (dev_a == dev_b)
        return yfail(ld->err, node, where, "a link joins two devices; both ends are on \"%s\"",
                     yquote(q1, da->name));
    const long ends[2] = {a, b};
    const struct device *devs[2] = {da, db};
    const struct port *ports[2] = {pa, pb};
    for (int i = 0; i < 2; i++)
        if (lc->in_link[ends[i]])
            return yfail(ld->err, node, where, "port %s:%s is already in a link",
                         yquote(q1, devs[i]->name), yquote(q2, ports[i]->name));
    if (pa->spec->speed_bps != pb->spec->speed_bps)
        return yfail(ld->err, node, where,
                     "the ends' speeds differ: %s:%s is %llu b/s, %s:%s is %llu b/s",
                     yquote(q1, da->name), pa->name, (unsigned long long)pa->spec->speed_bps,
                     yquote(q2, db->name), pb->name, (unsigned long long)pb->spec->speed_bps);
    lc->in_link[a] = lc->in_link[b] = 1;
    fleet_add_link(ld->fleet, (size_t)a, (size_t)b);
    return 0;
}

/* "DEVICE:PORT" (split at the first colon) -> device and port index. */
static int parse_end(struct link_ctx *lc, const struct ynode *node, const char *where, size_t *dev,
                     long *port)
{
    struct loader *ld = lc->c->ld;
    CHECK(yexpect(ld->err, node, YNODE_SCALAR, where));
    char q[YQUOTE_BYTES];
    const char *colon = strchr(node->text, ':');
    if (!colon || colon == node->text || !colon[1])
        return yfail(ld->err, node, where, "expected DEVICE:PORT, got \"%s\"",
                     yquote(q, node->text));
    char name[SWITCHSIM_MAX_NAME_BYTES + 1];
    size_t len = (size_t)(colon - node->text);
    if (len > SWITCHSIM_MAX_NAME_BYTES)
        return yfail(ld->err, node, where, "device name longer than %d bytes",
                     SWITCHSIM_MAX_NAME_BYTES);
    memcpy(name, node->text, len);
    name[len] = '\0';
    if (!strmap_get(&lc->devices, name, dev))
        return yfail(ld->err, node, where, "unknown device \"%s\"", yquote(q, name));
    *port = port_of(&ld->fleet->devices[*dev], colon + 1);
    if (*port < 0) {
        char q2[YQUOTE_BYTES];
        return yfail(ld->err, node, where, "device \"%s\" has no port \"%s\"", yquote(q2, name),
                     yquote(q, colon + 1));
    }
    return 0;
}

/* The devices this file stamped from template `name`, in order; NULL if it names none. */
static size_t *devices_of_template(struct pctx *c, const char *name, size_t *n)
{
    size_t *out = xcalloc(c->n_dev_template ? c->n_dev_template : 1, sizeof(size_t));
    *n = 0;
    for (size_t i = 0; i < c->n_dev_template; i++)
        if (c->dev_template[i].tmpl && strcmp(c->dev_template[i].tmpl->name, name) == 0)
            out[(*n)++] = c->dev_template[i].device;
    return out;
}

/* A fabric: lower device i's port p goes to upper device p mod n_upper, and is the
 * (p div n_upper)-th link of that pair; upper device j's ports serve lower devices in
 * order, links_per_pair each. */
static int parse_fabric(struct link_ctx *lc, const struct ynode *node, const char *where)
{
    struct pctx *c = lc->c;
    struct loader *ld = c->ld;
    struct fabric_keys fk;
    memset(&fk, 0, sizeof(fk));
    schema_defaults(fabric_keys, &fk);
    CHECK(schema_apply(&ld->sctx, node, where, fabric_keys, &fk));
    const struct fabric_side_keys *sides[2] = {&fk.lower, &fk.upper};
    static const char *const side_names[2] = {"lower", "upper"};
    size_t *devs[2] = {NULL, NULL}, n[2] = {0, 0};
    int rc = 0;
    for (int s = 0; s < 2 && rc == 0; s++) {
        char w[YWHERE_BYTES], q[YQUOTE_BYTES];
        ywhere_key(w, where, side_names[s]);
        const struct ynode *side = ymap_get(node, side_names[s]);
        devs[s] = devices_of_template(c, sides[s]->template_name, &n[s]);
        if (n[s] == 0)
            rc = yfail(ld->err, ymap_get(side, "template"), w,
                       "no device of this file uses template \"%s\"",
                       yquote(q, sides[s]->template_name));
        else
            rc = check_pattern(c, ymap_get(side, "ports"), w, sides[s]->ports, 2);
    }
    for (size_t i = 0; rc == 0 && i < n[0]; i++) {
        for (size_t p = 0; rc == 0 && p < n[1] * fk.links_per_pair; p++) {
            size_t j = p % n[1], k = p / n[1];
            size_t up_index = i * fk.links_per_pair + k;
            char lname[EXPANDED_BYTES], uname[EXPANDED_BYTES], w[YWHERE_BYTES];
            ywhere_key(w, where, "lower");
            rc = expand_pattern(c, ymap_get(ymap_get(node, "lower"), "ports"), w, "port",
                                fk.lower.ports, fk.lower.first + p, lname);
            if (rc == 0) {
                ywhere_key(w, where, "upper");
                rc = expand_pattern(c, ymap_get(ymap_get(node, "upper"), "ports"), w, "port",
                                    fk.upper.ports, fk.upper.first + up_index, uname);
            }
            if (rc < 0)
                break;
            const struct device *ld_dev = &ld->fleet->devices[devs[0][i]];
            const struct device *ud_dev = &ld->fleet->devices[devs[1][j]];
            long a = port_of(ld_dev, lname), b = port_of(ud_dev, uname);
            char q1[YQUOTE_BYTES], q2[YQUOTE_BYTES];
            if (a < 0 || b < 0) {
                rc =
                    yfail(ld->err, node, where,
                          "the fabric needs port \"%s\" on %s, which it does not have "
                          "(%llu lower and %llu upper devices, %llu links per pair)",
                          yquote(q1, a < 0 ? lname : uname),
                          yquote(q2, a < 0 ? ld_dev->name : ud_dev->name), (unsigned long long)n[0],
                          (unsigned long long)n[1], (unsigned long long)fk.links_per_pair);
                break;
            }
            rc = add_link(lc, node, where, devs[0][i], a, devs[1][j], b);
        }
    }
    free(devs[0]);
    free(devs[1]);
    return rc;
}

static int parse_links(struct pctx *c, const struct ynode *list)
{
    struct loader *ld = c->ld;
    struct link_ctx lc = {.c = c};
    strmap_init(&lc.devices);
    for (size_t d = 0; d < ld->fleet->n_devices; d++)
        strmap_put(&lc.devices, ld->fleet->devices[d].name, d, NULL);
    lc.in_link = xcalloc(ld->fleet->n_ports ? ld->fleet->n_ports : 1, 1);
    for (size_t l = 0; l < ld->fleet->n_links; l++)
        lc.in_link[ld->fleet->links[l].a] = lc.in_link[ld->fleet->links[l].b] = 1;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < list->n; i++) {
        const struct ynode *item = list->items[i];
        char w[YWHERE_BYTES];
        ywhere_index(w, "links", i);
        if (item->kind == YNODE_SEQUENCE) {
            if (item->n != 2) {
                rc = yfail(ld->err, item, w, "a link has two ends, [DEVICE:PORT, DEVICE:PORT]");
                break;
            }
            size_t da = 0, db = 0;
            long a = -1, b = -1;
            char w0[YWHERE_BYTES], w1[YWHERE_BYTES];
            ywhere_index(w0, w, 0);
            ywhere_index(w1, w, 1);
            rc = parse_end(&lc, item->items[0], w0, &da, &a);
            if (rc == 0)
                rc = parse_end(&lc, item->items[1], w1, &db, &b);
            if (rc == 0)
                rc = add_link(&lc, item, w, da, a, db, b);
        } else if (item->kind == YNODE_MAPPING && item->n == 1 &&
                   strcmp(item->pairs[0].key->text, "fabric") == 0) {
            char wf[YWHERE_BYTES];
            ywhere_key(wf, w, "fabric");
            rc = yexpect(ld->err, item->pairs[0].value, YNODE_MAPPING, wf);
            if (rc == 0)
                rc = parse_fabric(&lc, item->pairs[0].value, wf);
        } else {
            rc = yfail(ld->err, item, w,
                       "expected [DEVICE:PORT, DEVICE:PORT] or {fabric: {lower: …, upper: …}}");
        }
    }
    free(lc.in_link);
    strmap_cleanup(&lc.devices);
    return rc;
}

/* ---- scenario ------------------------------------------------------------------------- */

/* The decimal digits text[at..at+n), or -1. */
static int digits_at(const char *text, size_t at, size_t n)
{
    int v = 0;
    for (size_t i = at; i < at + n; i++) {
        if (!isdigit((unsigned char)text[i]))
            return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

/* "YYYY-MM-DDTHH:MM:SSZ" -> ms since the epoch. */
static int parse_utc_ms(const char *text, uint64_t *ms)
{
    if (strlen(text) != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text[19] != 'Z')
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = digits_at(text, 0, 4);
    tm.tm_mon = digits_at(text, 5, 2);
    tm.tm_mday = digits_at(text, 8, 2);
    tm.tm_hour = digits_at(text, 11, 2);
    tm.tm_min = digits_at(text, 14, 2);
    tm.tm_sec = digits_at(text, 17, 2);
    if (tm.tm_year < 1970 || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
        tm.tm_hour < 0 || tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 ||
        tm.tm_sec > 59)
        return -1;
    int mday = tm.tm_mday;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t < 0 || tm.tm_mday != mday) /* 2026-02-30 normalizes to March */
        return -1;
    *ms = (uint64_t)t * 1000;
    return 0;
}

static int parse_scenario_event(struct pctx *c, const struct ynode *node, const char *where,
                                size_t index)
{
    struct loader *ld = c->ld;
    struct fleet *fleet = ld->fleet;
    struct scenario_keys sk;
    memset(&sk, 0, sizeof(sk));
    schema_defaults(scenario_keys, &sk);
    CHECK(schema_apply(&ld->sctx, node, where, scenario_keys, &sk));
    char q[YQUOTE_BYTES], w[YWHERE_BYTES];
    struct scenario_event ev;
    memset(&ev, 0, sizeof(ev));
    struct fault_spec *spec = &ev.spec;
    spec->kind = fault_kind_by_name(sk.kind);
    spec->incident = spec->kind < 0 ? incident_by_name(sk.kind) : NULL;
    ywhere_key(w, where, "kind");
    if (spec->kind < 0 && !spec->incident) {
        char kinds[512] = "";
        for (int k = 0; k < FAULT_KIND_COUNT; k++)
            snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s, ",
                     fault_kinds[k].name);
        for (size_t k = 0; k < INCIDENT_COUNT; k++)
            snprintf(kinds + strlen(kinds), sizeof(kinds) - strlen(kinds), "%s%s",
                     incidents[k].name, k + 1 < INCIDENT_COUNT ? ", " : "");
        return yfail(ld->err, ymap_get(node, "kind"), w, "unknown kind \"%s\" (one of %s)",
                     yquote(q, sk.kind), kinds);
    }
    spec->target = fleet_strdup(fleet, sk.target);
    spec->duration_ms = sk.for_ms;
    spec->every_ms = sk.every_ms;
    spec->count = sk.count;
    if (sk.name) {
        spec->source = fleet_strdup(fleet, sk.name);
    } else {
        char name[64];
        snprintf(name, sizeof(name), "scenario[%zu]", index);
        spec->source = fleet_strdup(fleet, name);
    }
    if (sk.params) {
        ywhere_key(w, where, "params");
        const struct fault_kind_info *info = spec->kind >= 0 ? &fault_kinds[spec->kind] : NULL;
        if (sk.params->n > sizeof(spec->param_values) / sizeof(spec->param_values[0]))
            return yfail(ld->err, sk.params, w, "too many parameters");
        for (size_t i = 0; i < sk.params->n; i++) {
            const struct ynode *key = sk.params->pairs[i].key, *value = sk.params->pairs[i].value;
            char wp[YWHERE_BYTES];
            ywhere_key(wp, w, key->text);
            CHECK(yexpect(ld->err, value, YNODE_SCALAR, wp));
            const char *unit = "";
            for (size_t p = 0; info && p < info->n_params; p++)
                if (strcmp(info->params[p].name, key->text) == 0)
                    unit = info->params[p].unit;
            struct errbuf why;
            double v = 0;
            uint64_t ms = 0;
            if (strcmp(unit, "s") == 0) {
                if (units_parse_duration_ms(value->text, &ms, &why) < 0)
                    return yfail(ld->err, value, wp, "%s", why.msg);
                v = (double)ms;
            } else if (units_parse_double(value->text, &v, &why) < 0) {
                return yfail(ld->err, value, wp, "%s", why.msg);
            }
            spec->param_names[spec->n_params] = fleet_strdup(fleet, key->text);
            spec->param_values[spec->n_params++] = v;
        }
    }
    const struct ynode *at = ymap_get(node, "at");
    ywhere_key(w, where, "at");
    if (sk.at && sk.at[0] == '+') {
        struct errbuf why;
        if (units_parse_duration_ms(sk.at + 1, &ev.at_ms, &why) < 0)
            return yfail(ld->err, at, w, "%s", why.msg);
        spec->start_relative = 1;
    } else if (sk.at) {
        if (parse_utc_ms(sk.at, &ev.at_ms) < 0)
            return yfail(ld->err, at, w,
                         "expected +DURATION (after loading) or a UTC time like "
                         "2026-11-22T10:00:00Z, got \"%s\"",
                         yquote(q, sk.at));
    } else if (!sk.every_ms) {
        return yfail(ld->err, node, where, "an event needs `at:` (or `every:` to repeat)");
    } else {
        ev.at_ms = sk.offset_ms;
    }
    if (sk.offset_ms && sk.at)
        return yfail(ld->err, ymap_get(node, "offset"), where,
                     "`offset:` places repeats without `at:`; with `at:` it has no meaning");
    if (sk.offset_ms >= sk.every_ms && sk.every_ms)
        return yfail(ld->err, ymap_get(node, "offset"), where,
                     "`offset:` must be less than `every:`");
    if (sk.count && !sk.every_ms)
        return yfail(ld->err, ymap_get(node, "count"), where, "`count:` needs `every:`");
    /* everything else the fault API would check: targets, parameters, times */
    struct fault made[4];
    size_t n = 0;
    struct errbuf why;
    if (fault_spec_expand(spec, fleet, 0, made, 4, &n, &why) < 0)
        return yfail(ld->err, node, where, "%s", why.msg);
    if (fleet->n_scenario == fleet->cap_scenario) {
        size_t cap = fleet->cap_scenario ? 2 * fleet->cap_scenario : 8;
        struct scenario_event *grown = fleet_alloc(fleet, cap * sizeof(*grown));
        if (fleet->n_scenario)
            memcpy(grown, fleet->scenario, fleet->n_scenario * sizeof(*grown));
        fleet->scenario = grown;
        fleet->cap_scenario = cap;
    }
    if (fleet->n_scenario >= FAULT_MAX / 4)
        return yfail(ld->err, node, where, "more than %d scenario events", FAULT_MAX / 4);
    fleet->scenario[fleet->n_scenario++] = ev;
    return 0;
}

static int parse_scenario(struct pctx *c, const struct ynode *list)
{
    for (size_t i = 0; i < list->n; i++) {
        char w[YWHERE_BYTES];
        ywhere_index(w, "scenario", i);
        CHECK(yexpect(c->ld->err, list->items[i], YNODE_MAPPING, w));
        CHECK(parse_scenario_event(c, list->items[i], w, c->ld->fleet->n_scenario));
    }
    return 0;
}

static int parse_root(struct pctx *c, const struct ynode *root)
{
    struct top_keys top;
    memset(&top, 0, sizeof(top));
    /* Messages about the root name it "profile"; paths below it start with their key. */
    CHECK(schema_check(&c->ld->sctx, root, "profile", top_keys));
    CHECK(schema_apply(&c->ld->sctx, root, "", top_keys, &top));
    if (top.simulation)
        CHECK(parse_simulation(c, top.simulation));
    profile_port_defaults(&c->defaults);
    if (top.defaults)
        CHECK(schema_apply(&c->ld->sctx, top.defaults, "defaults", settings_keys, &c->defaults));
    if (top.templates)
        CHECK(parse_templates(c, top.templates));
    if (top.devices->n == 0)
        return yfail(c->ld->err, top.devices, "devices", "must list at least one device");
    for (size_t i = 0; i < top.devices->n; i++) {
        char w[YWHERE_BYTES];
        ywhere_index(w, "devices", i);
        CHECK(parse_device(c, top.devices->items[i], w));
    }
    if (top.links)
        CHECK(parse_links(c, top.links));
    if (top.scenario)
        CHECK(parse_scenario(c, top.scenario));
    return 0;
}

static const struct yload_limits file_limits = {
    .max_file_bytes = PROFILE_MAX_FILE_BYTES,
    .max_depth = PROFILE_MAX_DEPTH,
    .max_nodes = PROFILE_MAX_NODES,
};

static int load_file(struct loader *ld, const char *path)
{
    struct yfile *f = NULL;
    if (yfile_load(path, &file_limits, &f, ld->err) < 0)
        return -1;
    int rc;
    const struct ynode *root = yfile_root(f);
    if (!root) {
        rc = errbuf_set(ld->err, "%s: profile is empty", path);
    } else if (yfile_documents(f) > 1) {
        rc = yfail(ld->err, yfile_document(f, 1), "profile",
                   "a profile file holds one YAML document; found a second");
    } else {
        struct pctx c;
        memset(&c, 0, sizeof(c));
        c.ld = ld;
        strmap_init(&c.template_index);
        rc = parse_root(&c, root);
        strmap_cleanup(&c.template_index);
        free(c.dev_template);
    }
    yfile_free(f);
    return rc;
}

static int is_profile_name(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return 0;
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int load_dir(struct loader *ld, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return errbuf_set(ld->err, "%s: cannot open directory: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!is_profile_name(e->d_name))
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        size_t need = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = xmalloc(need);
        snprintf(names[n], need, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    int rc = n ? 0 : errbuf_set(ld->err, "%s: directory holds no *.yaml or *.yml profile", dir);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0)
            rc = load_file(ld, names[i]);
        free(names[i]);
    }
    free(names);
    return rc;
}

int profile_load(const char *const *paths, size_t n_paths, const struct profile_budget *budget,
                 struct fleet **out, struct errbuf *err)
{
    struct loader ld;
    memset(&ld, 0, sizeof(ld));
    ld.fleet = fleet_new();
    ld.budget = budget;
    ld.err = err;
    ld.sctx = (struct schema_ctx){.err = err, .intern = intern, .intern_user = ld.fleet};
    ld.check = (struct schema_ctx){.err = err};
    ld.fleet->label_bytes = 0;
    ld.fleet->body_bytes_max = budget->fixed_body_bytes;
    strset_init(&ld.device_names);
    int rc = n_paths ? 0 : errbuf_set(err, "no profile given");
    for (size_t i = 0; i < n_paths && rc == 0; i++) {
        struct stat st;
        if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode))
            rc = load_dir(&ld, paths[i]);
        else
            rc = load_file(&ld, paths[i]);
    }
    strset_cleanup(&ld.device_names);
    if (rc < 0) {
        fleet_free(ld.fleet);
        return -1;
    }
    *out = ld.fleet;
    return 0;
}
