#pragma once
// The analytic softmax layer the optimization layers are measured against. It is meant to be
// fast, not merely correct: a slow yardstick would flatter the solvers. No allocation; the
// exponentials are Eigen's vectorized ones.

#include <Eigen/Core>

namespace bench {

/// y = softmax(x), shifted by max(x) so that no exponential overflows.
inline void softmax_forward(const Eigen::Ref<const Eigen::VectorXd>& x, Eigen::Ref<Eigen::VectorXd> y) {
  y.array() = (x.array() - x.maxCoeff()).exp();
  y *= 1.0 / y.sum();
}

/// dx = J' dy with J = diag(y) - y y': uses the forward's output y, as autograd frameworks do.
inline void softmax_backward(const Eigen::Ref<const Eigen::VectorXd>& y, const Eigen::Ref<const Eigen::VectorXd>& dy,
                             Eigen::Ref<Eigen::VectorXd> dx) {
  dx.array() = y.array() * (dy.array() - y.dot(dy));
}

}  // namespace bench
