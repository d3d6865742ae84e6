// The Prometheus text exposition of the server's counters, gauges and latency histograms.
#pragma once

#include <cstddef>
#include <string>

namespace fpc::server {

struct server_state;

/// Everything INFO counts, in Prometheus text format 0.0.4 (commands that ran at least once).
[[nodiscard]] std::string render_metrics(const server_state& state);

/// Serves GET /metrics and GET /healthz on its own thread; stops when destroyed.
class metrics_server {
 public:
  metrics_server(const std::string& bind, unsigned short port, server_state& state);
  ~metrics_server();
  metrics_server(const metrics_server&) = delete;
  metrics_server& operator=(const metrics_server&) = delete;

 private:
  struct impl;
  impl* impl_;
};

}  // namespace fpc::server
