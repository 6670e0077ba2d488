#pragma once
// Operation tape of optlayer's automatic differentiation (optlayer::ad).
//
// Evaluating a user function with the scalar ad::Var records one node per
// elementary operation, with its first and second partial derivatives taken at
// record time. Two sweeps over the tape then give everything the convex solver needs:
//  - lagrangian_derivatives(): gradients of every output (forward, with each
//    gradient stored only over the index range it can be nonzero on) and the Hessian
//    of a weighted sum of outputs, accumulated in one reverse sweep as
//      sum_k adjoint_k * sum_ij d2phi_k/du_i du_j  grad u_i grad u_j'.
//    For the separable functions typical of layers (entropies, norms) the ranges are
//    single indices, so the Hessian costs O(tape length), not O(length * n^2).
//  - second_order_adjoint(): forward-over-reverse: one tangent sweep and one reverse
//    sweep give grad(w'y) and H(w'y) t + J'v for given weights w, v and tangent t,
//    which is what the backward and forward passes need with respect to parameters.
// The tape keeps its storage between recordings, so re-recording a function with the
// same operation count allocates nothing.

#include <Eigen/Core>
#include <vector>

namespace optlayer {
namespace ad {

/// One recorded operation y = phi(a) or y = phi(a, b) with its local derivatives.
struct Node {
  int a = -1;         ///< first argument's node index (< 0: this node is an input)
  int b = -1;         ///< second argument's node index (< 0: unary)
  double da = 0.0;    ///< dphi/da
  double db = 0.0;    ///< dphi/db
  double haa = 0.0;   ///< d2phi/da2
  double hab = 0.0;   ///< d2phi/da db
  double hbb = 0.0;   ///< d2phi/db2
};

/// The record of one evaluation of the user's functions with ad::Var, and the sweeps over it.
class Tape {
 public:
  /// Clears the tape and records `num_inputs` independent variables as nodes 0 .. num_inputs - 1.
  void reset(int num_inputs);
  /// Number of independent variables recorded by reset().
  int num_inputs() const { return num_inputs_; }
  /// Number of nodes, inputs included.
  int size() const { return size_; }

  // Nodes are written in place: building one on the stack and copying it in stalls store
  // forwarding, and recording is the hot path of every derivative evaluation.
  /// Records y = phi(a) with phi'(a) = da, phi''(a) = haa; returns y's node index.
  int push_unary(int a, double da, double haa) {
    Node& node = next();
    node.a = a;
    node.b = -1;
    node.da = da;
    node.db = 0.0;
    node.haa = haa;
    node.hab = 0.0;
    node.hbb = 0.0;
    return size_ - 1;
  }
  /// Records y = phi(a, b) with its gradient (da, db) and Hessian [haa hab; hab hbb]; returns y's node index.
  int push_binary(int a, int b, double da, double db, double haa, double hab, double hbb) {
    Node& node = next();
    node.a = a;
    node.b = b;
    node.da = da;
    node.db = db;
    node.haa = haa;
    node.hab = hab;
    node.hbb = hbb;
    return size_ - 1;
  }

  /// Gradient rows and Hessian of sum_k weights_k y_k for the outputs y_k = nodes outputs[k]
  /// (-1: a constant output), with respect to the first `num_inputs()` nodes.
  /// jacobian is outputs.size() x num_inputs, hessian num_inputs x num_inputs (full, symmetric).
  void lagrangian_derivatives(const std::vector<int>& outputs, const Eigen::VectorXd& weights,
                              Eigen::MatrixXd& jacobian, Eigen::MatrixXd& hessian);

  /// Forward-over-reverse sweep for tangent `tangent` on the inputs, first-order output
  /// weights `w` and second-order output weights `v` (outputs as above). Gives
  ///   gradient = J'w,   hessian_tangent = (sum_k w_k H_k) tangent + J'v,
  ///   output_tangent = J tangent,
  /// with J the Jacobian of the outputs with respect to all inputs.
  void second_order_adjoint(const std::vector<int>& outputs, const Eigen::VectorXd& tangent,
                            const Eigen::VectorXd& w, const Eigen::VectorXd& v, Eigen::VectorXd& gradient,
                            Eigen::VectorXd& hessian_tangent, Eigen::VectorXd& output_tangent);

 private:
  Node& next() {
    if (size_ == static_cast<int>(nodes_.size())) nodes_.resize(nodes_.size() * 2 + 64);
    return nodes_[size_++];
  }
  void forward_gradients();
  void accumulate_outer(double weight, int a, int b, Eigen::MatrixXd& hessian) const;

  int num_inputs_ = 0;
  int size_ = 0;              // nodes in use; nodes_ keeps its length between recordings
  std::vector<Node> nodes_;
  std::vector<double> gradients_;  // node k's gradient at [k * num_inputs_, (k + 1) * num_inputs_)
  // Node k's gradient is zero (and not stored) outside [lo_[k], hi_[k]). Two arrays rather than
  // one of pairs: a pair written as two ints and read back as one word defeats store forwarding.
  std::vector<int> lo_, hi_;
  std::vector<double> adjoint_, adjoint_dot_, tangent_;
};

}  // namespace ad
}  // namespace optlayer
