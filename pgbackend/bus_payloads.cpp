// The bus's text format: items "<kind>.<base64 field>..." (base64 never contains '.' or ' ', and
// NOTIFY payloads must be text), packed into payloads behind "<origin>.<sequence>".
#include "pgbackend/bus_payloads.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <vector>

namespace fpc::pg {
namespace {

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool unbase64(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  out.assign(3 * text.size() / 4, '\0');
  if (text.empty()) return true;
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  if (text.ends_with("=="))
    size -= 2;
  else if (text.ends_with("="))
    size -= 1;
  out.resize(size);
  return true;
}

/// The '.'-separated fields of `text`, when there are exactly `n`.
bool split_fields(std::string_view text, std::size_t n, std::vector<std::string_view>& fields) {
  fields.clear();
  for (;;) {
    const auto dot = text.find('.');
    fields.push_back(text.substr(0, dot));
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
  }
  return fields.size() == n;
}

bool decode_item(std::string_view text, bus_item& item) {
  if (text.empty()) return false;
  item = bus_item();
  item.what = static_cast<bus_item::kind>(text[0]);
  if (item.what == bus_item::kind::look_again) return text.size() == 1;
  if (text.size() < 2 || text[1] != '.') return false;
  const std::string_view rest = text.substr(2);
  std::vector<std::string_view> f;
  switch (item.what) {
    case bus_item::kind::wake:
    case bus_item::kind::invalidate:
      return split_fields(rest, 2, f) && unbase64(f[0], item.tenant) && unbase64(f[1], item.name);
    case bus_item::kind::invalidate_all:
      return split_fields(rest, 1, f) && unbase64(f[0], item.tenant);
    case bus_item::kind::message:
    case bus_item::kind::shard_message:
      return split_fields(rest, 3, f) && unbase64(f[0], item.tenant) &&
             unbase64(f[1], item.name) && unbase64(f[2], item.payload);
    case bus_item::kind::stored: {
      const auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), item.stored_id);
      return ec == std::errc() && end == rest.data() + rest.size();
    }
    default:
      return false;
  }
}

}  // namespace

std::string encode_item(const bus_item& item) {
  std::string out(1, static_cast<char>(item.what));
  switch (item.what) {
    case bus_item::kind::look_again:
      break;
    case bus_item::kind::wake:
    case bus_item::kind::invalidate:
      out += "." + base64(item.tenant) + "." + base64(item.name);
      break;
    case bus_item::kind::invalidate_all:
      out += "." + base64(item.tenant);
      break;
    case bus_item::kind::message:
    case bus_item::kind::shard_message:
      out += "." + base64(item.tenant) + "." + base64(item.name) + "." + base64(item.payload);
      break;
    case bus_item::kind::stored:
      out += "." + std::to_string(item.stored_id);
      break;
  }
  return out;
}

std::vector<std::string> pack_payloads(std::string_view origin, std::uint64_t& sequence,
                                       const std::vector<std::string>& items) {
  std::vector<std::string> payloads;
  std::string current;
  auto start = [&] { current = std::string(origin) + "." + std::to_string(++sequence); };
  start();
  std::size_t in_current = 0;
  for (const auto& item : items) {
    if (in_current > 0 && current.size() + 1 + item.size() > max_notify_payload) {
      payloads.push_back(std::move(current));
      start();
      in_current = 0;
    }
    current += " " + item;
    ++in_current;
  }
  if (in_current > 0) payloads.push_back(std::move(current));
  return payloads;
}

bool decode_payload(std::string_view payload, std::string& origin, std::vector<bus_item>& items) {
  items.clear();
  const auto space = payload.find(' ');
  if (space == std::string_view::npos) return false;
  const std::string_view header = payload.substr(0, space);
  origin.assign(header.substr(0, header.find('.')));
  std::string_view rest = payload.substr(space + 1);
  while (!rest.empty()) {
    const auto end = std::min(rest.find(' '), rest.size());
    bus_item item;
    if (decode_item(rest.substr(0, end), item)) items.push_back(std::move(item));
    rest.remove_prefix(std::min(end + 1, rest.size()));
  }
  return true;
}

}  // namespace fpc::pg
