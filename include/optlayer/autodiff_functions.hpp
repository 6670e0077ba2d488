#pragma once
// SmoothFunctions from functions written once for a generic scalar T:
//
//   objective:    T f(const VectorX<T>& z, const VectorX<T>& x)
//   inequalities: void g(const VectorX<T>& z, const VectorX<T>& x, VectorX<T>& out)   // out.size() == m
//   equalities:   void h(const VectorX<T>& z, const VectorX<T>& x, VectorX<T>& out)   // out.size() == p
//
// Generic lambdas ([](const auto& z, const auto& x) { ... }) or functors with templated
// call operators both work. T is double when the solver only needs values and ad::Var
// when it needs derivatives; every derivative (gradient, Jacobians, Hessian of the
// Lagrangian, mixed z-x derivatives for the backward pass) comes from the tape.

#include <Eigen/Core>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <utility>
#include <vector>

#include "optlayer/ad_var.hpp"
#include "optlayer/convex_problem.hpp"
#include "optlayer/smooth_functions.hpp"

namespace optlayer {

/// A column vector of scalars T (double or ad::Var).
template <typename T>
using VectorX = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// The scalar type of an Eigen argument: `using T = scalar_of_t<decltype(z)>;` in a generic lambda.
template <typename V>
using scalar_of_t = typename std::decay_t<V>::Scalar;

/// No constraints of a kind.
struct NoConstraints {
  /// Writes nothing: there are no rows.
  template <typename Z, typename X, typename Out>
  void operator()(const Z&, const X&, Out&) const {}
};

/// m inequalities g(z; x) <= 0 given by `function(z, x, out)`.
template <typename F>
struct Inequalities {
  Eigen::Index count;  ///< m, the number of rows
  F function;          ///< writes g(z; x) into its third argument
};
/// p equalities h(z; x) = 0 (affine in z) given by `function(z, x, out)`.
template <typename F>
struct Equalities {
  Eigen::Index count;  ///< p, the number of rows
  F function;          ///< writes h(z; x) into its third argument
};

/// m inequalities g(z; x) <= 0 from a generic function(z, x, out), for make_convex_problem().
template <typename F>
Inequalities<F> inequalities(Eigen::Index m, F function) {
  return Inequalities<F>{m, std::move(function)};
}
/// p equalities h(z; x) = 0 (affine in z) from a generic function(z, x, out), for make_convex_problem().
template <typename F>
Equalities<F> equalities(Eigen::Index p, F function) {
  return Equalities<F>{p, std::move(function)};
}

/// SmoothFunctions by automatic differentiation of f, g and h, each written once for a generic
/// scalar. Derive from it and override derivatives() for hand-written z-derivatives (the fast
/// path); the parameter products stay automatic.
template <typename Objective, typename IneqFn = NoConstraints, typename EqFn = NoConstraints>
class AutoDiffFunctions : public SmoothFunctions {
 public:
  /// n variables, nx parameters, the objective f(z, x) and the constraint rows.
  AutoDiffFunctions(Eigen::Index n, Eigen::Index nx, Objective f, Inequalities<IneqFn> g, Equalities<EqFn> h)
      : SmoothFunctions(n, nx, g.count, h.count),
        f_(std::move(f)),
        g_(std::move(g.function)),
        h_(std::move(h.function)) {
    allocate();
  }
  /// Copies the functions, with fresh tapes and scratch space (for clone()).
  AutoDiffFunctions(const AutoDiffFunctions& other)
      : SmoothFunctions(other), f_(other.f_), g_(other.g_), h_(other.h_) {
    allocate();
  }
  AutoDiffFunctions& operator=(const AutoDiffFunctions&) = delete;

  double values(const Vector& z, const Vector& x, Vector& g, Vector& h) override {
    g_(z, x, g);
    h_(z, x, h);
    return ad::value_of(f_(z, x));
  }

  void derivatives(const Vector& z, const Vector& x, const Vector& lambda, const Vector& nu,
                   SmoothDerivatives& out) override {
    const Eigen::Index m = num_inequalities(), p = num_equalities();
    record(tape_z_, outputs_z_, z, x, false);
    weights_(0) = 1.0;
    weights_.segment(1, m) = lambda;
    weights_.tail(p) = nu;
    tape_z_.lagrangian_derivatives(outputs_z_, weights_, jacobian_, out.hessian);
    out.f = f_value_;
    out.gradient = jacobian_.row(0).transpose();
    out.g_jacobian = jacobian_.middleRows(1, m);
    out.h_jacobian = jacobian_.bottomRows(p);
    for (Eigen::Index i = 0; i < m; ++i) out.g(i) = gv_(i).value();
    for (Eigen::Index i = 0; i < p; ++i) out.h(i) = hv_(i).value();
  }

  void parameter_vjp(const Vector& z, const Vector& x, const Vector& lambda, const Vector& nu, const Vector& w_z,
                     const Vector& w_g, const Vector& w_h, Vector& out) override {
    const Eigen::Index n = num_variables(), m = num_inequalities(), p = num_equalities();
    record_parameters(z, x);
    tangent_.head(n) = w_z;
    tangent_.tail(num_parameters()).setZero();
    weights_(0) = 1.0;
    weights_.segment(1, m) = lambda;
    weights_.tail(p) = nu;
    second_weights_(0) = 0.0;
    second_weights_.segment(1, m) = w_g;
    second_weights_.tail(p) = w_h;
    tape_zx_.second_order_adjoint(outputs_zx_, tangent_, weights_, second_weights_, gradient_, hessian_tangent_,
                                  output_tangent_);
    out = hessian_tangent_.tail(num_parameters());
  }

  void parameter_jvp(const Vector& z, const Vector& x, const Vector& lambda, const Vector& nu, const Vector& dx,
                     Vector& out_z, Vector& out_g, Vector& out_h) override {
    const Eigen::Index n = num_variables(), m = num_inequalities(), p = num_equalities();
    record_parameters(z, x);
    tangent_.head(n).setZero();
    tangent_.tail(num_parameters()) = dx;
    weights_(0) = 1.0;
    weights_.segment(1, m) = lambda;
    weights_.tail(p) = nu;
    second_weights_.setZero();
    tape_zx_.second_order_adjoint(outputs_zx_, tangent_, weights_, second_weights_, gradient_, hessian_tangent_,
                                  output_tangent_);
    out_z = hessian_tangent_.head(n);
    out_g = output_tangent_.segment(1, m);
    out_h = output_tangent_.tail(p);
  }

  std::unique_ptr<SmoothFunctions> clone() const override { return std::make_unique<AutoDiffFunctions>(*this); }

 protected:
  /// The user's functions, for derived classes that hand-write derivatives.
  ///@{
  const Objective& objective() const { return f_; }
  const IneqFn& inequality_function() const { return g_; }
  const EqFn& equality_function() const { return h_; }
  ///@}

 private:
  void allocate() {
    const Eigen::Index n = num_variables(), nx = num_parameters(), m = num_inequalities(), p = num_equalities();
    zv_.resize(n);
    xv_.resize(nx);
    gv_.resize(m);
    hv_.resize(p);
    outputs_z_.assign(static_cast<std::size_t>(1 + m + p), -1);
    outputs_zx_ = outputs_z_;
    weights_.setZero(1 + m + p);
    second_weights_.setZero(1 + m + p);
    jacobian_.setZero(1 + m + p, n);
    tangent_.setZero(n + nx);
    gradient_.setZero(n + nx);
    hessian_tangent_.setZero(n + nx);
    output_tangent_.setZero(1 + m + p);
    recorded_z_.setZero(n);
    recorded_x_.setZero(nx);
  }

  // Evaluates f, g, h with Var arguments on `tape`; the parameters are tape inputs only
  // when `active_parameters` (for the mixed derivatives of the backward pass).
  void record(ad::Tape& tape, std::vector<int>& outputs, const Vector& z, const Vector& x, bool active_parameters) {
    const Eigen::Index n = num_variables(), nx = num_parameters(), m = num_inequalities();
    tape.reset(static_cast<int>(active_parameters ? n + nx : n));
    for (Eigen::Index i = 0; i < n; ++i) zv_(i) = ad::Var(z(i), &tape, static_cast<int>(i));
    for (Eigen::Index j = 0; j < nx; ++j)
      xv_(j) = active_parameters ? ad::Var(x(j), &tape, static_cast<int>(n + j)) : ad::Var(x(j));
    for (Eigen::Index i = 0; i < gv_.size(); ++i) gv_(i) = ad::Var();
    for (Eigen::Index i = 0; i < hv_.size(); ++i) hv_(i) = ad::Var();
    const ad::Var f = f_(zv_, xv_);
    g_(zv_, xv_, gv_);
    h_(zv_, xv_, hv_);
    f_value_ = f.value();
    outputs[0] = output_index(f, tape);
    for (Eigen::Index i = 0; i < m; ++i) outputs[1 + i] = output_index(gv_(i), tape);
    for (Eigen::Index i = 0; i < hv_.size(); ++i) outputs[1 + m + i] = output_index(hv_(i), tape);
  }

  static int output_index(const ad::Var& v, const ad::Tape& tape) {
    if (v.is_constant()) return -1;
    if (v.tape() != &tape) throw std::logic_error("optlayer: a function output was recorded on a foreign tape");
    return v.index();
  }

  // The z-x tape is recorded once per (z, x) and reused by every backward / forward call.
  void record_parameters(const Vector& z, const Vector& x) {
    if (parameters_recorded_ && z == recorded_z_ && x == recorded_x_) return;
    record(tape_zx_, outputs_zx_, z, x, true);
    recorded_z_ = z;
    recorded_x_ = x;
    parameters_recorded_ = true;
  }

  Objective f_;
  IneqFn g_;
  EqFn h_;
  ad::Tape tape_z_, tape_zx_;
  VectorX<ad::Var> zv_, xv_, gv_, hv_;
  std::vector<int> outputs_z_, outputs_zx_;  // output node indices on each tape
  Eigen::VectorXd weights_, second_weights_, tangent_, gradient_, hessian_tangent_, output_tangent_;
  Eigen::MatrixXd jacobian_;
  Eigen::VectorXd recorded_z_, recorded_x_;
  double f_value_ = 0.0;
  bool parameters_recorded_ = false;
};

/// A convex problem with n variables and nx parameters whose derivatives come from automatic
/// differentiation of f (and of the optional inequalities / equalities). Bounds: set_bounds().
template <typename F, typename G, typename H>
ConvexProblem make_convex_problem(Eigen::Index n, Eigen::Index nx, F f, Inequalities<G> g, Equalities<H> h) {
  return ConvexProblem(std::make_unique<AutoDiffFunctions<F, G, H>>(n, nx, std::move(f), std::move(g), std::move(h)));
}
/// make_convex_problem() with inequalities only.
template <typename F, typename G>
ConvexProblem make_convex_problem(Eigen::Index n, Eigen::Index nx, F f, Inequalities<G> g) {
  return make_convex_problem(n, nx, std::move(f), std::move(g), Equalities<NoConstraints>{0, {}});
}
/// make_convex_problem() with equalities only.
template <typename F, typename H>
ConvexProblem make_convex_problem(Eigen::Index n, Eigen::Index nx, F f, Equalities<H> h) {
  return make_convex_problem(n, nx, std::move(f), Inequalities<NoConstraints>{0, {}}, std::move(h));
}
/// make_convex_problem() without constraints (bounds only, or none).
template <typename F>
ConvexProblem make_convex_problem(Eigen::Index n, Eigen::Index nx, F f) {
  return make_convex_problem(n, nx, std::move(f), Inequalities<NoConstraints>{0, {}}, Equalities<NoConstraints>{0, {}});
}

}  // namespace optlayer
