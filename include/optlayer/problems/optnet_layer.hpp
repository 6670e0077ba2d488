#pragma once
// The OptNet QP layer of the chapter (Amos and Kolter, 2017), one QP per parameter set:
//
//   z* = argmin 1/2 z'Pz + q'z   s.t.  Gz <= h,  Az = b,    P = Psqrt' Psqrt,
//
// parameterized by (Psqrt, q, G, h, A, b) so that P is positive semidefinite for any input;
// backward() carries dL/dP to dL/dPsqrt by the chain rule.

#include <Eigen/Core>
#include <vector>

#include "optlayer/problems/qp_layer.hpp"

namespace optlayer {

/// The inputs of one problem of the layer (or their gradients, same shapes).
struct OptNetParameters {
  Eigen::MatrixXd Psqrt;  ///< n x n
  Eigen::VectorXd q;      ///< n
  Eigen::MatrixXd G;      ///< m x n
  Eigen::VectorXd h;      ///< m
  Eigen::MatrixXd A;      ///< p x n
  Eigen::VectorXd b;      ///< p

  /// The QP these parameters define (P = Psqrt' Psqrt).
  QpData qp() const;
};

/// The chapter's OptNet QP layer, parameterized by (Psqrt, q, G, h, A, b) with P = Psqrt'Psqrt.
class OptNetLayer {
 public:
  /// n variables, m inequalities, p equalities. Throws std::invalid_argument for invalid settings.
  OptNetLayer(Eigen::Index n, Eigen::Index m, Eigen::Index p, const QpLayerOptions& options = QpLayerOptions());

  /// Z.row(k) = z*(x[k]). Returns solved or the first failing status (the others stay in batch()).
  Status forward(const std::vector<OptNetParameters>& x, Eigen::MatrixXd& Z);
  /// grad[k] = gradient of L with respect to x[k] given dL/dz_k = dZ.row(k). False unless the last
  /// forward solved every problem and dZ has its shape.
  bool backward(const Eigen::MatrixXd& dZ, std::vector<OptNetParameters>& grad);
  /// The QPs of the last forward: results, multipliers, KKT residuals.
  const QpRowBatch& batch() const { return batch_; }

 private:
  QpRowBatch batch_;
  std::vector<Eigen::MatrixXd> Psqrt_;  // of the last forward, for the chain rule
  std::vector<QpGradient> gradients_;
};

}  // namespace optlayer
