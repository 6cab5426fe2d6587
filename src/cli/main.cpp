// loupe: run, count and map CNNs. Exit codes (DESIGN.md): 0 ok, 1 bad input, 2 usage.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <new>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{"loupe — run, count and map CNNs (the loop nests of Sze, Chen, Yang, Emer)"};
  app.set_version_flag("--version", "loupe 0.1.0");
  app.require_subcommand(1);
  loupe::cli::Action action;
  loupe::cli::add_zoo(app, action);
  loupe::cli::add_summary(app, action);
  loupe::cli::add_run(app, action);
  loupe::cli::add_eval(app, action);
  loupe::cli::add_peak(app, action);
  loupe::cli::add_accel(app, action);
  loupe::cli::add_profile(app, action);
  loupe::cli::add_bench(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  } catch (const loupe::Error& e) {
    // Flag values are validated in callbacks; a bad value is a usage error.
    fmt::print(stderr, "loupe: {}\n", e.what());
    return 2;
  }
  try {
    return action ? action() : 2;
  } catch (const loupe::Error& e) {
    fmt::print(stderr, "loupe: {}\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    fmt::print(stderr, "loupe: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "loupe: internal error: {}\n", e.what());
    return 1;
  }
}
