// FUNCTION and FCALL / FCALL_RO: libraries kept per tenant in PostgreSQL (every server on the
// database sees them), installed in each loop's interpreter, run as scripts are.
#include <algorithm>
#include <chrono>
#include <functional>

#include "resp/numbers.hpp"
#include "server/commands/handlers.hpp"
#include "server/commands/replies.hpp"
#include "server/commands/script_args.hpp"
#include "server/dispatch/command_call.hpp"
#include "server/scripting/function_libraries.hpp"
#include "server/scripting/library_loader.hpp"
#include "server/scripting/lua_vm.hpp"
#include "server/scripting/script_run.hpp"
#include "server/state/glob.hpp"

namespace fpc::server::handlers {
namespace sc = scripting;

namespace {

using deferred = command_call::deferred;
constexpr std::string_view dump_header = "FPC-FUNCTIONS-1\n";

// Ends a command that held the client's reader: the reply, then reading again.
void answer(const deferred& reply, bool held, const std::function<void(resp::reply_writer&)>& write) {
  resp::reply_writer w = reply.writer();
  write(w);
  if (held) reply.session().resume_dispatch();
  reply.finish();
}

void answer_error(const deferred& reply, bool held, const std::string& error) {
  answer(reply, held, [&](resp::reply_writer& w) { w.error(error); });
}

// Calls `then` with the tenant's libraries read from PostgreSQL (`force`), or the snapshot
// this server has when it is fresh enough. A library whose code is unchanged keeps what was
// learned of it; a new one is loaded in a scratch interpreter to learn its functions.
void with_libraries(client_connection& s, bool force,
                    std::function<void(const std::string& error)> then) {
  auto& all = sc::function_libraries::instance();
  const auto now = std::chrono::steady_clock::now();
  const auto known = all.of(s.username());
  if (!force && known.known && now - known.read_at < sc::function_libraries::freshness) {
    then({});
    return;
  }
  s.loop().store.functions().list_function_libraries(
      s.who(), [session = s.shared_from_this(), then = std::move(then)](kv_result&& r) {
        if (!r.ok()) return then(r.error);
        auto& libraries = sc::function_libraries::instance();
        const auto before = libraries.of(session->username());
        sc::library_list fresh;
        std::unique_ptr<sc::lua_vm> scratch;
        for (std::size_t i = 0; i + 2 < r.values.size(); i += 3) {
          const std::string name(r.values[i].value_or(""));
          const std::string code(r.values[i + 1].value_or(""));
          auto same = std::find_if(before.libraries->begin(), before.libraries->end(),
                                   [&](const auto& l) { return l.name == name && l.code == code; });
          if (same != before.libraries->end()) {
            fresh.push_back(*same);
            continue;
          }
          if (!scratch) {
            scratch = std::make_unique<sc::lua_vm>(session->username(),
                                                   session->loop().shared.settings.lua_memory_limit);
          }
          sc::function_library loaded;
          (void)sc::load_library(*scratch, code, loaded, false);
          loaded.name = name;
          loaded.code = code;
          fresh.push_back(std::move(loaded));
        }
        libraries.set(session->username(), std::move(fresh));
        then({});
      });
}

void fcall_generic(command_call& call, bool ro_command) {
  sc::script_request request;
  if (!read_keys_and_args(call, request)) return;
  request.function = std::string(call.args[1]);
  const bool heavy = call.session.on_heavy_lane();
  deferred reply = call.defer();
  const bool held = reply.slot()->group == nullptr;
  if (held) call.session.hold_dispatch();
  with_libraries(call.session, false,
                 [reply, held, heavy, ro_command, request = std::move(request)](
                     const std::string& error) mutable {
                   if (!error.empty()) return answer_error(reply, held, error);
                   client_connection& s = reply.session();
                   sc::lua_vm& vm = tenant_vm(s);
                   sc::install_libraries(vm, sc::function_libraries::instance().of(s.username()));
                   const sc::registered_function* f = vm.find_function(request.function);
                   if (f == nullptr) return answer_error(reply, held, "ERR Function not found");
                   if (ro_command && !f->no_writes) {
                     return answer_error(
                         reply, held,
                         "ERR Can not execute a script with write flag using *_ro command.");
                   }
                   request.read_only = ro_command || f->no_writes;
                   request.error_where = " script: " + request.function;
                   sc::script_run::start(reply, vm, std::move(request), heavy);
                 });
}

// The tenant's libraries with `library` added or put in place of the one of its name.
sc::library_list with_library(const sc::library_list& libraries, sc::function_library library) {
  sc::library_list out;
  for (const auto& l : libraries) {
    if (l.name != library.name) out.push_back(l);
  }
  out.push_back(std::move(library));
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

// Why `library` cannot join `libraries` (REPLACE lets it take its own name's place), or empty.
std::string conflict(const sc::library_list& libraries, const sc::function_library& library,
                     bool replace) {
  for (const auto& l : libraries) {
    if (l.name == library.name) {
      if (!replace) return "ERR Library '" + l.name + "' already exists";
      continue;
    }
    for (const auto& f : library.functions) {
      for (const auto& g : l.functions) {
        if (f.name == g.name) return "ERR Function " + f.name + " already exists";
      }
    }
  }
  return {};
}

std::string function_names(const sc::function_library& library) {
  std::string names;
  for (const auto& f : library.functions) {
    if (!names.empty()) names += ' ';
    names += f.name;
  }
  return names;
}

void function_load(command_call& call) {
  bool replace = false;
  std::size_t code_at = 2;
  if (call.args.size() == 4) {
    if (!resp::iequals(call.args[2], "replace")) {
      call.out.error("ERR Unknown option given: " + std::string(call.args[2]));
      return;
    }
    replace = true;
    code_at = 3;
  } else if (call.args.size() != 3) {
    call.out.error("ERR wrong number of arguments for 'function|load' command");
    return;
  }
  // Checked here first: a bad library costs no round trip.
  sc::function_library library;
  {
    sc::lua_vm scratch(call.session.username(), call.shared().settings.lua_memory_limit);
    if (std::string error = sc::load_library(scratch, call.args[code_at], library, false);
        !error.empty()) {
      call.out.error(error);
      return;
    }
  }
  deferred reply = call.defer();
  const bool held = reply.slot()->group == nullptr;
  if (held) call.session.hold_dispatch();
  with_libraries(call.session, true, [reply, held, replace, library = std::move(library)](
                                         const std::string& error) mutable {
    if (!error.empty()) return answer_error(reply, held, error);
    client_connection& s = reply.session();
    const auto snapshot = sc::function_libraries::instance().of(s.username());
    if (std::string refused = conflict(*snapshot.libraries, library, replace); !refused.empty()) {
      return answer_error(reply, held, refused);
    }
    const std::string names = function_names(library);
    // Copies: the callback below takes `library` over, and may be made before these are read.
    const std::string library_name = library.name, code = library.code;
    s.loop().store.functions().save_function_library(
        s.who(), library_name, code, names, replace,
        [reply, held, library = std::move(library)](kv_result&& r) mutable {
          if (!r.ok()) return answer_error(reply, held, r.error);
          if (r.integer == 0) {
            return answer_error(reply, held, "ERR Library '" + library.name + "' already exists");
          }
          client_connection& session = reply.session();
          auto& all = sc::function_libraries::instance();
          const std::string name = library.name;
          all.set(session.username(),
                  with_library(*all.of(session.username()).libraries, std::move(library)));
          answer(reply, held, [&](resp::reply_writer& w) { w.bulk(name); });
        });
  });
}

void write_library_list(resp::reply_writer& w, const sc::library_list& libraries,
                        std::string_view pattern, bool with_code) {
  std::vector<const sc::function_library*> shown;
  for (const auto& l : libraries) {
    if (pattern.empty() || glob_match(pattern, l.name)) shown.push_back(&l);
  }
  w.array(shown.size());
  for (const auto* l : shown) {
    w.map(with_code ? 4 : 3);
    w.bulk("library_name");
    w.bulk(l->name);
    w.bulk("engine");
    w.bulk("LUA");
    w.bulk("functions");
    w.array(l->functions.size());
    for (const auto& f : l->functions) {
      w.map(3);
      w.bulk("name");
      w.bulk(f.name);
      w.bulk("description");
      if (f.description.empty()) {
        w.null();
      } else {
        w.bulk(f.description);
      }
      w.bulk("flags");
      w.set(f.flags.size());
      for (const auto& flag : f.flags) w.simple(flag);
    }
    if (with_code) {
      w.bulk("library_code");
      w.bulk(l->code);
    }
  }
}

void function_list(command_call& call) {
  std::string pattern;
  bool with_code = false;
  for (std::size_t i = 2; i < call.args.size(); ++i) {
    if (resp::iequals(call.args[i], "withcode")) {
      with_code = true;
    } else if (resp::iequals(call.args[i], "libraryname") && i + 1 < call.args.size()) {
      pattern = std::string(call.args[++i]);
    } else {
      call.out.error("ERR Unknown argument " + std::string(call.args[i]));
      return;
    }
  }
  deferred reply = call.defer();
  with_libraries(call.session, true, [reply, pattern, with_code](const std::string& error) {
    if (!error.empty()) return answer_error(reply, false, error);
    const auto snapshot = sc::function_libraries::instance().of(reply.session().username());
    answer(reply, false, [&](resp::reply_writer& w) {
      write_library_list(w, *snapshot.libraries, pattern, with_code);
    });
  });
}

std::string dump_payload(const sc::library_list& libraries) {
  std::string out(dump_header);
  for (const auto& l : libraries) {
    out += std::to_string(l.code.size());
    out += '\n';
    out += l.code;
  }
  return out;
}

// The codes in a DUMP payload; false when it is not one.
bool parse_payload(std::string_view payload, std::vector<std::string>& codes) {
  if (payload.substr(0, dump_header.size()) != dump_header) return false;
  payload.remove_prefix(dump_header.size());
  while (!payload.empty()) {
    const auto eol = payload.find('\n');
    if (eol == std::string_view::npos) return false;
    long long n = 0;
    if (!resp::parse_integer(payload.substr(0, eol), n) || n < 0 ||
        static_cast<std::size_t>(n) > payload.size() - eol - 1) {
      return false;
    }
    codes.emplace_back(payload.substr(eol + 1, static_cast<std::size_t>(n)));
    payload.remove_prefix(eol + 1 + static_cast<std::size_t>(n));
  }
  return true;
}

void function_restore(command_call& call) {
  enum class policy { append, replace, flush } how = policy::append;
  if (call.args.size() == 4) {
    if (resp::iequals(call.args[3], "flush")) {
      how = policy::flush;
    } else if (resp::iequals(call.args[3], "replace")) {
      how = policy::replace;
    } else if (!resp::iequals(call.args[3], "append")) {
      call.out.error("ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  } else if (call.args.size() != 3) {
    call.out.error("ERR wrong number of arguments for 'function|restore' command");
    return;
  }
  std::vector<std::string> codes;
  if (!parse_payload(call.args[2], codes)) {
    call.out.error("ERR payload version or checksum are wrong");
    return;
  }
  auto incoming = std::make_shared<sc::library_list>();
  {
    sc::lua_vm scratch(call.session.username(), call.shared().settings.lua_memory_limit);
    for (const auto& code : codes) {
      sc::function_library library;
      if (std::string error = sc::load_library(scratch, code, library, false); !error.empty()) {
        call.out.error(error);
        return;
      }
      if (std::string refused = conflict(*incoming, library, false); !refused.empty()) {
        call.out.error(refused);
        return;
      }
      incoming->push_back(std::move(library));
    }
  }
  deferred reply = call.defer();
  const bool held = reply.slot()->group == nullptr;
  if (held) call.session.hold_dispatch();
  with_libraries(call.session, true, [reply, held, how, incoming](const std::string& error) {
    if (!error.empty()) return answer_error(reply, held, error);
    client_connection& s = reply.session();
    auto& all = sc::function_libraries::instance();
    sc::library_list result =
        how == policy::flush ? sc::library_list{} : *all.of(s.username()).libraries;
    for (const auto& library : *incoming) {
      if (std::string refused = conflict(result, library, how != policy::append);
          !refused.empty()) {
        return answer_error(reply, held, refused);
      }
      result = with_library(result, library);
    }
    auto& store = s.loop().store.functions();
    if (how == policy::flush) store.flush_function_libraries(s.who(), [](kv_result&&) {});
    // Submitted together, answered in order: the last answer completes the reply.
    auto failures = std::make_shared<std::string>();
    for (std::size_t i = 0; i < incoming->size(); ++i) {
      const auto& library = (*incoming)[i];
      const bool last = i + 1 == incoming->size();
      store.save_function_library(
          s.who(), library.name, library.code, function_names(library), true,
          [reply, held, last, failures, result](kv_result&& r) {
            if (!r.ok() && failures->empty()) *failures = r.error;
            if (!last) return;
            if (!failures->empty()) return answer_error(reply, held, *failures);
            sc::function_libraries::instance().set(reply.session().username(), result);
            answer(reply, held, [](resp::reply_writer& w) { w.ok(); });
          });
    }
    if (incoming->empty()) {
      all.set(s.username(), result);
      answer(reply, held, [](resp::reply_writer& w) { w.ok(); });
    }
  });
}

}  // namespace

void fcall(command_call& call) {
  fcall_generic(call, false);
}
void fcall_ro(command_call& call) {
  fcall_generic(call, true);
}

void function(command_call& call) {
  const command_spec* spec = subcommand_or_error(call, "function", "FUNCTION");
  if (spec == nullptr) return;
  const std::string_view sub = spec->name.substr(std::string_view("function|").size());
  client_connection& s = call.session;
  if (sub == "load") return function_load(call);
  if (sub == "list") return function_list(call);
  if (sub == "restore") return function_restore(call);
  if (sub == "delete") {
    const std::string name(call.args[2]);
    deferred reply = call.defer();
    // Changes hold the client's next commands: an FCALL right after must see them.
    const bool held = reply.slot()->group == nullptr;
    if (held) s.hold_dispatch();
    s.loop().store.functions().delete_function_library(s.who(), name, [reply, held, name](
                                                                          kv_result&& r) {
      if (!r.ok()) return answer_error(reply, held, r.error);
      if (r.integer == 0) return answer_error(reply, held, "ERR Library not found");
      auto& all = sc::function_libraries::instance();
      const auto& user = reply.session().username();
      sc::library_list rest;
      for (const auto& l : *all.of(user).libraries) {
        if (l.name != name) rest.push_back(l);
      }
      all.set(user, std::move(rest));
      answer(reply, held, [](resp::reply_writer& w) { w.ok(); });
    });
    return;
  }
  if (sub == "flush") {
    if (call.args.size() > 3 ||
        (call.args.size() == 3 && !resp::iequals(call.args[2], "sync") &&
         !resp::iequals(call.args[2], "async"))) {
      call.out.error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
      return;
    }
    deferred reply = call.defer();
    const bool held = reply.slot()->group == nullptr;
    if (held) s.hold_dispatch();
    s.loop().store.functions().flush_function_libraries(s.who(), [reply, held](kv_result&& r) {
      if (!r.ok()) return answer_error(reply, held, r.error);
      sc::function_libraries::instance().set(reply.session().username(), {});
      answer(reply, held, [](resp::reply_writer& w) { w.ok(); });
    });
    return;
  }
  if (sub == "dump" || sub == "stats") {
    deferred reply = call.defer();
    const bool dump = sub == "dump";
    with_libraries(s, true, [reply, dump](const std::string& error) {
      if (!error.empty()) return answer_error(reply, false, error);
      const auto snapshot = sc::function_libraries::instance().of(reply.session().username());
      answer(reply, false, [&](resp::reply_writer& w) {
        if (dump) {
          w.bulk(dump_payload(*snapshot.libraries));
          return;
        }
        std::size_t functions = 0;
        for (const auto& l : *snapshot.libraries) functions += l.functions.size();
        w.map(2);
        w.bulk("running_script");
        w.null();
        w.bulk("engines");
        w.map(1);
        w.bulk("LUA");
        w.map(2);
        w.bulk("libraries_count");
        w.integer(static_cast<long long>(snapshot.libraries->size()));
        w.bulk("functions_count");
        w.integer(static_cast<long long>(functions));
      });
    });
    return;
  }
  if (sub == "kill") return answer_script_kill(call);
  if (sub == "help") {
    const char* lines[] = {
        "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "LOAD [REPLACE] <FUNCTION CODE>",
        "DELETE <LIBRARY NAME>",
        "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
        "FLUSH [ASYNC|SYNC]",
        "DUMP",
        "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
        "STATS",
        "KILL",
        "HELP"};
    call.out.array(std::size(lines));
    for (const char* line : lines) call.out.simple(line);
  }
}

}  // namespace fpc::server::handlers
