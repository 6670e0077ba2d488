// Every non-solved status of the QP solver, with certificates checked on the original data.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cmath>
#include <string>
#include <optlayer/optlayer.hpp>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// Checks the Farkas certificate: lambda >= 0, G'lambda + A'nu ~ 0, h'lambda + b'nu < 0.
void check_primal_certificate(const QpResult& r, const MatrixXd& G, const VectorXd& h, const MatrixXd& A,
                              const VectorXd& b) {
  const VectorXd& l = r.certificate_lambda;
  const VectorXd& v = r.certificate_nu;
  if (l.size() > 0) CHECK(l.minCoeff() >= 0.0);
  const VectorXd combo = G.transpose() * l + A.transpose() * v;
  CHECK(combo.cwiseAbs().maxCoeff() < 1e-6);
  CHECK(h.dot(l) + b.dot(v) < -1e-6);
}

// Checks the unboundedness certificate: Pz ~ 0, Az ~ 0, Gz <= ~0, q'z < 0.
void check_dual_certificate(const QpResult& r, const MatrixXd& P, const VectorXd& q, const MatrixXd& G,
                            const MatrixXd& A) {
  const VectorXd& z = r.certificate_z;
  CHECK((P * z).cwiseAbs().maxCoeff() < 1e-6);
  if (A.rows() > 0) CHECK((A * z).cwiseAbs().maxCoeff() < 1e-6);
  if (G.rows() > 0) CHECK((G * z).maxCoeff() < 1e-6);
  CHECK(q.dot(z) < -1e-6);
}

}  // namespace

TEST_CASE("status names") {
  CHECK(std::string(to_string(Status::solved)) == "solved");
  CHECK(std::string(to_string(Status::primal_infeasible)) == "primal_infeasible");
  CHECK(std::string(to_string(Status::dual_infeasible)) == "dual_infeasible");
  CHECK(std::string(to_string(Status::max_iterations)) == "max_iterations");
  CHECK(std::string(to_string(Status::time_limit)) == "time_limit");
  CHECK(std::string(to_string(Status::numerical_error)) == "numerical_error");
  CHECK(std::string(to_string(Status::invalid_input)) == "invalid_input");
  CHECK(std::string(to_string(Status::non_convex)) == "non_convex");
}

TEST_CASE("primal infeasible: z <= -1 and z >= 1") {
  MatrixXd P = MatrixXd::Identity(1, 1);
  VectorXd q = VectorXd::Zero(1);
  MatrixXd G(2, 1);
  G << 1, -1;
  VectorXd h(2);
  h << -1, -1;
  MatrixXd A(0, 1);
  VectorXd b(0);
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::primal_infeasible);
  check_primal_certificate(r, G, h, A, b);
}

TEST_CASE("primal infeasible: inconsistent equalities") {
  MatrixXd P = MatrixXd::Identity(2, 2);
  VectorXd q = VectorXd::Zero(2);
  MatrixXd G(0, 2);
  VectorXd h(0);
  MatrixXd A(2, 2);
  A << 1, 1, 2, 2;
  VectorXd b(2);
  b << 1, 3;
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::primal_infeasible);
  check_primal_certificate(r, G, h, A, b);
}

TEST_CASE("primal infeasible: LP with equality and bounds") {
  // x + y = -1 with x, y >= 0
  MatrixXd P = MatrixXd::Zero(2, 2);
  VectorXd q = VectorXd::Ones(2);
  MatrixXd G = -MatrixXd::Identity(2, 2);
  VectorXd h = VectorXd::Zero(2);
  MatrixXd A(1, 2);
  A << 1, 1;
  VectorXd b(1);
  b << -1;
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::primal_infeasible);
  check_primal_certificate(r, G, h, A, b);
}

TEST_CASE("primal infeasible: zero row with negative right-hand side") {
  MatrixXd P = MatrixXd::Identity(2, 2);
  VectorXd q = VectorXd::Zero(2);
  MatrixXd G = MatrixXd::Zero(1, 2);
  VectorXd h(1);
  h << -1;
  MatrixXd A(0, 2);
  VectorXd b(0);
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::primal_infeasible);
  check_primal_certificate(r, G, h, A, b);
}

TEST_CASE("primal infeasible: far from the origin (boxes of 1e3, an equality out of reach)") {
  // -1e3 <= z_i <= 1e3 for 40 variables, sum(z) = 5e4 > 4e4: the iterates sit near the box
  // corners (||z||_1 ~ 4e4), so the certificate must beat that radius.
  const int n = 40;
  MatrixXd P = MatrixXd::Identity(n, n);
  VectorXd q = VectorXd::LinSpaced(n, -1.0, 1.0);
  MatrixXd G(2 * n, n);
  G << MatrixXd::Identity(n, n), -MatrixXd::Identity(n, n);
  VectorXd h = VectorXd::Constant(2 * n, 1e3);
  MatrixXd A = MatrixXd::Ones(1, n);
  VectorXd b = VectorXd::Constant(1, 5e4);
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::primal_infeasible);
  check_primal_certificate(r, G, h, A, b);
}

TEST_CASE("dual infeasible: LP unbounded below") {
  // min -x - y s.t. x - y <= 1, x, y >= 0  (ray (1, 1))
  MatrixXd P = MatrixXd::Zero(2, 2);
  VectorXd q(2);
  q << -1, -1;
  MatrixXd G(3, 2);
  G << 1, -1, -1, 0, 0, -1;
  VectorXd h(3);
  h << 1, 0, 0;
  MatrixXd A(0, 2);
  VectorXd b(0);
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::dual_infeasible);
  check_dual_certificate(r, P, q, G, A);
}

TEST_CASE("dual infeasible: semidefinite P with q outside its range") {
  MatrixXd P = MatrixXd::Zero(2, 2);
  P(0, 0) = 1;
  VectorXd q(2);
  q << 1, -1;
  MatrixXd G(0, 2);
  VectorXd h(0);
  MatrixXd A(1, 2);
  A << 1, 0;
  VectorXd b(1);
  b << 0;
  const QpResult r = solve_qp(P, q, G, h, A, b);
  REQUIRE(r.status == Status::dual_infeasible);
  check_dual_certificate(r, P, q, G, A);
}

TEST_CASE("max_iterations and time_limit") {
  MatrixXd P = MatrixXd::Identity(3, 3);
  VectorXd q = -VectorXd::Ones(3);
  MatrixXd G = MatrixXd::Identity(3, 3);
  VectorXd h = 0.5 * VectorXd::Ones(3);
  MatrixXd A(0, 3);
  VectorXd b(0);
  Settings settings;
  settings.max_iter = 1;
  settings.max_polish_rounds = 0;
  QpResult r = solve_qp(P, q, G, h, A, b, settings);
  CHECK(r.status == Status::max_iterations);
  CHECK(r.iterations == 1);
  CHECK(r.z.allFinite());
  CHECK_FALSE(r.polished);
  // Active-set polishing (on by default) finishes it from that one iteration's point.
  settings.max_polish_rounds = 10;
  r = solve_qp(P, q, G, h, A, b, settings);
  CHECK(r.status == Status::solved);
  CHECK(r.polished);
  CHECK(r.iterations == 1);
  CHECK((r.z - 0.5 * VectorXd::Ones(3)).cwiseAbs().maxCoeff() <= 1e-12);
  settings = Settings();
  settings.time_limit = 1e-12;
  r = solve_qp(P, q, G, h, A, b, settings);
  CHECK(r.status == Status::time_limit);
}

// Problems stopped at the starting point (max_iter = 0), before any iterate can show a
// certificate: the auxiliary LPs of Settings::search_certificates must find one, and must not
// invent one for a feasible problem.
TEST_CASE("a stalled solve is given its certificate by the auxiliary LPs, and only when there is one") {
  Settings settings;
  settings.max_iter = 0;
  settings.max_polish_rounds = 0;
  const MatrixXd no_A(0, 2);
  const VectorXd no_b(0);
  // Without the search the solve ends max_iterations; returns the result with it.
  auto solve_with_search = [&settings](const MatrixXd& P, const VectorXd& q, const MatrixXd& G, const VectorXd& h,
                                       const MatrixXd& A, const VectorXd& b) {
    settings.search_certificates = false;
    CHECK(solve_qp(P, q, G, h, A, b, settings).status == Status::max_iterations);
    settings.search_certificates = true;
    return solve_qp(P, q, G, h, A, b, settings);
  };
  SUBCASE("unbounded: min -x - y s.t. x - y <= 1, x, y >= 0 (ray (1, 1))") {
    const MatrixXd P = MatrixXd::Zero(2, 2);
    const VectorXd q = -VectorXd::Ones(2);
    MatrixXd G(3, 2);
    G << 1, -1, -1, 0, 0, -1;
    VectorXd h(3);
    h << 1, 0, 0;
    const QpResult r = solve_with_search(P, q, G, h, no_A, no_b);
    REQUIRE(r.status == Status::dual_infeasible);
    CHECK(r.message.find("ray LP") != std::string::npos);
    CHECK(r.iterations == 0);
    check_dual_certificate(r, P, q, G, no_A);
  }
  SUBCASE("infeasible: x + y <= -1 with x, y >= 0, and x - y = 3") {
    const MatrixXd P = MatrixXd::Identity(2, 2);
    const VectorXd q = VectorXd::Zero(2);
    MatrixXd G(3, 2);
    G << 1, 1, -1, 0, 0, -1;
    VectorXd h(3);
    h << -1, 0, 0;
    MatrixXd A(1, 2);
    A << 1, -1;
    VectorXd b(1);
    b << 3;
    const QpResult r = solve_with_search(P, q, G, h, A, b);
    REQUIRE(r.status == Status::primal_infeasible);
    CHECK(r.message.find("Farkas LP") != std::string::npos);
    check_primal_certificate(r, G, h, A, b);
  }
  SUBCASE("feasible and bounded: the status stays max_iterations") {
    const MatrixXd P = MatrixXd::Zero(2, 2);
    const VectorXd q = VectorXd::Ones(2);
    MatrixXd G(3, 2);
    G << 1, -1, -1, 0, 0, -1;
    VectorXd h(3);
    h << 1, 0, 0;
    const QpResult r = solve_qp(P, q, G, h, no_A, no_b, settings);
    CHECK(r.status == Status::max_iterations);
  }
}

TEST_CASE("non_convex: indefinite P") {
  MatrixXd P(2, 2);
  P << 1, 0, 0, -1;
  VectorXd q = VectorXd::Zero(2);
  MatrixXd G(0, 2);
  VectorXd h(0);
  MatrixXd A(0, 2);
  VectorXd b(0);
  const QpResult r = solve_qp(P, q, G, h, A, b);
  CHECK(r.status == Status::non_convex);
  CHECK(r.message.find("positive semidefinite") != std::string::npos);
}
