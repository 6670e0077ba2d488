#pragma once
// What a QP solve returns.

#include <Eigen/Core>
#include <string>

#include "optlayer/status.hpp"

namespace optlayer {

/// Solution, duals, accuracy measures and (when infeasible) certificates of a QP solve.
/// When the status is numerical_error, max_iterations or time_limit, z, s, lambda, nu and the
/// measures are those of the best iterate the solve saw (closest to the tolerances; over a
/// warm attempt and its cold retry, or a scaled attempt and its unscaled retry, the closer of
/// the two), zeros if none was finite. Residuals are infinity norms on the unscaled problem:
///   primal_residual = max(||Az - b||, ||max(Gz - h, 0)||), dual_residual = ||Pz + q + G'lambda + A'nu||,
///   duality_gap = |z'Pz + q'z + h'lambda + b'nu|.
struct QpResult {
  Status status = Status::unsolved;  ///< how the solve ended
  std::string message;           ///< why the status is not solved (empty when solved)
  Eigen::VectorXd z;             ///< primal solution (n)
  Eigen::VectorXd s;             ///< slacks h - Gz (m)
  Eigen::VectorXd lambda;        ///< multipliers of Gz <= h (m), >= 0
  Eigen::VectorXd nu;            ///< multipliers of Az = b (p)
  double objective = 0.0;        ///< 1/2 z'Pz + q'z
  int iterations = 0;            ///< interior-point iterations
  double primal_residual = 0.0;  ///< max(||Az - b||, ||max(Gz - h, 0)||)
  double dual_residual = 0.0;    ///< ||Pz + q + G'lambda + A'nu||
  double duality_gap = 0.0;      ///< |z'Pz + q'z + h'lambda + b'nu|
  double primal_scale = 0.0;     ///< max(||Gz||, ||h||, ||Az||, ||b||): eps_rel multiplies it
  double dual_scale = 0.0;       ///< max(||Pz||, ||q||, ||G'lambda||, ||A'nu||)
  double gap_scale = 0.0;        ///< max(|z'Pz|, |q'z|, |h'lambda|, |b'nu|)
  double mu = 0.0;               ///< final complementarity s'lambda / m
  double solve_time = 0.0;       ///< seconds, including scaling and the final factorization
  int factorizations = 0;        ///< KKT factorizations performed by this solve
  /// True when the solution came from active-set polishing of the best iterate after the
  /// interior-point iterations stopped short (Settings::max_polish_rounds): its s and lambda are
  /// then exactly complementary (zeros held at 1e-150 in the solver's units).
  bool polished = false;
  /// Primal infeasibility certificate: lambda >= 0, G'lambda + A'nu ~ 0, h'lambda + b'nu < 0 (inf-norm 1).
  /// Zero unless the status is primal_infeasible.
  Eigen::VectorXd certificate_lambda;
  /// The equality part (nu) of the primal infeasibility certificate.
  Eigen::VectorXd certificate_nu;
  /// Dual infeasibility certificate: Pz ~ 0, Az ~ 0, Gz <= ~0, q'z < 0 (inf-norm 1).
  Eigen::VectorXd certificate_z;
};

}  // namespace optlayer
