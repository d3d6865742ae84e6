// Redis's conversions between replies and Lua values, both ways (RESP2 and RESP3).
#pragma once

#include <string_view>

#include "resp/writer.hpp"
#include "server/scripting/lua.hpp"

namespace fpc::server::scripting {

/// Pushes one reply (as our reply writer made it) as Redis gives it to a script: integers as
/// numbers, bulk strings as strings, a missing value as false (RESP2) or nil (RESP3), arrays as
/// tables, status as {ok=...}, errors as {err=...}; under RESP3 maps as {map=...}, sets as
/// {set=...}, doubles as {double=...}, big numbers as {big_number=...}, verbatim strings as
/// {verbatim_string={format=..., string=...}}, booleans as booleans.
void push_reply(lua_State* L, std::string_view reply);

/// Whether the reply is an error; `text` is its text without the '-'.
[[nodiscard]] bool reply_error(std::string_view reply, std::string_view& text);

/// Writes the Lua value at `index` as the script's reply (Redis's luaReplyToRedisReply):
/// numbers truncate to integers, false is a missing value, or a boolean when the script chose
/// RESP3 with redis.setresp(3), tables with err/ok/double/big_number/map/set become those
/// replies, other tables arrays up to the first nil.
void write_lua_value(lua_State* L, int index, resp::reply_writer& out, bool script_resp3);

}  // namespace fpc::server::scripting
