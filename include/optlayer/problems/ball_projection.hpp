#pragma once
// Euclidean projection onto the unit ball, a layer with a nonlinear convex inequality:
//   proj(x) = argmin_{||z||^2 <= 1}  1/2 ||z - x||^2  =  x / max(1, ||x||)
// one problem per row of the input, with its analytic reference.

#include <Eigen/Core>

#include "optlayer/problems/convex_layer.hpp"

namespace optlayer {

/// The problem in dimension n (nx = n, one inequality ||z||^2 - 1 <= 0), derivatives by automatic differentiation.
ConvexProblem make_ball_projection_problem(Eigen::Index n);

/// Projection of each row onto the unit ball as a smooth convex layer (a nonlinear inequality).
class BallProjectionLayer {
 public:
  /// Rows of dimension n. Throws std::invalid_argument for invalid settings.
  explicit BallProjectionLayer(Eigen::Index n, const Settings& settings = layer_settings());
  /// Y.row(i) = projection of X.row(i). Returns solved or the first failing status.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) { return layer_.forward(X, Y); }
  /// dX from dY through the last forward's factorizations.
  bool backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX) { return layer_.backward(dY, dX); }
  /// The convex layer underneath (its solvers and results).
  const ConvexLayer& layer() const { return layer_; }

 private:
  ConvexLayer layer_;
};

/// Analytic projection of every row: x / max(1, ||x||).
Eigen::MatrixXd ball_projection(const Eigen::MatrixXd& X);
/// Analytic vector-Jacobian product per row: dy inside the ball, (dy - y (y'dy)) / ||x|| outside.
Eigen::MatrixXd ball_projection_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY);

}  // namespace optlayer
