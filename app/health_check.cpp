// `fastpgcache --health-check`: does a server with these settings answer PING? (container probes)
#include "app/health_check.hpp"

#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace fpc::app {
namespace {

constexpr int timeout_seconds = 2;

// A RESP array of bulk strings.
std::string resp_command(const std::vector<std::string>& words) {
  std::string out = "*" + std::to_string(words.size()) + "\r\n";
  for (const auto& w : words) out += "$" + std::to_string(w.size()) + "\r\n" + w + "\r\n";
  return out;
}

// A connected socket with send/receive timeouts, or -1.
int connect_to(const std::string& host, std::uint16_t port) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = found; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval tv{timeout_seconds, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

// One line-oriented RESP exchange over a plain or TLS socket.
class probe_connection {
 public:
  probe_connection(int fd, bool tls) : fd_(fd) {
    if (!tls) return;
    ctx_.reset(SSL_CTX_new(TLS_client_method()));
    // The probe talks to its own server on this host: it checks liveness, not the certificate.
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
    ssl_.reset(SSL_new(ctx_.get()));
    SSL_set_fd(ssl_.get(), fd_);
    if (SSL_connect(ssl_.get()) != 1) throw std::runtime_error("TLS handshake failed");
  }
  ~probe_connection() {
    if (ssl_) SSL_shutdown(ssl_.get());
    ::close(fd_);
  }
  probe_connection(const probe_connection&) = delete;
  probe_connection& operator=(const probe_connection&) = delete;

  void send(const std::string& bytes) {
    const long n = ssl_ ? SSL_write(ssl_.get(), bytes.data(), static_cast<int>(bytes.size()))
                        : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n != static_cast<long>(bytes.size())) throw std::runtime_error("cannot send");
  }

  /// The next reply's first line (a simple string, error or integer: all PING and AUTH give).
  std::string read_line() {
    while (buffer_.find("\r\n") == std::string::npos) {
      char chunk[512];
      const long n = ssl_ ? SSL_read(ssl_.get(), chunk, sizeof chunk)
                          : ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) throw std::runtime_error("no reply within " + std::to_string(timeout_seconds) + " s");
      buffer_.append(chunk, static_cast<std::size_t>(n));
      if (buffer_.size() > 64 * 1024) throw std::runtime_error("reply too long");
    }
    const auto end = buffer_.find("\r\n");
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    return line;
  }

 private:
  struct ctx_free {
    void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
  };
  struct ssl_free {
    void operator()(SSL* s) const { SSL_free(s); }
  };
  int fd_;
  std::unique_ptr<SSL_CTX, ctx_free> ctx_;
  std::unique_ptr<SSL, ssl_free> ssl_;
  std::string buffer_;
};

std::string probe_host(const std::string& bind) {
  if (bind == "0.0.0.0" || bind.empty()) return "127.0.0.1";
  if (bind == "::") return "::1";
  return bind;
}

}  // namespace

int health_check(const config::settings& settings) {
  const bool tls = settings.port == 0;
  const std::uint16_t port = tls ? settings.tls_port : settings.port;
  const std::string host = probe_host(settings.bind);
  const std::string where = host + ":" + std::to_string(port) + (tls ? " (TLS)" : "");
  if (port == 0) {
    std::cout << "unhealthy: no port to probe (--port 0 and no --tls-port)\n";
    return 1;
  }
  try {
    const int fd = connect_to(host, port);
    if (fd < 0) {
      std::cout << "unhealthy: nothing accepts connections on " << where << "\n";
      return 1;
    }
    probe_connection c(fd, tls);
    if (!settings.requirepass.empty()) c.send(resp_command({"AUTH", settings.requirepass}));
    c.send(resp_command({"PING"}));
    if (!settings.requirepass.empty()) c.read_line();  // a refused password shows at PING
    const std::string pong = c.read_line();
    if (pong == "+PONG" || pong.starts_with("-NOAUTH")) {
      std::cout << "healthy: " << where << " answered " << pong.substr(1) << "\n";
      return 0;
    }
    std::cout << "unhealthy: " << where << " answered " << pong << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cout << "unhealthy: " << where << ": " << e.what() << "\n";
    return 1;
  }
}

config::settings settings_of_server_process(const config::settings& own) {
  std::ifstream in("/proc/1/cmdline", std::ios::binary);
  const std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> words;
  for (std::size_t start = 0; start < raw.size();) {
    const auto end = raw.find('\0', start);
    words.push_back(raw.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (words.empty() || !words[0].ends_with("fastpgcache")) return own;
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  auto parsed = config::parse_command_line(static_cast<int>(words.size()), argv.data());
  if (const auto* s = std::get_if<config::settings>(&parsed)) return *s;
  return own;
}

}  // namespace fpc::app
