#pragma once
// Sparsemax (Martins and Astudillo, 2016) as an optimization layer: the projection onto the simplex,
//   sparsemax(x) = argmin ||z - x||^2   s.t.  z >= 0,  1'z = 1,
// one QP per row of the input, with the sort-based analytic sparsemax and its closed-form
// Jacobian as reference.

#include <Eigen/Core>

#include "optlayer/problems/projection_layer.hpp"

namespace optlayer {

/// Sparsemax as a QP layer: the projection of each row onto the simplex, solved by the general QpSolver.
class SparsemaxLayer {
 public:
  /// Rows of dimension n >= 1. Throws std::invalid_argument for invalid settings.
  explicit SparsemaxLayer(Eigen::Index n, const QpLayerOptions& options = QpLayerOptions());
  /// Y.row(k) = sparsemax(X.row(k)) by a QP solve. Returns solved or the first failing status.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y) { return layer_.forward(X, Y); }
  /// dX from dY through the last forward's factorizations.
  bool backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX) { return layer_.backward(dY, dX); }
  /// The projection layer underneath (its QPs, multipliers and KKT residuals).
  const ProjectionLayer& layer() const { return layer_; }

 private:
  ProjectionLayer layer_;
};

/// Analytic sparsemax of every row: max(x - tau(x), 0) with the threshold tau from a sort.
Eigen::MatrixXd sparsemax(const Eigen::MatrixXd& X);
/// Closed-form Jacobian at one row x: diag(s) - s s' / |S|, s the indicator of the support S.
Eigen::MatrixXd sparsemax_jacobian(const Eigen::RowVectorXd& x);
/// Analytic vector-Jacobian product per row: dx = s o (dy - (s'dy) / |S|).
Eigen::MatrixXd sparsemax_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY);

}  // namespace optlayer
