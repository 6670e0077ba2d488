#pragma once
// A batched layer over one smooth convex problem: each row of the input is the parameter
// vector x of one instance, each row of the output its solution z*(x). One solver is kept
// per row, so backward() reuses every row's final factorization (no new factorization).

#include <Eigen/Core>
#include <vector>

#include "optlayer/convex_problem.hpp"
#include "optlayer/convex_solver.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

/// Tight tolerances for layers that reproduce analytic functions (errors ~1e-13).
Settings layer_settings();

class ConvexLayer {
 public:
  /// Throws std::invalid_argument for invalid settings.
  ConvexLayer(ConvexProblem problem, const Settings& settings = layer_settings());

  /// Z.row(i) = z*(X.row(i)). Returns solved when every row is solved, else the first failing
  /// row's status (see solver(i).result() for each row). Never throws.
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z);
  /// dX.row(i) = (dz*/dx)' dZ.row(i) for the rows of the last forward. Returns false when the last
  /// forward did not solve every row or dZ has the wrong shape.
  bool backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX);

  Eigen::Index num_variables() const { return problem_.num_variables(); }
  Eigen::Index num_parameters() const { return problem_.num_parameters(); }
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
  Eigen::VectorXd row_in_, row_out_;
};

}  // namespace optlayer
