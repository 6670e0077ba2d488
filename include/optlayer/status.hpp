#pragma once
// Solver outcome codes shared by every solver in optlayer.

namespace optlayer {

/// How a solve ended. Only `solved` means the returned point meets the tolerances.
enum class Status {
  solved,             ///< primal residual, dual residual and duality gap below tolerance
  primal_infeasible,  ///< a Farkas certificate (lambda, nu) was found; see Result::certificate_*
  dual_infeasible,    ///< a direction of unbounded descent was found; see Result::certificate_z
  max_iterations,     ///< Settings::max_iter reached before convergence
  time_limit,         ///< Settings::time_limit reached before convergence
  numerical_error,    ///< the KKT system could not be factored or the iterates stalled / lost finiteness
  invalid_input,      ///< bad dimensions, NaN/Inf in the data, asymmetric P, bad settings; see Result::message
  non_convex,         ///< P (or the Hessian of a smooth problem) is not positive semidefinite
  unsolved            ///< no solve has been run yet
};

/// Lower-case name of a status, e.g. "primal_infeasible".
const char* to_string(Status status);

}  // namespace optlayer
