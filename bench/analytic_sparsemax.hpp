#pragma once
// The analytic sparsemax layer (Martins and Astudillo, 2016) the QP layer is measured against,
// in two versions: the paper's sort-based threshold and Michelot's pivoting threshold, which
// needs no sort (a few linear passes). Both are allocation-free given a scratch vector, so
// the yardstick is as fast as a careful user would write it.

#include <Eigen/Core>
#include <algorithm>
#include <functional>

namespace bench {

/// Threshold tau with sum_i max(x_i - tau, 0) = 1 from a decreasing sort of x into `scratch`
/// (size n): the support is the largest k with 1 + k u_k > u_1 + ... + u_k.
inline double sparsemax_threshold_sort(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::VectorXd& scratch) {
  scratch = x;
  std::sort(scratch.data(), scratch.data() + scratch.size(), std::greater<double>());
  double sum = 0.0, tau = 0.0;
  for (Eigen::Index k = 0; k < scratch.size(); ++k) {
    sum += scratch(k);
    const double candidate = (sum - 1.0) / static_cast<double>(k + 1);
    if (scratch(k) <= candidate) break;  // the support condition fails from here on
    tau = candidate;
  }
  return tau;
}

/// The same threshold by Michelot's projection: start from the mean over all entries and
/// drop the entries at or below the threshold until the active set stops shrinking. The
/// threshold only grows, so at most n passes; in practice two to four.
inline double sparsemax_threshold_pivot(const Eigen::Ref<const Eigen::VectorXd>& x) {
  double tau = (x.sum() - 1.0) / static_cast<double>(x.size());
  Eigen::Index active = x.size();
  for (;;) {
    double sum = 0.0;
    Eigen::Index count = 0;
    for (Eigen::Index i = 0; i < x.size(); ++i) {
      const bool in = x(i) > tau;
      sum += in ? x(i) : 0.0;
      count += in;
    }
    tau = (sum - 1.0) / static_cast<double>(count);
    if (count == active) return tau;
    active = count;
  }
}

/// y = max(x - tau, 0) for a threshold from either function above.
inline void sparsemax_apply(const Eigen::Ref<const Eigen::VectorXd>& x, double tau, Eigen::Ref<Eigen::VectorXd> y) {
  y.array() = (x.array() - tau).cwiseMax(0.0);
}

/// dx = J' dy with J = diag(s) - s s' / |S|, s the support of the forward's output y.
inline void sparsemax_backward(const Eigen::Ref<const Eigen::VectorXd>& y, const Eigen::Ref<const Eigen::VectorXd>& dy,
                               Eigen::Ref<Eigen::VectorXd> dx) {
  double sum = 0.0;
  Eigen::Index support = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    const bool in = y(i) > 0.0;
    sum += in ? dy(i) : 0.0;
    support += in;
  }
  const double mean = sum / static_cast<double>(support);
  dx.array() = (y.array() > 0.0).select(dy.array() - mean, 0.0);
}

}  // namespace bench
