// Finite variable bounds as index lists.

#include "solver/convex/convex_bounds.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace optlayer {

void FiniteBounds::assign(const Eigen::VectorXd& lo, const Eigen::VectorXd& hi) {
  lower_index.clear();
  upper_index.clear();
  for (Eigen::Index i = 0; i < lo.size(); ++i) {
    if (std::isfinite(lo(i))) lower_index.push_back(i);
    if (std::isfinite(hi(i))) upper_index.push_back(i);
  }
  lower.resize(num_lower());
  upper.resize(num_upper());
  for (Eigen::Index k = 0; k < num_lower(); ++k) lower(k) = lo(lower_index[k]);
  for (Eigen::Index k = 0; k < num_upper(); ++k) upper(k) = hi(upper_index[k]);
}

void FiniteBounds::distances(const Eigen::VectorXd& z, Eigen::VectorXd& dist_lo, Eigen::VectorXd& dist_hi) const {
  for (Eigen::Index k = 0; k < num_lower(); ++k) dist_lo(k) = z(lower_index[k]) - lower(k);
  for (Eigen::Index k = 0; k < num_upper(); ++k) dist_hi(k) = upper(k) - z(upper_index[k]);
}

double FiniteBounds::max_step(const Eigen::VectorXd& dist_lo, const Eigen::VectorXd& dist_hi,
                              const Eigen::VectorXd& dz) const {
  double alpha = std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 0; k < num_lower(); ++k) {
    const double d = dz(lower_index[k]);
    if (d < 0.0) alpha = std::min(alpha, -dist_lo(k) / d);
  }
  for (Eigen::Index k = 0; k < num_upper(); ++k) {
    const double d = dz(upper_index[k]);
    if (d > 0.0) alpha = std::min(alpha, dist_hi(k) / d);
  }
  return alpha;
}

}  // namespace optlayer
