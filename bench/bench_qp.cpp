// Dense QP solve against its backward and forward derivative solves, on
// OptNet-style random QPs: P = L L' + 1e-3 I, G and A standard normal,
// h = G z0 + s0 with s0 uniform in (0.1, 1), b = A z0, m = n, p = n / 2.
// Names follow <layer>_<implementation>_<mode>/<n> so scripts can pair them.

#include <benchmark/benchmark.h>

#include <Eigen/Dense>
#include <optlayer/optlayer.hpp>
#include <random>

namespace {

struct OptNetQp {
  Eigen::MatrixXd P, G, A;
  Eigen::VectorXd q, h, b;
};

OptNetQp make_qp(int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  auto randn = [&](int rows, int cols) {
    Eigen::MatrixXd M(rows, cols);
    for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = normal(rng);
    return M;
  };
  const int m = n, p = n / 2;
  OptNetQp qp;
  const Eigen::MatrixXd L = randn(n, n);
  qp.P = L * L.transpose() + 1e-3 * Eigen::MatrixXd::Identity(n, n);
  qp.q = randn(n, 1);
  qp.G = randn(m, n);
  qp.A = randn(p, n);
  const Eigen::VectorXd z0 = randn(n, 1);
  Eigen::VectorXd s0(m);
  for (int i = 0; i < m; ++i) s0(i) = uniform(rng);
  qp.h = qp.G * z0 + s0;
  qp.b = qp.A * z0;
  return qp;
}

void qp_dense_solve(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const OptNetQp qp = make_qp(n, 7);
  optlayer::Settings settings;
  settings.backend = optlayer::Backend::dense;
  optlayer::QpSolver solver(n, qp.G.rows(), qp.A.rows(), settings);
  for (auto _ : state) benchmark::DoNotOptimize(solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b));
  state.counters["iterations"] = solver.result().iterations;
  if (solver.result().status != optlayer::Status::solved) state.SkipWithError("not solved");
}

void qp_dense_backward(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const OptNetQp qp = make_qp(n, 7);
  optlayer::Settings settings;
  settings.backend = optlayer::Backend::dense;
  optlayer::QpSolver solver(n, qp.G.rows(), qp.A.rows(), settings);
  if (solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) != optlayer::Status::solved) {
    state.SkipWithError("not solved");
    return;
  }
  const Eigen::VectorXd dl_dz = Eigen::VectorXd::Ones(n);
  optlayer::QpGradient gradient;
  for (auto _ : state) benchmark::DoNotOptimize(solver.backward(dl_dz, gradient));
}

void qp_dense_forward(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const OptNetQp qp = make_qp(n, 7);
  optlayer::Settings settings;
  settings.backend = optlayer::Backend::dense;
  optlayer::QpSolver solver(n, qp.G.rows(), qp.A.rows(), settings);
  if (solver.solve(qp.P, qp.q, qp.G, qp.h, qp.A, qp.b) != optlayer::Status::solved) {
    state.SkipWithError("not solved");
    return;
  }
  optlayer::QpPerturbation perturbation;
  perturbation.q = Eigen::VectorXd::Ones(n);
  perturbation.h = Eigen::VectorXd::Ones(qp.G.rows());
  optlayer::QpTangent tangent;
  for (auto _ : state) benchmark::DoNotOptimize(solver.forward(perturbation, tangent));
}

}  // namespace

BENCHMARK(qp_dense_solve)->Arg(10)->Arg(50)->Arg(100)->Unit(benchmark::kMicrosecond);
BENCHMARK(qp_dense_backward)->Arg(10)->Arg(50)->Arg(100)->Unit(benchmark::kMicrosecond);
BENCHMARK(qp_dense_forward)->Arg(10)->Arg(50)->Arg(100)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
