#pragma once
// Dense Jacobians of a QP's primal solution with respect to the linear data q, h and b.
//
// z depends on (q, h, b) through the inverse of the KKT matrix K (see qp_solver.hpp):
//     dz/dq = -(K^-1)_zz,   dz/dh = (K^-1)_{z lambda},   dz/db = (K^-1)_{z nu},
// so row k of all three is one backward solve with the unit cotangent dL/dz = e_k.
// QpSolver::jacobians() does exactly that on the kept factorization: n triangular solve
// pairs (plus refinement), no new factorization. Meant for small problems.

#include <Eigen/Core>

namespace optlayer {

/// Jacobians of the primal solution z (rows) with respect to q, h and b (columns).
struct QpJacobians {
  Eigen::MatrixXd dz_dq;  ///< n x n (symmetric up to round-off)
  Eigen::MatrixXd dz_dh;  ///< n x m
  Eigen::MatrixXd dz_db;  ///< n x p
};

}  // namespace optlayer
