// SmoothFunctions and SmoothDerivatives: dimension checks and storage.

#include "optlayer/smooth_functions.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace optlayer {

void SmoothDerivatives::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  gradient.setZero(n);
  g.setZero(m);
  h.setZero(p);
  g_jacobian.setZero(m, n);
  h_jacobian.setZero(p, n);
  hessian.setZero(n, n);
}

bool SmoothDerivatives::values_finite() const { return std::isfinite(f) && g.allFinite() && h.allFinite(); }

SmoothFunctions::SmoothFunctions(Eigen::Index n, Eigen::Index nx, Eigen::Index m, Eigen::Index p)
    : n_(n), nx_(nx), m_(m), p_(p) {
  if (n <= 0 || nx < 0 || m < 0 || p < 0)
    throw std::invalid_argument("optlayer::SmoothFunctions: need n > 0 and nx, m, p >= 0 (n = " + std::to_string(n) +
                                ", nx = " + std::to_string(nx) + ", m = " + std::to_string(m) +
                                ", p = " + std::to_string(p) + ")");
}

}  // namespace optlayer
