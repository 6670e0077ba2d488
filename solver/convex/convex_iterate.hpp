#pragma once
// Primal-dual iterate of the smooth convex interior-point method.

#include <Eigen/Core>

namespace optlayer {

/// z (n), slacks s = -g (m), multipliers lambda (m), nu (p), and the multipliers of the
/// finite lower and upper bounds, stored compactly (one entry per finite bound).
struct ConvexIterate {
  Eigen::VectorXd z, s, lambda, nu, zl, zu;

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p, Eigen::Index num_lower, Eigen::Index num_upper) {
    z.setZero(n);
    s.setOnes(m);
    lambda.setOnes(m);
    nu.setZero(p);
    zl.setOnes(num_lower);
    zu.setOnes(num_upper);
  }
  /// this = base + alpha * d, block by block.
  void set_step(const ConvexIterate& base, double alpha, const ConvexIterate& d) {
    z = base.z + alpha * d.z;
    s = base.s + alpha * d.s;
    lambda = base.lambda + alpha * d.lambda;
    nu = base.nu + alpha * d.nu;
    zl = base.zl + alpha * d.zl;
    zu = base.zu + alpha * d.zu;
  }
  bool all_finite() const {
    return z.allFinite() && s.allFinite() && lambda.allFinite() && nu.allFinite() && zl.allFinite() &&
           zu.allFinite();
  }
};

}  // namespace optlayer
