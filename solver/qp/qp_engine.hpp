#pragma once
// The QP interior-point engine, generic over dense and sparse storage.

#include <Eigen/Core>
#include <chrono>
#include <optional>

#include "optlayer/qp_solver.hpp"
#include "solver/linalg/dense_kkt.hpp"
#include "solver/linalg/extended_residuals.hpp"
#include "solver/linalg/matrix_ops.hpp"
#include "solver/qp/opposite_rows.hpp"
#include "solver/qp/ruiz_scaling.hpp"
#include "solver/linalg/sparse_kkt.hpp"
#include "solver/qp/variables.hpp"

namespace optlayer {

/// Residuals of the scaled problem and the accuracy measures of the unscaled one.
struct Residuals {
  Eigen::VectorXd Pz, Gtl, Atn, Gz, Az;  // scaled products
  Eigen::VectorXd dual;                  // P z + q + G'lambda + A'nu        (n)
  Eigen::VectorXd ineq;                  // G z + s - h                      (m)
  Eigen::VectorXd eq;                    // A z - b                          (p)
  double mu = 0.0;                       // s'lambda / m
  double primal = 0.0, dual_norm = 0.0, gap = 0.0;              // unscaled measures
  double primal_scale = 0.0, dual_scale = 0.0, gap_scale = 0.0;  // norms of their terms

  /// The scalar measures alone (what a result reports), copied without the vectors.
  struct Measures {
    double mu, primal, dual_norm, gap, primal_scale, dual_scale, gap_scale;
  };
  Measures measures() const { return {mu, primal, dual_norm, gap, primal_scale, dual_scale, gap_scale}; }
  void set_measures(const Measures& v) {
    mu = v.mu;
    primal = v.primal;
    dual_norm = v.dual_norm;
    gap = v.gap;
    primal_scale = v.primal_scale;
    dual_scale = v.dual_scale;
    gap_scale = v.gap_scale;
  }

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    Pz.setZero(n);
    Gtl.setZero(n);
    Atn.setZero(n);
    dual.setZero(n);
    Gz.setZero(m);
    ineq.setZero(m);
    Az.setZero(p);
    eq.setZero(p);
  }
};

// How a cold attempt starts and regularizes: the default, or one of the retries of a solve that
// ended numerical_error (kRegularizedEqualityStart, kLargeMultiplierStart in qp_engine_impl.hpp).
struct ColdStart {
  double multiplier_scale = 1.0;                 // the cold start's lambda times this
  double inequality_regularization_scale = 1.0;  // reg_inequality times this
  double dual_regularization_scale = 1.0;        // reg_dual times this
};

/// The interior-point method on one storage kind: Matrix is Eigen::MatrixXd with
/// DenseKkt, or SparseMatrix with SparseKkt. The algorithm is written once here.
template <class Matrix, class Kkt>
struct QpEngine {
  using MatrixRef = QpSolver::MatrixRef;
  using VectorRef = QpSolver::VectorRef;

  Settings settings;
  Eigen::Index n = 0, m = 0, p = 0;

  // The user's problem as held by the workspace (original units).
  Matrix user_P, user_G, user_A;
  Eigen::VectorXd user_q, user_h, user_b;
  bool has_data = false;
  // A warm start waiting for the next solve (original units).
  Variables warm;
  bool warm_pending = false;

  // Scaled problem data (equilibrated copies of the user's data).
  Matrix P, G, A;
  Eigen::VectorXd q, h, b;
  RuizScaling scaling;
  Matrix P_unit;  // equilibrated P before the cost scaling: P = scaling.c P_unit
  // Ruiz passes behind P_unit, G and A; -1 when the held matrices changed since (they are then
  // copied and equilibrated again by the next solve).
  int equilibrated_passes = -1;
  std::optional<bool> P_convex;  // convexity test of the equilibrated P, once per equilibration
  Kkt kkt;

  Variables x;                 // current iterate (scaled)
  // The iterate closest to the tolerances so far and its measures: a solve that stops without
  // converging returns it rather than the last iterate (which a late breakdown can ruin).
  Variables best;
  Residuals::Measures best_measures{};
  double best_distance = 0.0;
  Variables step, affine;      // combined and affine-scaling directions
  Residuals res;
  Eigen::VectorXd weights;     // s ./ lambda
  Eigen::VectorXd rhs, sol;    // stacked KKT right-hand side / solution (n + m + p)
  Eigen::VectorXd complementarity;  // target of s o lambda in the current step (m)
  ConvexityCheck convexity_check;
  ExtendedResiduals extended;  // the final measures, exact (double-double sums)
  OppositeRows opposite_rows;  // pairs of rows G_b = -G_a of the equilibrated G (ranges)
  Eigen::VectorXd scratch_m;   // m-vector for the certificate tests

  ColdStart cold_start;  // of the current attempt (reset by solve_held, set by retry_cold)

  QpResult result;
  QpResult previous_result;  // the first attempt's result while a retry runs
  long total_factorizations = 0;
  bool factorization_at_solution = false;  // kkt holds the factorization at the final iterate
  std::chrono::steady_clock::time_point start_time;

  void resize(Eigen::Index n_, Eigen::Index m_, Eigen::Index p_);
  Status solve_held();
  Status solve_copy(bool use_warm_start, int max_iter, int scaling_iterations);
  void equilibrate_held_matrices(int scaling_iterations);
  Status retry_cold(int scaling_iterations, ColdStart start = ColdStart());
  Status search_certificates(Status status);
  Status run(bool use_warm_start, int max_iter);

  // Named steps of the interior-point loop (solver/qp/qp_engine_impl.hpp).
  bool P_is_convex();
  bool factor_kkt(const Eigen::VectorXd& w, double scale = 1.0);
  void count_factorizations(long before);
  void initialize_iterate();
  void initialize_from_warm_start();
  void compute_residuals();
  bool converged() const;
  bool converged_up_to_round_off() const;
  bool double_measures_suffice() const;
  void measure_exactly_where_double_cannot_decide();
  bool detect_primal_infeasibility(const Eigen::VectorXd& lambda, const Eigen::VectorXd& nu);
  bool detect_dual_infeasibility(const Eigen::VectorXd& d);
  double newton_tolerance() const;
  void solve_newton(const Eigen::VectorXd& target, Variables& direction, bool with_residuals = true);
  void centrality_correctors(double target_mu);
  double max_step(const Variables& direction) const;
  double complementarity_after(const Variables& direction, double alpha) const;
  bool reduces_complementarity(const Variables& direction) const;
  void predictor_corrector();
  void log_iteration(int iteration, double alpha) const;
  double distance_to_tolerances() const;
  void remember_if_best();
  Status finish_solved(int iterations);
  Status stop_unsolved(Status status, const char* message, int iterations);
  bool polish();
  bool polish_from_best(double scale);
  bool solve_active_set(double scale);
  bool update_active_set();
  void write_result(Status status, int iterations);
  double elapsed_seconds() const;
};

using DenseEngine = QpEngine<Eigen::MatrixXd, DenseKkt>;
using SparseEngine = QpEngine<SparseMatrix, SparseKkt>;
extern template struct QpEngine<Eigen::MatrixXd, DenseKkt>;
extern template struct QpEngine<SparseMatrix, SparseKkt>;

}  // namespace optlayer
