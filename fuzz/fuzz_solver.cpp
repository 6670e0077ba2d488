// libFuzzer target: the QP solver on small dense problems decoded from bytes.
// The body and its invariants are in fuzz_targets.hpp (shared with tests/test_fuzz_regressions.cpp).

#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzqp::run_solver(data, size);
  return 0;
}
