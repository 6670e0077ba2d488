#pragma once
// Primal-dual iterate (z, s, lambda, nu) of the QP interior-point method.

#include <Eigen/Core>

namespace optlayer {

struct Variables {
  Eigen::VectorXd z, s, lambda, nu;

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
    z.setZero(n);
    s.setOnes(m);
    lambda.setOnes(m);
    nu.setZero(p);
  }
  /// this += alpha * d, block by block.
  void axpy(double alpha, const Variables& d) {
    z += alpha * d.z;
    s += alpha * d.s;
    lambda += alpha * d.lambda;
    nu += alpha * d.nu;
  }
  bool all_finite() const { return z.allFinite() && s.allFinite() && lambda.allFinite() && nu.allFinite(); }
};

}  // namespace optlayer
