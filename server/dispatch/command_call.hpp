// The API handlers are written against: one command's arguments, its client, and its reply
// (written at once, or deferred until a storage callback completes it).
#pragma once

#include <memory>
#include <span>
#include <string_view>

#include "resp/writer.hpp"
#include "server/dispatch/client_connection.hpp"

namespace fpc::server {

/// A handler's view of one command: its arguments and its reply.
class command_call {
 public:
  command_call(client_connection& s, std::span<const std::string_view> a, reply_slot& slot)
      : session(s), args(a), slot_(slot), out(slot.data, slot.protocol) {}

  client_connection& session;
  std::span<const std::string_view> args;  // args[0] is the command name as sent

 private:
  reply_slot& slot_;

 public:
  /// The reply of a synchronous command goes here.
  resp::reply_writer out;

  /// Marks the reply as asynchronous: the handle completes it later, from a callback.
  class deferred {
   public:
    deferred(std::shared_ptr<client_connection> s, reply_slot* slot)
        : session_(std::move(s)), slot_(slot) {}
    [[nodiscard]] resp::reply_writer writer() const { return {slot_->data, slot_->protocol}; }
    void finish() const { session_->reply_ready(*slot_); }
    [[nodiscard]] client_connection& session() const { return *session_; }
    [[nodiscard]] reply_slot* slot() const { return slot_; }

   private:
    std::shared_ptr<client_connection> session_;
    reply_slot* slot_;
  };
  [[nodiscard]] deferred defer() {
    deferred_ = true;
    return {session.shared_from_this(), &slot_};
  }
  [[nodiscard]] bool is_deferred() const { return deferred_; }
  /// Inside EXEC or a script: what it writes is committed later, and it must not block.
  [[nodiscard]] bool in_transaction() const {
    return slot_.group != nullptr || static_cast<bool>(slot_.on_nested_reply);
  }
  /// CLIENT REPLY: whether this command's own reply is sent.
  void set_silent(bool silent) { slot_.silent = silent; }
  /// HELLO answers in the protocol it switches to.
  [[nodiscard]] resp::reply_writer writer_with_protocol(int protocol) {
    slot_.protocol = protocol;
    return {slot_.data, protocol};
  }
  [[nodiscard]] server_state& shared() { return session.loop().shared; }
  [[nodiscard]] storage::keyspace& store() { return session.loop().store; }

 private:
  bool deferred_ = false;
};

}  // namespace fpc::server
