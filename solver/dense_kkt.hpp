#pragma once
// Dense KKT backend of the interior-point method.
//
// The Newton system at weights w = s ./ lambda is
//     [ P   G'  A' ] [x1]   [r1]
//     [ G  -W   0  ] [x2] = [r2]        (K, exact)
//     [ A   0   0  ] [x3]   [r3]
// It is factored with primal regularization rho and dual regularization delta
// (-W - delta I and -delta I in the lower blocks) by eliminating x2 and x3:
//     H = P + rho I + G' (W + delta I)^-1 G + A'A / delta,   one Cholesky of H.
// Solves refine iteratively against the exact K, so the regularization costs
// no accuracy where K is nonsingular and keeps solutions bounded where it is not.

#include <Eigen/Cholesky>
#include <Eigen/Core>

namespace optlayer {

class DenseKkt {
 public:
  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p);
  /// Points the backend at the (scaled) data and precomputes A'A. The data must outlive the backend's use.
  void prepare(const Eigen::MatrixXd& P, const Eigen::MatrixXd& G, const Eigen::MatrixXd& A);
  /// Forms and factors H for weights w (> 0). Returns false when H is not numerically positive definite.
  bool factor(const Eigen::VectorXd& w, double rho, double delta);
  /// Solves K x = rhs (stacked n + m + p) by refinement on the factorization; returns the final
  /// residual inf-norm relative to 1 + ||rhs||.
  double solve(const Eigen::VectorXd& rhs, Eigen::VectorXd& x, int max_refinement_steps);
  /// out = K x with the weights of the last factor().
  void multiply(const Eigen::VectorXd& x, Eigen::VectorXd& out) const;
  /// Weights of the last factorization.
  const Eigen::VectorXd& weights() const { return w_; }
  double rho() const { return rho_; }
  double delta() const { return delta_; }

 private:
  void solve_regularized(const Eigen::VectorXd& rhs, Eigen::VectorXd& x);

  Eigen::Index n_ = 0, m_ = 0, p_ = 0;
  const Eigen::MatrixXd* P_ = nullptr;
  const Eigen::MatrixXd* G_ = nullptr;
  const Eigen::MatrixXd* A_ = nullptr;
  Eigen::MatrixXd H_, AtA_, Gw_;
  Eigen::LLT<Eigen::MatrixXd> llt_;
  Eigen::VectorXd w_, inv_w_reg_, sqrt_inv_w_reg_;
  Eigen::VectorXd residual_, correction_, best_, tmp_n_, tmp_m_, tmp_p_;
  double rho_ = 0.0, delta_ = 0.0;
};

}  // namespace optlayer
