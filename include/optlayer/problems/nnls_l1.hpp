#pragma once
// Non-negative least squares with an l1 term, the chapter's first cvxpy example, as a QP layer:
//
//   z*(b) = argmin ||Az - b||^2 + lambda ||z||_1   s.t.  z >= 0
//         = argmin 1/2 z'(2A'A)z + (-2A'b + lambda 1)'z   s.t.  -z <= 0     (||z||_1 = 1'z on z >= 0)
//
// one problem per row b of the input, A and lambda shared. The objective has no 1/2 (as in the
// chapter), so the multipliers of z >= 0 are the dual values cvxpy reports.

#include <Eigen/Core>
#include <vector>

#include "optlayer/problems/qp_layer.hpp"

namespace optlayer {

/// Gradient of a loss with respect to the layer's inputs.
struct NnlsL1Gradient {
  Eigen::MatrixXd A;    ///< summed over the rows of the batch (A is shared)
  Eigen::MatrixXd B;    ///< one row per row of the input
  double lambda = 0.0;  ///< summed over the rows
};

/// The chapter's non-negative least squares with an l1 term as a batched QP layer in b.
class NnlsL1Layer {
 public:
  /// A is m x n, lambda >= 0. Throws std::invalid_argument for a negative lambda or invalid settings.
  NnlsL1Layer(Eigen::MatrixXd A, double lambda, const QpLayerOptions& options = QpLayerOptions());

  /// Z.row(k) = z*(B.row(k)) (B has A.rows() columns). Returns solved or the first failing status.
  Status forward(const Eigen::MatrixXd& B, Eigen::MatrixXd& Z);
  /// Multipliers of z >= 0 of the last forward, one row per problem.
  Eigen::MatrixXd duals() const { return batch_.inequality_duals(); }
  /// Gradients given dL/dz (rows) and dL/d(duals) (rows, or empty for zero). False unless the last
  /// forward solved every row and the shapes match.
  bool backward(const Eigen::MatrixXd& dZ, const Eigen::MatrixXd& dDuals, NnlsL1Gradient& out);

  /// The shared data: A (m x n) and the l1 weight.
  ///@{
  const Eigen::MatrixXd& A() const { return A_; }
  double lambda() const { return lambda_; }
  ///@}
  /// The QPs of the last forward: results and KKT residuals (stationarity, complementarity, feasibility).
  const QpRowBatch& batch() const { return batch_; }

 private:
  Eigen::MatrixXd A_, P_;
  double lambda_;
  QpRowBatch batch_;
  Eigen::MatrixXd B_;  // of the last forward, for the chain rule
  std::vector<QpGradient> gradients_;
};

}  // namespace optlayer
