// Sweeps over the automatic-differentiation tape (see include/optlayer/ad_tape.hpp).

#include "optlayer/ad_tape.hpp"

#include <algorithm>

namespace optlayer {
namespace ad {

void Tape::reset(int num_inputs) {
  num_inputs_ = num_inputs;
  size_ = 0;
  for (int k = 0; k < num_inputs; ++k) next() = Node();
}

// Gradient of every node with respect to the inputs, stored only over [lo_[k], hi_[k]), the
// hull of its arguments' ranges: an input's gradient is one unit entry, and a sum of separable
// terms touches one entry per term.
void Tape::forward_gradients() {
  const std::size_t n = static_cast<std::size_t>(num_inputs_);
  const std::size_t count = static_cast<std::size_t>(size_);
  if (gradients_.size() < count * n) gradients_.resize(count * n);
  if (lo_.size() < count) {
    lo_.resize(count);
    hi_.resize(count);
  }
  double* grad = gradients_.data();
  for (std::size_t k = 0; k < n; ++k) {
    lo_[k] = static_cast<int>(k);
    hi_[k] = static_cast<int>(k) + 1;
    grad[k * n + k] = 1.0;
  }
  for (std::size_t k = n; k < count; ++k) {
    const Node& node = nodes_[k];
    double* out = grad + k * n;
    const double* ga = grad + static_cast<std::size_t>(node.a) * n;
    const int la = lo_[node.a], ha = hi_[node.a];
    const double da = node.da;
    if (node.b < 0) {
      lo_[k] = la;
      hi_[k] = ha;
      for (int i = la; i < ha; ++i) out[i] = da * ga[i];
      continue;
    }
    const double* gb = grad + static_cast<std::size_t>(node.b) * n;
    const int lb = lo_[node.b], hb = hi_[node.b];
    const double db = node.db;
    const int lo = std::min(la, lb), hi = std::max(ha, hb);
    lo_[k] = lo;
    hi_[k] = hi;
    // One write per entry, no zero fill: a fill compiled to memset defeats the store forwarding
    // that the next nodes' reads of this gradient rely on (the tape is read right after it is written).
    for (int i = lo; i < hi; ++i) {
      const double from_a = (i >= la && i < ha) ? da * ga[i] : 0.0;
      out[i] = (i >= lb && i < hb) ? from_a + db * gb[i] : from_a;
    }
  }
}

// hessian += weight * (grad a)(grad b)'.
void Tape::accumulate_outer(double weight, int a, int b, Eigen::MatrixXd& hessian) const {
  const std::size_t n = static_cast<std::size_t>(num_inputs_);
  const double* ga = gradients_.data() + a * n;
  const double* gb = gradients_.data() + b * n;
  for (int j = lo_[b]; j < hi_[b]; ++j) {
    const double c = weight * gb[j];
    if (c == 0.0) continue;
    double* column = hessian.col(j).data();
    for (int i = lo_[a]; i < hi_[a]; ++i) column[i] += c * ga[i];
  }
}

void Tape::lagrangian_derivatives(const std::vector<int>& outputs, const Eigen::VectorXd& weights,
                                  Eigen::MatrixXd& jacobian, Eigen::MatrixXd& hessian) {
  const int n = num_inputs_;
  forward_gradients();
  for (std::size_t r = 0; r < outputs.size(); ++r) {
    auto row = jacobian.row(static_cast<Eigen::Index>(r));
    row.setZero();
    const int k = outputs[r];
    if (k < 0) continue;
    const double* g = gradients_.data() + static_cast<std::size_t>(k) * n;
    for (int i = lo_[k]; i < hi_[k]; ++i) row(i) = g[i];
  }

  adjoint_.assign(static_cast<std::size_t>(size_), 0.0);
  for (std::size_t r = 0; r < outputs.size(); ++r)
    if (outputs[r] >= 0) adjoint_[outputs[r]] += weights(static_cast<Eigen::Index>(r));
  hessian.setZero();
  for (int k = size() - 1; k >= n; --k) {
    const double w = adjoint_[k];
    if (w == 0.0) continue;
    const Node& node = nodes_[k];
    adjoint_[node.a] += w * node.da;
    if (node.haa != 0.0) accumulate_outer(w * node.haa, node.a, node.a, hessian);
    if (node.b < 0) continue;
    adjoint_[node.b] += w * node.db;
    if (node.hab != 0.0) {
      accumulate_outer(w * node.hab, node.a, node.b, hessian);
      accumulate_outer(w * node.hab, node.b, node.a, hessian);
    }
    if (node.hbb != 0.0) accumulate_outer(w * node.hbb, node.b, node.b, hessian);
  }
}

void Tape::second_order_adjoint(const std::vector<int>& outputs, const Eigen::VectorXd& tangent,
                                const Eigen::VectorXd& w, const Eigen::VectorXd& v, Eigen::VectorXd& gradient,
                                Eigen::VectorXd& hessian_tangent, Eigen::VectorXd& output_tangent) {
  const int n = num_inputs_;
  const std::size_t count = static_cast<std::size_t>(size_);
  tangent_.resize(count);
  for (int k = 0; k < n; ++k) tangent_[k] = tangent(k);
  for (std::size_t k = n; k < count; ++k) {
    const Node& node = nodes_[k];
    double t = node.da * tangent_[node.a];
    if (node.b >= 0) t += node.db * tangent_[node.b];
    tangent_[k] = t;
  }
  for (std::size_t r = 0; r < outputs.size(); ++r)
    output_tangent(static_cast<Eigen::Index>(r)) = outputs[r] >= 0 ? tangent_[outputs[r]] : 0.0;

  adjoint_.assign(count, 0.0);
  adjoint_dot_.assign(count, 0.0);
  for (std::size_t r = 0; r < outputs.size(); ++r) {
    if (outputs[r] < 0) continue;
    adjoint_[outputs[r]] += w(static_cast<Eigen::Index>(r));
    adjoint_dot_[outputs[r]] += v(static_cast<Eigen::Index>(r));
  }
  // Differentiating the reverse sweep a_arg += a_k * dphi/darg along the tangent.
  for (int k = size() - 1; k >= n; --k) {
    const double a = adjoint_[k], ad = adjoint_dot_[k];
    if (a == 0.0 && ad == 0.0) continue;
    const Node& node = nodes_[k];
    const double ta = tangent_[node.a];
    const double tb = node.b >= 0 ? tangent_[node.b] : 0.0;
    adjoint_[node.a] += a * node.da;
    adjoint_dot_[node.a] += ad * node.da + a * (node.haa * ta + node.hab * tb);
    if (node.b < 0) continue;
    adjoint_[node.b] += a * node.db;
    adjoint_dot_[node.b] += ad * node.db + a * (node.hab * ta + node.hbb * tb);
  }
  for (int k = 0; k < n; ++k) {
    gradient(k) = adjoint_[k];
    hessian_tangent(k) = adjoint_dot_[k];
  }
}

}  // namespace ad
}  // namespace optlayer
