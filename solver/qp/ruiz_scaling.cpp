#include "solver/qp/ruiz_scaling.hpp"

#include <cmath>

namespace optlayer {

namespace {
// The nearest power of two: scaling by it is exact, so the scaled iterate maps to the user's
// units without rounding.
double power_of_two(double factor) { return std::exp2(std::round(std::log2(factor))); }
}  // namespace

void RuizScaling::resize(Eigen::Index n, Eigen::Index m, Eigen::Index p) {
  D.setOnes(n);
  E.setOnes(m);
  F.setOnes(p);
  col_work.setZero(n);
  row_work_G.setZero(m);
  row_work_A.setZero(p);
  c = 1.0;
}

// Norms to scaling factors 1/sqrt(norm), kept within [1e-4, 1e4] per pass so
// that a zero or tiny column cannot blow the scaled data up.
void RuizScaling::to_factors(Eigen::VectorXd& norms) {
  for (Eigen::Index i = 0; i < norms.size(); ++i)
    norms(i) = norms(i) > 1e-12 ? power_of_two(std::clamp(1.0 / std::sqrt(norms(i)), 1e-4, 1e4)) : 1.0;
}

void RuizScaling::scale_vectors(Eigen::VectorXd& q, Eigen::VectorXd& h, Eigen::VectorXd& b) {
  q.array() *= D.array();
  h.array() *= E.array();
  b.array() *= F.array();
  c = 1.0;
  if (passes_ > 0) scale_cost(P_mean_column_norm_, q);
}

// Cost scaling: bring the objective's gradient terms to order one.
void RuizScaling::scale_cost(double mean_column_norm, Eigen::VectorXd& q) {
  const double q_norm = q.size() > 0 ? q.cwiseAbs().maxCoeff() : 0.0;
  const double size = std::max(mean_column_norm, q_norm);
  c = size > 1e-12 ? power_of_two(std::clamp(1.0 / size, 1e-4, 1e4)) : 1.0;
  q *= c;
}

}  // namespace optlayer
