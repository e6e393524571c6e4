/* catalog.c - the metric families, one row each (see catalog.h). */
#include "metrics/catalog.h"

#include <string.h>

#define GAUGE(n, u, h)                 \
    {                                  \
        n, h, u, METRIC_GAUGE, NULL, 0 \
    }
#define COUNTER(n, u, h)                 \
    {                                    \
        n, h, u, METRIC_COUNTER, NULL, 0 \
    }
#define INFO(n, h)                     \
    {                                  \
        n, h, "", METRIC_INFO, NULL, 0 \
    }
#define STATESET(n, h, states)                                                    \
    {                                                                             \
        n, h, "", METRIC_STATESET, (states), sizeof(states) / sizeof((states)[0]) \
    }

static const char *const oper_states[OPER_STATE_COUNT] = {
    [OPER_UP] = "up",
    [OPER_DOWN] = "down",
    [OPER_TESTING] = "testing",
    [OPER_UNKNOWN] = "unknown",
    [OPER_DORMANT] = "dormant",
    [OPER_NOT_PRESENT] = "notPresent",
    [OPER_LOWER_LAYER_DOWN] = "lowerLayerDown",
};

const struct metric_def catalog_rows[] = {
    {INFO("switch_device_info",
          "Static attributes of a simulated device and its profile labels; always 1."),
     SCOPE_DEVICE, Q_DEVICE_INFO, DIM_NONE},
    {GAUGE("switch_device_boot_time_seconds", "seconds",
           "Unix time of the device's last (re)boot; counters count from it."),
     SCOPE_DEVICE, Q_DEVICE_BOOT_TIME_SECONDS, DIM_NONE},
    {GAUGE("switch_device_uptime_seconds", "seconds",
           "Time since the device's last (re)boot, as SNMP's sysUpTime."),
     SCOPE_DEVICE, Q_DEVICE_UPTIME_SECONDS, DIM_NONE},

    {INFO("switch_port_info", "Static attributes of a port (speed, type, description); always 1."),
     SCOPE_PORT, Q_PORT_INFO, DIM_NONE},
    {INFO("switch_port_neighbor_info",
          "The device and port at the other end of the port's link (from the topology, as "
          "LLDP shows it); only ports in a link; always 1."),
     SCOPE_PORT, Q_PORT_NEIGHBOR_INFO, DIM_NONE},
    {GAUGE("switch_port_admin_up", "",
           "Administrative state of the port: 1 up, 0 down (switched off on purpose)."),
     SCOPE_PORT, Q_PORT_ADMIN_UP, DIM_NONE},
    {GAUGE("switch_port_link_up", "", "Operational state of the port's link: 1 up, 0 down."),
     SCOPE_PORT, Q_PORT_LINK_UP, DIM_NONE},
    /* A StateSet in OpenMetrics (label = the family's name); a gauge with `state` in 0.0.4. */
    {STATESET("switch_port_oper_state",
              "Operational state of the port, as IF-MIB's ifOperStatus; exactly one state is 1.",
              oper_states),
     SCOPE_PORT, Q_PORT_OPER_STATE, DIM_NONE},
    /* A rate in bytes/s: no OpenMetrics unit, which would claim plain bytes. */
    {GAUGE("switch_port_speed_bytes", "", "Line rate of the port in bytes per second."), SCOPE_PORT,
     Q_PORT_SPEED_BYTES, DIM_NONE},
    {GAUGE("switch_port_buffer_capacity_bytes", "bytes",
           "Size of the port's egress buffer in bytes."),
     SCOPE_PORT, Q_PORT_BUFFER_CAPACITY_BYTES, DIM_NONE},
    {GAUGE("switch_port_buffer_level_bytes", "bytes",
           "Bytes queued in the port's egress buffer at the end of the tick."),
     SCOPE_PORT, Q_PORT_BUFFER_LEVEL_BYTES, DIM_NONE},
    {GAUGE("switch_port_buffer_watermark_bytes", "bytes",
           "Peak bytes queued in the port's egress buffer during the tick (microbursts), as "
           "SONiC's and Arista LANZ's watermarks report it."),
     SCOPE_PORT, Q_PORT_BUFFER_WATERMARK_BYTES, DIM_NONE},
    {COUNTER("switch_port_rx_packets_total", "", "Frames received on the port."), SCOPE_PORT,
     Q_PORT_RX_PACKETS, DIM_NONE},
    {COUNTER("switch_port_tx_packets_total", "", "Frames transmitted on the port."), SCOPE_PORT,
     Q_PORT_TX_PACKETS, DIM_NONE},
    {COUNTER("switch_port_rx_bytes_total", "bytes",
             "Bytes received on the port (frame bytes, no preamble or gap)."),
     SCOPE_PORT, Q_PORT_RX_BYTES, DIM_NONE},
    {COUNTER("switch_port_tx_bytes_total", "bytes",
             "Bytes transmitted on the port (frame bytes, no preamble or gap)."),
     SCOPE_PORT, Q_PORT_TX_BYTES, DIM_NONE},
    {COUNTER("switch_port_rx_multicast_packets_total", "",
             "Multicast frames received (part of rx packets)."),
     SCOPE_PORT, Q_PORT_RX_MULTICAST, DIM_NONE},
    {COUNTER("switch_port_rx_broadcast_packets_total", "",
             "Broadcast frames received (part of rx packets)."),
     SCOPE_PORT, Q_PORT_RX_BROADCAST, DIM_NONE},
    {COUNTER("switch_port_tx_multicast_packets_total", "",
             "Multicast frames transmitted (part of tx packets)."),
     SCOPE_PORT, Q_PORT_TX_MULTICAST, DIM_NONE},
    {COUNTER("switch_port_tx_broadcast_packets_total", "",
             "Broadcast frames transmitted (part of tx packets)."),
     SCOPE_PORT, Q_PORT_TX_BROADCAST, DIM_NONE},
    {COUNTER("switch_port_rx_errors_total", "",
             "Received frames discarded as errored (bad FCS, runts); not in rx packets."),
     SCOPE_PORT, Q_PORT_RX_ERRORS, DIM_NONE},
    {COUNTER("switch_port_rx_discards_total", "",
             "Good frames discarded on input (policy, unknown VLAN); not in rx packets."),
     SCOPE_PORT, Q_PORT_RX_DISCARDS, DIM_NONE},
    {COUNTER("switch_port_tx_errors_total", "",
             "Frames that could not be transmitted because of errors; not in tx packets."),
     SCOPE_PORT, Q_PORT_TX_ERRORS, DIM_NONE},
    {COUNTER("switch_port_tx_drops_total", "",
             "Frames dropped at egress because the buffer was full."),
     SCOPE_PORT, Q_PORT_TX_DROPS, DIM_NONE},
    {COUNTER("switch_port_carrier_transitions_total", "", "Times the port's link went up or down."),
     SCOPE_PORT, Q_PORT_CARRIER_TRANSITIONS, DIM_NONE},

    {INFO("switchsim_build_info", "switchsim version and source revision; always 1."), SCOPE_SELF,
     Q_SELF_BUILD_INFO, DIM_NONE},
    {INFO("switchsim_shard_info",
          "The --shard this process serves: shard (from 0) of shards; always 1."),
     SCOPE_SELF, Q_SELF_SHARD_INFO, DIM_NONE},
    {GAUGE("switchsim_start_time_seconds", "seconds",
           "Unix time at which the simulator process started."),
     SCOPE_SELF, Q_SELF_START_TIME_SECONDS, DIM_NONE},
    {GAUGE("switchsim_devices", "", "Simulated devices loaded from profiles."), SCOPE_SELF,
     Q_SELF_DEVICES, DIM_NONE},
    {GAUGE("switchsim_ports", "", "Simulated ports across all devices."), SCOPE_SELF, Q_SELF_PORTS,
     DIM_NONE},
    {GAUGE("switchsim_tick_seconds", "seconds", "Length of one simulation tick."), SCOPE_SELF,
     Q_SELF_TICK_SECONDS, DIM_NONE},
    {COUNTER("switchsim_ticks_total", "", "Simulation ticks computed since start."), SCOPE_SELF,
     Q_SELF_TICKS, DIM_NONE},
    {GAUGE("switchsim_last_render_duration_seconds", "seconds",
           "Time the previous render of this endpoint took."),
     SCOPE_SELF, Q_SELF_LAST_RENDER_SECONDS, DIM_NONE},
    {COUNTER("switchsim_render_seconds_total", "seconds",
             "Time spent rendering whole-fleet expositions, by format."),
     SCOPE_SELF, Q_SELF_RENDER_SECONDS, DIM_FORMAT},
    {COUNTER("switchsim_renders_total", "",
             "Whole-fleet expositions rendered (at most one per tick and format), by format."),
     SCOPE_SELF, Q_SELF_RENDERS, DIM_FORMAT},
    {COUNTER("switchsim_gzip_seconds_total", "seconds", "Time spent gzip-compressing responses."),
     SCOPE_SELF, Q_SELF_GZIP_SECONDS, DIM_NONE},
    {COUNTER("switchsim_gzips_total", "", "Responses gzip-compressed."), SCOPE_SELF, Q_SELF_GZIPS,
     DIM_NONE},
    {GAUGE("switchsim_config_last_reload_successful", "",
           "Whether the last profile reload succeeded: 1 yes, 0 no (the old profiles serve on)."),
     SCOPE_SELF, Q_SELF_RELOAD_OK, DIM_NONE},
    {GAUGE("switchsim_config_last_reload_success_timestamp_seconds", "seconds",
           "Unix time of the last successful profile load (start-up or reload)."),
     SCOPE_SELF, Q_SELF_RELOAD_SUCCESS_SECONDS, DIM_NONE},
    {COUNTER("switchsim_http_requests_total", "",
             "HTTP requests answered, by handler (route) and status code."),
     SCOPE_SELF, Q_SELF_HTTP_REQUESTS, DIM_REQUESTS},
    {GAUGE("switchsim_fault_active", "",
           "1 for each fault (fault API or scenario) in effect at this tick; for annotations."),
     SCOPE_SELF, Q_SELF_FAULT_ACTIVE, DIM_FAULTS},
    {COUNTER("switchsim_remote_write_samples_sent_total", "",
             "Samples the remote-write receiver accepted (2xx)."),
     SCOPE_SELF, Q_SELF_RW_SENT, DIM_REMOTE_WRITE},
    {COUNTER("switchsim_remote_write_samples_failed_total", "",
             "Samples the remote-write receiver refused for good (4xx other than 429)."),
     SCOPE_SELF, Q_SELF_RW_FAILED, DIM_REMOTE_WRITE},
    {COUNTER("switchsim_remote_write_samples_retried_total", "",
             "Samples sent again after a 5xx, 429 or connection error."),
     SCOPE_SELF, Q_SELF_RW_RETRIED, DIM_REMOTE_WRITE},
    {COUNTER("switchsim_remote_write_samples_dropped_total", "",
             "Samples shed by the remote-write queue bound, or still queued at shutdown."),
     SCOPE_SELF, Q_SELF_RW_DROPPED, DIM_REMOTE_WRITE},
    {GAUGE("switchsim_remote_write_samples_pending", "",
           "Samples queued for remote write or in flight."),
     SCOPE_SELF, Q_SELF_RW_PENDING, DIM_REMOTE_WRITE},
    {COUNTER("process_cpu_seconds_total", "seconds",
             "Total user and system CPU time spent in seconds."),
     SCOPE_SELF, Q_PROCESS_CPU_SECONDS, DIM_NONE},
    {GAUGE("process_open_fds", "", "Number of open file descriptors."), SCOPE_SELF,
     Q_PROCESS_OPEN_FDS, DIM_NONE},
    {GAUGE("process_max_fds", "", "Maximum number of open file descriptors."), SCOPE_SELF,
     Q_PROCESS_MAX_FDS, DIM_NONE},
    {GAUGE("process_virtual_memory_bytes", "bytes", "Virtual memory size in bytes."), SCOPE_SELF,
     Q_PROCESS_VIRTUAL_BYTES, DIM_NONE},
    {GAUGE("process_resident_memory_bytes", "bytes", "Resident memory size in bytes."), SCOPE_SELF,
     Q_PROCESS_RESIDENT_BYTES, DIM_NONE},
    {GAUGE("process_start_time_seconds", "seconds",
           "Start time of the process since unix epoch in seconds."),
     SCOPE_SELF, Q_PROCESS_START_TIME_SECONDS, DIM_NONE},
};

const size_t catalog_n_rows = sizeof(catalog_rows) / sizeof(catalog_rows[0]);

_Static_assert(sizeof(catalog_rows) / sizeof(catalog_rows[0]) <= CATALOG_MAX_ROWS,
               "a family mask has one bit per catalog row");

uint64_t catalog_all(void)
{
    return catalog_n_rows == 64 ? UINT64_MAX : ((uint64_t)1 << catalog_n_rows) - 1;
}

uint64_t catalog_row_series(const struct metric_def *row)
{
    if (row->dim == DIM_FORMAT)
        return EXPO_FORMAT_COUNT;
    if (row->dim == DIM_REQUESTS || row->dim == DIM_FAULTS || row->dim == DIM_REMOTE_WRITE)
        return 0; /* as many as seen / only with remote write: not implied by a profile */
    return row->family.type == METRIC_STATESET ? row->family.n_states : 1;
}

uint64_t catalog_series_per(enum metric_scope scope, uint64_t families)
{
    uint64_t n = 0;
    for (size_t i = 0; i < catalog_n_rows; i++)
        if ((families >> i & 1) && catalog_rows[i].scope == scope)
            n += catalog_row_series(&catalog_rows[i]);
    return n;
}

uint64_t catalog_series_count(size_t n_devices, size_t n_ports, uint64_t families)
{
    return (uint64_t)n_devices * catalog_series_per(SCOPE_DEVICE, families) +
           (uint64_t)n_ports * catalog_series_per(SCOPE_PORT, families) +
           catalog_series_per(SCOPE_SELF, families);
}

uint64_t catalog_scope_rows(enum metric_scope scope)
{
    uint64_t m = 0;
    for (size_t i = 0; i < catalog_n_rows; i++)
        if (catalog_rows[i].scope == scope)
            m |= (uint64_t)1 << i;
    return m;
}

int catalog_select(const char *list, enum metric_scope scope, const char *flag, uint64_t *families,
                   struct errbuf *err)
{
    uint64_t in_scope = catalog_scope_rows(scope);
    if (strcmp(list, "all") == 0) {
        *families |= in_scope;
        return 0;
    }
    uint64_t m = 0;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        size_t found = catalog_n_rows;
        for (size_t i = 0; i < catalog_n_rows; i++)
            if (strlen(catalog_rows[i].family.name) == len &&
                strncmp(catalog_rows[i].family.name, p, len) == 0 && catalog_rows[i].scope == scope)
                found = i;
        if (found == catalog_n_rows)
            return errbuf_set(err, "%s: unknown family \"%.*s\" (see docs/METRICS.md; e.g. %s)",
                              flag, (int)len, p,
                              catalog_rows[__builtin_ctzll(in_scope)].family.name);
        m |= (uint64_t)1 << found;
        p += len;
        if (*p == ',')
            p++;
    }
    if (!m)
        return errbuf_set(err, "%s: name at least one family, or all", flag);
    *families = (*families & ~in_scope) | m;
    return 0;
}
