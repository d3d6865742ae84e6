// Password file and password command, with a background refresher thread for the command.
#include "pgbackend/password_source.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace fpc::pg {
namespace {

void trim_newlines(std::string& s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
}

}  // namespace

std::shared_ptr<password_source> password_source::from_file(std::string path) {
  std::shared_ptr<password_source> s(new password_source());
  s->path_ = std::move(path);
  if (!s->current()) throw std::runtime_error("cannot read --pg-password-file " + s->path_);
  return s;
}

std::shared_ptr<password_source> password_source::from_command(std::string command,
                                                               std::chrono::seconds refresh) {
  std::shared_ptr<password_source> s(new password_source());
  s->command_ = std::move(command);
  s->refresh_ = refresh;
  if (!s->fetch()) throw std::runtime_error("--pg-password-command failed or printed nothing");
  s->refresher_ = std::thread([raw = s.get()] { raw->run_refresher(); });
  return s;
}

password_source::~password_source() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

std::optional<std::string> password_source::current() {
  if (!path_.empty()) {
    std::ifstream in(path_);
    if (!in) return std::nullopt;
    std::stringstream text;
    text << in.rdbuf();
    std::string secret = text.str();
    trim_newlines(secret);
    return secret;
  }
  std::lock_guard lock(mutex_);
  if (!have_secret_) return std::nullopt;
  return secret_;
}

void password_source::refresh_now() {
  if (command_.empty()) return;
  {
    std::lock_guard lock(mutex_);
    refresh_requested_ = true;
  }
  wake_.notify_all();
}

bool password_source::fetch() {
  // Runs on the refresher thread (or at start-up), never on an event loop: the command may be slow.
  FILE* pipe = ::popen(command_.c_str(), "r");
  if (pipe == nullptr) return false;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  trim_newlines(out);
  if (status != 0 || out.empty()) {
    spdlog::error("--pg-password-command failed (exit status {}); keeping the previous password",
                  status);
    return false;
  }
  std::lock_guard lock(mutex_);
  const bool changed = !have_secret_ || out != secret_;
  secret_ = std::move(out);
  have_secret_ = true;
  if (changed) spdlog::info("PostgreSQL password refreshed from --pg-password-command");
  return true;
}

void password_source::run_refresher() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, refresh_, [this] { return stopping_ || refresh_requested_; });
    if (stopping_) break;
    refresh_requested_ = false;
    lock.unlock();
    fetch();
    lock.lock();
  }
}

}  // namespace fpc::pg
