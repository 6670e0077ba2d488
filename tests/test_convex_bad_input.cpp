// Smooth convex solver on bad input: a clear status and message, never a crash or an exception
// from solve(); exceptions with clear messages at setup.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <optlayer/optlayer.hpp>
#include <stdexcept>
#include <string>

using namespace optlayer;
using Eigen::VectorXd;

namespace {

const VectorXd kNoParameters(0);
constexpr double kInf = std::numeric_limits<double>::infinity();

bool mentions(const ConvexResult& r, const char* text) { return r.message.find(text) != std::string::npos; }

// f(z) = z - log z: domain z > 0, minimizer z = 1.
auto log_barrier = [](const auto& z, const auto&) {
  using std::log;
  return z(0) - log(z(0));
};

}  // namespace

TEST_CASE("setup errors throw std::invalid_argument with a message") {
  auto f = [](const auto& z, const auto&) { return z.squaredNorm(); };
  CHECK_THROWS_AS(make_convex_problem(0, 1, f), std::invalid_argument);
  CHECK_THROWS_AS(make_convex_problem(2, -1, f), std::invalid_argument);
  CHECK_THROWS_AS(make_convex_problem(2, 0, f, inequalities(-1, NoConstraints{})), std::invalid_argument);
  ConvexProblem problem = make_convex_problem(2, 0, f);
  CHECK_THROWS_AS(problem.set_bounds(VectorXd::Zero(3), VectorXd::Ones(3)), std::invalid_argument);
  CHECK_THROWS_AS(problem.set_bounds(VectorXd::Ones(2), VectorXd::Ones(2)), std::invalid_argument);  // lo = hi
  CHECK_THROWS_AS(problem.set_lower_bounds(VectorXd::Constant(2, std::nan(""))), std::invalid_argument);
  CHECK_THROWS_AS(problem.set_upper_bounds(VectorXd::Constant(2, -kInf)), std::invalid_argument);
  CHECK_THROWS_AS(ConvexProblem(nullptr), std::invalid_argument);
  Settings bad;
  bad.eps_abs = -1.0;
  CHECK_THROWS_AS(ConvexSolver(problem, bad), std::invalid_argument);
}

TEST_CASE("wrong or non-finite parameters and initial points: invalid_input") {
  ConvexSolver solver(make_convex_problem(1, 2, [](const auto& z, const auto& x) {
    return (z(0) - x(0)) * (z(0) - x(0)) + x(1);
  }));
  CHECK(solver.solve(VectorXd::Zero(3)) == Status::invalid_input);
  CHECK(mentions(solver.result(), "x has size 3"));
  VectorXd x(2);
  x << 1.0, std::nan("");
  CHECK(solver.solve(x) == Status::invalid_input);
  x << 1.0, 2.0;
  CHECK(solver.solve(x, VectorXd::Zero(2)) == Status::invalid_input);
  CHECK(mentions(solver.result(), "z0 has size"));
  CHECK_FALSE(solver.backward(VectorXd::Ones(1), x));  // nothing solved
  REQUIRE(solver.solve(x) == Status::solved);
  CHECK(solver.result().z(0) == doctest::Approx(1.0));
}

TEST_CASE("a start outside the domain of f") {
  SUBCASE("default start z = 0 where -log z is infinite") {
    ConvexSolver solver(make_convex_problem(1, 0, log_barrier));
    CHECK(solver.solve(kNoParameters) == Status::invalid_input);
    CHECK(mentions(solver.result(), "outside the domain"));
  }
  SUBCASE("a user start outside the domain") {
    ConvexSolver solver(make_convex_problem(1, 0, log_barrier));
    CHECK(solver.solve(kNoParameters, VectorXd::Constant(1, -2.0)) == Status::invalid_input);
    CHECK(mentions(solver.result(), "outside the domain"));
    REQUIRE(solver.solve(kNoParameters, VectorXd::Constant(1, 3.0)) == Status::solved);  // inside: fine
    CHECK(solver.result().z(0) == doctest::Approx(1.0).epsilon(1e-8));
  }
  SUBCASE("a user start on a bound (not strictly inside)") {
    ConvexProblem problem = make_convex_problem(1, 0, log_barrier);
    problem.set_lower_bounds(VectorXd::Zero(1));
    ConvexSolver solver(problem);
    CHECK(solver.solve(kNoParameters, VectorXd::Zero(1)) == Status::invalid_input);
    CHECK(mentions(solver.result(), "strictly inside the bounds"));
    REQUIRE(solver.solve(kNoParameters) == Status::solved);  // the bound gives a start inside the domain
    CHECK(solver.result().z(0) == doctest::Approx(1.0).epsilon(1e-8));
  }
}

TEST_CASE("a non-finite f") {
  SUBCASE("NaN everywhere") {
    ConvexSolver solver(make_convex_problem(1, 0, [](const auto& z, const auto&) {
      return z(0) * std::numeric_limits<double>::quiet_NaN();
    }));
    CHECK(solver.solve(kNoParameters) == Status::invalid_input);
    CHECK(mentions(solver.result(), "not finite"));
  }
  SUBCASE("NaN beyond z = 1 while the unconstrained minimizer is z = 2") {
    ConvexSolver solver(make_convex_problem(1, 0, [](const auto& z, const auto&) {
      using std::sqrt;
      return (z(0) - 2.0) * (z(0) - 2.0) + 0.0 * sqrt(1.0 - z(0));
    }));
    CHECK(solver.solve(kNoParameters) == Status::numerical_error);
    CHECK(mentions(solver.result(), "domain"));
    CHECK(solver.result().z(0) <= 1.0);  // never left the domain
  }
  SUBCASE("the line search keeps iterates inside an implicit domain") {
    // sqrt(1 - z) pulls the minimizer inside z < 1: solvable without bounds.
    ConvexSolver solver(make_convex_problem(1, 0, [](const auto& z, const auto&) {
      using std::sqrt;
      return (z(0) - 2.0) * (z(0) - 2.0) - sqrt(1.0 - z(0));
    }));
    REQUIRE(solver.solve(kNoParameters) == Status::solved);
    const double z = solver.result().z(0);
    CHECK(2.0 * (z - 2.0) + 0.5 / std::sqrt(1.0 - z) == doctest::Approx(0.0).scale(1.0).epsilon(1e-7));
  }
  SUBCASE("an exception from a user function becomes a status") {
    ConvexSolver solver(make_convex_problem(1, 0, [](const auto& z, const auto&) -> scalar_of_t<decltype(z)> {
      if (ad::value_of(z(0)) > 0.5) throw std::runtime_error("user function failed");
      return (z(0) - 1.0) * (z(0) - 1.0);
    }));
    CHECK(solver.solve(kNoParameters) == Status::numerical_error);
    CHECK(mentions(solver.result(), "user function failed"));
  }
}

TEST_CASE("infeasible problems: primal_infeasible with a certificate") {
  SUBCASE("affine: 1'z = -1 with z > 0") {
    ConvexProblem problem = make_convex_problem(3, 0, [](const auto& z, const auto&) { return 0.5 * z.squaredNorm(); },
                                                equalities(1, [](const auto& z, const auto&, auto& h) { h(0) = z.sum() + 1.0; }));
    problem.set_lower_bounds(VectorXd::Zero(3));
    ConvexSolver solver(problem);
    CHECK(solver.solve(kNoParameters) == Status::primal_infeasible);
    CHECK(mentions(solver.result(), "infeasible"));
    CHECK(std::abs(solver.result().certificate_nu(0)) > 0.5);
  }
  SUBCASE("curved: the unit ball and the plane z_0 = 2") {
    ConvexProblem problem = make_convex_problem(
        2, 0, [](const auto& z, const auto&) { return 0.5 * z.squaredNorm(); },
        inequalities(1, [](const auto& z, const auto&, auto& g) { g(0) = z.squaredNorm() - 1.0; }),
        equalities(1, [](const auto& z, const auto&, auto& h) { h(0) = z(0) - 2.0; }));
    ConvexSolver solver(problem);
    CHECK(solver.solve(kNoParameters) == Status::primal_infeasible);
    CHECK(solver.result().certificate_lambda(0) > 0.0);
  }
  SUBCASE("two disjoint balls") {
    ConvexProblem problem = make_convex_problem(2, 0, [](const auto& z, const auto&) { return z.sum(); },
                                                inequalities(2, [](const auto& z, const auto&, auto& g) {
                                                  g(0) = z.squaredNorm() - 1.0;
                                                  g(1) = (z(0) - 3.0) * (z(0) - 3.0) + z(1) * z(1) - 1.0;
                                                }));
    ConvexSolver solver(problem);
    CHECK(solver.solve(kNoParameters) == Status::primal_infeasible);
    VectorXd grad;
    CHECK_FALSE(solver.backward(VectorXd::Ones(2), grad));  // no derivative of an unsolved problem
  }
}

TEST_CASE("unbounded objective: dual_infeasible with a direction of descent") {
  ConvexSolver solver(make_convex_problem(2, 0, [](const auto& z, const auto&) { return -z(0) + z(1) * z(1); }));
  CHECK(solver.solve(kNoParameters) == Status::dual_infeasible);
  CHECK(solver.result().certificate_z(0) == doctest::Approx(1.0));
}

TEST_CASE("non-convex objectives: negative curvature is reported as non_convex") {
  SUBCASE("concave at the start") {
    ConvexProblem problem = make_convex_problem(3, 0, [](const auto& z, const auto&) { return -z.squaredNorm(); });
    problem.set_bounds(VectorXd::Constant(3, -1.0), VectorXd::Constant(3, 1.0));
    ConvexSolver solver(problem);
    CHECK(solver.solve(kNoParameters) == Status::non_convex);
    CHECK(mentions(solver.result(), "negative curvature"));
  }
  SUBCASE("convex at the start, concave at the point reached") {
    // f = -z^3 - z on (-1, 2): f'' = -6z > 0 at z0 = -0.5, the iterates run to z = 2 where f'' = -12.
    ConvexProblem problem = make_convex_problem(1, 0, [](const auto& z, const auto&) { return -z(0) * z(0) * z(0) - z(0); });
    problem.set_bounds(VectorXd::Constant(1, -1.0), VectorXd::Constant(1, 2.0));
    ConvexSolver solver(problem);
    CHECK(solver.solve(kNoParameters, VectorXd::Constant(1, -0.5)) == Status::non_convex);
    VectorXd grad;
    CHECK_FALSE(solver.backward(VectorXd::Ones(1), grad));
  }
  SUBCASE("the test can be switched off") {
    ConvexProblem problem = make_convex_problem(1, 0, [](const auto& z, const auto&) { return -z(0) * z(0) * z(0) - z(0); });
    problem.set_bounds(VectorXd::Constant(1, -1.0), VectorXd::Constant(1, 2.0));
    Settings settings;
    settings.check_convexity = false;
    ConvexSolver solver(problem, settings);
    CHECK(solver.solve(kNoParameters, VectorXd::Constant(1, -0.5)) == Status::solved);
    CHECK(solver.result().z(0) == doctest::Approx(2.0).epsilon(1e-6));
  }
}

TEST_CASE("limits: iteration and time limits give their statuses") {
  ConvexProblem problem = make_convex_problem(5, 5, [](const auto& z, const auto& x) {
    return (z.array() * z.array().log()).sum() - z.dot(x);
  });
  problem.set_lower_bounds(VectorXd::Zero(5));
  Settings settings;
  settings.max_iter = 1;
  ConvexSolver solver(problem, settings);
  CHECK(solver.solve(VectorXd::LinSpaced(5, -3.0, 3.0)) == Status::max_iterations);
  settings.max_iter = 100;
  settings.time_limit = 1e-12;
  solver.set_settings(settings);
  CHECK(solver.solve(VectorXd::LinSpaced(5, -3.0, 3.0)) == Status::time_limit);
}
