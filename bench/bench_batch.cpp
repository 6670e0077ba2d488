// Throughput of QpBatch: 64 OptNet-style random QPs (bench/optnet_qp.hpp, one seed each) of
// n = 10 and n = 50, solved and differentiated on 1 and 2 threads. Real time (the work is
// spread over threads); items_per_second counts problems.
//
//   qp_batch64_solve/<n>/threads:<t>, qp_batch64_backward/<n>/threads:<t>
//
// The machine is shared, so a control runs beside them: cpu_control_spin/threads:<t> splits a
// fixed amount of plain arithmetic over t std::threads. Its speedup is what the machine offered
// at that moment; a batch speedup well below it would be the batch's own fault.

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <optlayer/optlayer.hpp>
#include <thread>
#include <vector>

#include "bench/optnet_qp.hpp"

namespace {

constexpr std::size_t kBatch = 64;

std::vector<optlayer::QpData> make_batch(int n) {
  std::vector<optlayer::QpData> problems;
  for (std::size_t k = 0; k < kBatch; ++k) problems.push_back(bench::make_optnet_qp(n, 100 + static_cast<unsigned>(k)));
  return problems;
}

optlayer::QpBatch make_qp_batch(int n, unsigned threads) {
  optlayer::Settings settings;
  settings.backend = optlayer::Backend::dense;
  return optlayer::QpBatch(kBatch, n, n, n / 2, settings, threads);
}

void qp_batch64_solve(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<optlayer::QpData> problems = make_batch(n);
  optlayer::QpBatch batch = make_qp_batch(n, static_cast<unsigned>(state.range(1)));
  std::size_t solved = 0;
  for (auto _ : state) solved = batch.solve(problems);
  if (solved != kBatch) state.SkipWithError("not every problem solved");
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

void qp_batch64_backward(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const std::vector<optlayer::QpData> problems = make_batch(n);
  optlayer::QpBatch batch = make_qp_batch(n, static_cast<unsigned>(state.range(1)));
  if (batch.solve(problems) != kBatch) {
    state.SkipWithError("not every problem solved");
    return;
  }
  const std::vector<Eigen::VectorXd> dl_dz(kBatch, Eigen::VectorXd::Ones(n));
  std::vector<optlayer::QpGradient> gradients;
  for (auto _ : state) benchmark::DoNotOptimize(batch.backward(dl_dz, gradients));
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// About 10 ms of dependent floating-point work on one core, in `threads` equal parts.
void cpu_control_spin(benchmark::State& state) {
  const unsigned threads = static_cast<unsigned>(state.range(0));
  const long total = 20'000'000;
  std::vector<double> sums(threads);
  for (auto _ : state) {
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t)
      workers.emplace_back([&sums, t, part = total / threads] {
        double s = 0.0;
        for (long i = 0; i < part; ++i) s = s * 0.999999 + 1e-9 * static_cast<double>(i);
        sums[t] = s;
      });
    for (std::thread& w : workers) w.join();
    benchmark::DoNotOptimize(sums.data());
  }
}

void sizes_and_threads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"", "threads"});
  for (int n : {10, 50})
    for (int threads : {1, 2}) b->Args({n, threads});
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(qp_batch64_solve)->Apply(sizes_and_threads);
BENCHMARK(qp_batch64_backward)->Apply(sizes_and_threads);
BENCHMARK(cpu_control_spin)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
