// SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH, SPUBLISH, PUBSUB: per tenant,
// and across every server on the database (server/dispatch/pubsub.hpp, notifications.hpp).
#include <string>

#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/dispatch/notifications.hpp"

namespace fpc::server::handlers {
namespace {

std::string_view verb(subscription_kind kind, bool subscribing) {
  switch (kind) {
    case subscription_kind::channel:
      return subscribing ? "subscribe" : "unsubscribe";
    case subscription_kind::pattern:
      return subscribing ? "psubscribe" : "punsubscribe";
    case subscription_kind::shard_channel:
      break;
  }
  return subscribing ? "ssubscribe" : "sunsubscribe";
}

std::size_t count_for(const client_connection& c, subscription_kind kind) {
  return kind == subscription_kind::shard_channel ? c.shard_subscription_count()
                                                  : c.subscription_count();
}

void confirm(command_call& call, subscription_kind kind, bool subscribing,
             const std::string* name) {
  call.out.push(3);
  call.out.bulk(verb(kind, subscribing));
  if (name != nullptr)
    call.out.bulk(*name);
  else
    call.out.null();
  call.out.integer(static_cast<long long>(count_for(call.session, kind)));
}

void subscribe_to(command_call& call, subscription_kind kind) {
  for (std::size_t i = 1; i < call.args.size(); ++i) {
    const std::string name(call.args[i]);
    if (!call.session.subscribe(kind, name) && !call.session.subscriptions(kind).contains(name)) {
      call.out.error("ERR too many subscriptions on this connection (at most " +
                     std::to_string(client_connection::max_subscriptions) + ")");
      continue;
    }
    confirm(call, kind, true, &name);
  }
}

void unsubscribe_from(command_call& call, subscription_kind kind) {
  if (call.args.size() > 1) {
    for (std::size_t i = 1; i < call.args.size(); ++i) {
      const std::string name(call.args[i]);
      call.session.unsubscribe(kind, name);
      confirm(call, kind, false, &name);
    }
    return;
  }
  const auto all = call.session.subscriptions(kind);  // a copy: unsubscribing changes the set
  if (all.empty()) {
    confirm(call, kind, false, nullptr);
    return;
  }
  for (const auto& name : all) {
    call.session.unsubscribe(kind, name);
    confirm(call, kind, false, &name);
  }
}

void publish_on(command_call& call, bool sharded) {
  const std::size_t receivers = publish_everywhere(
      call.shared(), storage::bus_message{call.session.username(), std::string(call.args[1]),
                                          std::string(call.args[2]), sharded});
  call.out.integer(static_cast<long long>(receivers));
}

void write_channels(command_call& call, subscription_kind kind) {
  if (call.args.size() > 3) {
    call.out.error("ERR unknown subcommand or wrong number of arguments for '" +
                   std::string(call.args[1]) + "'. Try PUBSUB HELP.");
    return;
  }
  std::optional<std::string_view> pattern;
  if (call.args.size() == 3) pattern = call.args[2];
  const auto names = call.shared().pubsub.channels(kind, call.session.username(), pattern);
  call.out.array(names.size());
  for (const auto& n : names) call.out.bulk(n);
}

void write_numsub(command_call& call, subscription_kind kind) {
  call.out.array(2 * (call.args.size() - 2));
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    call.out.bulk(call.args[i]);
    call.out.integer(static_cast<long long>(call.shared().pubsub.subscribers(
        kind, call.session.username(), std::string(call.args[i]))));
  }
}

}  // namespace

void subscribe(command_call& call) {
  subscribe_to(call, subscription_kind::channel);
}
void psubscribe(command_call& call) {
  subscribe_to(call, subscription_kind::pattern);
}
void ssubscribe(command_call& call) {
  subscribe_to(call, subscription_kind::shard_channel);
}
void unsubscribe(command_call& call) {
  unsubscribe_from(call, subscription_kind::channel);
}
void punsubscribe(command_call& call) {
  unsubscribe_from(call, subscription_kind::pattern);
}
void sunsubscribe(command_call& call) {
  unsubscribe_from(call, subscription_kind::shard_channel);
}
void publish(command_call& call) {
  publish_on(call, false);
}
void spublish(command_call& call) {
  publish_on(call, true);
}

void pubsub(command_call& call) {
  const command_spec* sub = subcommand_or_error(call, "pubsub", "PUBSUB");
  if (sub == nullptr) return;
  if (sub->name == "pubsub|help") {
    static const char* const lines[] = {
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> (default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help."};
    call.out.array(std::size(lines));
    for (const char* line : lines) call.out.simple(line);
  } else if (sub->name == "pubsub|channels") {
    write_channels(call, subscription_kind::channel);
  } else if (sub->name == "pubsub|shardchannels") {
    write_channels(call, subscription_kind::shard_channel);
  } else if (sub->name == "pubsub|numsub") {
    write_numsub(call, subscription_kind::channel);
  } else if (sub->name == "pubsub|shardnumsub") {
    write_numsub(call, subscription_kind::shard_channel);
  } else {
    call.out.integer(
        static_cast<long long>(call.shared().pubsub.patterns(call.session.username())));
  }
}

}  // namespace fpc::server::handlers
