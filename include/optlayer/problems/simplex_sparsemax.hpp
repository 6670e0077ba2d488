#pragma once
// Sparsemax as an optimization layer on the structured path: each row's QP
//   sparsemax(x) = argmin ||z - x||^2  s.t.  z >= 0, 1'z = 1      (d = 2, q = -2x)
// is solved by SimplexQpSolver, whose interior-point steps and derivatives cost O(n).
// SparsemaxLayer solves the same QPs with the general dense QpSolver; both agree to the
// solver tolerance. Rows run on options.threads threads, row k always on solver k, so results
// do not depend on the number of threads.

#include <Eigen/Core>
#include <memory>
#include <vector>

#include "optlayer/problems/qp_layer.hpp"
#include "optlayer/problems/simplex_qp.hpp"

namespace optlayer {

namespace detail {
class WorkerPool;  // diff/worker_pool.hpp
}  // namespace detail

/// Sparsemax as a QP layer on the structured path: each row's QP solved by SimplexQpSolver in O(n) per step.
class SimplexSparsemaxLayer {
 public:
  /// Rows of dimension n >= 1. Throws std::invalid_argument for n < 1 or invalid settings.
  explicit SimplexSparsemaxLayer(Eigen::Index n, const QpLayerOptions& options = QpLayerOptions());
  ~SimplexSparsemaxLayer();
  /// Movable (solvers and worker pool move along).
  SimplexSparsemaxLayer(SimplexSparsemaxLayer&&) noexcept;
  /// Move assignment; see the move constructor.
  SimplexSparsemaxLayer& operator=(SimplexSparsemaxLayer&&) noexcept;

  /// Y.row(k) = sparsemax(X.row(k)). Returns solved or the first failing row's status (NaN rows).
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Y);
  /// dX.row(k) = J_k' dY.row(k) for the last forward. False unless it solved every row and shapes match.
  bool backward(const Eigen::MatrixXd& dY, Eigen::MatrixXd& dX);

  /// Dimension n of the rows.
  Eigen::Index dimension() const { return d_.size(); }
  /// The solver of row k of the last forward.
  const SimplexQpSolver& solver(Eigen::Index row) const { return solvers_.at(static_cast<std::size_t>(row)); }

 private:
  // Runs task(k) for k < rows, on the pool when there is more than one row and `parallel`.
  template <typename Task>
  void for_each_row(Eigen::Index rows, bool parallel, const Task& task);

  QpLayerOptions options_;
  Eigen::VectorXd d_;
  std::vector<SimplexQpSolver> solvers_;
  std::unique_ptr<detail::WorkerPool> pool_;
  Eigen::MatrixXd columns_in_, columns_out_;  // rows as contiguous columns, one per solver
  Eigen::Index rows_ = 0;
  bool all_solved_ = false;
};

}  // namespace optlayer
