// `fastpgcache --health-check`: does a server with these settings answer PING? (container probes)
#pragma once

#include "config/settings.hpp"

namespace fpc::app {

/// Connects to the server the settings describe (the plain port, else the TLS port) on its bind
/// address (loopback for a wildcard), authenticates with --requirepass when it has one, and sends
/// PING. Healthy (0) on +PONG, or on -NOAUTH when it holds no password: the server is serving
/// either way. Prints one line saying what it found; 1 when unhealthy.
int health_check(const config::settings& settings);

/// In a container the server is process 1 and its flags are not the probe's: when process 1 is
/// fastpgcache, its settings (its flags, with the same environment); else `own`.
config::settings settings_of_server_process(const config::settings& own);

}  // namespace fpc::app
