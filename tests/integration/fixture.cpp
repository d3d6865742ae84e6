// Integration fixture: server processes, hiredis clients, raw sockets.
#include "tests/integration/fixture.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fpc::test {
int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string temp_path(const std::string& stem) {
  static std::atomic<int> counter{0};
  return "/tmp/fpc-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" +
         stem;
}

namespace {

int spawn(const std::vector<std::string>& args, const std::string& output_path) {
  const int pid = ::fork();
  if (pid == 0) {
    FILE* out = std::fopen(output_path.c_str(), "w");
    if (out) {
      ::dup2(fileno(out), 1);
      ::dup2(fileno(out), 2);
    }
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    std::_Exit(127);
  }
  return pid;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

reply copy_reply(const redisReply* r) {
  reply out;
  if (r == nullptr) {
    out.type = REDIS_REPLY_ERROR;
    out.str = "no reply (connection lost)";
    return out;
  }
  out.type = r->type;
  if (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
      r->type == REDIS_REPLY_ERROR) {
    out.str.assign(r->str, r->len);
  }
  out.integer = r->integer;
  for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
  return out;
}

}  // namespace

std::string pg_uri() {
  const char* uri = std::getenv("FASTPGCACHE_TEST_PG");
  if (uri == nullptr || *uri == '\0') {
    throw std::runtime_error("FASTPGCACHE_TEST_PG is not set: run the tests with `make test`");
  }
  return uri;
}

std::string unique_schema() {
  static std::atomic<int> counter{0};
  return "t" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
}

run_result run_fastpgcache(const std::vector<std::string>& args) {
  std::vector<std::string> full{FASTPGCACHE_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  const std::string path = temp_path("run.log");
  const int pid = spawn(full, path);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run_result r{WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), read_file(path)};
  std::remove(path.c_str());
  return r;
}

server_process::server_process(std::vector<std::string> extra, bool init, std::string schema)
    : schema_(std::move(schema)) {
  if (init) {
    auto r = run_fastpgcache({"--pg", pg_uri(), "--schema", schema_, "--init-schema"});
    if (r.exit_code != 0) throw std::runtime_error("--init-schema failed: " + r.output);
  }
  port_ = free_port();
  log_path_ = temp_path("server.log");
  std::vector<std::string> args{
      FASTPGCACHE_BINARY,    "--pg",      pg_uri(), "--schema",    schema_, "--port",
      std::to_string(port_), "--threads", "2",      "--pool-size", "4"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = spawn(args, log_path_);
  // Ready when it accepts a connection.
  for (int i = 0; i < 200; ++i) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("server exited at start: " + log());
    }
    redisContext* c = redisConnect("127.0.0.1", port_);
    const bool up = c != nullptr && c->err == 0;
    if (c) redisFree(c);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("server did not start listening: " + log());
}

int server_process::stop() {
  if (pid_ < 0) return 0;
  ::kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 400; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      // A sanitizer report or crash is in the server's log: show it with the failure.
      if (code != 0)
        std::fprintf(stderr, "server exited with %d; its log:\n%s\n", code, log().c_str());
      return code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return -1;
}

server_process::~server_process() {
  stop();
  std::remove(log_path_.c_str());
}

std::string server_process::log() const {
  return read_file(log_path_);
}

redis_server_process::redis_server_process() : port_(free_port()) {
  pid_ = spawn({"/usr/bin/redis-server", "--port", std::to_string(port_), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no"},
               "/dev/null");
  for (int i = 0; i < 200; ++i) {
    redisContext* c = redisConnect("127.0.0.1", port_);
    const bool up = c != nullptr && c->err == 0;
    if (c) redisFree(c);
    if (up) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("redis-server did not start");
}

redis_server_process::~redis_server_process() {
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
}

std::string reply::render() const {
  switch (type) {
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_INTEGER:
      return std::to_string(integer);
    case REDIS_REPLY_STATUS:
      return "+" + str;
    case REDIS_REPLY_ERROR:
      return "-" + str;
    case REDIS_REPLY_STRING:
      return "\"" + str + "\"";
    case REDIS_REPLY_ARRAY: {
      std::string out = "[";
      for (std::size_t i = 0; i < elements.size(); ++i)
        out += (i ? ", " : "") + elements[i].render();
      return out + "]";
    }
    default:
      return "?";
  }
}

client::client(int port) : ctx_(redisConnect("127.0.0.1", port)) {
  if (ctx_ == nullptr || ctx_->err) throw std::runtime_error("cannot connect to the server");
  timeval tv{10, 0};
  redisSetTimeout(ctx_, tv);
}

client::~client() {
  redisFree(ctx_);
}

void client::append(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  redisAppendCommandArgv(ctx_, static_cast<int>(args.size()), argv.data(), lens.data());
}

void client::flush() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(ctx_, &done) != REDIS_OK) throw std::runtime_error("write failed");
  }
}

reply client::next_reply() {
  void* raw = nullptr;
  if (redisGetReply(ctx_, &raw) != REDIS_OK) return copy_reply(nullptr);
  reply r = copy_reply(static_cast<redisReply*>(raw));
  freeReplyObject(raw);
  return r;
}

reply client::cmd(const std::vector<std::string>& args) {
  append(args);
  return next_reply();
}

raw_connection::raw_connection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    throw std::runtime_error("raw connect failed");
  }
}

raw_connection::~raw_connection() {
  ::close(fd_);
}

void raw_connection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

std::string raw_connection::read_bytes(std::size_t n, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[65536];
  while (out.size() < n) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got <= 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  return out;
}

bool raw_connection::closed_by_peer(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    const ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got <= 0) return true;
  }
}

long long info_field(client& c, const std::string& section, const std::string& field) {
  const std::string text = c.cmd({"INFO", section}).str;
  const auto at = text.find(field + ":");
  return at == std::string::npos ? -1 : std::atoll(text.c_str() + at + field.size() + 1);
}

std::string encode_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return out;
}

std::string percentile_ms(std::vector<long long> us, double p) {
  std::sort(us.begin(), us.end());
  const auto at = static_cast<std::size_t>(p * static_cast<double>(us.size() - 1));
  return std::to_string(static_cast<double>(us[at]) / 1000.0) + " ms";
}

std::string shell(const std::string& command) {
  std::string out;
  FILE* p = ::popen(command.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

}  // namespace fpc::test
