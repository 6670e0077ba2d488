// ConvexProblem: ownership of the functions and checks of the bounds.

#include "optlayer/convex_problem.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace optlayer {

ConvexProblem::ConvexProblem(std::unique_ptr<SmoothFunctions> functions) : functions_(std::move(functions)) {
  if (!functions_) throw std::invalid_argument("optlayer::ConvexProblem: null functions");
  const double inf = std::numeric_limits<double>::infinity();
  lower_ = Eigen::VectorXd::Constant(functions_->num_variables(), -inf);
  upper_ = Eigen::VectorXd::Constant(functions_->num_variables(), inf);
}

ConvexProblem::ConvexProblem(const ConvexProblem& other)
    : functions_(other.functions_->clone()), lower_(other.lower_), upper_(other.upper_) {}

ConvexProblem& ConvexProblem::operator=(const ConvexProblem& other) {
  if (this != &other) *this = ConvexProblem(other);
  return *this;
}

ConvexProblem& ConvexProblem::set_bounds(const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  const Eigen::Index n = num_variables();
  if (lo.size() != n || hi.size() != n)
    throw std::invalid_argument("optlayer::ConvexProblem::set_bounds: bounds must have size n = " + std::to_string(n) +
                                " (got " + std::to_string(lo.size()) + " and " + std::to_string(hi.size()) + ")");
  for (Eigen::Index i = 0; i < n; ++i) {
    const bool ok = !std::isnan(lo(i)) && !std::isnan(hi(i)) && lo(i) < hi(i) &&
                    lo(i) < std::numeric_limits<double>::infinity() && hi(i) > -std::numeric_limits<double>::infinity();
    if (!ok)
      throw std::invalid_argument("optlayer::ConvexProblem::set_bounds: need lo < hi (strict interior), got lo[" +
                                  std::to_string(i) + "] = " + std::to_string(lo(i)) + ", hi[" + std::to_string(i) +
                                  "] = " + std::to_string(hi(i)));
  }
  lower_ = lo;
  upper_ = hi;
  return *this;
}

ConvexProblem& ConvexProblem::set_lower_bounds(const Eigen::VectorXd& lo) { return set_bounds(lo, upper_); }
ConvexProblem& ConvexProblem::set_upper_bounds(const Eigen::VectorXd& hi) { return set_bounds(lower_, hi); }

}  // namespace optlayer
