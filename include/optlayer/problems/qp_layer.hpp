#pragma once
// What every ready QP layer shares (ReLU, sparsemax, polytope projection, the OptNet layer,
// non-negative least squares): one QP per row of a batch, solved and differentiated on a
// QpBatch. Row k always runs on solver k, so its backward reuses that solver's kept
// factorization, and results do not depend on the number of threads.

#include <Eigen/Core>
#include <cstddef>
#include <memory>
#include <vector>

#include "optlayer/problems/convex_layer.hpp"
#include "optlayer/qp_batch.hpp"
#include "optlayer/qp_result.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

/// Solver settings and threads of a QP layer.
struct QpLayerOptions {
  Settings settings = layer_settings();  ///< tight tolerances: layers are compared with analytic functions
  unsigned threads = 1;                  ///< threads per batch (0: one per hardware thread)
};

/// KKT residuals of a QP point in infinity norms (all 0 at an exact solution).
struct QpKktResidual {
  double stationarity = 0.0;        ///< ||Pz + q + G'lambda + A'nu||
  double complementarity = 0.0;     ///< max_i |lambda_i (h - Gz)_i|
  double primal_feasibility = 0.0;  ///< max(||max(Gz - h, 0)||, ||Az - b||)
  double dual_feasibility = 0.0;    ///< ||max(-lambda, 0)||
  /// The largest of the four.
  double max() const;
};

/// KKT residuals of the result r of the QP d, computed from the data (independent of the solver's own measures).
QpKktResidual kkt_residual(const QpData& d, const QpResult& r);

/// A batch of QPs of equal dimensions, one per row; the engine behind the QP layers.
class QpRowBatch {
 public:
  /// n variables, m inequalities, p equalities per row. Throws std::invalid_argument for invalid settings.
  QpRowBatch(Eigen::Index n, Eigen::Index m, Eigen::Index p, const QpLayerOptions& options = QpLayerOptions());

  /// Solves problems[k] (kept for kkt_residual) and sets Z.row(k) = z_k (NaN where a row has no
  /// solution). Returns solved when every row is solved, else the first row's other status.
  Status solve(std::vector<QpData> problems, Eigen::MatrixXd& Z);
  /// QP gradients of every row for dL/dz_k = dZ.row(k) and, when dLambda is not empty,
  /// dL/dlambda_k = dLambda.row(k). False unless the last solve solved every row and shapes match.
  bool backward(const Eigen::MatrixXd& dZ, const Eigen::MatrixXd& dLambda, std::vector<QpGradient>& out);

  /// Rows of the last solve.
  Eigen::Index rows() const { return static_cast<Eigen::Index>(problems_.size()); }
  /// Multipliers of Gz <= h, one row per problem of the last solve.
  Eigen::MatrixXd inequality_duals() const;
  /// Result and KKT residual of row k of the last solve (std::out_of_range for a row it did not have).
  ///@{
  const QpResult& result(Eigen::Index row) const;
  QpKktResidual kkt_residual(Eigen::Index row) const;
  ///@}
  /// Data of row k of the last solve.
  const QpData& problem(Eigen::Index row) const { return problems_.at(static_cast<std::size_t>(row)); }

 private:
  Eigen::Index n_, m_, p_;
  QpLayerOptions options_;
  std::unique_ptr<QpBatch> batch_;  // re-made when the batch size changes
  std::vector<QpData> problems_;
  bool all_solved_ = false;
  std::vector<Eigen::VectorXd> dl_dz_, dl_dlambda_;
};

}  // namespace optlayer
