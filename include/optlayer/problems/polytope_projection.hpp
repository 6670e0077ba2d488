#pragma once
// The chapter's learnable polytope: the projection onto {z : Gz <= h} with G and h as parameters,
//   z*(x) = argmin ||z - x||^2   s.t.  Gz <= h,
// one QP per row of the input. backward() gives dL/dx and dL/dG, dL/dh summed over the batch,
// which is what fitting the polytope to data needs.

#include <Eigen/Core>

#include "optlayer/problems/projection_layer.hpp"

namespace optlayer {

/// The chapter's learnable polytope: projection of each row onto {z : Gz <= h}, differentiable in
/// the input and in G and h.
class PolytopeProjectionLayer {
 public:
  /// m facets G (m x n), offsets h (m). Throws std::invalid_argument on a size mismatch or invalid settings.
  PolytopeProjectionLayer(Eigen::MatrixXd G, Eigen::VectorXd h, const QpLayerOptions& options = QpLayerOptions());

  /// Z.row(k) = projection of X.row(k). Returns solved or the first failing row's status
  /// (e.g. primal_infeasible when training has emptied the polytope).
  Status forward(const Eigen::MatrixXd& X, Eigen::MatrixXd& Z) { return layer_.forward(X, Z); }
  /// dX per row, dG and dh summed over the rows of the last forward.
  bool backward(const Eigen::MatrixXd& dZ, Eigen::MatrixXd& dX, Eigen::MatrixXd& dG, Eigen::VectorXd& dh);

  /// The parameters, and their replacement (same shapes; std::invalid_argument otherwise).
  ///@{
  const Eigen::MatrixXd& G() const { return layer_.G(); }
  const Eigen::VectorXd& h() const { return layer_.h(); }
  void set_parameters(const Eigen::MatrixXd& G, const Eigen::VectorXd& h) { layer_.set_inequalities(G, h); }
  ///@}
  /// The projection layer underneath (its QPs, multipliers and KKT residuals).
  const ProjectionLayer& layer() const { return layer_; }

 private:
  ProjectionLayer layer_;
  ProjectionGradient gradient_;
};

}  // namespace optlayer
