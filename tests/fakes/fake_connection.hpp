// A client without a socket, for driving dispatch from tests and the dispatch fuzzer: commands go
// through the real validation, MULTI and handlers; replies stay in their slots for inspection.
#pragma once

#include <cstdlib>
#include <string>
#include <vector>

#include "server/dispatch/client_connection.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::test {

class fake_connection final : public server::client_connection {
 public:
  fake_connection(server::loop_context& loop, std::uint64_t id) : client_connection(loop, id) {}

  /// Looks the command up once, as the network layer does, and dispatches it.
  void run(std::span<const std::string_view> args) {
    dispatch(args, server::find_command(args[0]));
  }
  /// Every command dispatched so far has its reply.
  [[nodiscard]] bool all_answered() const {
    for (const auto& slot : slots_) {
      if (!slot.ready) return false;
    }
    return true;
  }
  /// The replies so far, in order (complete ones only), then forgets them.
  std::vector<std::string> take_replies() {
    std::vector<std::string> out;
    for (auto& slot : slots_) {
      if (slot.ready) out.push_back(std::move(slot.data));
    }
    slots_.clear();
    pending_ = 0;
    reply_bytes_ = 0;
    return out;
  }

  [[nodiscard]] std::string peer_address() const override { return "127.0.0.1:1"; }
  [[nodiscard]] std::string local_address() const override { return "127.0.0.1:6379"; }
  [[nodiscard]] int socket_fd() override { return -1; }
  [[nodiscard]] std::size_t read_buffer_bytes() const override { return 0; }
  [[nodiscard]] boost::asio::any_io_executor executor() override { return loop_.executor; }
  void kill() override { peer_gone_ = true; }
  void stop_reading() override { close_after_flush_ = true; }

 private:
  void wake_writer() override {}
  void wake_reader() override {}
};

}  // namespace fpc::test
