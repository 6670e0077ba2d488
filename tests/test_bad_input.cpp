// The bad-input catalogue: one TEST_CASE per class of bad (or merely awkward) input, each
// asserting the exact status and the exact message (or its key part).
//
// Classes covered elsewhere and not repeated here:
//  - every non-solved status with its certificate, a zero G row with a negative right-hand side,
//    inconsistent square equalities, indefinite P without constraints: tests/test_qp_status.cpp;
//  - solve() before any data, wrong-sized update_*(), a NaN put in by update_h(), warm starts
//    with wrong sizes or non-finite values: tests/test_workspace.cpp;
//  - duplicated equality and inequality rows: tests/test_qp_small.cpp;
//  - malformed QPS text, one SUBCASE per error (unknown section/row/column, duplicate row, column
//    and entry, non-numeric values, missing fields, missing ENDATA, a 1 MB line without newline,
//    lower > upper for a column and a row): tests/test_qps_reader.cpp.

#include <doctest/doctest.h>

#include <sys/resource.h>

#include <Eigen/Dense>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <istream>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <streambuf>
#include <string>
#include <utility>
#include <vector>

#include "optlayer/gradcheck.hpp"
#include "optlayer/qp_solver.hpp"
#include "optlayer/qps_reader.hpp"
#include "qps_text.hpp"

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

// A small feasible, bounded QP (n = 3, m = 2, p = 1) whose data the tests spoil one piece at a time.
struct Qp {
  MatrixXd P, G, A;
  VectorXd q, h, b;
  Qp() {
    P = MatrixXd::Identity(3, 3);
    P(0, 1) = P(1, 0) = 0.5;
    q = VectorXd::LinSpaced(3, -1.0, 1.0);
    G = MatrixXd::Identity(2, 3);
    h = VectorXd::Ones(2);
    A = MatrixXd::Ones(1, 3);
    b = VectorXd::Constant(1, 0.5);
  }
  Status solve(QpSolver& solver) const { return solver.solve(P, q, G, h, A, b); }
  QpResult solve(const Settings& settings = Settings()) const { return solve_qp(P, q, G, h, A, b, settings); }
};

// Solves `qp` on a solver sized (3, 2, 1) and returns the result.
QpResult solve_sized(const Qp& qp) {
  QpSolver solver(3, 2, 1);
  qp.solve(solver);
  return solver.result();
}

// Farkas certificate on the original data: lambda >= 0, G'lambda + A'nu ~ 0, h'lambda + b'nu < 0.
void check_farkas(const QpResult& r, const MatrixXd& G, const VectorXd& h, const MatrixXd& A, const VectorXd& b) {
  if (r.certificate_lambda.size() > 0) CHECK(r.certificate_lambda.minCoeff() >= 0.0);
  CHECK((G.transpose() * r.certificate_lambda + A.transpose() * r.certificate_nu).cwiseAbs().maxCoeff() < 1e-6);
  CHECK(h.dot(r.certificate_lambda) + b.dot(r.certificate_nu) < -1e-6);
}

using qps_text::error_of;
using qps_text::kHead;

std::string standard_form_error(const std::string& text) {
  const QpsModel model = qps_text::parse_text(text);
  try {
    to_standard_form(model);
  } catch (const QpsError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("bad input: NaN and Inf in each of P, q, G, h, A, b") {
  // The first non-finite entry (in column-major order) is named by its (row, column) or index;
  // the inputs are checked in the order P, q, G, h, A, b.
  struct Case {
    const char* name;
    std::function<void(Qp&, double)> spoil;
    const char* nan_message;
    const char* inf_message;
  };
  const std::vector<Case> cases = {
      {"P", [](Qp& qp, double v) { qp.P(2, 1) = qp.P(1, 2) = v; }, "P(2, 1) is nan", "P(2, 1) is inf"},
      {"q", [](Qp& qp, double v) { qp.q(2) = v; }, "q(2) is nan", "q(2) is inf"},
      {"G", [](Qp& qp, double v) { qp.G(1, 0) = v; }, "G(1, 0) is nan", "G(1, 0) is inf"},
      {"h", [](Qp& qp, double v) { qp.h(0) = v; }, "h(0) is nan", "h(0) is inf"},
      {"A", [](Qp& qp, double v) { qp.A(0, 2) = v; }, "A(0, 2) is nan", "A(0, 2) is inf"},
      {"b", [](Qp& qp, double v) { qp.b(0) = v; }, "b(0) is nan", "b(0) is inf"},
  };
  for (const Case& c : cases) {
    const std::string name = c.name;
    CAPTURE(name);
    Qp nan_qp, inf_qp, minus_inf_qp;
    c.spoil(nan_qp, kNaN);
    c.spoil(inf_qp, kInf);
    c.spoil(minus_inf_qp, -kInf);
    QpResult r = solve_sized(nan_qp);
    CHECK(r.status == Status::invalid_input);
    CHECK(r.message == c.nan_message);
    r = solve_sized(inf_qp);
    CHECK(r.status == Status::invalid_input);
    CHECK(r.message == c.inf_message);
    r = solve_sized(minus_inf_qp);
    CHECK(r.status == Status::invalid_input);
    CHECK(r.message == std::string(c.inf_message).replace(std::string(c.inf_message).size() - 3, 3, "-inf"));
  }
  // The data that passed the checks before stays usable: a good solve after a bad one succeeds.
  QpSolver solver(3, 2, 1);
  Qp bad;
  bad.h(1) = kNaN;
  CHECK(bad.solve(solver) == Status::invalid_input);
  CHECK(Qp().solve(solver) == Status::solved);
}

TEST_CASE("bad input: P with NaN only on the diagonal") {
  Qp qp;
  qp.P(1, 1) = kNaN;
  QpResult r = solve_sized(qp);
  CHECK(r.status == Status::invalid_input);
  CHECK(r.message == "P(1, 1) is nan");
  qp.P.diagonal().setConstant(kNaN);
  r = solve_sized(qp);
  CHECK(r.message == "P(0, 0) is nan");
}

TEST_CASE("bad input: mismatched dimensions of each of P, q, G, h, A, b") {
  // The workspace is sized (n, m, p) = (3, 2, 1); each input of the wrong shape is named.
  struct Case {
    std::function<void(Qp&)> spoil;
    const char* message;
  };
  const std::vector<Case> cases = {
      {[](Qp& qp) { qp.P = MatrixXd::Identity(2, 2); }, "P is 2 x 2 but must be 3 x 3"},
      {[](Qp& qp) { qp.P = MatrixXd::Identity(3, 4); }, "P is 3 x 4 but must be 3 x 3"},
      {[](Qp& qp) { qp.q = VectorXd::Zero(4); }, "q has length 4 but must have length 3"},
      {[](Qp& qp) { qp.G = MatrixXd::Zero(2, 2); }, "G is 2 x 2 but must be 2 x 3"},
      {[](Qp& qp) { qp.G = MatrixXd::Zero(3, 3); }, "G is 3 x 3 but must be 2 x 3"},
      {[](Qp& qp) { qp.h = VectorXd::Zero(1); }, "h has length 1 but must have length 2"},
      {[](Qp& qp) { qp.A = MatrixXd::Zero(1, 2); }, "A is 1 x 2 but must be 1 x 3"},
      {[](Qp& qp) { qp.A = MatrixXd::Zero(0, 3); }, "A is 0 x 3 but must be 1 x 3"},
      {[](Qp& qp) { qp.b = VectorXd::Zero(2); }, "b has length 2 but must have length 1"},
  };
  for (const Case& c : cases) {
    Qp qp;
    c.spoil(qp);
    const QpResult r = solve_sized(qp);
    CHECK(r.status == Status::invalid_input);
    CHECK(r.message == c.message);
  }
  // solve_qp sizes the solver from P, G and A, so only inconsistent column counts and vector lengths remain.
  Qp qp;
  qp.G = MatrixXd::Zero(2, 2);
  const QpResult r = qp.solve();
  CHECK(r.status == Status::invalid_input);
  CHECK(r.message == "G is 2 x 2 but must be 2 x 3");
  // Negative sizes are refused when the workspace is set up.
  CHECK_THROWS_WITH_AS(QpSolver(2, -1, 0), "optlayer::QpSolver::setup: negative dimension (n = 2, m = -1, p = 0)",
                       std::invalid_argument);
}

TEST_CASE("bad input: asymmetric P") {
  Qp qp;
  qp.P(1, 0) = 2.0;  // P(0, 1) stays 0.5
  QpResult r = solve_sized(qp);
  CHECK(r.status == Status::invalid_input);
  CHECK(r.message == "P is not symmetric: P(1, 0) = 2 but P(0, 1) = 0.5");
  // Round-off asymmetry (below 1e-9 of the largest entry) is accepted and P symmetrized.
  qp = Qp();
  qp.P(1, 0) += 1e-13;
  r = solve_sized(qp);
  CHECK(r.status == Status::solved);
}

TEST_CASE("bad input: indefinite and negative definite P are non_convex") {
  // Indefinite P without constraints: tests/test_qp_status.cpp. Here with bounded feasible sets,
  // where a non-convex QP would still have a minimizer: the solver refuses it all the same.
  const std::string message = "P is not positive semidefinite (Cholesky of P + 1e-9 ||P|| I failed)";
  Qp qp;
  qp.P(2, 2) = -1.0;  // z'Pz = -ab on z = (a, b, -a - b), the null space of A = [1 1 1]
  QpResult r = solve_sized(qp);
  CHECK(r.status == Status::non_convex);
  CHECK(r.message.rfind("P is not positive semidefinite on the null space of A", 0) == 0);

  MatrixXd P = -MatrixXd::Identity(1, 1);
  MatrixXd G(2, 1);
  G << 1, -1;
  r = solve_qp(P, VectorXd::Zero(1), G, VectorXd::Ones(2), MatrixXd(0, 1), VectorXd(0));
  CHECK(r.status == Status::non_convex);
  CHECK(r.message == message);
  // The outputs of a refused solve are finite.
  CHECK(r.z.allFinite());
  CHECK(r.lambda.allFinite());
}

TEST_CASE("convexity: P indefinite only across the equality constraints is accepted") {
  // minimize 1/2 (z0^2 + z1^2 - z2^2) - z0 + z1 + z2 / 2  s.t.  z0 <= 0.5, z2 = 2: convex on the
  // feasible set (z2 is fixed), with optimum z = (0.5, -1, 2), lambda = 0.5, nu = 1.5.
  const MatrixXd P = Eigen::Vector3d(1.0, 1.0, -1.0).asDiagonal().toDenseMatrix();
  const VectorXd q = Eigen::Vector3d(-1.0, 1.0, 0.5);
  const MatrixXd G = MatrixXd::Identity(1, 3);
  const VectorXd h = VectorXd::Constant(1, 0.5);
  MatrixXd A = MatrixXd::Zero(1, 3);
  A(0, 2) = 1.0;
  const VectorXd b = VectorXd::Constant(1, 2.0);
  for (Backend backend : {Backend::dense, Backend::sparse}) {
    CAPTURE(backend == Backend::dense ? "dense" : "sparse");
    Settings settings;
    settings.backend = backend;
    const QpResult r = solve_qp(P, q, G, h, A, b, settings);
    REQUIRE(r.status == Status::solved);
    CHECK((r.z - Eigen::Vector3d(0.5, -1.0, 2.0)).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(std::abs(r.lambda(0) - 0.5) < 1e-8);
    CHECK(std::abs(r.nu(0) - 1.5) < 1e-8);
    CHECK(std::abs(r.objective + 1.875) < 1e-8);
    // The derivatives (from the factorization at the solution) agree with finite differences.
    GradcheckOptions options;
    options.settings.backend = backend;
    GradcheckLoss loss;
    loss.z = Eigen::Vector3d(1.0, -2.0, 0.5);
    loss.lambda = VectorXd::Constant(1, 0.7);
    loss.nu = VectorXd::Constant(1, -0.3);
    const GradcheckReport report = gradcheck(P, q, G, h, A, b, loss, options);
    CAPTURE(report.summary());
    CHECK(report.passed());
    // The same P with the free coordinate's curvature negative is refused.
    MatrixXd P_bad = P;
    P_bad(0, 0) = -1.0;
    CHECK(solve_qp(P_bad, q, G, h, A, b, settings).status == Status::non_convex);
  }
}

TEST_CASE("bad input: empty problem (n = 0)") {
  QpSolver solver(0, 0, 0);
  CHECK(solver.solve(MatrixXd(0, 0), VectorXd(0), MatrixXd(0, 0), VectorXd(0), MatrixXd(0, 0), VectorXd(0)) ==
        Status::invalid_input);
  CHECK(solver.result().message == "the problem has no variables (n = 0)");
  // Constraints without variables are still a problem without variables.
  QpSolver with_rows(0, 2, 1);
  with_rows.solve(MatrixXd(0, 0), VectorXd(0), MatrixXd(2, 0), VectorXd::Ones(2), MatrixXd(1, 0), VectorXd::Zero(1));
  CHECK(with_rows.result().status == Status::invalid_input);
  CHECK(with_rows.result().message == "the problem has no variables (n = 0)");
  const QpResult r = solve_qp(MatrixXd(0, 0), VectorXd(0), MatrixXd(0, 0), VectorXd(0), MatrixXd(0, 0), VectorXd(0));
  CHECK(r.status == Status::invalid_input);
  CHECK(r.message == "the problem has no variables (n = 0)");
}

TEST_CASE("bad input: m = 0 and p = 0 solve") {
  MatrixXd P(2, 2);
  P << 4, 1, 1, 2;
  const VectorXd q = VectorXd::LinSpaced(2, 1.0, -1.0);
  const VectorXd expected = -P.ldlt().solve(q);
  SUBCASE("m = 0, p = 0") {
    const QpResult r = solve_qp(P, q, MatrixXd(0, 2), VectorXd(0), MatrixXd(0, 2), VectorXd(0));
    REQUIRE(r.status == Status::solved);
    CHECK((r.z - expected).cwiseAbs().maxCoeff() < 1e-8);
    CHECK(r.s.size() == 0);
    CHECK(r.nu.size() == 0);
  }
  SUBCASE("m = 0, p = 1") {
    MatrixXd A(1, 2);
    A << 1, 1;
    const QpResult r = solve_qp(P, q, MatrixXd(0, 2), VectorXd(0), A, VectorXd::Zero(1));
    REQUIRE(r.status == Status::solved);
    CHECK(std::abs(r.z.sum()) < 1e-8);
  }
  SUBCASE("m = 1, p = 0") {
    MatrixXd G(1, 2);
    G << 1, 0;
    const QpResult r = solve_qp(P, q, G, VectorXd::Constant(1, 10.0), MatrixXd(0, 2), VectorXd(0));
    REQUIRE(r.status == Status::solved);  // the constraint is inactive
    CHECK((r.z - expected).cwiseAbs().maxCoeff() < 1e-7);
  }
}

TEST_CASE("bad input: more equalities than variables") {
  const MatrixXd P = MatrixXd::Identity(2, 2);
  const VectorXd q = VectorXd::Zero(2);
  MatrixXd A(3, 2);
  A << 1, 0, 0, 1, 1, 1;
  SUBCASE("consistent: solved at the only feasible point") {
    VectorXd b(3);
    b << 1, 2, 3;
    const QpResult r = solve_qp(P, q, MatrixXd(0, 2), VectorXd(0), A, b);
    REQUIRE(r.status == Status::solved);
    CHECK((r.z - VectorXd::LinSpaced(2, 1.0, 2.0)).cwiseAbs().maxCoeff() < 1e-7);
    CHECK((A * r.z - b).cwiseAbs().maxCoeff() < 1e-7);
  }
  SUBCASE("inconsistent: primal_infeasible with a certificate") {
    VectorXd b(3);
    b << 1, 2, 4;
    const QpResult r = solve_qp(P, q, MatrixXd(0, 2), VectorXd(0), A, b);
    REQUIRE(r.status == Status::primal_infeasible);
    CHECK(r.message.rfind("primal infeasible", 0) == 0);
    check_farkas(r, MatrixXd(0, 2), VectorXd(0), A, b);
  }
}

TEST_CASE("bad input: all-zero rows in G and A") {
  const MatrixXd P = MatrixXd::Identity(2, 2);
  const VectorXd q(VectorXd::LinSpaced(2, -1.0, 1.0));  // unconstrained minimizer (1, -1)
  SUBCASE("zero G row, positive h: never active, lambda = 0") {
    MatrixXd G(2, 2);
    G << 0, 0, 1, 0;
    VectorXd h(2);
    h << 1, 5;
    const QpResult r = solve_qp(P, q, G, h, MatrixXd(0, 2), VectorXd(0));
    REQUIRE(r.status == Status::solved);
    CHECK((r.z - VectorXd::LinSpaced(2, 1.0, -1.0)).cwiseAbs().maxCoeff() < 1e-7);
    CHECK(r.lambda(0) < 1e-7);
  }
  SUBCASE("zero G row, zero h: 0 <= 0 holds") {
    const QpResult r = solve_qp(P, q, MatrixXd::Zero(1, 2), VectorXd::Zero(1), MatrixXd(0, 2), VectorXd(0));
    REQUIRE(r.status == Status::solved);
    CHECK((r.z - VectorXd::LinSpaced(2, 1.0, -1.0)).cwiseAbs().maxCoeff() < 1e-7);
  }
  SUBCASE("zero G row among others, negative h: primal_infeasible") {
    // (The single-row case is in tests/test_qp_status.cpp.)
    MatrixXd G(3, 2);
    G << 1, 0, 0, 0, 0, 1;
    VectorXd h(3);
    h << 1, -1e-3, 1;
    const QpResult r = solve_qp(P, q, G, h, MatrixXd(0, 2), VectorXd(0));
    REQUIRE(r.status == Status::primal_infeasible);
    check_farkas(r, G, h, MatrixXd(0, 2), VectorXd(0));
  }
  SUBCASE("zero A row, zero b: solved (a redundant equality)") {
    MatrixXd A(2, 2);
    A << 0, 0, 1, 1;
    const QpResult r = solve_qp(P, q, MatrixXd(0, 2), VectorXd(0), A, VectorXd::Zero(2));
    REQUIRE(r.status == Status::solved);
    // The unconstrained minimizer (1, -1) already has z1 + z2 = 0.
    CHECK((r.z - VectorXd::LinSpaced(2, 1.0, -1.0)).cwiseAbs().maxCoeff() < 1e-7);
  }
  SUBCASE("zero A row, nonzero b: primal_infeasible") {
    MatrixXd A(2, 2);
    A << 1, 1, 0, 0;
    VectorXd b(2);
    b << 0, 2;
    const QpResult r = solve_qp(P, q, MatrixXd(0, 2), VectorXd(0), A, b);
    REQUIRE(r.status == Status::primal_infeasible);
    check_farkas(r, MatrixXd(0, 2), VectorXd(0), A, b);
  }
}

TEST_CASE("bad input: bounds with lower > upper through the QPS path") {
  // LO 5 / UP 3 on a column and an inverted row are in tests/test_qps_reader.cpp.
  SUBCASE("FX then a lower UP") {
    CHECK(standard_form_error(kHead + "BOUNDS\n FX BND X1 2.\n UP BND X1 1.\nENDATA\n") ==
          "column 'X1': lower bound 2 exceeds upper bound 1 (infeasible bounds)");
  }
  SUBCASE("a lower bound of +infinity (1e30) is an empty interval") {
    CHECK(standard_form_error(kHead + "BOUNDS\n LO BND X2 1e30\nENDATA\n") ==
          "column 'X2': lower bound inf exceeds upper bound inf (infeasible bounds)");
  }
  SUBCASE("an upper bound of -infinity (MI then UP -1e30) is an empty interval") {
    CHECK(standard_form_error(kHead + "BOUNDS\n MI BND X1\n UP BND X1 -1e30\nENDATA\n") ==
          "column 'X1': lower bound -inf exceeds upper bound -inf (infeasible bounds)");
  }
  SUBCASE("equal bounds are a fixed variable, not an error") {
    CHECK(standard_form_error(kHead + "BOUNDS\n LO BND X1 1.\n UP BND X1 1.\nENDATA\n") == "no error");
  }
}

TEST_CASE("bad input: invalid settings name the field") {
  struct Case {
    std::function<void(Settings&)> spoil;
    const char* message;
  };
  const std::vector<Case> cases = {
      {[](Settings& s) { s.eps_abs = -1.0; }, "eps_abs must be finite and >= 0"},
      {[](Settings& s) { s.eps_abs = kNaN; }, "eps_abs must be finite and >= 0"},
      {[](Settings& s) { s.eps_rel = kInf; }, "eps_rel must be finite and >= 0"},
      {[](Settings& s) { s.eps_abs = s.eps_rel = 0.0; }, "eps_abs and eps_rel cannot both be 0"},
      {[](Settings& s) { s.eps_primal_infeasible = 0.0; }, "eps_primal_infeasible must be finite and > 0"},
      {[](Settings& s) { s.eps_dual_infeasible = kNaN; }, "eps_dual_infeasible must be finite and > 0"},
      {[](Settings& s) { s.max_iter = -1; }, "max_iter must be >= 0"},
      {[](Settings& s) { s.time_limit = 0.0; }, "time_limit must be > 0 (infinity for none)"},
      {[](Settings& s) { s.time_limit = kNaN; }, "time_limit must be > 0 (infinity for none)"},
      {[](Settings& s) { s.scaling_iterations = -1; }, "scaling_iterations must be >= 0"},
      {[](Settings& s) { s.reg_primal = 0.0; }, "reg_primal must be in (0, 1]"},
      {[](Settings& s) { s.reg_primal = 2.0; }, "reg_primal must be in (0, 1]"},
      {[](Settings& s) { s.reg_dual = -1e-9; }, "reg_dual must be in (0, 1]"},
      {[](Settings& s) { s.max_refinement_steps = -1; }, "max_refinement_steps must be >= 0"},
      {[](Settings& s) { s.step_fraction = 1.0; }, "step_fraction must be in (0, 1)"},
      {[](Settings& s) { s.step_fraction = 0.0; }, "step_fraction must be in (0, 1)"},
      {[](Settings& s) { s.max_centrality_correctors = -1; }, "max_centrality_correctors must be >= 0"},
      {[](Settings& s) { s.max_polish_rounds = -1; }, "max_polish_rounds must be >= 0"},
      {[](Settings& s) { s.warm_start_margin = kInf; }, "warm_start_margin must be finite and > 0"},
  };
  const Qp qp;
  for (const Case& c : cases) {
    Settings bad;
    c.spoil(bad);
    const std::string full = std::string("optlayer::Settings: ") + c.message;
    CAPTURE(full);
    CHECK(bad.validation_error() == c.message);
    CHECK_THROWS_WITH_AS(bad.validate(), full.c_str(), std::invalid_argument);
    // Every way of giving settings to a solver validates them; a refused set_settings changes nothing.
    QpSolver solver(3, 2, 1);
    CHECK_THROWS_WITH_AS(solver.set_settings(bad), full.c_str(), std::invalid_argument);
    CHECK(solver.settings().validation_error().empty());
    CHECK(qp.solve(solver) == Status::solved);
    CHECK_THROWS_WITH_AS(solver.setup(3, 2, 1, bad), full.c_str(), std::invalid_argument);
    CHECK_THROWS_WITH_AS(QpSolver(3, 2, 1, bad), full.c_str(), std::invalid_argument);
    CHECK_THROWS_WITH_AS(qp.solve(bad), full.c_str(), std::invalid_argument);
  }
  // Limits at the edge of the valid range are accepted.
  Settings edge;
  edge.max_iter = 0;
  edge.eps_rel = 0.0;
  edge.time_limit = kInf;
  edge.reg_primal = 1.0;
  edge.max_polish_rounds = 0;
  CHECK(edge.validation_error().empty());
  const QpResult r = qp.solve(edge);
  CHECK(r.status == Status::max_iterations);
  CHECK(r.iterations == 0);
}

TEST_CASE("bad input: QPS files with structural errors") {
  SUBCASE("unknown sections: misspelled, lower-case, and a data section name from another format") {
    CHECK(error_of(kHead + "BOUND\n") == "t.qps:8: unknown section header 'BOUND'");
    CHECK(error_of("NAME T\nrows\n") == "t.qps:2: unknown section header 'rows'");
    CHECK(error_of(kHead + "SOS\n") == "t.qps:8: unknown section header 'SOS'");
  }
  SUBCASE("missing ENDATA inside COLUMNS and right after NAME") {
    CHECK(error_of(kHead) == "t.qps:7: missing ENDATA (input ended inside the COLUMNS section)");
    CHECK(error_of("NAME T\n") == "t.qps:1: missing ENDATA (input ended inside the NAME section)");
  }
  SUBCASE("unknown row names in RHS with two pairs and in RANGES") {
    CHECK(error_of(kHead + "RHS\n    RHS  R1  1.  R7  2.\n") == "t.qps:9: unknown row 'R7' in RHS");
    CHECK(error_of(kHead + "RANGES\n    RNG  COST2  1.\n") == "t.qps:9: unknown row 'COST2' in RANGES");
  }
  SUBCASE("duplicate names: rows, split columns, duplicate RHS and RANGES entries") {
    CHECK(error_of("ROWS\n N  COST\n E  R1\n E  R1\n") == "t.qps:4: duplicate row name 'R1' in ROWS");
    CHECK(error_of(kHead + "    X1  COST  2.\n") ==
          "t.qps:8: duplicate column 'X1' in COLUMNS (the entries of a column must be contiguous)");
    CHECK(error_of(kHead + "RHS\n    RHS  R1  1.\n    RHS  R1  2.\n") ==
          "t.qps:10: duplicate RHS entry for row 'R1'");
    CHECK(error_of(kHead + "RANGES\n    RNG  R1  1.  R1  2.\n") ==
          "t.qps:9: duplicate RANGES entry for row 'R1'");
  }
  SUBCASE("non-numeric values: text, two signs, a bare exponent, a Fortran exponent without digits") {
    CHECK(error_of(kHead + "RHS\n    RHS  R1  one\n") == "t.qps:9: non-numeric value 'one' for row 'R1' in RHS");
    CHECK(error_of(kHead + "RHS\n    RHS  R1  +-1\n") == "t.qps:9: non-numeric value '+-1' for row 'R1' in RHS");
    CHECK(error_of(kHead + "RHS\n    RHS  R1  e5\n") == "t.qps:9: non-numeric value 'e5' for row 'R1' in RHS");
    CHECK(error_of(kHead + "RHS\n    RHS  R1  1D\n") == "t.qps:9: non-numeric value '1D' for row 'R1' in RHS");
  }
  SUBCASE("infinite matrix coefficients are refused (bounds may be infinite)") {
    CHECK(error_of(kHead + "    X3  R1  1e400\n") == "t.qps:8: infinite coefficient for row 'R1' in COLUMNS");
    CHECK(error_of(kHead + "QUADOBJ\n    X1  X1  inf\n") == "t.qps:9: infinite value in QUADOBJ");
  }
}

TEST_CASE("bad input: QPS numbers beyond the double range read as strtod reads them") {
  // Regression (found while writing this catalogue): std::from_chars reports out-of-range values
  // as errors, so the reader called 1e400 and 1e-400 "non-numeric". Now overflow gives +-inf
  // (a missing bound in RHS/RANGES/BOUNDS, an error in COLUMNS) and underflow gives 0.
  std::istringstream in(kHead + "    X3  R1  1e-400  COST  -2.5e-999\nRHS\n    RHS  R1  1e400\n"
                                   "BOUNDS\n LO BND X1 -1D+400\n UP BND X2 1.0e-99999999999999999999\nENDATA\n");
  const QpsModel m = parse_qps(in, "t.qps");
  CHECK(m.C.coeff(0, 2) == 0.0);
  CHECK(m.q(2) == 0.0);
  CHECK(m.row_upper(0) == kInf);
  CHECK(m.var_lower(0) == -kInf);
  CHECK(m.var_upper(1) == 0.0);
  CHECK(error_of(kHead + "    X3  R1  -1e400\n") == "t.qps:8: infinite coefficient for row 'R1' in COLUMNS");
  // A sign after the '+' the reader strips is still two signs.
  CHECK(error_of(kHead + "RHS\n    RHS  R1  ++1\n") == "t.qps:9: non-numeric value '++1' for row 'R1' in RHS");
}

TEST_CASE("bad input: QPS lines longer than any sane limit") {
  // 1 MB without any newline: tests/test_qps_reader.cpp. Here the long line is terminated and
  // in the middle of a valid file, and a comment line is no exception to the limit.
  const std::string long_data = "    X3  R1  1." + std::string(70000, ' ') + "\n";
  CHECK(error_of(kHead + long_data + "ENDATA\n") == "t.qps:8: line longer than 65536 characters");
  CHECK(error_of("*" + std::string(65536, 'c') + "\n" + kHead + "ENDATA\n") ==
        "t.qps:1: line longer than 65536 characters");
}

namespace {

// Produces an optional prefix, then `total` bytes of generated text without storing them
// (refills a 64 KiB buffer):
//  - random: uniformly random bytes (newlines, NULs, anything);
//  - comments: QPS comment lines ("*" + 100 random printable characters + "\n"), which a
//    reader must skip one by one, so the whole stream is read.
class GarbageBuf : public std::streambuf {
 public:
  enum class Kind { random, comments };
  GarbageBuf(Kind kind, std::uint64_t total, std::uint64_t seed, std::string prefix = "")
      : kind_(kind), left_(total), state_(seed), prefix_(std::move(prefix)) {}
  std::uint64_t produced() const { return produced_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (!prefix_.empty()) {  // the prefix first, as its own buffer
      prefix_buffer_.swap(prefix_);
      produced_ += prefix_buffer_.size();
      setg(&prefix_buffer_[0], &prefix_buffer_[0], &prefix_buffer_[0] + prefix_buffer_.size());
      return traits_type::to_int_type(*gptr());
    }
    if (left_ == 0) return traits_type::eof();
    const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(left_, buffer_.size()));
    for (std::size_t i = 0; i < count; ++i) buffer_[i] = next_char();
    left_ -= count;
    produced_ += count;
    setg(buffer_.data(), buffer_.data(), buffer_.data() + count);
    return traits_type::to_int_type(*gptr());
  }

 private:
  std::uint64_t next_random() {  // xorshift64*
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 2685821657736338717ull;
  }
  char next_char() {
    const std::uint64_t r = next_random() >> 32;
    if (kind_ == Kind::random) return static_cast<char>(r & 0xffu);
    const std::uint64_t column = column_++ % 102;
    if (column == 0) return '*';
    if (column == 101) return '\n';
    return static_cast<char>(' ' + r % 95);
  }

  Kind kind_;
  std::uint64_t left_;
  std::uint64_t state_;
  std::uint64_t produced_ = 0;
  std::uint64_t column_ = 0;
  std::string prefix_, prefix_buffer_;
  std::vector<char> buffer_ = std::vector<char>(64 * 1024);
};

long peak_rss_kib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

TEST_CASE("bad input: a 200 MB stream of garbage") {
  constexpr std::uint64_t k200MB = 200ull * 1024 * 1024;
  SUBCASE("random bytes: a QpsError after reading only the first line") {
    for (std::uint64_t seed : {1ull, 2ull, 3ull, 0x9e3779b97f4a7c15ull}) {
      CAPTURE(seed);
      GarbageBuf buf(GarbageBuf::Kind::random, k200MB, seed);
      std::istream in(&buf);
      const auto start = std::chrono::steady_clock::now();
      std::string message;
      try {
        parse_qps(in, "garbage");
      } catch (const QpsError& e) {
        message = e.what();
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      CHECK(message.rfind("garbage:", 0) == 0);
      CHECK(buf.produced() <= 2 * 64 * 1024);  // at most one line (64 KiB) plus a buffer's lookahead
      CHECK(seconds < 1.0);
    }
  }
  SUBCASE("200 MB of comment lines: read to the end in bounded memory, then 'missing ENDATA'") {
    GarbageBuf buf(GarbageBuf::Kind::comments, k200MB, 7, "NAME GARBAGE\n");
    std::istream in(&buf);
    const long rss_before = peak_rss_kib();
    // 13 bytes of NAME line, then 2056031 comment lines of 102 bytes and a partial one.
    CHECK_THROWS_WITH_AS(parse_qps(in, "comments"),
                         "comments:2056033: missing ENDATA (input ended inside the NAME section)", QpsError);
    CHECK(buf.produced() == k200MB + 13);
    // Nothing of the stream is kept: the peak resident size grows by far less than the 200 MB read.
    CHECK(peak_rss_kib() - rss_before < 32 * 1024);
  }
}
