// Automatic differentiation (ad::Var and its tape) against finite differences.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <optlayer/optlayer.hpp>
#include <random>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// A smooth test function touching every overloaded operation and math function, with
// couplings between variables and parameters. Defined on z in (0.1, 2)^4.
struct Mixed {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    using std::atan;
    using std::cos;
    using std::exp;
    using std::expm1;
    using std::log;
    using std::log1p;
    using std::pow;
    using std::sin;
    using std::sqrt;
    using std::tanh;
    using T = scalar_of_t<Z>;
    T value = z(0) * z(1) / (1.0 + z(2)) + exp(x(0) * z(0)) - log(z(1) + x(1) * x(1)) + sqrt(z(2) + z(3));
    value += pow(z(3), 2.5) + pow(z(0), x(2) * x(2) + 1.0) + sin(z(1) * x(0)) * cos(z(2)) + tanh(z(3) - z(0));
    value += atan(z(0) * z(3)) + log1p(z(2) * z(2)) + expm1(0.3 * z(1)) + 2.0 / z(3) - (z(1) - 3.0) * x(1);
    value += z.squaredNorm() * x(2) + z.dot(x.head(4)) + z.norm();
    T other = z(2);
    other *= z(1);
    other += 1.0;
    other -= 0.5 * z(0);
    other /= z(3);
    return value + other * other;
  }
};

double mixed_value(const VectorXd& z, const VectorXd& x) { return Mixed{}(z, x); }

struct Constraints {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X& x, Out& out) const {
    using std::exp;
    out(0) = z.squaredNorm() - x(0) * z(0);
    out(1) = exp(z(1) * x(1)) - z(3);
  }
};

VectorXd fd_gradient(const VectorXd& z, const VectorXd& x) {
  const double h = 1e-6;
  VectorXd g(z.size());
  for (Eigen::Index i = 0; i < z.size(); ++i) {
    VectorXd zp = z, zm = z;
    zp(i) += h;
    zm(i) -= h;
    g(i) = (mixed_value(zp, x) - mixed_value(zm, x)) / (2 * h);
  }
  return g;
}

}  // namespace

TEST_CASE("Var records values and derivatives of every operation (gradient and Hessian vs finite differences)") {
  AutoDiffFunctions<Mixed> functions(4, 4, Mixed{}, Inequalities<NoConstraints>{0, {}}, Equalities<NoConstraints>{0, {}});
  VectorXd z(4), x(4);
  z << 0.7, 1.3, 0.4, 1.1;
  x << 0.3, -0.8, 0.6, 1.2;
  SmoothDerivatives d;
  d.resize(4, 0, 0);
  functions.derivatives(z, x, VectorXd(0), VectorXd(0), d);
  CHECK(d.f == doctest::Approx(mixed_value(z, x)).epsilon(1e-14));
  CHECK((d.gradient - fd_gradient(z, x)).cwiseAbs().maxCoeff() < 1e-8);
  MatrixXd fd_hessian(4, 4);
  const double h = 1e-5;
  for (int i = 0; i < 4; ++i) {
    VectorXd zp = z, zm = z;
    zp(i) += h;
    zm(i) -= h;
    fd_hessian.col(i) = (fd_gradient(zp, x) - fd_gradient(zm, x)) / (2 * h);
  }
  CHECK((d.hessian - d.hessian.transpose()).cwiseAbs().maxCoeff() == 0.0);
  CHECK((d.hessian - fd_hessian).cwiseAbs().maxCoeff() < 1e-4 * (1.0 + fd_hessian.cwiseAbs().maxCoeff()));
}

TEST_CASE("Jacobians and the Hessian of the Lagrangian include the weighted constraints") {
  auto f = [](const auto& z, const auto&) { return 0.5 * z.squaredNorm(); };
  AutoDiffFunctions<decltype(f), Constraints> functions(4, 2, f, inequalities(2, Constraints{}),
                                                        Equalities<NoConstraints>{0, {}});
  VectorXd z(4), x(2), lambda(2);
  z << 0.5, -0.2, 0.3, 0.9;
  x << 1.5, 0.7;
  lambda << 2.0, 3.0;
  SmoothDerivatives d;
  d.resize(4, 2, 0);
  functions.derivatives(z, x, lambda, VectorXd(0), d);
  MatrixXd J(2, 4);
  J << 2 * z(0) - x(0), 2 * z(1), 2 * z(2), 2 * z(3),  //
      0, x(1) * std::exp(z(1) * x(1)), 0, -1;
  CHECK((d.g_jacobian - J).cwiseAbs().maxCoeff() < 1e-14);
  MatrixXd H = MatrixXd::Identity(4, 4) * (1.0 + 2.0 * lambda(0));
  H(1, 1) += lambda(1) * x(1) * x(1) * std::exp(z(1) * x(1));
  CHECK((d.hessian - H).cwiseAbs().maxCoeff() < 1e-13);
  CHECK(d.g(0) == doctest::Approx(z.squaredNorm() - x(0) * z(0)));
}

TEST_CASE("parameter products: mixed second derivatives by forward-over-reverse vs finite differences") {
  AutoDiffFunctions<Mixed, Constraints> functions(4, 4, Mixed{}, inequalities(2, Constraints{}),
                                                  Equalities<NoConstraints>{0, {}});
  std::mt19937 gen(3);
  std::uniform_real_distribution<double> u(0.3, 1.5);
  VectorXd z(4), x(4), lambda(2), w_z(4), w_g(2), dx(4);
  for (int i = 0; i < 4; ++i) {
    z(i) = u(gen);
    x(i) = u(gen) - 0.9;
    w_z(i) = u(gen) - 0.9;
    dx(i) = u(gen) - 0.9;
  }
  lambda << 0.7, 1.9;
  w_g << 0.4, -1.1;
  const VectorXd nu(0), w_h(0);
  // Reference: finite differences in x of grad_z L' w_z + w_g' g, L = f + lambda'g.
  SmoothDerivatives d;
  d.resize(4, 2, 0);
  auto product = [&](const VectorXd& xs) {
    functions.derivatives(z, xs, lambda, nu, d);
    VectorXd grad_l = d.gradient + d.g_jacobian.transpose() * lambda;
    return grad_l.dot(w_z) + w_g.dot(d.g);
  };
  VectorXd reference(4);
  const double h = 1e-6;
  for (int j = 0; j < 4; ++j) {
    VectorXd xp = x, xm = x;
    xp(j) += h;
    xm(j) -= h;
    reference(j) = (product(xp) - product(xm)) / (2 * h);
  }
  VectorXd vjp;
  functions.parameter_vjp(z, x, lambda, nu, w_z, w_g, w_h, vjp);
  CHECK((vjp - reference).cwiseAbs().maxCoeff() < 1e-6);

  // Forward: L_zx dx and g_x dx.
  VectorXd out_z, out_g, out_h;
  functions.parameter_jvp(z, x, lambda, nu, dx, out_z, out_g, out_h);
  functions.derivatives(z, x + h * dx, lambda, nu, d);
  VectorXd grad_p = d.gradient + d.g_jacobian.transpose() * lambda, g_p = d.g;
  functions.derivatives(z, x - h * dx, lambda, nu, d);
  VectorXd grad_m = d.gradient + d.g_jacobian.transpose() * lambda, g_m = d.g;
  CHECK((out_z - (grad_p - grad_m) / (2 * h)).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((out_g - (g_p - g_m) / (2 * h)).cwiseAbs().maxCoeff() < 1e-6);
  // Adjoint identity: w' (J dx) = (J' w)' dx for the same products.
  VectorXd vjp_only_z;
  functions.parameter_vjp(z, x, lambda, nu, w_z, VectorXd::Zero(2), w_h, vjp_only_z);
  CHECK(vjp_only_z.dot(dx) == doctest::Approx(w_z.dot(out_z)).epsilon(1e-12));
}

TEST_CASE("separable sums record one tape entry per term and give a diagonal Hessian") {
  auto f = [](const auto& z, const auto& x) { return (z.array() * z.array().log()).sum() - z.dot(x); };
  AutoDiffFunctions<decltype(f)> functions(6, 6, f, Inequalities<NoConstraints>{0, {}}, Equalities<NoConstraints>{0, {}});
  VectorXd z = VectorXd::LinSpaced(6, 0.1, 0.6), x = VectorXd::LinSpaced(6, -1.0, 1.0);
  SmoothDerivatives d;
  d.resize(6, 0, 0);
  functions.derivatives(z, x, VectorXd(0), VectorXd(0), d);
  const VectorXd expected_gradient = (z.array().log() + 1.0).matrix() - x;
  CHECK((d.gradient - expected_gradient).cwiseAbs().maxCoeff() < 1e-14);
  const MatrixXd expected_hessian = z.cwiseInverse().asDiagonal();
  CHECK((d.hessian - expected_hessian).cwiseAbs().maxCoeff() < 1e-13);
}

TEST_CASE("mixed double and Var expressions: a double matrix times a Var vector") {
  MatrixXd P(3, 3);
  P << 4, 1, 0, 1, 3, 1, 0, 1, 2;
  auto f = [P](const auto& z, const auto& x) { return 0.5 * z.dot(P * z) - x.dot(z); };
  AutoDiffFunctions<decltype(f)> functions(3, 3, f, Inequalities<NoConstraints>{0, {}}, Equalities<NoConstraints>{0, {}});
  VectorXd z(3), x(3);
  z << 0.2, -0.4, 1.0;
  x << 1.0, 2.0, 3.0;
  SmoothDerivatives d;
  d.resize(3, 0, 0);
  functions.derivatives(z, x, VectorXd(0), VectorXd(0), d);
  CHECK((d.gradient - (P * z - x)).cwiseAbs().maxCoeff() < 1e-14);
  CHECK((d.hessian - P).cwiseAbs().maxCoeff() < 1e-14);
}

TEST_CASE("clones evaluate independently") {
  ConvexProblem a = make_convex_problem(2, 1, [](const auto& z, const auto& x) { return x(0) * z.squaredNorm(); });
  ConvexProblem b = a;  // clones the functions (own tapes)
  VectorXd z(2), x(1), g(0), h(0);
  z << 1.0, 2.0;
  x << 3.0;
  CHECK(b.functions().values(z, x, g, h) == doctest::Approx(15.0));
  CHECK(&a.functions() != &b.functions());
}
