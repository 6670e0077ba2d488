// Dense Jacobians dz/dq, dz/dh, dz/db from backward solves with unit cotangents.

#include "optlayer/qp_jacobians.hpp"

#include <utility>

#include "optlayer/qp_solver.hpp"

namespace optlayer {

bool QpSolver::jacobians(QpJacobians& out) {
  const Eigen::Index n = num_variables(), m = num_inequalities(), p = num_equalities();
  if (result().status != Status::solved) return false;
  // Row k of each Jacobian is the gradient of L = z_k: one backward per row. The gradient and
  // the cotangent are allocated once and reused, so the loop itself does not allocate.
  QpGradient row;
  Eigen::VectorXd unit = Eigen::VectorXd::Zero(n);
  Eigen::MatrixXd dq(n, n), dh(n, m), db(n, p);
  for (Eigen::Index k = 0; k < n; ++k) {
    unit(k) = 1.0;
    if (!backward(unit, row)) return false;
    unit(k) = 0.0;
    dq.row(k) = row.q.transpose();
    // (A row of an n x 0 matrix is formed from its null data pointer: skip empty blocks.)
    if (m > 0) dh.row(k) = row.h.transpose();
    if (p > 0) db.row(k) = row.b.transpose();
  }
  out.dz_dq = std::move(dq);
  out.dz_dh = std::move(dh);
  out.dz_db = std::move(db);
  return true;
}

}  // namespace optlayer
