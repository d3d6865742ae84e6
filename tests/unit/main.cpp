// Unit tests' entry point: the command table is installed once, as the server does at start-up.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "server/commands/command_table.hpp"

int main(int argc, char** argv) {
  fpc::server::install_commands(fpc::server::all_commands());
  return Catch::Session().run(argc, argv);
}
