#pragma once
// The QP of sparsemax and of every projection onto the probability simplex,
//
//   minimize 1/2 z' diag(d) z + q'z   s.t.   z >= 0,  1'z = 1        (d >= 0),
//
// solved by the same primal-dual interior-point method as QpSolver (Mehrotra predictor-
// corrector, the same termination rule on primal residual, dual residual and duality gap),
// with the structure used: the Newton matrix is diagonal plus one equality row, so each step
// and each derivative costs O(n) where QpSolver factors a dense matrix. result() is in
// QpSolver's form with P = diag(d), G = -I, h = 0, A = 1', b = 1 (so s = z).

#include <Eigen/Core>

#include "optlayer/problems/convex_layer.hpp"
#include "optlayer/qp_result.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

/// The interior-point method of QpSolver specialized to min 1/2 z'diag(d)z + q'z on the
/// probability simplex: O(n) per step and per derivative.
class SimplexQpSolver {
 public:
  using VectorRef = Eigen::Ref<const Eigen::VectorXd>;  ///< vector input, taken without a copy

  /// Workspace for dimension n >= 1; uses eps_abs, eps_rel, max_iter and step_fraction of the
  /// settings. Throws std::invalid_argument for n < 1 or invalid settings.
  explicit SimplexQpSolver(Eigen::Index n, const Settings& settings = layer_settings());

  /// Solves; allocates nothing. Never throws: wrong sizes, non-finite data or a negative d
  /// give invalid_input with a message.
  Status solve(const VectorRef& d, const VectorRef& q);
  /// The last solve's result, in QpSolver's form (see above).
  const QpResult& result() const { return result_; }
  /// The dimension n.
  Eigen::Index dimension() const { return z_.size(); }

  /// Gradients of a loss with respect to q and to d (the diagonal of the gradient with respect
  /// to P) given dL/dz, through the Newton matrix of the final iterate, like QpSolver::backward.
  /// Returns false (outputs untouched) unless the last solve solved and the sizes are n.
  ///@{
  bool backward(const VectorRef& dl_dz, Eigen::Ref<Eigen::VectorXd> grad_q);
  bool backward(const VectorRef& dl_dz, Eigen::Ref<Eigen::VectorXd> grad_q, Eigen::Ref<Eigen::VectorXd> grad_d);
  ///@}

 private:
  Status check_input(const VectorRef& d, const VectorRef& q);
  void start(const VectorRef& d, const VectorRef& q);
  bool converged(const VectorRef& d, const VectorRef& q);
  void factor(const VectorRef& d);
  void newton_step(const Eigen::VectorXd& complementarity_rhs);
  double step_length() const;
  double mehrotra_step();
  Status finish(Status status, const VectorRef& d, const VectorRef& q);

  Settings settings_;
  Eigen::VectorXd z_, lambda_, dz_, dlambda_, dz_affine_, dlambda_affine_;
  Eigen::VectorXd dual_residual_, complementarity_rhs_, rhs_, inverse_diagonal_;
  double nu_ = 0.0, dnu_ = 0.0, sum_inverse_diagonal_ = 0.0;
  QpResult result_;
};

}  // namespace optlayer
