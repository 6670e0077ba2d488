#pragma once
// OptNet-style random QPs (Amos and Kolter, 2017), the benchmark problems of bench_qp and
// bench_batch: P = L L' + 1e-3 I, G and A standard normal, h = G z0 + s0 with s0 uniform in
// (0.1, 1), b = A z0, m = n inequalities and p = n / 2 equalities; feasible by construction.

#include <Eigen/Core>
#include <optlayer/qp_batch.hpp>
#include <random>

namespace bench {

inline optlayer::QpData make_optnet_qp(int n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> uniform(0.1, 1.0);
  auto randn = [&](int rows, int cols) {
    Eigen::MatrixXd M(rows, cols);
    for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = normal(rng);
    return M;
  };
  const int m = n, p = n / 2;
  optlayer::QpData qp;
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

}  // namespace bench
