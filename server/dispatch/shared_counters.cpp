// The list of server-wide counters and gauges that INFO and /metrics both show.
#include "server/dispatch/shared_counters.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "server/state/process_memory.hpp"

namespace fpc::server {
namespace {

template <typename T>
double value(const std::atomic<T>& v) {
  return static_cast<double>(v.load(std::memory_order_relaxed));
}

const std::array counters = {
    shared_counter{"connected_clients", "fastpgcache_connected_clients", "gauge",
                   "Clients connected now.",
                   [](const server_state& s) { return value(s.counters.connected_clients); }},
    shared_counter{"blocked_clients", "fastpgcache_blocked_clients", "gauge",
                   "Clients waiting in a blocking command (BLPOP, ...).",
                   [](const server_state& s) { return value(s.counters.blocked_clients); }},
    shared_counter{"total_connections_received", "fastpgcache_connections_received_total",
                   "counter", "Client connections accepted.",
                   [](const server_state& s) { return value(s.counters.connections_received); }},
    shared_counter{"rejected_connections", "fastpgcache_rejected_connections_total", "counter",
                   "Connections refused by --maxclients.",
                   [](const server_state& s) { return value(s.counters.rejected_connections); }},
    shared_counter{"total_commands_processed", "fastpgcache_commands_processed_total", "counter",
                   "Commands received.",
                   [](const server_state& s) { return value(s.counters.commands_processed); }},
    shared_counter{"keyspace_hits", "fastpgcache_keyspace_hits_total", "counter",
                   "GETs that found a key.",
                   [](const server_state& s) { return value(s.counters.keyspace_hits); }},
    shared_counter{"keyspace_misses", "fastpgcache_keyspace_misses_total", "counter",
                   "GETs that found nothing.",
                   [](const server_state& s) { return value(s.counters.keyspace_misses); }},
    shared_counter{"expired_keys", "fastpgcache_expired_keys_total", "counter",
                   "Expired rows deleted by the sweeper.",
                   [](const server_state& s) { return value(s.counters.expired_keys); }},
    shared_counter{"exec_retries", "fastpgcache_exec_retries_total", "counter",
                   "EXEC transactions run again after a serialization failure or deadlock.",
                   [](const server_state& s) { return value(s.counters.exec_retries); }},
    shared_counter{"evicted_clients", "fastpgcache_evicted_clients_total", "counter",
                   "Clients closed because all clients' memory passed maxmemory-clients.",
                   [](const server_state& s) { return value(s.counters.evicted_clients); }},
    shared_counter{"pubsub_channels", "fastpgcache_pubsub_channels", "gauge",
                   "Channels with a subscriber on this server (every tenant).",
                   [](const server_state& s) {
                     return static_cast<double>(s.pubsub.totals().first);
                   }},
    shared_counter{"pubsub_patterns", "fastpgcache_pubsub_patterns", "gauge",
                   "Patterns with a subscriber on this server (every tenant).",
                   [](const server_state& s) {
                     return static_cast<double>(s.pubsub.totals().second);
                   }},
    shared_counter{"pubsubshard_channels", "fastpgcache_pubsub_shard_channels", "gauge",
                   "Shard channels with a subscriber on this server (every tenant).",
                   [](const server_state& s) {
                     return static_cast<double>(s.pubsub.shard_channel_total());
                   }},
    shared_counter{"published_messages", "fastpgcache_published_messages_total", "counter",
                   "Messages published through this server (PUBLISH, SPUBLISH, keyspace events).",
                   [](const server_state& s) { return value(s.counters.published_messages); }},
    shared_counter{"client_output_buffer_limit_disconnections",
                   "fastpgcache_pubsub_limit_disconnections_total", "counter",
                   "Subscribers closed past the pub/sub output buffer limits.",
                   [](const server_state& s) {
                     return value(s.counters.pubsub_limit_disconnections);
                   }},
    shared_counter{"pubsub_bus_reconnects", "fastpgcache_bus_reconnects_total", "counter",
                   "Times the bus to the other servers reconnected: messages and wake-ups sent "
                   "meanwhile may have been lost.",
                   [](const server_state& s) {
                     return s.bus ? static_cast<double>(s.bus->reconnects()) : 0.0;
                   }},
    shared_counter{"pubsub_bus_dropped_messages", "fastpgcache_bus_dropped_messages_total",
                   "counter",
                   "Messages the bus could not send or read (queue full, connection lost, "
                   "stored body gone).",
                   [](const server_state& s) {
                     return s.bus ? static_cast<double>(s.bus->dropped_messages()) : 0.0;
                   }},
    shared_counter{"bus_lag_p50_us", "fastpgcache_bus_lag_p50_microseconds", "gauge",
                   "Median time from a write's invalidation (or a wake-up, a message) being queued "
                   "for the other servers until PostgreSQL delivered it (its echo to this server).",
                   [](const server_state& s) {
                     return s.bus ? s.bus->delivery_lag().quantile_us(0.5) : 0.0;
                   }},
    shared_counter{"bus_lag_p99_us", "fastpgcache_bus_lag_p99_microseconds", "gauge",
                   "99th percentile of that delivery time, since the server started.",
                   [](const server_state& s) {
                     return s.bus ? s.bus->delivery_lag().quantile_us(0.99) : 0.0;
                   }},
    shared_counter{"bus_lag_max_us", "fastpgcache_bus_lag_max_microseconds", "gauge",
                   "Longest delivery time seen since the server started.",
                   [](const server_state& s) {
                     return s.bus ? s.bus->delivery_lag().max_us() : 0.0;
                   }},
    shared_counter{"near_cache_hits", "fastpgcache_near_cache_hits_total", "counter",
                   "GETs answered from the near cache.",
                   [](const server_state& s) { return value(s.near.counters().hits); }},
    shared_counter{"near_cache_misses", "fastpgcache_near_cache_misses_total", "counter",
                   "GETs the near cache could not answer (they went to PostgreSQL).",
                   [](const server_state& s) { return value(s.near.counters().misses); }},
    shared_counter{"near_cache_fills", "fastpgcache_near_cache_fills_total", "counter",
                   "Values stored in the near cache after a read.",
                   [](const server_state& s) { return value(s.near.counters().fills); }},
    shared_counter{"near_cache_fills_refused", "fastpgcache_near_cache_fills_refused_total",
                   "counter",
                   "Reads not stored because a write or invalidation of the key overtook them.",
                   [](const server_state& s) { return value(s.near.counters().fills_refused); }},
    shared_counter{"near_cache_evictions", "fastpgcache_near_cache_evictions_total", "counter",
                   "Near-cache entries pushed out by newer ones (LRU).",
                   [](const server_state& s) { return value(s.near.counters().evictions); }},
    shared_counter{"near_cache_invalidations", "fastpgcache_near_cache_invalidations_total",
                   "counter", "Near-cache entries dropped because their key was written.",
                   [](const server_state& s) { return value(s.near.counters().invalidations); }},
    shared_counter{"near_cache_remote_invalidations",
                   "fastpgcache_near_cache_remote_invalidations_total", "counter",
                   "Invalidations received from the other servers.",
                   [](const server_state& s) {
                     return value(s.near.counters().remote_invalidations);
                   }},
    shared_counter{"near_cache_flushes", "fastpgcache_near_cache_flushes_total", "counter",
                   "Times the near cache (or a tenant's part) was emptied: bus down or back, "
                   "FLUSHDB, scripts, eviction.",
                   [](const server_state& s) { return value(s.near.counters().flushes); }},
    shared_counter{"near_cache_bytes", "fastpgcache_near_cache_bytes", "gauge",
                   "Bytes the near cache holds (keys, values and per-entry overhead).",
                   [](const server_state& s) { return static_cast<double>(s.near.bytes()); }},
    shared_counter{"near_cache_keys", "fastpgcache_near_cache_keys", "gauge",
                   "Values the near cache holds.",
                   [](const server_state& s) { return static_cast<double>(s.near.entries()); }},
    shared_counter{"near_cache_enabled", "fastpgcache_near_cache_enabled", "gauge",
                   "1 while the near cache serves (on, and the bus to the other servers is up).",
                   [](const server_state& s) { return s.near.enabled() ? 1.0 : 0.0; }},
    shared_counter{"tracking_clients", "fastpgcache_tracking_clients", "gauge",
                   "Clients with CLIENT TRACKING on.",
                   [](const server_state& s) {
                     return static_cast<double>(s.tracking.count().clients);
                   }},
    shared_counter{"tracking_total_keys", "fastpgcache_tracking_keys", "gauge",
                   "Keys CLIENT TRACKING remembers for the clients that read them.",
                   [](const server_state& s) {
                     return static_cast<double>(s.tracking.count().keys);
                   }},
    shared_counter{"tracking_total_items", "fastpgcache_tracking_items", "gauge",
                   "(key, client) pairs CLIENT TRACKING remembers.",
                   [](const server_state& s) {
                     return static_cast<double>(s.tracking.count().items);
                   }},
    shared_counter{"tracking_total_prefixes", "fastpgcache_tracking_prefixes", "gauge",
                   "Prefixes of CLIENT TRACKING BCAST clients.",
                   [](const server_state& s) {
                     return static_cast<double>(s.tracking.count().prefixes);
                   }},
    shared_counter{"used_memory_clients", "fastpgcache_client_memory_bytes", "gauge",
                   "Memory of all client buffers (the maxmemory-clients measure).",
                   [](const server_state& s) {
                     return static_cast<double>(s.client_memory.total());
                   }},
    shared_counter{"used_memory_stored", "fastpgcache_stored_bytes", "gauge",
                   "Stored key+value bytes of all users (the --maxmemory measure).",
                   [](const server_state& s) { return static_cast<double>(s.size.total_bytes()); }},
    shared_counter{"maxmemory", "fastpgcache_maxmemory_bytes", "gauge",
                   "The --maxmemory bound (0: none).",
                   [](const server_state& s) { return value(s.live.maxmemory); }},
    shared_counter{"evicted_keys", "fastpgcache_evicted_keys_total", "counter",
                   "Keys deleted by eviction.",
                   [](const server_state& s) { return value(s.size.evicted_keys); }},
    shared_counter{"eviction_rounds", "fastpgcache_eviction_rounds_total", "counter",
                   "Eviction statements run.",
                   [](const server_state& s) { return value(s.size.eviction_rounds); }},
    shared_counter{
        "used_memory_rss", "fastpgcache_resident_memory_bytes", "gauge",
        "Resident memory of the process.",
        [](const server_state&) { return static_cast<double>(resident_memory_bytes()); }},
    shared_counter{"connections_ready", "fastpgcache_pg_connections_ready", "gauge",
                   "PostgreSQL connections ready now.",
                   [](const server_state& s) { return value(s.backend.connections_ready); }},
    shared_counter{"statements", "fastpgcache_pg_statements_total", "counter",
                   "Statements sent to PostgreSQL.",
                   [](const server_state& s) { return value(s.backend.statements); }},
    shared_counter{"merged_statements", "fastpgcache_pg_merged_statements_total", "counter",
                   "Statements that carried merged requests.",
                   [](const server_state& s) { return value(s.backend.batches); }},
    shared_counter{"merged_requests", "fastpgcache_pg_merged_requests_total", "counter",
                   "Requests carried by merged statements.",
                   [](const server_state& s) { return value(s.backend.merged_requests); }},
    shared_counter{"statement_errors", "fastpgcache_pg_statement_errors_total", "counter",
                   "Statements PostgreSQL failed.",
                   [](const server_state& s) { return value(s.backend.errors); }},
    shared_counter{"statements_in_flight", "fastpgcache_pg_statements_in_flight", "gauge",
                   "Statements sent and not yet answered.",
                   [](const server_state& s) { return value(s.backend.in_flight); }},
    shared_counter{"connections_busy", "fastpgcache_pg_connections_busy", "gauge",
                   "PostgreSQL connections with statements in flight.",
                   [](const server_state& s) { return value(s.backend.connections_busy); }},
    shared_counter{"", "fastpgcache_pg_round_trips_total", "counter",
                   "Statements answered by PostgreSQL.",
                   [](const server_state& s) { return value(s.backend.round_trips); }},
    shared_counter{"", "fastpgcache_pg_round_trip_seconds_total", "counter",
                   "Send-to-answer time of those statements, summed.",
                   [](const server_state& s) { return value(s.backend.round_trip_us) / 1e6; }},
    shared_counter{"reconnects", "fastpgcache_pg_reconnects_total", "counter",
                   "PostgreSQL connections re-established.",
                   [](const server_state& s) { return value(s.backend.reconnects); }},
};

}  // namespace

std::span<const shared_counter> shared_counters() {
  return counters;
}

const shared_counter& counter_named(std::string_view info_name) {
  for (const auto& c : counters) {
    if (c.info_name == info_name) return c;
  }
  throw std::logic_error("no shared counter named " + std::string(info_name));
}

}  // namespace fpc::server
