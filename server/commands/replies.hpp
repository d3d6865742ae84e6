// Storage callbacks that answer a command with the operation's result (or its error), shared by
// the handlers; and the lookup of a container command's subcommand (CLIENT, CONFIG, ...).
#pragma once

#include <string_view>

#include "server/dispatch/command_call.hpp"

namespace fpc::server {

struct command_spec;

/// The optional value: a bulk string, or null when absent.
kv_callback value_reply(command_call& call);
/// The integer, through `map` when given.
kv_callback integer_reply(command_call& call, long long (*map)(long long) = nullptr);
/// +OK.
kv_callback ok_reply(command_call& call);
/// The first of `values` as a bulk string, nil when there is none (SPOP, SRANDMEMBER, HRANDFIELD
/// without a count).
kv_callback first_value_reply(command_call& call);

/// HRANDFIELD / ZRANDMEMBER key count [WITHVALUES|WITHSCORES]: `count` from args[2] and whether
/// args[3] is `with_word`; false after answering Redis's error (or the reply bound's, naming
/// `instead`, what to read a big collection with).
bool parse_random_count(command_call& call, std::string_view with_word, std::string_view instead,
                        long long& count, bool& with);

/// The subcommand named by args[1] of the container `parent`, or nullptr after answering Redis's
/// unknown-subcommand or arity error.
const command_spec* subcommand_or_error(command_call& call, std::string_view parent,
                                        std::string_view help);

}  // namespace fpc::server
