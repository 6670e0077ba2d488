#pragma once
// Ruiz equilibration of the QP data, and the maps between scaled and original units.
//
// Scaled data: P~ = c D P D, q~ = c D q, G~ = E G D, h~ = E h, A~ = F A D, b~ = F b.
// Then z = D z~, s = s~ / E, lambda = E lambda~ / c, nu = F nu~ / c.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>

#include "solver/linalg/matrix_ops.hpp"

namespace optlayer {

struct RuizScaling {
  Eigen::VectorXd D;      ///< variable scaling (n)
  Eigen::VectorXd E;      ///< inequality row scaling (m)
  Eigen::VectorXd F;      ///< equality row scaling (p)
  double c = 1.0;         ///< cost scaling
  Eigen::VectorXd col_work, row_work_G, row_work_A, ones;  // scratch

  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p);
  /// Equilibrates P, G, A in place with `iterations` Ruiz passes (0: identity scaling) and sets
  /// D, E, F. P is left without the cost scaling c, which depends on q: see scale_vectors().
  /// Split from the vectors so that a control loop, where only q, h, b change, scales its
  /// matrices once.
  template <class Matrix>
  void equilibrate_matrices(Matrix& P, Matrix& G, Matrix& A, int iterations);
  /// Scales q, h, b in place by D, E, F (of the last equilibrate_matrices) and sets the cost
  /// scaling c from the scaled q; the caller multiplies the equilibrated P by c.
  void scale_vectors(Eigen::VectorXd& q, Eigen::VectorXd& h, Eigen::VectorXd& b);

 private:
  static void to_factors(Eigen::VectorXd& norms);
  void scale_cost(double mean_column_norm, Eigen::VectorXd& q);

  int passes_ = 0;                  // Ruiz passes of the last equilibrate_matrices
  double P_mean_column_norm_ = 0.0;  // of the equilibrated P, before the cost scaling
};

template <class Matrix>
void RuizScaling::equilibrate_matrices(Matrix& P, Matrix& G, Matrix& A, int iterations) {
  D.setOnes();
  E.setOnes();
  F.setOnes();
  passes_ = iterations;
  for (int pass = 0; pass < iterations; ++pass) {
    // Column norms of the KKT matrix [P G' A'; G 0 0; A 0 0]: variable columns see P, G, A.
    col_work.setZero();
    update_column_max(P, col_work);
    update_column_max(G, col_work);
    update_column_max(A, col_work);
    row_max(G, row_work_G);
    row_max(A, row_work_A);
    to_factors(col_work);
    to_factors(row_work_G);
    to_factors(row_work_A);
    scale_in_place(P, col_work, col_work);
    scale_in_place(G, row_work_G, col_work);
    scale_in_place(A, row_work_A, col_work);
    D.array() *= col_work.array();
    E.array() *= row_work_G.array();
    F.array() *= row_work_A.array();
  }
  col_work.setZero();
  update_column_max(P, col_work);
  P_mean_column_norm_ = P.cols() > 0 ? col_work.mean() : 0.0;
}

}  // namespace optlayer
