// ReLU as the projection onto z >= 0 (the inequalities -z <= 0).

#include "optlayer/problems/relu.hpp"

namespace optlayer {

ReluLayer::ReluLayer(Eigen::Index n, const QpLayerOptions& options)
    : layer_(-Eigen::MatrixXd::Identity(n, n), Eigen::VectorXd::Zero(n), no_rows(n), Eigen::VectorXd(0), options) {}

Eigen::MatrixXd relu(const Eigen::MatrixXd& X) { return X.cwiseMax(0.0); }

Eigen::MatrixXd relu_backward(const Eigen::MatrixXd& X, const Eigen::MatrixXd& dY) {
  return (X.array() > 0.0).select(dY, 0.0);
}

}  // namespace optlayer
