#pragma once
// A smooth convex program: its functions (SmoothFunctions) and its variable bounds.
//
//   minimize f(z; x)  s.t.  g(z; x) <= 0,  h(z; x) = 0,  lo <= z <= hi
//
// Bounds are first class: every iterate stays strictly inside them, so functions
// defined only there (entropies, logarithms) are never evaluated outside.

#include <Eigen/Core>
#include <memory>

#include "optlayer/smooth_functions.hpp"

namespace optlayer {

/// A smooth convex program: its functions (f, g, h and their derivatives) and bounds on z.
class ConvexProblem {
 public:
  /// Takes ownership of the functions. Throws std::invalid_argument when null.
  explicit ConvexProblem(std::unique_ptr<SmoothFunctions> functions);
  ConvexProblem(const ConvexProblem& other);  ///< clones the functions
  /// Copy assignment; clones the functions.
  ConvexProblem& operator=(const ConvexProblem& other);
  /// Movable; the functions move along.
  ConvexProblem(ConvexProblem&&) noexcept = default;
  /// Move assignment; the functions move along.
  ConvexProblem& operator=(ConvexProblem&&) noexcept = default;
  ~ConvexProblem() = default;

  /// lo < hi entrywise, -inf / +inf for none. Throws std::invalid_argument on a size mismatch,
  /// NaN, lo >= hi, lo = +inf or hi = -inf.
  ConvexProblem& set_bounds(const Eigen::VectorXd& lo, const Eigen::VectorXd& hi);
  /// One side of the bounds, the other side kept; same checks as set_bounds().
  ///@{
  ConvexProblem& set_lower_bounds(const Eigen::VectorXd& lo);
  ConvexProblem& set_upper_bounds(const Eigen::VectorXd& hi);
  ///@}

  /// Dimensions: n variables, nx parameters, m inequalities, p equalities.
  ///@{
  Eigen::Index num_variables() const { return functions_->num_variables(); }
  Eigen::Index num_parameters() const { return functions_->num_parameters(); }
  Eigen::Index num_inequalities() const { return functions_->num_inequalities(); }
  Eigen::Index num_equalities() const { return functions_->num_equalities(); }
  ///@}
  /// The bounds lo and hi (-inf / +inf where there is none).
  ///@{
  const Eigen::VectorXd& lower_bounds() const { return lower_; }
  const Eigen::VectorXd& upper_bounds() const { return upper_; }
  ///@}
  /// The functions the solver queries.
  ///@{
  SmoothFunctions& functions() { return *functions_; }
  const SmoothFunctions& functions() const { return *functions_; }
  ///@}

 private:
  std::unique_ptr<SmoothFunctions> functions_;
  Eigen::VectorXd lower_, upper_;
};

}  // namespace optlayer
