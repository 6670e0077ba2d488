// Euclidean projection onto a polyhedron, one QP per row.

#include "optlayer/problems/projection_layer.hpp"

#include <stdexcept>
#include <string>

namespace optlayer {
namespace {

void require(bool condition, const char* what) {
  if (!condition) throw std::invalid_argument(std::string("optlayer::ProjectionLayer: ") + what);
}

}  // namespace

ProjectionLayer::ProjectionLayer(Eigen::MatrixXd G, Eigen::VectorXd h, Eigen::MatrixXd A, Eigen::VectorXd b,
                                 const QpLayerOptions& options)
    : G_(std::move(G)), A_(std::move(A)), h_(std::move(h)), b_(std::move(b)),
      batch_(G_.cols(), G_.rows(), A_.rows(), options) {
  require(h_.size() == G_.rows(), "h must have one entry per row of G");
  require(A_.cols() == G_.cols(), "A and G must have the same number of columns");
  require(b_.size() == A_.rows(), "b must have one entry per row of A");
}

void ProjectionLayer::set_inequalities(const Eigen::MatrixXd& G, const Eigen::VectorXd& h) {
  require(G.rows() == G_.rows() && G.cols() == G_.cols() && h.size() == h_.size(),
          "set_inequalities needs G and h of the original shapes");
  G_ = G;
  h_ = h;
}

Status ProjectionLayer::forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z) {
  if (X.cols() != dimension()) return Status::invalid_input;
  const Eigen::MatrixXd P = 2.0 * Eigen::MatrixXd::Identity(dimension(), dimension());
  std::vector<QpData> problems(static_cast<std::size_t>(X.rows()));
  for (Eigen::Index k = 0; k < X.rows(); ++k)
    problems[static_cast<std::size_t>(k)] = QpData{P, -2.0 * X.row(k).transpose(), G_, h_, A_, b_};
  return batch_.solve(std::move(problems), Z);
}

bool ProjectionLayer::backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX) {
  if (!batch_.backward(dZ, Eigen::MatrixXd(), gradients_)) return false;
  dX.resize(dZ.rows(), dimension());
  // q = -2x, so dL/dx = -2 dL/dq.
  for (Eigen::Index k = 0; k < dZ.rows(); ++k) dX.row(k) = -2.0 * gradients_[static_cast<std::size_t>(k)].q.transpose();
  return true;
}

bool ProjectionLayer::backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX, ProjectionGradient& constraints) {
  if (!backward(dZ, dX)) return false;
  constraints.G = Eigen::MatrixXd::Zero(G_.rows(), G_.cols());
  constraints.h = Eigen::VectorXd::Zero(h_.size());
  constraints.A = Eigen::MatrixXd::Zero(A_.rows(), A_.cols());
  constraints.b = Eigen::VectorXd::Zero(b_.size());
  for (const QpGradient& g : gradients_) {
    constraints.G += g.G;
    constraints.h += g.h;
    constraints.A += g.A;
    constraints.b += g.b;
  }
  return true;
}

}  // namespace optlayer
