#include "solver/ruiz_scaling.hpp"

#include <algorithm>
#include <cmath>

namespace optlayer {
namespace {

// Scaling factors are kept within [1e-4, 1e4] per pass so that a zero or
// tiny column cannot blow the scaled data up.
double equilibration_factor(double norm) {
  if (!(norm > 1e-12)) return 1.0;
  return std::clamp(1.0 / std::sqrt(norm), 1e-4, 1e4);
}

}  // namespace

void RuizScaling::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  D.setOnes(n);
  E.setOnes(m);
  F.setOnes(p);
  work.setZero(n);
  c = 1.0;
}

void RuizScaling::equilibrate(Eigen::MatrixXd& P, Eigen::VectorXd& q, Eigen::MatrixXd& G, Eigen::VectorXd& h,
                              Eigen::MatrixXd& A, Eigen::VectorXd& b, int iterations) {
  D.setOnes();
  E.setOnes();
  F.setOnes();
  c = 1.0;
  const Eigen::Index n = P.rows();
  for (int pass = 0; pass < iterations; ++pass) {
    // Column norms of the KKT matrix [P G' A'; G 0 0; A 0 0]: variable columns see P, G, A.
    for (Eigen::Index j = 0; j < n; ++j) {
      double norm = P.col(j).cwiseAbs().maxCoeff();
      if (G.rows() > 0) norm = std::max(norm, G.col(j).cwiseAbs().maxCoeff());
      if (A.rows() > 0) norm = std::max(norm, A.col(j).cwiseAbs().maxCoeff());
      work(j) = equilibration_factor(norm);
    }
    for (Eigen::Index i = 0; i < G.rows(); ++i) {
      const double factor = equilibration_factor(G.row(i).cwiseAbs().maxCoeff());
      G.row(i) *= factor;
      E(i) *= factor;
    }
    for (Eigen::Index i = 0; i < A.rows(); ++i) {
      const double factor = equilibration_factor(A.row(i).cwiseAbs().maxCoeff());
      A.row(i) *= factor;
      F(i) *= factor;
    }
    // In place (no temporaries): scale columns, then rows of the symmetric P.
    P.array().rowwise() *= work.transpose().array();
    P.array().colwise() *= work.array();
    G.array().rowwise() *= work.transpose().array();
    A.array().rowwise() *= work.transpose().array();
    D.array() *= work.array();
  }
  q.array() *= D.array();
  h.array() *= E.array();
  b.array() *= F.array();
  if (iterations > 0) {
    // Cost scaling: bring the objective's gradient terms to order one.
    double mean_col = 0.0;
    for (Eigen::Index j = 0; j < n; ++j) mean_col += P.col(j).cwiseAbs().maxCoeff();
    mean_col = n > 0 ? mean_col / static_cast<double>(n) : 0.0;
    const double q_norm = n > 0 ? q.cwiseAbs().maxCoeff() : 0.0;
    const double size = std::max(mean_col, q_norm);
    c = size > 1e-12 ? std::clamp(1.0 / size, 1e-4, 1e4) : 1.0;
    P *= c;
    q *= c;
  }
}

}  // namespace optlayer
