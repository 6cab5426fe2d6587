#pragma once
// Helpers shared by every test binary (tests/ is on each test target's include path).
#include <string>

#include "loupe/error.hpp"

namespace loupe::testing {

// The message of the loupe::Error that `f` throws, or a marker that matches no expected message
// when it throws none; any other exception escapes and fails the test.
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no loupe::Error thrown>";
}

}  // namespace loupe::testing
