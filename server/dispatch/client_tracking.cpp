// A client's side of client-side caching: its CLIENT TRACKING state, the keys its reads make
// tracked, and the invalidation messages it receives.
#include "resp/writer.hpp"
#include "server/dispatch/client_connection.hpp"
#include "server/dispatch/command_table.hpp"

namespace fpc::server {

void client_connection::set_tracking(const tracking_options& options,
                                     tracking_endpoint redirect_to) {
  tracking_ = options;
  tracking_redirect_broken = false;
  loop_.shared.tracking.enable(shared_from_this(), tenant_, options, std::move(redirect_to));
}

void client_connection::stop_tracking() {
  if (!tracking_.on) return;
  tracking_ = tracking_options{};
  tracking_caching = caching_choice::unset;
  tracking_redirect_broken = false;
  loop_.shared.tracking.disable(id_);
}

void client_connection::track_reads(std::span<const std::string_view> args,
                                    const command_spec& spec, bool nested) {
  if (!nested && std::exchange(caching_consumed_, false)) tracking_caching = caching_choice::unset;
  if (tracking_.on && !tracking_.bcast && (spec.flags & flag_readonly) != 0 &&
      (spec.flags & flag_script) == 0) {
    // OPTIN: only after CLIENT CACHING yes; OPTOUT: unless CLIENT CACHING no.
    const bool wanted = tracking_.optin    ? tracking_caching == caching_choice::yes
                        : tracking_.optout ? tracking_caching != caching_choice::no
                                           : true;
    if (wanted) {
      const auto keys = command_keys(spec, args);
      loop_.shared.tracking.remember(tenant_, id_, keys);
    }
  }
}

void client_connection::note_command_ran(const command_spec& spec, bool nested) {
  // As Redis: the choice holds for the next command, or for a whole MULTI ... EXEC (EXEC holds
  // the next command back until its own are done), and CLIENT commands do not use it up.
  if (!nested && !in_multi && !spec.name.starts_with("client")) caching_consumed_ = true;
}

void client_connection::deliver_invalidation(const std::string& tenant,
                                             const std::optional<std::string>& key,
                                             bool redirected) {
  if (closing() || !authenticated_ || tenant_ != tenant) return;
  if (!redirected && !tracking_.on) return;
  std::string data;
  resp::reply_writer w(data, protocol);
  if (protocol >= 3) {
    w.push(2);
    w.bulk("invalidate");
  } else if (redirected && in_subscribed_mode()) {
    w.array(3);
    w.bulk("message");
    w.bulk("__redis__:invalidate");
  } else {
    return;  // RESP2 has no way to say it on this connection
  }
  if (key) {
    w.array(1);
    w.bulk(*key);
  } else {
    w.null();
  }
  queue_push(std::move(data));
}

void client_connection::deliver_redirect_broken(std::uint64_t redirect_id) {
  if (closing() || !tracking_.on || tracking_.redirect != redirect_id) return;
  tracking_redirect_broken = true;
  if (protocol < 3) return;
  std::string data;
  resp::reply_writer w(data, protocol);
  w.push(2);
  w.bulk("tracking-redir-broken");
  w.integer(static_cast<long long>(redirect_id));
  queue_push(std::move(data));
}

}  // namespace fpc::server
