#pragma once
// The functions of a smooth convex program as the convex solver queries them:
//
//   minimize f(z; x)   subject to   g(z; x) <= 0,   h(z; x) = 0   (h affine in z)
//
// with variables z (n), parameters x (nx), m inequalities and p equalities.
// make_convex_problem() (autodiff_functions.hpp) implements this interface by
// automatic differentiation of functions written once for a generic scalar. Deriving
// from AutoDiffFunctions and overriding derivatives() with hand-written formulas is
// the fast path; implementing every method by hand is possible too.

#include <Eigen/Core>
#include <memory>

namespace optlayer {

/// Values and z-derivatives at one point, with the Hessian of the Lagrangian f + lambda'g + nu'h.
struct SmoothDerivatives {
  double f = 0.0;              ///< f(z; x)
  Eigen::VectorXd gradient;    ///< grad_z f (n)
  Eigen::VectorXd g;           ///< g(z; x) (m)
  Eigen::VectorXd h;           ///< h(z; x) (p)
  Eigen::MatrixXd g_jacobian;  ///< dg/dz (m x n)
  Eigen::MatrixXd h_jacobian;  ///< dh/dz (p x n)
  Eigen::MatrixXd hessian;     ///< grad_zz (f + lambda'g + nu'h) (n x n, both triangles)

  /// Sizes every member for n variables, m inequalities and p equalities.
  void resize(Eigen::Index n, Eigen::Index m, Eigen::Index p);
  /// f, g and h are finite (derivatives are checked by the solver separately).
  bool values_finite() const;
};

/// The interface through which the convex solver evaluates and differentiates f, g and h.
class SmoothFunctions {
 public:
  using Vector = Eigen::VectorXd;  ///< the vector type of every argument

  /// Throws std::invalid_argument for negative dimensions or n = 0.
  SmoothFunctions(Eigen::Index n, Eigen::Index nx, Eigen::Index m, Eigen::Index p);
  virtual ~SmoothFunctions() = default;

  /// Dimensions: n variables, nx parameters, m inequalities, p equalities.
  ///@{
  Eigen::Index num_variables() const { return n_; }
  Eigen::Index num_parameters() const { return nx_; }
  Eigen::Index num_inequalities() const { return m_; }
  Eigen::Index num_equalities() const { return p_; }
  ///@}

  /// f(z; x), with g(z; x) and h(z; x) written to g (m) and h (p). Outside the domain of the
  /// functions the values may be non-finite; the solver rejects such points.
  virtual double values(const Vector& z, const Vector& x, Vector& g, Vector& h) = 0;

  /// Values, gradients, Jacobians and the Hessian in z of f + lambda'g + nu'h at (z; x).
  virtual void derivatives(const Vector& z, const Vector& x, const Vector& lambda, const Vector& nu,
                           SmoothDerivatives& out) = 0;

  /// Backward-pass product: out (nx) = d/dx [ w_z' grad_z L + w_g'g + w_h'h ] at (z; x),
  /// L = f + lambda'g + nu'h; that is L_xz w_z + g_x' w_g + h_x' w_h.
  virtual void parameter_vjp(const Vector& z, const Vector& x, const Vector& lambda, const Vector& nu,
                             const Vector& w_z, const Vector& w_g, const Vector& w_h, Vector& out) = 0;

  /// Forward-pass product along dx: out_z = L_zx dx (n), out_g = g_x dx (m), out_h = h_x dx (p).
  virtual void parameter_jvp(const Vector& z, const Vector& x, const Vector& lambda, const Vector& nu,
                             const Vector& dx, Vector& out_z, Vector& out_g, Vector& out_h) = 0;

  /// An independent copy (fresh scratch space), so that several solvers can hold the same problem.
  virtual std::unique_ptr<SmoothFunctions> clone() const = 0;

 protected:
  /// For clone() in derived classes.
  SmoothFunctions(const SmoothFunctions&) = default;
  SmoothFunctions& operator=(const SmoothFunctions&) = delete;

 private:
  Eigen::Index n_, nx_, m_, p_;
};

}  // namespace optlayer
