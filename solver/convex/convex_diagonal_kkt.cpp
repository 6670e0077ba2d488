// Schur-complement solves of the diagonal KKT system of separable convex problems.

#include "solver/convex/convex_diagonal_kkt.hpp"

namespace optlayer {

void ConvexDiagonalKkt::resize(Eigen::Index n, Eigen::Index p) {
  d_.setZero(n);
  inverse_d_.setZero(n);
  scratch_n_.setZero(n);
  scratch_p_.setZero(p);
  residual_.setZero(n + p);
  correction_.setZero(n + p);
  scaled_A_.setZero(p, n);
  schur_.setZero(p, p);
  llt_.compute(Eigen::MatrixXd::Identity(p, p));  // sizes its storage
  factorizations_ = 0;
}

bool ConvexDiagonalKkt::factor(const Eigen::VectorXd& d, const Eigen::MatrixXd& A) {
  if (!(d.minCoeff() > 0.0)) return false;
  A_ = &A;
  d_ = d;
  inverse_d_ = d.cwiseInverse();
  scaled_A_.noalias() = A * inverse_d_.asDiagonal();
  schur_.noalias() = scaled_A_ * A.transpose();
  ++factorizations_;
  if (schur_.size() == 0) return true;
  llt_.compute(schur_);
  return llt_.info() == Eigen::Success;
}

// x2 = S^-1 (A D^-1 r1 - r2), x1 = D^-1 (r1 - A'x2).
void ConvexDiagonalKkt::solve_once(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) {
  const Eigen::Index n = d_.size(), p = schur_.rows();
  auto x1 = x.head(n);
  auto x2 = x.tail(p);
  if (p > 0) {
    scratch_p_.noalias() = scaled_A_ * rhs.head(n);
    scratch_p_ -= rhs.tail(p);
    llt_.solveInPlace(scratch_p_);
    x2 = scratch_p_;
    scratch_n_.noalias() = A_->transpose() * x2;
    x1 = inverse_d_.cwiseProduct(rhs.head(n) - scratch_n_);
  } else {
    x1 = inverse_d_.cwiseProduct(rhs.head(n));
  }
}

// One refinement step: the Schur complement adds round-off when D spans many magnitudes
// (1 / z near an active bound), and the residual of the exact system costs only O(n p).
void ConvexDiagonalKkt::solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x) {
  const Eigen::Index n = d_.size(), p = schur_.rows();
  solve_once(rhs, x);
  residual_.head(n) = rhs.head(n) - d_.cwiseProduct(x.head(n));
  if (p > 0) {
    residual_.head(n).noalias() -= A_->transpose() * x.tail(p);
    residual_.tail(p) = rhs.tail(p);
    residual_.tail(p).noalias() -= *A_ * x.head(n);
  }
  solve_once(residual_, correction_);
  x += correction_;
}

}  // namespace optlayer
