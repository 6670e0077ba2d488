#pragma once
// Primal-dual interior-point solver for smooth convex programs, with derivatives of
// the solution with respect to the parameters x:
//
//   minimize f(z; x)  s.t.  g(z; x) <= 0,  h(z; x) = 0 (affine in z),  lo < z < hi
//
// Same Settings, Status and KKT machinery (DenseKkt) as the QP solver. After a solve the
// solver keeps the factorization of its final KKT system; backward() and forward() reuse it
// and add no factorization. Typical use:
//
//   ConvexSolver solver(make_convex_problem(n, nx, f, equalities(1, h)).set_lower_bounds(lo));
//   solver.solve(x);                      // result().z, result().lambda, result().nu
//   solver.backward(dl_dz, dl_dx);        // dl_dx = (dz/dx)' dl_dz

#include <Eigen/Core>
#include <memory>

#include "optlayer/convex_problem.hpp"
#include "optlayer/convex_result.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

/// Solves a ConvexProblem for given parameters x and differentiates the solution with respect
/// to x on the factorization of its final KKT system.
class ConvexSolver {
 public:
  using VectorRef = Eigen::Ref<const Eigen::VectorXd>;  ///< vector input, taken without a copy

  /// Takes the problem (copy it to keep your own). Throws std::invalid_argument for invalid settings.
  explicit ConvexSolver(ConvexProblem problem, const Settings& settings = Settings());
  ~ConvexSolver();
  /// Movable (the problem, workspace and kept factorization move along); not copyable.
  ConvexSolver(ConvexSolver&&) noexcept;
  /// Move assignment; see the move constructor.
  ConvexSolver& operator=(ConvexSolver&&) noexcept;
  ConvexSolver(const ConvexSolver&) = delete;
  ConvexSolver& operator=(const ConvexSolver&) = delete;

  /// Replaces the settings. Throws std::invalid_argument when they are invalid.
  void set_settings(const Settings& settings);
  /// The settings in use.
  const Settings& settings() const;
  /// The problem the solver holds.
  const ConvexProblem& problem() const;

  /// Solves for parameters x from the default start (the middle of finite bounds, lo + 1 or
  /// hi - 1 for one-sided bounds, 0 otherwise). Never throws: bad input, a start outside the
  /// domain or an exception from a user function gives a status and a message.
  Status solve(const VectorRef& x);
  /// Solves from the initial point z0, which must lie strictly inside the bounds.
  Status solve(const VectorRef& x, const VectorRef& z0);
  /// The last solve's result.
  const ConvexResult& result() const;

  /// Vector-Jacobian product: dl_dx = gradient of a loss with respect to x given dL/dz and
  /// optionally dL/dlambda, dL/dnu (empty for zero). Requires the last status to be solved and
  /// reuses the kept factorization. Returns false (dl_dx untouched) otherwise or on wrong sizes.
  bool backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                Eigen::VectorXd& dl_dx);
  /// Convenience: backward with dL/dlambda = dL/dnu = 0.
  bool backward(const VectorRef& dl_dz, Eigen::VectorXd& dl_dx);
  /// Jacobian-vector product: the derivative of (z, lambda, nu) along the parameter direction dx.
  bool forward(const VectorRef& dx, ConvexTangent& out);

  /// KKT factorizations since construction (a backward or forward adds none).
  long total_factorizations() const;

  /// The workspace behind the interface (solver/convex/convex_workspace.hpp).
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace optlayer
