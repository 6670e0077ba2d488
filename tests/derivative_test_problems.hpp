#pragma once
// Random QPs for the derivative tests (OptNet-style, feasible by construction).

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <limits>
#include <random>

#include <optlayer/qp_batch.hpp>

namespace optlayer_test {

/// Deterministic standard-normal and uniform draws.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}

  Eigen::MatrixXd normal(Eigen::Index rows, Eigen::Index cols) {
    Eigen::MatrixXd M(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
      for (Eigen::Index i = 0; i < rows; ++i) M(i, j) = normal_(engine_);
    return M;
  }
  Eigen::VectorXd normal(Eigen::Index size) { return normal(size, 1); }
  Eigen::VectorXd uniform(Eigen::Index size, double low, double high) {
    std::uniform_real_distribution<double> u(low, high);
    Eigen::VectorXd v(size);
    for (Eigen::Index i = 0; i < size; ++i) v(i) = u(engine_);
    return v;
  }

 private:
  std::mt19937_64 engine_;
  std::normal_distribution<double> normal_;
};

/// OptNet's random QP: P = L L' + 1e-3 I, G and A standard normal, h = G z0 + s0 with
/// s0 uniform in (0.1, 1), b = A z0 (so z0 is strictly feasible).
inline optlayer::QpData optnet_qp(Random& rng, Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  optlayer::QpData d;
  const Eigen::MatrixXd L = rng.normal(n, n);
  d.P = L * L.transpose() + 1e-3 * Eigen::MatrixXd::Identity(n, n);
  d.q = rng.normal(n);
  d.G = rng.normal(m, n);
  d.A = rng.normal(p, n);
  const Eigen::VectorXd z0 = rng.normal(n);
  d.h = d.G * z0 + rng.uniform(m, 0.1, 1.0);
  d.b = d.A * z0;
  return d;
}

/// Strict-complementarity margin min_i max(s_i, lambda_i) (infinity without inequalities).
inline double complementarity_margin(const Eigen::VectorXd& s, const Eigen::VectorXd& lambda) {
  double margin = std::numeric_limits<double>::infinity();
  for (Eigen::Index i = 0; i < s.size(); ++i) margin = std::min(margin, std::max(s(i), lambda(i)));
  return margin;
}

/// Bit-for-bit equality (distinguishes -0 from +0, unlike ==).
inline bool same_bits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  return a.rows() == b.rows() && a.cols() == b.cols() &&
         (a.size() == 0 || std::memcmp(a.data(), b.data(), sizeof(double) * static_cast<std::size_t>(a.size())) == 0);
}

inline bool same_bits(const optlayer::QpGradient& a, const optlayer::QpGradient& b) {
  return same_bits(a.P, b.P) && same_bits(a.q, b.q) && same_bits(a.G, b.G) && same_bits(a.h, b.h) &&
         same_bits(a.A, b.A) && same_bits(a.b, b.b);
}

inline bool all_finite(const optlayer::QpGradient& g) {
  return g.P.allFinite() && g.q.allFinite() && g.G.allFinite() && g.h.allFinite() && g.A.allFinite() &&
         g.b.allFinite();
}

}  // namespace optlayer_test
