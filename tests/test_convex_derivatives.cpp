// Backward (VJP) and forward (JVP) derivatives of smooth convex solutions against central
// finite differences of the solver itself, on the chapter's layers and on a problem whose
// several parameters enter the objective and the constraints nonlinearly.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <optlayer/optlayer.hpp>
#include <optlayer/problems/ball_projection.hpp>
#include <optlayer/problems/sigmoid.hpp>
#include <optlayer/problems/softmax.hpp>
#include <random>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// z in R^4, x in R^6; convex in z for every x:
//   f = 1/2 sum_i e^{x_i} z_i^2 - sum_i sin(x_i) z_i + log(1 + e^{x_4 z_0 + z_1})
//   g_0 = z_0^2 + (1 + x_4^2) z_1^2 + z_2^2 - (1 + 0.5 sin x_5)        <= 0
//   g_1 = e^{z_3 - x_0} - 2                                           <= 0
//   h   = z_0 + x_1 z_1 + cos(x_2) z_2 + z_3 - x_3                     = 0
//   -2 < z_2 < 2
struct Objective {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    using std::exp;
    using std::log;
    using std::sin;
    scalar_of_t<Z> value = log(1.0 + exp(x(4) * z(0) + z(1)));
    for (Eigen::Index i = 0; i < 4; ++i) value += 0.5 * exp(x(i)) * z(i) * z(i) - sin(x(i)) * z(i);
    return value;
  }
};
struct Inequality {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X& x, Out& g) const {
    using std::exp;
    using std::sin;
    g(0) = z(0) * z(0) + (1.0 + x(4) * x(4)) * z(1) * z(1) + z(2) * z(2) - (1.0 + 0.5 * sin(x(5)));
    g(1) = exp(z(3) - x(0)) - 2.0;
  }
};
struct Equality {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X& x, Out& h) const {
    using std::cos;
    h(0) = z(0) + x(1) * z(1) + cos(x(2)) * z(2) + z(3) - x(3);
  }
};

ConvexProblem nonlinear_problem() {
  ConvexProblem problem = make_convex_problem(4, 6, Objective{}, inequalities(2, Inequality{}), equalities(1, Equality{}));
  const double inf = std::numeric_limits<double>::infinity();
  VectorXd lo = VectorXd::Constant(4, -inf), hi = VectorXd::Constant(4, inf);
  lo(2) = -2.0;
  hi(2) = 2.0;
  problem.set_bounds(lo, hi);
  return problem;
}

VectorXd random_vector(Eigen::Index n, std::mt19937& gen, double scale = 1.0) {
  std::normal_distribution<double> normal;
  VectorXd v(n);
  for (Eigen::Index i = 0; i < n; ++i) v(i) = scale * normal(gen);
  return v;
}

// (z, lambda, nu) stacked.
VectorXd stacked_solution(const ConvexResult& r) {
  VectorXd y(r.z.size() + r.lambda.size() + r.nu.size());
  y << r.z, r.lambda, r.nu;
  return y;
}

// Central differences of the stacked solution along dx.
VectorXd fd_solution_derivative(ConvexSolver& solver, const VectorXd& x, const VectorXd& dx, double h) {
  REQUIRE(solver.solve(x + h * dx) == Status::solved);
  const VectorXd plus = stacked_solution(solver.result());
  REQUIRE(solver.solve(x - h * dx) == Status::solved);
  const VectorXd minus = stacked_solution(solver.result());
  return (plus - minus) / (2 * h);
}

// Checks forward and backward at x against finite differences:
//  - forward: J dx for random dx (z, lambda and nu blocks);
//  - backward: (J' w)' e_j for every parameter j, with w weighting z, lambda and nu.
void check_derivatives(ConvexSolver& solver, const VectorXd& x, std::mt19937& gen, double tolerance) {
  const Eigen::Index n = solver.problem().num_variables(), m = solver.problem().num_inequalities(),
                     p = solver.problem().num_equalities(), nx = x.size();
  const VectorXd w = random_vector(n + m + p, gen);
  const VectorXd dx = random_vector(nx, gen);
  REQUIRE(solver.solve(x) == Status::solved);
  const long factorizations = solver.total_factorizations();
  ConvexTangent tangent;
  REQUIRE(solver.forward(dx, tangent));
  VectorXd grad;
  REQUIRE(solver.backward(w.head(n), w.segment(n, m), w.tail(p), grad));
  CHECK(solver.total_factorizations() == factorizations);  // derivatives reuse the factorization
  VectorXd forward(n + m + p);
  forward << tangent.z, tangent.lambda, tangent.nu;

  const double h = 1e-6;
  const VectorXd fd = fd_solution_derivative(solver, x, dx, h);
  const double scale = 1.0 + fd.cwiseAbs().maxCoeff();
  CHECK((forward - fd).cwiseAbs().maxCoeff() < tolerance * scale);
  for (Eigen::Index j = 0; j < nx; ++j) {
    const VectorXd fd_j = fd_solution_derivative(solver, x, VectorXd::Unit(nx, j), h);
    CHECK(grad(j) == doctest::Approx(w.dot(fd_j)).epsilon(tolerance).scale(1.0 + w.cwiseAbs().sum() * scale));
  }
  // Adjoint identity between the two modes (exact, up to rounding).
  CHECK(grad.dot(dx) == doctest::Approx(w.dot(forward)).epsilon(1e-9));
}

}  // namespace

TEST_CASE("finite-difference check: a problem with several parameters entering nonlinearly") {
  ConvexSolver solver(nonlinear_problem(), layer_settings());
  std::mt19937 gen(5);
  int checked = 0;
  for (int trial = 0; trial < 12 && checked < 6; ++trial) {
    const VectorXd x = random_vector(6, gen, 0.7);
    REQUIRE(solver.solve(x) == Status::solved);
    const ConvexResult& r = solver.result();
    // Finite differences need strict complementarity: skip instances with a weakly active constraint.
    bool strict = true;
    for (Eigen::Index i = 0; i < 2; ++i) strict = strict && (r.lambda(i) > 1e-4 || r.s(i) > 1e-4);
    if (!strict) continue;
    CAPTURE(x.transpose());
    check_derivatives(solver, x, gen, 1e-6);
    ++checked;
  }
  CHECK(checked >= 4);
}

TEST_CASE("finite-difference check: the active ellipsoid constraint really is active in some instances") {
  ConvexSolver solver(nonlinear_problem(), layer_settings());
  std::mt19937 gen(5);
  int active = 0;
  for (int trial = 0; trial < 12; ++trial) {
    REQUIRE(solver.solve(random_vector(6, gen, 0.7)) == Status::solved);
    active += solver.result().lambda(0) > 1e-4 ? 1 : 0;
  }
  CHECK(active >= 2);  // the check above exercises the curved constraint, not only the objective
}

TEST_CASE("finite-difference check: sigmoid, softmax and ball projection") {
  std::mt19937 gen(9);
  SUBCASE("sigmoid") {
    ConvexSolver solver(make_sigmoid_problem(), layer_settings());
    for (int trial = 0; trial < 5; ++trial) check_derivatives(solver, random_vector(1, gen, 2.0), gen, 1e-6);
  }
  SUBCASE("softmax") {
    ConvexSolver solver(make_softmax_problem(6), layer_settings());
    for (int trial = 0; trial < 3; ++trial) check_derivatives(solver, random_vector(6, gen), gen, 1e-6);
  }
  SUBCASE("ball projection, outside and inside") {
    ConvexSolver solver(make_ball_projection_problem(5), layer_settings());
    for (int trial = 0; trial < 3; ++trial) check_derivatives(solver, random_vector(5, gen, 2.0), gen, 1e-6);
    check_derivatives(solver, random_vector(5, gen, 0.1), gen, 1e-6);
  }
}

TEST_CASE("derivatives of the multipliers: softmax's nu and the ball's lambda in closed form") {
  // softmax: nu = log(sum exp(x)) - 1, so dnu/dx = softmax(x).
  ConvexSolver softmax_solver(make_softmax_problem(4), layer_settings());
  VectorXd x(4);
  x << 0.3, -1.2, 2.0, 0.1;
  REQUIRE(softmax_solver.solve(x) == Status::solved);
  const MatrixXd y = softmax(x.transpose());
  CHECK(softmax_solver.result().nu(0) == doctest::Approx(std::log(x.array().exp().sum()) - 1.0).epsilon(1e-11));
  VectorXd grad;
  REQUIRE(softmax_solver.backward(VectorXd::Zero(4), VectorXd(0), VectorXd::Ones(1), grad));
  CHECK((grad.transpose() - y).cwiseAbs().maxCoeff() < 1e-10);
  // ball: lambda = (||x|| - 1) / 2 outside, so dlambda/dx = x / (2 ||x||).
  ConvexSolver ball_solver(make_ball_projection_problem(4), layer_settings());
  x << 1.0, -2.0, 0.5, 1.5;
  REQUIRE(ball_solver.solve(x) == Status::solved);
  CHECK(ball_solver.result().lambda(0) == doctest::Approx((x.norm() - 1.0) / 2).epsilon(1e-11));
  ConvexTangent tangent;
  const VectorXd dx = VectorXd::Unit(4, 1);
  REQUIRE(ball_solver.forward(dx, tangent));
  CHECK(tangent.lambda(0) == doctest::Approx(x(1) / (2 * x.norm())).epsilon(1e-10));
}

TEST_CASE("the README's convex example, generalized: a problem defined by lambdas, solved and differentiated") {
  // Entropy-regularized projection onto {z : a'z = b}: parameters x = (c, a, b).
  const Eigen::Index n = 3;
  auto f = [](const auto& z, const auto& x) {
    return (z.array() * z.array().log()).sum() - z.dot(x.head(3));
  };
  auto h = equalities(1, [](const auto& z, const auto& x, auto& out) { out(0) = z.dot(x.segment(3, 3)) - x(6); });
  ConvexProblem problem = make_convex_problem(n, 7, f, h);
  problem.set_lower_bounds(VectorXd::Zero(n));
  ConvexSolver solver(problem);
  VectorXd x(7);
  x << 0.1, 0.4, -0.3, 1.0, 2.0, 1.5, 2.0;
  REQUIRE(solver.solve(x) == Status::solved);
  VectorXd grad;
  REQUIRE(solver.backward(VectorXd::Ones(n), grad));  // d(sum z)/dx
  CHECK(grad.size() == 7);
  std::mt19937 gen(1);
  check_derivatives(solver, x, gen, 1e-6);
}

namespace {

// The fast path: softmax with hand-written derivatives; the parameter products stay automatic.
struct Entropy {
  template <typename Z, typename X>
  scalar_of_t<Z> operator()(const Z& z, const X& x) const {
    return (z.array() * z.array().log()).sum() - z.dot(x);
  }
};
struct Simplex {
  template <typename Z, typename X, typename Out>
  void operator()(const Z& z, const X&, Out& h) const {
    h(0) = z.sum() - 1.0;
  }
};
class HandWrittenSoftmax : public AutoDiffFunctions<Entropy, NoConstraints, Simplex> {
 public:
  explicit HandWrittenSoftmax(Eigen::Index n)
      : AutoDiffFunctions(n, n, Entropy{}, Inequalities<NoConstraints>{0, {}}, equalities(1, Simplex{})) {}
  void derivatives(const Vector& z, const Vector& x, const Vector&, const Vector&, SmoothDerivatives& out) override {
    ++calls;
    out.f = (z.array() * z.array().log()).sum() - z.dot(x);
    out.gradient = (z.array().log() + 1.0).matrix() - x;
    out.h(0) = z.sum() - 1.0;
    out.h_jacobian.setOnes();
    out.hessian.setZero();
    out.hessian.diagonal() = z.cwiseInverse();
  }
  std::unique_ptr<SmoothFunctions> clone() const override { return std::make_unique<HandWrittenSoftmax>(*this); }
  int calls = 0;
};

}  // namespace

TEST_CASE("hand-written derivatives (fast path) give the same solution and derivatives as automatic ones") {
  auto functions = std::make_unique<HandWrittenSoftmax>(5);
  const HandWrittenSoftmax* hand = functions.get();
  ConvexProblem problem(std::move(functions));
  problem.set_lower_bounds(VectorXd::Zero(5));
  ConvexSolver fast(std::move(problem), layer_settings());
  ConvexSolver automatic(make_softmax_problem(5), layer_settings());
  VectorXd x(5);
  x << 1.0, -0.5, 0.25, 2.0, -1.5;
  REQUIRE(fast.solve(x) == Status::solved);
  REQUIRE(automatic.solve(x) == Status::solved);
  CHECK(hand->calls > 0);
  CHECK((fast.result().z - automatic.result().z).cwiseAbs().maxCoeff() < 1e-13);
  const VectorXd w = VectorXd::LinSpaced(5, -1.0, 1.0);
  VectorXd g_fast, g_auto;
  REQUIRE(fast.backward(w, g_fast));
  REQUIRE(automatic.backward(w, g_auto));
  CHECK((g_fast - g_auto).cwiseAbs().maxCoeff() < 1e-12);
}
