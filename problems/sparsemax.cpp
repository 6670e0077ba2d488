// Sparsemax: the QP layer (projection onto the simplex) and the analytic reference.

#include "optlayer/problems/sparsemax.hpp"

#include <algorithm>
#include <functional>
#include <vector>

namespace optlayer {
namespace {

// tau such that sum_i max(x_i - tau, 0) = 1: with u sorted decreasingly, the support is the
// largest k with 1 + k u_k > u_1 + ... + u_k, and tau = (u_1 + ... + u_k - 1) / k.
double sparsemax_threshold(const Eigen::RowVectorXd& x) {
  std::vector<double> u(x.data(), x.data() + x.size());
  std::sort(u.begin(), u.end(), std::greater<double>());
  double sum = 0.0, support_sum = 0.0;
  std::size_t support = 0;
  for (std::size_t k = 1; k <= u.size(); ++k) {
    sum += u[k - 1];
    if (1.0 + static_cast<double>(k) * u[k - 1] > sum) {
      support = k;
      support_sum = sum;
    }
  }
  return (support_sum - 1.0) / static_cast<double>(support);
}

// Indicator of the support of sparsemax(x) (entries strictly above the threshold).
Eigen::RowVectorXd support_indicator(const Eigen::RowVectorXd& x) {
  const double tau = sparsemax_threshold(x);
  return (x.array() > tau).cast<double>().matrix();
}

}  // namespace

SparsemaxLayer::SparsemaxLayer(Eigen::Index n, const QpLayerOptions& options)
    : layer_(-Eigen::MatrixXd::Identity(n, n), Eigen::VectorXd::Zero(n), Eigen::MatrixXd::Ones(1, n),
             Eigen::VectorXd::Ones(1), options) {}

Eigen::MatrixXd sparsemax(const Eigen::MatrixXd& X) {
  Eigen::MatrixXd Y(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i)
    Y.row(i) = (X.row(i).array() - sparsemax_threshold(X.row(i))).cwiseMax(0.0).matrix();
  return Y;
}

Eigen::MatrixXd sparsemax_jacobian(const Eigen::RowVectorXd& x) {
  const Eigen::RowVectorXd s = support_indicator(x);
  Eigen::MatrixXd J = s.asDiagonal();
  J -= s.transpose() * s / s.sum();
  return J;
}

Eigen::MatrixXd sparsemax_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY) {
  Eigen::MatrixXd dX(X.rows(), X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) {
    const Eigen::RowVectorXd s = support_indicator(X.row(i));
    dX.row(i) = (s.array() * (dY.row(i).array() - s.dot(dY.row(i)) / s.sum())).matrix();
  }
  return dX;
}

}  // namespace optlayer
