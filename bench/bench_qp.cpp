// The cost curve of a dense QP: solve against its backward and forward derivative solves on
// OptNet-style random QPs (bench/optnet_qp.hpp) for n = 10 ... 500, with the interior-point
// iterations as a counter. Names follow <layer>_<implementation>_<mode>/<n> so scripts can
// pair them (scripts/bench_table.sh fits the exponent of time against n). Real time, like
// every optlayer benchmark (the batched ones run on several threads).

#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <optlayer/optlayer.hpp>

#include "bench/optnet_qp.hpp"

namespace {

optlayer::QpSolver make_solver(const optlayer::QpData& qp) {
  optlayer::Settings settings;
  settings.backend = optlayer::Backend::dense;
  return optlayer::QpSolver(qp.P.rows(), qp.G.rows(), qp.A.rows(), settings);
}

void qp_dense_solve(benchmark::State& state) {
  const optlayer::QpData qp = bench::make_optnet_qp(static_cast<int>(state.range(0)), 7);
  optlayer::QpSolver solver = make_solver(qp);
  for (auto _ : state) benchmark::DoNotOptimize(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b));
  state.counters["ipm_iterations"] = solver.result().iterations;
  if (solver.result().status != optlayer::Status::solved) state.SkipWithError("not solved");
}

void qp_dense_backward(benchmark::State& state) {
  const optlayer::QpData qp = bench::make_optnet_qp(static_cast<int>(state.range(0)), 7);
  optlayer::QpSolver solver = make_solver(qp);
  if (solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) != optlayer::Status::solved) {
    state.SkipWithError("not solved");
    return;
  }
  const Eigen::VectorXd dl_dz = Eigen::VectorXd::Ones(qp.P.rows());
  optlayer::QpGradient gradient;
  for (auto _ : state) benchmark::DoNotOptimize(solver.backward(dl_dz, gradient));
}

void qp_dense_forward(benchmark::State& state) {
  const optlayer::QpData qp = bench::make_optnet_qp(static_cast<int>(state.range(0)), 7);
  optlayer::QpSolver solver = make_solver(qp);
  if (solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) != optlayer::Status::solved) {
    state.SkipWithError("not solved");
    return;
  }
  optlayer::QpPerturbation perturbation;
  perturbation.q = Eigen::VectorXd::Ones(qp.P.rows());
  perturbation.h = Eigen::VectorXd::Ones(qp.G.rows());
  optlayer::QpTangent tangent;
  for (auto _ : state) benchmark::DoNotOptimize(solver.forward(perturbation, tangent));
}

void dimensions(benchmark::internal::Benchmark* b) {
  for (int n : {10, 25, 50, 100, 200, 500}) b->Arg(n);
  b->UseRealTime()->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(qp_dense_solve)->Apply(dimensions);
BENCHMARK(qp_dense_backward)->Apply(dimensions);
BENCHMARK(qp_dense_forward)->Apply(dimensions);

BENCHMARK_MAIN();
