// The storage seam's vocabulary, named in the server's namespace where handlers and tasks use it.
#pragma once

#include "storage/types.hpp"

namespace fpc::server {

using storage::caller;
using storage::expire_always;
using storage::expire_condition;
using storage::expire_gt;
using storage::expire_lt;
using storage::expire_nx;
using storage::expire_xx;
using storage::expiry;
using storage::kv_callback;
using storage::kv_result;
using storage::modify_function;
using storage::set_options;
using storage::watched_keys;

}  // namespace fpc::server
