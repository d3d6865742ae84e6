// ACL file parsing and credential checks.
#include <catch2/catch.hpp>

#include "auth/user_table.hpp"

using fpc::auth::user_table;

TEST_CASE("the default user logs in automatically until a password is required") {
  user_table users;
  CHECK(users.default_autologin());
  CHECK(users.check("default", "anything"));
  users.set_default_password("s3cret");
  CHECK_FALSE(users.default_autologin());
  CHECK(users.check("default", "s3cret"));
  CHECK_FALSE(users.check("default", "wrong"));
}

TEST_CASE("ACL file users: plaintext, SHA-256 hashes, off users, unknown users") {
  user_table users;
  // sha256("hunter2")
  const auto err = users.load_acl(
      "user alice on >wonderland ~* +@all\n"
      "user bob on #f52fbd32b2b3b86ff88ef6c490628285f482af15ddcb29541f94bcf526a3f6c7 allkeys\n"
      "\n"
      "user carol off >pw\n"
      "user default on >defpw\n");
  REQUIRE_FALSE(err);
  CHECK(users.check("alice", "wonderland"));
  CHECK_FALSE(users.check("alice", "Wonderland"));
  CHECK(users.check("bob", "hunter2"));
  CHECK_FALSE(users.check("carol", "pw"));
  CHECK_FALSE(users.check("mallory", "x"));
  CHECK_FALSE(users.default_autologin());
  CHECK(users.check("default", "defpw"));
}

TEST_CASE("ACL file errors name the line") {
  user_table users;
  auto err = users.load_acl("user alice on >x\nuser bob sideways\n");
  REQUIRE(err);
  CHECK(err->find("line 2") != std::string::npos);
  CHECK(users.load_acl("group x\n")->find("line 1") != std::string::npos);
  CHECK(users.load_acl("user bob on #abc\n")->find("hash") != std::string::npos);
}

TEST_CASE("the ACL file's `user default` line wins over --requirepass, as in Redis") {
  user_table off;
  REQUIRE_FALSE(off.load_acl("user default off\nuser alice on >a\n"));
  CHECK_FALSE(off.set_default_password("pw"));
  CHECK_FALSE(off.default_autologin());
  CHECK_FALSE(off.check("default", "pw"));  // still off: --requirepass does not turn it on
  CHECK(off.check("alice", "a"));

  user_table silent;  // the ACL file says nothing of default: --requirepass applies
  REQUIRE_FALSE(silent.load_acl("user alice on >a\n"));
  CHECK(silent.set_default_password("pw"));
  CHECK(silent.check("default", "pw"));
  CHECK_FALSE(silent.default_autologin());
}
