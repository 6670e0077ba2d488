#pragma once
// Ruiz equilibration of the QP data, and the maps between scaled and original units.
//
// Scaled data: P~ = c D P D, q~ = c D q, G~ = E G D, h~ = E h, A~ = F A D, b~ = F b.
// Then z = D z~, s = s~ / E, lambda = E lambda~ / c, nu = F nu~ / c.

#include <Eigen/Core>

namespace optlayer {

struct RuizScaling {
  Eigen::VectorXd D;      ///< variable scaling (n)
  Eigen::VectorXd E;      ///< inequality row scaling (m)
  Eigen::VectorXd F;      ///< equality row scaling (p)
  double c = 1.0;         ///< cost scaling
  Eigen::VectorXd work;   ///< column norms (n)

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p);
  /// Equilibrates P, q, G, h, A, b in place with `iterations` Ruiz passes (0: identity scaling).
  void equilibrate(Eigen::MatrixXd& P, Eigen::VectorXd& q, Eigen::MatrixXd& G, Eigen::VectorXd& h,
                   Eigen::MatrixXd& A, Eigen::VectorXd& b, int iterations);
};

}  // namespace optlayer
