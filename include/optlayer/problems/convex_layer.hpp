#pragma once
// A batched layer over one smooth convex problem: each row of the input is the parameter
// vector x of one instance, each row of the output its solution z*(x). One solver is kept
// per row, so backward() reuses every row's final factorization (no new factorization).

#include <Eigen/Core>
#include <memory>
#include <vector>

#include "optlayer/convex_problem.hpp"
#include "optlayer/convex_solver.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

namespace detail {
class WorkerPool;  // diff/worker_pool.hpp
}  // namespace detail

/// Tight tolerances for layers that reproduce analytic functions (errors ~1e-13).
Settings layer_settings();

/// One smooth convex problem solved per row of a batch of parameters, one solver per row, so
/// that backward() reuses every row's final factorization.
class ConvexLayer {
 public:
  /// Rows run on `threads` threads (0: one per hardware thread); row i always on solver i, so
  /// results do not depend on the number of threads. Throws std::invalid_argument for invalid settings.
  ConvexLayer(ConvexProblem problem, const Settings& settings = layer_settings(), unsigned threads = 1);
  ~ConvexLayer();
  /// Movable (solvers and worker pool move along).
  ConvexLayer(ConvexLayer&&) noexcept;
  /// Move assignment; see the move constructor.
  ConvexLayer& operator=(ConvexLayer&&) noexcept;

  /// Z.row(i) = z*(X.row(i)). Returns solved when every row is solved, else the first failing
  /// row's status (see solver(i).result() for each row). Never throws.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z);
  /// dX.row(i) = (dz*/dx)' dZ.row(i) for the rows of the last forward. Returns false when the last
  /// forward did not solve every row or dZ has the wrong shape.
  bool backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX);

  /// Every row of the next forward starts at z0 (strictly inside the bounds) instead of the
  /// solver's default start; an empty z0 restores the default. False (nothing changed) when
  /// z0 has neither size n nor 0.
  bool set_initial_point(const Eigen::VectorXd& z0);

  /// Columns of the output (n) and of the input (nx).
  ///@{
  Eigen::Index num_variables() const { return problem_.num_variables(); }
  Eigen::Index num_parameters() const { return problem_.num_parameters(); }
  ///@}
  /// The solver of row i of the last forward (0 <= i < rows of that forward).
  const ConvexSolver& solver(Eigen::Index row) const { return solvers_[static_cast<std::size_t>(row)]; }
  /// Total KKT factorizations of all row solvers since construction.
  long total_factorizations() const;

 private:
  ConvexProblem problem_;
  Settings settings_;
  std::vector<ConvexSolver> solvers_;
  Eigen::Index rows_ = 0;
  bool all_solved_ = false;
  Eigen::VectorXd initial_point_;
  Eigen::MatrixXd columns_;                 // rows of the input as contiguous columns, one per solver
  std::vector<Eigen::VectorXd> row_out_;   // backward output of each row
  std::vector<unsigned char> row_ok_;      // whether each row's backward succeeded
  std::unique_ptr<detail::WorkerPool> pool_;
};

}  // namespace optlayer
