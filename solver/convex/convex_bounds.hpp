#pragma once
// The finite variable bounds of a convex problem, as index lists.

#include <Eigen/Core>
#include <vector>

namespace optlayer {

/// Finite bounds only: lower_index[k] has bound lower(k), upper_index[k] has bound upper(k).
/// Infinite bounds carry no multiplier and no barrier term.
struct FiniteBounds {
  std::vector<Eigen::Index> lower_index, upper_index;
  Eigen::VectorXd lower, upper;

  void assign(const Eigen::VectorXd& lo, const Eigen::VectorXd& hi);
  Eigen::Index num_lower() const { return static_cast<Eigen::Index>(lower_index.size()); }
  Eigen::Index num_upper() const { return static_cast<Eigen::Index>(upper_index.size()); }
  /// dist_lo = z - lo and dist_hi = hi - z over the finite bounds.
  void distances(const Eigen::VectorXd& z, Eigen::VectorXd& dist_lo, Eigen::VectorXd& dist_hi) const;
  /// Largest alpha with z + alpha dz inside the bounds (infinity when none binds).
  double max_step(const Eigen::VectorXd& dist_lo, const Eigen::VectorXd& dist_hi, const Eigen::VectorXd& dz) const;
};

}  // namespace optlayer
