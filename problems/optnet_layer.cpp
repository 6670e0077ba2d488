// The OptNet QP layer with P = Psqrt' Psqrt.

#include "optlayer/problems/optnet_layer.hpp"

namespace optlayer {

QpData OptNetParameters::qp() const { return QpData{Psqrt.transpose() * Psqrt, q, G, h, A, b}; }

OptNetLayer::OptNetLayer(Eigen::Index n, Eigen::Index m, Eigen::Index p, const QpLayerOptions& options)
    : batch_(n, m, p, options) {}

Status OptNetLayer::forward(const std::vector<OptNetParameters>& x, Eigen::MatrixXd& Z) {
  std::vector<QpData> problems;
  problems.reserve(x.size());
  Psqrt_.clear();
  for (const OptNetParameters& xk : x) {
    problems.push_back(xk.qp());
    Psqrt_.push_back(xk.Psqrt);
  }
  return batch_.solve(std::move(problems), Z);
}

bool OptNetLayer::backward(const Eigen::MatrixXd& dZ, std::vector<OptNetParameters>& grad) {
  if (!batch_.backward(dZ, Eigen::MatrixXd(), gradients_)) return false;
  grad.resize(gradients_.size());
  for (std::size_t k = 0; k < gradients_.size(); ++k) {
    const QpGradient& g = gradients_[k];
    // P = S'S: dL = <g_P, dS'S + S'dS> = <S (g_P + g_P'), dS>.
    grad[k] = OptNetParameters{Psqrt_[k] * (g.P + g.P.transpose()), g.q, g.G, g.h, g.A, g.b};
  }
  return true;
}

}  // namespace optlayer
