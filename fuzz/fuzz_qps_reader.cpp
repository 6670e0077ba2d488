// libFuzzer target: the QPS reader on arbitrary bytes.
// The body and its invariants are in fuzz_targets.hpp (shared with tests/test_fuzz_regressions.cpp).

#include <cstddef>
#include <cstdint>

#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzzqp::run_qps_reader(data, size);
  return 0;
}
