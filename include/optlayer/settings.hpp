#pragma once
// Solver settings with defaults; validate() before use.

#include <limits>
#include <string>

namespace optlayer {

/// Which storage the QP solver works in.
enum class Backend {
  automatic,  ///< dense for small or dense problems, sparse for large sparse ones (see QpSolver)
  dense,      ///< dense matrices and the dense KKT backend
  sparse      ///< Eigen::SparseMatrix data and a sparse LDL' of the KKT matrix
};

/// How the dense KKT system is factored (see solver/linalg/dense_kkt.hpp).
enum class KktMethod {
  automatic,  ///< reduced Cholesky while it is accurate, then the full LDL' for the rest of the solve
  reduced,    ///< always the n x n Cholesky of P + G'W^-1 G + A'A/delta (fastest)
  full        ///< always the pivoted LDL' of the whole (n + m + p) KKT matrix (most robust)
};

/// Settings of the interior-point solvers. Tolerances are on the unscaled problem.
struct Settings {
  /// Absolute tolerance on primal residual, dual residual and duality gap (infinity norms).
  double eps_abs = 1e-8;
  /// Relative tolerance: each measure may also be eps_rel times the largest norm of the terms it sums.
  double eps_rel = 1e-9;
  /// Tolerance of the primal infeasibility (Farkas) certificate test, made on the equilibrated
  /// problem: with ||y|| = 1, ||G'lambda + A'nu|| <= eps and h'lambda + b'nu < -eps. The certificate must
  /// also beat the bound any feasible point of the iterate's size implies, so no feasible problem
  /// is declared infeasible from a loose eps; 1e-8 missed 6 of 80 badly scaled infeasible QPs
  /// (tests/test_status_sweep.cpp), whose Newton directions are only accurate to about 1e-7.
  double eps_primal_infeasible = 1e-6;
  /// Tolerance of the dual infeasibility (unbounded direction) certificate test, made on the
  /// equilibrated problem: with ||d|| = 1,
  /// ||Pd|| <= eps, Gd <= eps, ||Ad|| <= eps, q'd < -eps, and q'd below the bound an optimal
  /// point would give. 1e-8 missed 9 of 160 unbounded QPs on the sparse backend.
  double eps_dual_infeasible = 1e-6;
  /// Iteration limit; the status is max_iterations when reached.
  int max_iter = 200;
  /// Wall-clock limit in seconds, checked once per iteration; the status is time_limit when reached.
  double time_limit = std::numeric_limits<double>::infinity();
  /// Print an iteration log to stdout.
  bool verbose = false;
  /// Ruiz equilibration passes applied to the data before solving (0 disables scaling).
  int scaling_iterations = 10;
  /// Static primal regularization rho added to P in the KKT system (scaled units).
  double reg_primal = 1e-9;
  /// Static dual regularization delta on the constraint block of the KKT system (scaled units).
  double reg_dual = 1e-9;
  /// Regularization of the inequality block -(W + delta_i I) (scaled units). W > 0 keeps that
  /// block definite, so it may be far smaller than reg_dual: a small one (1e-13) lets the
  /// primal residual of active constraints close once s o lambda is tiny (it solves LISWET1),
  /// but loses a few other Maros-Meszaros problems at 1e-9, so the default stays at 1e-9.
  double reg_inequality = 1e-9;
  /// Maximum iterative-refinement steps per KKT solve (against the unregularized system).
  int max_refinement_steps = 8;
  /// Gondzio centrality correctors tried per iteration (each one extra solve, no factorization).
  int max_centrality_correctors = 2;
  /// Fraction of the step to the boundary of the positive orthant that an iterate may take.
  double step_fraction = 0.995;
  /// Warm starts: slacks and multipliers below this (in equilibrated units) are raised to it.
  double warm_start_margin = 1e-2;
  /// Dense or sparse linear algebra.
  Backend backend = Backend::automatic;
  /// Factorization of the dense KKT system.
  KktMethod kkt_method = KktMethod::automatic;
  /// Check that P is positive semidefinite before solving (one Cholesky of P).
  bool check_convexity = true;
  /// Active-set polishing of a solve that stops short of the tolerances (numerical_error or
  /// max_iterations): from the best iterate, up to this many rounds of a primal-dual active-set
  /// method, each one factorization and a refined solve of the equality-constrained KKT system of
  /// the guessed active set, at each of two regularizations (so at most twice this many
  /// factorizations per attempt). A polished point is kept only when it meets the tolerances
  /// (status solved, same iteration count) or comes closer than the best iterate. Not done after
  /// time_limit. 0 disables it (mpc_settings() does).
  int max_polish_rounds = 10;
  /// After a solve that ends numerical_error or max_iterations, look for an infeasibility
  /// certificate by solving two auxiliary LPs on the equilibrated data (solver/qp/certificate_search.hpp):
  /// a Farkas certificate (min h'l + b'v over G'l + A'v = 0, 0 <= l <= 1, |v| <= 1) and an
  /// unbounded ray (min q'd over Pd = 0, Ad = 0, Gd <= 0, |d| <= 1). A point found is accepted
  /// only by the tests that accept an iterate's certificate; the status is then primal_infeasible
  /// or dual_infeasible. The LPs have their own max_iter and share time_limit; they allocate, so
  /// mpc_settings() disables the search.
  bool search_certificates = true;

  /// Empty when the settings are usable, otherwise a message naming the bad field.
  std::string validation_error() const;
  /// Throws std::invalid_argument with validation_error() when the settings are not usable.
  void validate() const;
};

}  // namespace optlayer
