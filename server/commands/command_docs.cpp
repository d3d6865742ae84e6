// Help synopsis -> COMMAND DOCS arguments: a small recursive-descent parser over [ ] | ... words.
#include "server/commands/command_docs.hpp"

#include "resp/numbers.hpp"

#include <cctype>

namespace fpc::server {
namespace {

bool is_upper_word(std::string_view w) {
  bool letter = false;
  for (char c : w) {
    if (std::islower(static_cast<unsigned char>(c))) return false;
    letter |= std::isalpha(static_cast<unsigned char>(c)) != 0;
  }
  return letter;
}

std::string lower(std::string_view w) {
  return resp::to_lower(w);
}

std::string type_of(std::string_view name) {
  if (name == "key") return "key";
  if (name == "seconds" || name == "milliseconds" || name == "unix-time-seconds" ||
      name == "unix-time-milliseconds" || name == "index" || name == "protover" ||
      name == "count") {
    return "integer";
  }
  return "string";
}

class synopsis_parser {
 public:
  explicit synopsis_parser(std::string_view text) { tokenize(text); }

  std::vector<doc_argument> parse_all() { return parse_sequence(); }

 private:
  void tokenize(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
      const char c = text[i];
      if (c == ' ') {
        ++i;
      } else if (c == '[' || c == ']' || c == '|') {
        tokens_.emplace_back(1, c);
        ++i;
      } else {
        std::size_t j = i;
        while (j < text.size() && text[j] != ' ' && text[j] != '[' && text[j] != ']' &&
               text[j] != '|')
          ++j;
        tokens_.emplace_back(text.substr(i, j - i));
        i = j;
      }
    }
  }

  bool at_end() const { return pos_ >= tokens_.size(); }
  const std::string& peek() const { return tokens_[pos_]; }

  // sequence := alternative ('|' alternative)* ; several alternatives make a oneof.
  std::vector<doc_argument> parse_sequence() {
    std::vector<std::vector<doc_argument>> alternatives(1);
    while (!at_end() && peek() != "]") {
      if (peek() == "|") {
        ++pos_;
        alternatives.emplace_back();
        continue;
      }
      parse_item(alternatives.back());
    }
    if (alternatives.size() == 1) return std::move(alternatives[0]);
    doc_argument oneof;
    oneof.type = "oneof";
    for (auto& alt : alternatives) oneof.children.push_back(as_one(std::move(alt)));
    oneof.name = oneof.children.empty() ? "" : oneof.children[0].name;
    for (std::size_t i = 1; i < oneof.children.size(); ++i)
      oneof.name += "-" + oneof.children[i].name;
    if (oneof.name.size() > 40) oneof.name = "condition";
    return {std::move(oneof)};
  }

  static doc_argument as_one(std::vector<doc_argument> args) {
    if (args.size() == 1) return std::move(args[0]);
    doc_argument block;
    block.type = "block";
    block.name = args.empty() ? "" : args[0].name;
    block.children = std::move(args);
    return block;
  }

  void parse_item(std::vector<doc_argument>& out) {
    const std::string tok = tokens_[pos_++];
    if (tok == "[") {
      auto inner = parse_sequence();
      if (!at_end()) ++pos_;  // ']'
      // "key [key ...]": the bracket only says the previous argument repeats.
      if (inner.size() == 1 && inner[0].multiple && !out.empty() &&
          out.back().name == inner[0].name) {
        out.back().multiple = true;
        return;
      }
      if (inner.empty()) return;
      doc_argument arg = as_one(std::move(inner));
      arg.optional = true;
      out.push_back(std::move(arg));
    } else if (tok == "...") {
      if (!out.empty())
        out.back().multiple = true;
      else
        out.push_back(doc_argument{"...", "string", "", false, false, {}});
    } else if (is_upper_word(tok)) {
      doc_argument arg;
      arg.token = tok;
      // "EX seconds": a token that takes a value.
      if (!at_end() && peek() != "[" && peek() != "]" && peek() != "|" && peek() != "..." &&
          !is_upper_word(peek())) {
        arg.name = tokens_[pos_++];
        arg.type = type_of(arg.name);
      } else {
        arg.name = lower(tok);
        arg.type = "pure-token";
      }
      out.push_back(std::move(arg));
    } else {
      out.push_back(doc_argument{tok, type_of(tok), "", false, false, {}});
    }
  }

  std::vector<std::string> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<doc_argument> parse_synopsis(std::string_view synopsis) {
  return synopsis_parser(synopsis).parse_all();
}

}  // namespace fpc::server
