#pragma once
// Everything a smooth convex solve needs, allocated once when the solver is built.

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <chrono>

#include "optlayer/convex_solver.hpp"
#include "solver/convex/convex_bounds.hpp"
#include "solver/convex/convex_diagonal_kkt.hpp"
#include "solver/convex/convex_iterate.hpp"
#include "solver/linalg/dense_kkt.hpp"
#include "solver/linalg/matrix_ops.hpp"

namespace optlayer {

/// KKT residuals of an iterate and the accuracy measures of convex_result.hpp.
struct ConvexResiduals {
  Eigen::VectorXd dual;              // grad f + Jg'lambda + Jh'nu - zl + zu   (n)
  Eigen::VectorXd ineq;              // g + s                                  (m)
  Eigen::VectorXd eq;                // h                                      (p)
  Eigen::VectorXd dist_lo, dist_hi;  // z - lo, hi - z over the finite bounds
  Eigen::VectorXd Jtl, Jtn, Jz;      // scratch: Jg'lambda, Jh'nu (n), Jacobian times z (max(m, p))
  double mu = 0.0;                   // average complementarity
  double primal = 0.0, dual_norm = 0.0, gap = 0.0;
  double primal_scale = 0.0, dual_scale = 0.0, gap_scale = 0.0;

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p, Eigen::Index num_lower, Eigen::Index num_upper);
  bool all_finite() const;
};

struct ConvexSolver::Impl {
  explicit Impl(ConvexProblem problem_) : problem(std::move(problem_)) {}

  Settings settings;
  ConvexProblem problem;
  Eigen::Index n = 0, nx = 0, m = 0, p = 0;
  FiniteBounds bounds;
  Eigen::VectorXd x;  // parameters of the current solve

  SmoothDerivatives derivs, trial_derivs;  // at the current iterate / at a line-search trial
  ConvexResiduals res, trial_res;
  ConvexIterate it, trial, step, affine;
  DenseKkt kkt;
  ConvexDiagonalKkt diagonal_kkt;        // separable problems: no g, diagonal Hessian
  bool diagonal_active = false;          // the last factorization is diagonal_kkt's
  Eigen::MatrixXd P;                     // Hessian of the Lagrangian + bound barrier diagonal
  Eigen::VectorXd barrier_diagonal;      // zl/(z - lo) + zu/(hi - z)
  Eigen::VectorXd p_diagonal;            // diagonal of P on the diagonal path
  Eigen::MatrixXd prepared_h_jacobian;   // Jh when kkt was last prepared
  bool kkt_prepared = false;
  Eigen::VectorXd weights;               // s ./ lambda
  Eigen::VectorXd rhs, sol;              // stacked KKT right-hand side / solution (n + m + p)
  Eigen::VectorXd target_s, target_lo, target_hi;  // complementarity changes asked of a Newton step
  ConvexityCheck curvature_check;       // Cholesky of the Hessian + a small shift
  Eigen::VectorXd direction_n;           // scratch (n) of the infeasibility tests
  Eigen::VectorXd jvp_z, jvp_g, jvp_h, vjp_x;  // parameter products of the derivative passes

  ConvexResult result;
  bool factorization_at_solution = false;
  bool hit_domain_boundary = false;  // the last line search rejected non-finite trial points
  double penalty = 0.0;  // weight of the constraint violation in the barrier merit (grows within a solve)
  std::chrono::steady_clock::time_point start_time;

  void resize();
  double elapsed_seconds() const;
  Status run(const Eigen::VectorXd* z0);

  // Named steps of the interior-point loop (solver/convex/convex_interior_point.cpp).
  Status initialize(const Eigen::VectorXd* z0);
  void default_start(Eigen::VectorXd& z) const;
  bool evaluate(const ConvexIterate& point, SmoothDerivatives& d, ConvexResiduals& r);
  void compute_residuals(const ConvexIterate& point, const SmoothDerivatives& d, ConvexResiduals& r) const;
  double merit(const ConvexIterate& point, const ConvexResiduals& r, double target) const;
  bool converged() const;
  bool primal_and_gap_converged() const;
  bool step_below_resolution() const;
  bool hessian_has_negative_curvature();
  bool factor_kkt(bool check_curvature, Status& failure, const char*& message);
  bool hessian_is_diagonal() const;
  bool factor_diagonal();
  void solve_kkt(int refinement_steps, bool allow_refactor);  // sol = K^-1 rhs on the active backend
  long factorizations() const { return kkt.factorizations() + diagonal_kkt.factorizations(); }
  void solve_newton(ConvexIterate& direction);
  double max_step(const ConvexIterate& direction) const;
  double relative_size(const ConvexIterate& direction) const;
  double predictor_corrector();
  void centered_newton(double target);
  double barrier_merit(const ConvexIterate& point, const SmoothDerivatives& d, const ConvexResiduals& r,
                       double mu_b) const;
  double barrier_slope(double mu_b) const;
  bool line_search(double target, int attempts, double& alpha, const char*& failure);
  bool detect_primal_infeasibility();
  bool detect_dual_infeasibility();
  Status finish(Status status, int iterations, const char* message);
  Status finish_solved(int iteration, bool refactor, const char* note);
  void write_result(Status status, int iterations);
  void log_iteration(int iteration, double alpha) const;
};

}  // namespace optlayer
