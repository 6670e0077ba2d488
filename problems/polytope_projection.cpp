// The learnable polytope: a projection layer whose inequalities are the parameters.

#include "optlayer/problems/polytope_projection.hpp"

namespace optlayer {

PolytopeProjectionLayer::PolytopeProjectionLayer(Eigen::MatrixXd G, Eigen::VectorXd h, const QpLayerOptions& options)
    : layer_(G, std::move(h), no_rows(G.cols()), Eigen::VectorXd(0), options) {}

bool PolytopeProjectionLayer::backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX, Eigen::MatrixXd& dG,
                                       Eigen::VectorXd& dh) {
  if (!layer_.backward(dZ, dX, gradient_)) return false;
  dG = gradient_.G;
  dh = gradient_.h;
  return true;
}

}  // namespace optlayer
