#pragma once
// ReLU as an optimization layer: the projection onto the non-negative orthant,
//   relu(x) = argmin_{z >= 0} ||z - x||^2,
// one QP per row of the input, with its analytic reference.

#include <Eigen/Core>

#include "optlayer/problems/projection_layer.hpp"

namespace optlayer {

/// ReLU as a QP layer: the projection of each row onto the non-negative orthant.
class ReluLayer {
 public:
  /// Rows of dimension n. Throws std::invalid_argument for invalid settings.
  explicit ReluLayer(Eigen::Index n, const QpLayerOptions& options = QpLayerOptions());
  /// Y.row(k) = max(X.row(k), 0) by a QP solve. Returns solved or the first failing status.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) { return layer_.forward(X, Y); }
  /// dX from dY through the last forward's factorizations.
  bool backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX) { return layer_.backward(dY, dX); }
  /// The projection layer underneath (its QPs, multipliers and KKT residuals).
  const ProjectionLayer& layer() const { return layer_; }

 private:
  ProjectionLayer layer_;
};

/// Analytic ReLU, entrywise.
Eigen::MatrixXd relu(const Eigen::MatrixXd& X);
/// Analytic vector-Jacobian product: dX = dY where X > 0, else 0.
Eigen::MatrixXd relu_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY);

}  // namespace optlayer
