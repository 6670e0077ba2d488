// Non-negative least squares with an l1 term as a QP layer.

#include "optlayer/problems/nnls_l1.hpp"

#include <stdexcept>

namespace optlayer {

NnlsL1Layer::NnlsL1Layer(Eigen::MatrixXd A, double lambda, const QpLayerOptions& options)
    : A_(std::move(A)), P_(2.0 * A_.transpose() * A_), lambda_(lambda), batch_(A_.cols(), A_.cols(), 0, options) {
  if (!(lambda_ >= 0.0)) throw std::invalid_argument("optlayer::NnlsL1Layer: lambda must be >= 0");
}

Status NnlsL1Layer::forward(const Eigen::MatrixXd& B, Eigen::MatrixXd& Z) {
  if (B.cols() != A_.rows()) return Status::invalid_input;
  const Eigen::Index n = A_.cols();
  const Eigen::MatrixXd G = -Eigen::MatrixXd::Identity(n, n);
  std::vector<QpData> problems(static_cast<std::size_t>(B.rows()));
  for (Eigen::Index k = 0; k < B.rows(); ++k) {
    const Eigen::VectorXd q = -2.0 * A_.transpose() * B.row(k).transpose() + Eigen::VectorXd::Constant(n, lambda_);
    problems[static_cast<std::size_t>(k)] =
        QpData{P_, q, G, Eigen::VectorXd::Zero(n), Eigen::MatrixXd(0, n), Eigen::VectorXd(0)};
  }
  B_ = B;
  return batch_.solve(std::move(problems), Z);
}

bool NnlsL1Layer::backward(const Eigen::MatrixXd& dZ, const Eigen::MatrixXd& dDuals, NnlsL1Gradient& out) {
  if (!batch_.backward(dZ, dDuals, gradients_)) return false;
  out.A = Eigen::MatrixXd::Zero(A_.rows(), A_.cols());
  out.B.resize(B_.rows(), B_.cols());
  out.lambda = 0.0;
  for (Eigen::Index k = 0; k < B_.rows(); ++k) {
    const QpGradient& g = gradients_[static_cast<std::size_t>(k)];
    // P = 2A'A gives 2A(g_P + g_P'); q = -2A'b + lambda 1 gives -2 b g_q', dL/db = -2A g_q, dL/dlambda = 1'g_q.
    out.A += 2.0 * A_ * (g.P + g.P.transpose()) - 2.0 * B_.row(k).transpose() * g.q.transpose();
    out.B.row(k) = (-2.0 * A_ * g.q).transpose();
    out.lambda += g.q.sum();
  }
  return true;
}

}  // namespace optlayer
