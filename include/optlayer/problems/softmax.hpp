#pragma once
// The chapter's softmax as an optimization layer:
//   softmax(x) = argmin_{z > 0, 1'z = 1}  -z'x + sum_i z_i log z_i
// one problem per row of the input, with its analytic reference.

#include <Eigen/Core>

#include "optlayer/problems/convex_layer.hpp"

namespace optlayer {

/// The problem in dimension n (nx = n, one equality, bounds z > 0), with hand-written derivatives
/// (the objective is separable; the functors are kept for values and as the definition).
ConvexProblem make_softmax_problem(Eigen::Index n);

/// The chapter's softmax as a smooth convex layer: negative entropy on the simplex, one problem per row.
class SoftmaxLayer {
 public:
  /// Rows of dimension n on `threads` threads (see ConvexLayer).
  explicit SoftmaxLayer(Eigen::Index n, const Settings& settings = layer_settings(), unsigned threads = 1);
  /// Y.row(i) = softmax(X.row(i)). Returns solved or the first failing status.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) { return layer_.forward(X, Y); }
  /// dX from dY through the last forward's factorizations.
  bool backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX) { return layer_.backward(dY, dX); }
  /// The convex layer underneath (its solvers and results).
  const ConvexLayer& layer() const { return layer_; }

 private:
  ConvexLayer layer_;
};

/// Analytic softmax of every row (max-shifted).
Eigen::MatrixXd softmax(const Eigen::MatrixXd& X);
/// Analytic vector-Jacobian product per row: dx = y o (dy - (y'dy) 1), y = softmax(x).
Eigen::MatrixXd softmax_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY);

}  // namespace optlayer
