#pragma once
// Euclidean projection onto a polyhedron as a QP layer, one problem per row x of the input:
//
//   z*(x) = argmin ||z - x||^2   s.t.   Gz <= h,  Az = b      (the QP with P = 2I, q = -2x)
//
// The objective is the chapter's, without a 1/2, so the multipliers are the ones cvxpy reports.
// ReLU, sparsemax and the learnable polytope are this layer with particular constraints.

#include <Eigen/Core>

#include "optlayer/problems/qp_layer.hpp"

namespace optlayer {

/// Gradients of a loss with respect to the constraint data, summed over the rows of the batch.
struct ProjectionGradient {
  Eigen::MatrixXd G;  ///< dL/dG
  Eigen::VectorXd h;  ///< dL/dh
  Eigen::MatrixXd A;  ///< dL/dA
  Eigen::VectorXd b;  ///< dL/db
};

/// Euclidean projection of each row onto the polyhedron {z : Gz <= h, Az = b}, a batched QP layer.
class ProjectionLayer {
 public:
  /// Projection onto {z : Gz <= h, Az = b} in dimension G.cols() (A may have 0 rows, then of
  /// G.cols() columns). Throws std::invalid_argument on inconsistent sizes or invalid settings.
  ProjectionLayer(Eigen::MatrixXd G, Eigen::VectorXd h, Eigen::MatrixXd A, Eigen::VectorXd b,
                  const QpLayerOptions& options = QpLayerOptions());

  /// Z.row(k) = z*(X.row(k)). Returns solved or the first failing row's status.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z);
  /// dX.row(k) = (dz*/dx)' dZ.row(k) for the last forward. False when it did not solve every row or dZ's shape is wrong.
  bool backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX);
  /// Also the gradients with respect to G, h, A, b (shared by every row, so summed over rows).
  bool backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX, ProjectionGradient& constraints);

  /// Replaces G and h (same shapes) for the next forward; throws std::invalid_argument otherwise.
  void set_inequalities(const Eigen::MatrixXd& G, const Eigen::VectorXd& h);
  /// The inequalities the next forward projects onto.
  ///@{
  const Eigen::MatrixXd& G() const { return G_; }
  const Eigen::VectorXd& h() const { return h_; }
  ///@}
  /// Dimension n of the rows (and of z).
  Eigen::Index dimension() const { return G_.cols(); }
  /// The QPs of the last forward: results, multipliers, KKT residuals.
  const QpRowBatch& batch() const { return batch_; }

 private:
  Eigen::MatrixXd G_, A_;
  Eigen::VectorXd h_, b_;
  QpRowBatch batch_;
  std::vector<QpGradient> gradients_;
};

/// Constraint block with no rows for dimension n (e.g. no equalities): a 0 x n matrix.
inline Eigen::MatrixXd no_rows(Eigen::Index n) { return Eigen::MatrixXd(0, n); }

}  // namespace optlayer
