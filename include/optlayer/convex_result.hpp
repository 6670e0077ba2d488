#pragma once
// What a smooth convex solve returns, and the tangent a forward-mode derivative returns.

#include <Eigen/Core>
#include <string>

#include "optlayer/status.hpp"

namespace optlayer {

/// Solution, multipliers and accuracy measures of a ConvexSolver solve. Residuals are infinity norms:
///   primal_residual = max(||h(z)||, ||max(g(z), 0)||),
///   dual_residual   = ||grad f + Jg'lambda + Jh'nu - bound_lower + bound_upper||,
///   duality_gap     = sum lambda_i |g_i(z)| + bound_lower'(z - lo) + bound_upper'(hi - z).
struct ConvexResult {
  Status status = Status::unsolved;  ///< how the solve ended
  std::string message;          ///< why the status is not solved; when solved, empty or a note
  Eigen::VectorXd z;            ///< primal solution (n)
  Eigen::VectorXd s;            ///< slacks -g(z; x) (m)
  Eigen::VectorXd lambda;       ///< multipliers of g(z; x) <= 0 (m), >= 0
  Eigen::VectorXd nu;           ///< multipliers of h(z; x) = 0 (p)
  Eigen::VectorXd bound_lower;  ///< multipliers of lo <= z (n; 0 where lo = -inf)
  Eigen::VectorXd bound_upper;  ///< multipliers of z <= hi (n; 0 where hi = +inf)
  double objective = 0.0;       ///< f(z; x)
  int iterations = 0;           ///< interior-point iterations
  double primal_residual = 0.0;  ///< max(||h(z)||, ||max(g(z), 0)||)
  double dual_residual = 0.0;    ///< ||grad f + Jg'lambda + Jh'nu - bound_lower + bound_upper||
  double duality_gap = 0.0;      ///< complementarity of the constraints and the bounds (above)
  double primal_scale = 0.0;    ///< max(||Jh z||, ||h - Jh z||, ||Jg z||, ||g - Jg z||): eps_rel multiplies it
  double dual_scale = 0.0;      ///< max(||grad f||, ||Jg'lambda||, ||Jh'nu||, ||bound multipliers||)
  double gap_scale = 0.0;       ///< max(|f|, |Lagrangian|)
  double mu = 0.0;              ///< final average complementarity
  double solve_time = 0.0;      ///< seconds, including the final factorization
  int factorizations = 0;       ///< KKT factorizations performed by this solve
  /// Primal infeasibility certificate (approximate, normalized to inf-norm 1 with the bound
  /// multipliers): lambda >= 0, nu with lambda'g + nu'h + bound terms > 0 where its gradient vanishes.
  Eigen::VectorXd certificate_lambda;
  /// The equality part (nu) of the primal infeasibility certificate.
  Eigen::VectorXd certificate_nu;
  /// Direction of unbounded descent (inf-norm 1) when the status is dual_infeasible.
  Eigen::VectorXd certificate_z;
};

/// Directional derivative of the primal-dual solution along a parameter perturbation.
struct ConvexTangent {
  Eigen::VectorXd z;       ///< dz
  Eigen::VectorXd lambda;  ///< dlambda (inequality multipliers)
  Eigen::VectorXd nu;      ///< dnu (equality multipliers)
};

}  // namespace optlayer
