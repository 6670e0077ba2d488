#pragma once
// A stand-in KKT backend for tests of solver/linalg/kkt_refinement.hpp: K is a chosen matrix and the
// "regularized factorization" is M = K + E, held as an LU. solve_regularized applies M^-1 and
// multiply applies K, the two operations refinement asks of a backend. Neither allocates.

#include <Eigen/Dense>
#include <random>

namespace optlayer::testing {

struct MockKktBackend {
  Eigen::MatrixXd K, M;
  Eigen::PartialPivLU<Eigen::MatrixXd> lu;
  mutable int solves = 0;  // calls of solve_regularized

  MockKktBackend(const Eigen::MatrixXd& K_, const Eigen::MatrixXd& E) : K(K_), M(K_ + E), lu(M) {}
  void solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) const {
    ++solves;
    x = lu.solve(rhs);
  }
  /// Simulated round-off of the product: each entry perturbed by up to noise ||x||_inf, at
  /// random (a fixed perturbation would just be part of K, and refinement would solve it).
  double noise = 0.0;
  mutable std::minstd_rand rounding{1};
  void multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const {
    out.noalias() = K * x;
    if (noise == 0.0) return;
    const double size = noise * x.cwiseAbs().maxCoeff();
    for (Eigen::Index i = 0; i < out.size(); ++i)
      out(i) += size * (2.0 * static_cast<double>(rounding() - rounding.min()) / (rounding.max() - rounding.min()) - 1.0);
  }
};

/// A well-conditioned quasi-definite K = [H B'; B -I] (H positive definite) of n + r rows.
inline Eigen::MatrixXd random_quasi_definite(std::mt19937& rng, Eigen::Index n, Eigen::Index r) {
  std::normal_distribution<double> normal;
  const Eigen::Index size = n + r;
  Eigen::MatrixXd R(size, size);
  for (Eigen::Index j = 0; j < size; ++j)
    for (Eigen::Index i = 0; i < size; ++i) R(i, j) = normal(rng);
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(size, size);
  K.topLeftCorner(n, n) = R.topRows(n) * R.topRows(n).transpose() / static_cast<double>(n) +
                          Eigen::MatrixXd::Identity(n, n);
  K.bottomLeftCorner(r, n) = R.bottomLeftCorner(r, n);
  K.topRightCorner(n, r) = K.bottomLeftCorner(r, n).transpose();
  K.bottomRightCorner(r, r) = -Eigen::MatrixXd::Identity(r, r);
  return K;
}

/// -size U U' with U of `rank` Gaussian columns: with E this, M^-1 K keeps the eigenvalue 1 but
/// for `rank` outliers, which a size of a few units throws out of the disc |1 - t| < 1 where
/// refinement converges.
inline Eigen::MatrixXd random_low_rank(std::mt19937& rng, Eigen::Index size, Eigen::Index rank, double scale) {
  std::normal_distribution<double> normal;
  Eigen::MatrixXd U(size, rank);
  for (Eigen::Index j = 0; j < rank; ++j)
    for (Eigen::Index i = 0; i < size; ++i) U(i, j) = normal(rng);
  return -scale * U * U.transpose();
}

}  // namespace optlayer::testing
