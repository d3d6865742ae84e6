// CLIENT TRACKING, CACHING, GETREDIR and TRACKINGINFO: RESP3 client-side caching, with Redis
// 7.0's options, checks and error texts.
#include <algorithm>
#include <string>
#include <vector>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/dispatch/command_call.hpp"

namespace fpc::server::handlers {
namespace {

// Either is a prefix of the other (Redis's stringCheckPrefix): their keys would overlap.
bool overlap(std::string_view a, std::string_view b) {
  const std::size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

// The error for PREFIX options that overlap the client's prefixes or one another, else empty.
std::string prefix_collision(const std::vector<std::string>& existing,
                             const std::vector<std::string>& given) {
  for (std::size_t i = 0; i < given.size(); ++i) {
    for (const auto& old : existing) {
      if (overlap(old, given[i])) {
        return "ERR Prefix '" + given[i] + "' overlaps with an existing prefix '" + old +
               "'. Prefixes for a single client must not overlap.";
      }
    }
    for (std::size_t j = i + 1; j < given.size(); ++j) {
      if (overlap(given[i], given[j])) {
        return "ERR Prefix '" + given[i] + "' overlaps with another provided prefix '" +
               given[j] + "'. Prefixes for a single client must not overlap.";
      }
    }
  }
  return {};
}

}  // namespace

void client_tracking(command_call& call) {
  client_connection& s = call.session;
  bool on = false;
  if (resp::iequals(call.args[2], "on")) {
    on = true;
  } else if (!resp::iequals(call.args[2], "off")) {
    call.out.error("ERR syntax error");
    return;
  }
  tracking_options next;
  next.on = on;
  std::vector<std::string> prefixes;
  std::optional<tracking_endpoint> redirect_to;
  for (std::size_t j = 3; j < call.args.size(); ++j) {
    const std::string_view opt = call.args[j];
    const bool more = j + 1 < call.args.size();
    if (resp::iequals(opt, "redirect") && more) {
      ++j;
      if (next.redirect != 0) {
        call.out.error("ERR A client can only redirect to a single other client");
        return;
      }
      long long id = 0;
      if (!resp::parse_integer(call.args[j], id)) {
        call.out.error("ERR value is not an integer or out of range");
        return;
      }
      // Required to exist now (it may go away later: then the client is told, in RESP3).
      redirect_to = id > 0 ? call.shared().tracking.find_client(static_cast<std::uint64_t>(id))
                           : std::nullopt;
      if (!redirect_to) {
        call.out.error("ERR The client ID you want redirect to does not exist");
        return;
      }
      next.redirect = static_cast<std::uint64_t>(id);
    } else if (resp::iequals(opt, "bcast")) {
      next.bcast = true;
    } else if (resp::iequals(opt, "optin")) {
      next.optin = true;
    } else if (resp::iequals(opt, "optout")) {
      next.optout = true;
    } else if (resp::iequals(opt, "noloop")) {
      next.noloop = true;
    } else if (resp::iequals(opt, "prefix") && more) {
      ++j;
      prefixes.emplace_back(call.args[j]);
    } else {
      call.out.error("ERR syntax error");
      return;
    }
  }
  if (!on) {
    s.stop_tracking();
    call.out.ok();
    return;
  }
  const tracking_options& now = s.tracking();
  if (!next.bcast && !prefixes.empty()) {
    call.out.error("ERR PREFIX option requires BCAST mode to be enabled");
    return;
  }
  if (now.on && now.bcast != next.bcast) {
    call.out.error(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (next.bcast && (next.optin || next.optout)) {
    call.out.error("ERR OPTIN and OPTOUT are not compatible with BCAST");
    return;
  }
  if (next.optin && next.optout) {
    call.out.error("ERR You can't specify both OPTIN mode and OPTOUT mode");
    return;
  }
  if (now.on && ((next.optin && now.optout) || (next.optout && now.optin))) {
    call.out.error(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.");
    return;
  }
  if (next.bcast) {
    const std::vector<std::string> existing = now.on ? now.prefixes : std::vector<std::string>{};
    if (auto error = prefix_collision(existing, prefixes); !error.empty()) {
      call.out.error(error);
      return;
    }
    // BCAST keeps adding prefixes (no PREFIX: the prefix "", every key), as Redis does.
    next.prefixes = existing;
    if (prefixes.empty()) prefixes.emplace_back();
    for (auto& p : prefixes) {
      if (std::find(next.prefixes.begin(), next.prefixes.end(), p) == next.prefixes.end()) {
        next.prefixes.push_back(std::move(p));
      }
    }
    std::sort(next.prefixes.begin(), next.prefixes.end());  // Redis lists them in byte order
  }
  // A CACHING choice belongs to the mode it was made in.
  if (next.optin != now.optin || next.optout != now.optout) s.tracking_caching = caching_choice::unset;
  s.set_tracking(next, redirect_to.value_or(tracking_endpoint{}));
  call.out.ok();
}

void client_caching(command_call& call) {
  client_connection& s = call.session;
  const tracking_options& now = s.tracking();
  if (!now.on) {
    call.out.error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or "
        "OPTOUT mode enabled");
    return;
  }
  if (resp::iequals(call.args[2], "yes")) {
    if (!now.optin) {
      call.out.error("ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
    s.tracking_caching = caching_choice::yes;
  } else if (resp::iequals(call.args[2], "no")) {
    if (!now.optout) {
      call.out.error("ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
    s.tracking_caching = caching_choice::no;
  } else {
    call.out.error("ERR syntax error");
    return;
  }
  call.out.ok();
}

void client_getredir(command_call& call) {
  const tracking_options& now = call.session.tracking();
  call.out.integer(now.on ? static_cast<long long>(now.redirect) : -1);
}

void client_trackinginfo(command_call& call) {
  const client_connection& s = call.session;
  const tracking_options& now = s.tracking();
  std::vector<std::string_view> flags;
  if (!now.on) {
    flags.emplace_back("off");
  } else {
    flags.emplace_back("on");
    if (now.bcast) flags.emplace_back("bcast");
    if (now.optin) flags.emplace_back("optin");
    if (now.optout) flags.emplace_back("optout");
    if (now.optin && s.tracking_caching == caching_choice::yes) flags.emplace_back("caching-yes");
    if (now.optout && s.tracking_caching == caching_choice::no) flags.emplace_back("caching-no");
    if (now.noloop) flags.emplace_back("noloop");
    if (s.tracking_redirect_broken) flags.emplace_back("broken_redirect");
  }
  auto& w = call.out;
  w.map(3);
  w.bulk("flags");
  w.set(flags.size());
  for (auto f : flags) w.bulk(f);
  w.bulk("redirect");
  w.integer(now.on ? static_cast<long long>(now.redirect) : -1);
  w.bulk("prefixes");
  w.array(now.on ? now.prefixes.size() : 0);
  if (now.on) {
    for (const auto& p : now.prefixes) w.bulk(p);
  }
}

}  // namespace fpc::server::handlers
