#pragma once
// KKT backend of the smooth convex solver for separable problems: no inequalities g and a
// diagonal Hessian of the Lagrangian (entropies, sums of one-dimensional barriers), so the
// Newton system is
//     [ D   A' ] [x1]   [r1]
//     [ A   0  ] [x2] = [r2]        D > 0 diagonal (n), A the p x n equality Jacobian,
// solved through the Schur complement S = A D^-1 A' (p x p): O(n p^2 + p^3) per factorization
// and O(n p) per solve, where DenseKkt spends O(n^3) and refines a regularized system. The
// system is solved exactly (no regularization), plus one refinement step against it.

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace optlayer {

class ConvexDiagonalKkt {
 public:
  /// Sizes the workspace; nothing is allocated by factor() or solve() afterwards.
  void resize(Eigen::Index n, Eigen::Index p);
  /// Factors for the diagonal d and the Jacobian A (kept by pointer until the next factor()).
  /// False when an entry of d is not positive or S is not positive definite (A rank deficient).
  bool factor(const Eigen::VectorXd& d, const Eigen::MatrixXd& A);
  /// x = K^-1 rhs (stacked n + p).
  void solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x);
  /// Factorizations since resize().
  long factorizations() const { return factorizations_; }

 private:
  void solve_once(const Eigen::VectorXd& rhs, Eigen::VectorXd& x);

  const Eigen::MatrixXd* A_ = nullptr;
  Eigen::VectorXd d_, inverse_d_, scratch_n_, scratch_p_, residual_, correction_;
  Eigen::MatrixXd scaled_A_, schur_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  long factorizations_ = 0;
};

}  // namespace optlayer
