// Regression tests made from the inputs the fuzzers in fuzz/ found (docs/reliability.md lists
// them). Each input is replayed through exactly the code the fuzz target runs
// (fuzz/fuzz_targets.hpp) with its invariant checks turned into exceptions, and the behaviour
// it exposed is also asserted directly, so the test says what was wrong.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.hpp"
#include "optlayer/qp_jacobians.hpp"
#include "optlayer/qp_solver.hpp"
#include "optlayer/qps_reader.hpp"

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

using Bytes = std::vector<std::uint8_t>;

// Runs `target` on `input` with broken invariants thrown as fuzzqp::InvariantViolation; returns
// the violation's text (with the decoded problem), or "" when every invariant held.
template <class Target>
std::string replay(Target target, const Bytes& input) {
  fuzzqp::throw_on_violation() = true;
  std::string violated;
  try {
    target(input.data(), input.size());
  } catch (const fuzzqp::InvariantViolation& v) {
    violated = v.what;
  }
  fuzzqp::throw_on_violation() = false;
  return violated;
}

}  // namespace

TEST_CASE("fuzz regression: jacobians() with m = 0 and p = 0 (rows of empty matrices)") {
  // fuzz_derivatives, crash-a731239d3c3daeaa1075568d64cbb1eccbfd7ab6: n = 2, m = p = 0,
  // P = [-1 -8; -8 0.5] (indefinite; check_convexity off), q = 0: solved at z = 0 in 0 iterations.
  // QpSolver::jacobians() (diff/qp_jacobians.cpp) then fills dz_dh (2 x 0) and dz_db (2 x 0) with
  // dh.row(k) = ...: Eigen forms the row as data() + k with data() == nullptr, undefined behaviour
  // ("applying non-zero offset 8 to null pointer", clang -fsanitize=undefined). Harmless in
  // practice and not flagged by gcc's UBSan; jacobians() now skips the rows of empty blocks.
  const Bytes input = {0x02, 0x00, 0x0a, 0x00, 0x00, 0xff, 0xff, 0x38, 0x00, 0x00, 0x44};
  CHECK(replay(fuzzqp::run_derivatives, input) == "");

  // The same situation on a convex problem: the Jacobians are right and the empty blocks empty.
  MatrixXd P(2, 2);
  P << 2, 1, 1, 3;
  QpSolver solver(2, 0, 0);
  REQUIRE(solver.solve(P, VectorXd::Ones(2), MatrixXd(0, 2), VectorXd(0), MatrixXd(0, 2), VectorXd(0)) ==
          Status::solved);
  QpJacobians jac;
  REQUIRE(solver.jacobians(jac));
  CHECK((jac.dz_dq + P.inverse()).cwiseAbs().maxCoeff() < 1e-7);
  CHECK(jac.dz_dh.rows() == 2);
  CHECK(jac.dz_dh.cols() == 0);
  CHECK(jac.dz_db.rows() == 2);
  CHECK(jac.dz_db.cols() == 0);
}

TEST_CASE("fuzz regression: a non-solved result with non-finite outputs") {
  // fuzz_solver, crash-316c191e101373b541208e1f132b593667e9ad36 (and fuzz_derivatives,
  // crash-13fccd966bcc5e87adba23a7be9335e353ed8781): h contains -1e300. The first residuals
  // overflow and the solve ends numerical_error ("the iterates lost finiteness"), but
  // QpEngine::write_result (solver/qp/qp_engine_impl.hpp) tests only the *scaled* iterate for
  // finiteness; undoing the scaling, nu * F / c overflowed and the result held nu = -inf (and
  // objective NaN). QpResult promises finite (or zeroed) outputs for every status: write_result
  // now checks the unscaled outputs too.
  const Bytes input = {0x02, 0x02, 0x01, 0x01, 0x28, 0x0a, 0x82, 0x48, 0xc0, 0xff, 0xe9, 0xc7,
                       0xc7, 0xb7, 0xff, 0xc4, 0x48, 0x44, 0x44, 0xfe, 0xff, 0x01, 0x00, 0x00,
                       0x28, 0xff, 0xff, 0x48, 0x29, 0x00, 0x00, 0x00, 0x4a, 0xb5};
  CHECK(replay(fuzzqp::run_solver, input) == "");

  // Minimal form: z <= -1e300 and 1e-9 z = 0 (n = m = p = 1). The iterations end
  // numerical_error; the certificate search (Settings::search_certificates) then proves the
  // problem infeasible, which it is (lambda = 1, nu = -1e9). Both paths give finite outputs.
  const MatrixXd one = MatrixXd::Ones(1, 1);
  Settings settings;
  for (bool search : {false, true}) {
    settings.search_certificates = search;
    const QpResult r = solve_qp(one, VectorXd::Zero(1), one, VectorXd::Constant(1, -1e300),
                                MatrixXd::Constant(1, 1, 1e-9), VectorXd::Zero(1), settings);
    CHECK(r.status == (search ? Status::primal_infeasible : Status::numerical_error));
    CHECK(r.z.allFinite());
    CHECK(r.s.allFinite());
    CHECK(r.lambda.allFinite());
    CHECK(r.nu.allFinite());  // was -inf
    CHECK(r.certificate_lambda.allFinite());
    CHECK(r.certificate_nu.allFinite());
  }
}

TEST_CASE("fuzz regression (harness): n = 0 with zero-row flags") {
  // fuzz_solver, crash-76681646045c42cfdbe6c09f7ab83ea596f2067b: n = 0, m = 3, p = 3 with the
  // zero-row and duplicate-row flags. The same Eigen null-pointer row, but in the harness's own
  // decoder (G.row(0) of a 3 x 0 matrix); fixed there. The solver answers invalid_input.
  const Bytes input = {0x00, 0xff, 0xff, 0xff, 0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                       0xff, 0xff, 0xff, 0x01, 0xff, 0xff, 0x03, 0xff, 0x00, 0x00, 0x00, 0xff, 0xf5, 0xfd};
  CHECK(replay(fuzzqp::run_solver, input) == "");
  QpSolver solver(0, 3, 3);
  solver.solve(MatrixXd(0, 0), VectorXd(0), MatrixXd(3, 0), VectorXd::Zero(3), MatrixXd(3, 0), VectorXd::Zero(3));
  CHECK(solver.result().status == Status::invalid_input);
  CHECK(solver.result().message == "the problem has no variables (n = 0)");
}

TEST_CASE("fuzz regression (harness): residuals of a symmetrized P and near-overflow solutions") {
  // fuzz_solver, crash-67cd93cce30d6238aa3baf58df7aaa313d0f1f32: P = [1e300 2e-317; -8 -8] is
  // symmetric to 1e-9 of its largest entry, so the solver accepts it and solves with (P + P')/2;
  // the harness recomputed the dual residual with P itself. It now uses (P + P')/2 as well.
  const Bytes symmetrized = {0x02, 0x00, 0x40, 0x00, 0x03, 0xdc, 0xf5, 0xc4, 0xfe, 0x48, 0x40, 0x40};
  CHECK(replay(fuzzqp::run_solver, symmetrized) == "");
  // fuzz_derivatives, crash-2346de11dce7b3fcb38383748d031243cf34cfca: min 1/2 z'Pz + q'z with
  // q1 = 2.7e154, so z1 = -2.7e154 and z'Pz = 7e308 overflows in double; the solver's answer is
  // right, the harness's recomputation overflowed. It now recomputes in long double.
  const Bytes overflow = {0x02, 0x00, 0x00, 0x02, 0x28, 0x0a, 0xd6, 0x48, 0xdf, 0x40, 0x38, 0x40, 0x01, 0x00, 0x00,
                          0x00, 0xb8, 0xc7, 0xfc, 0xff, 0xfe, 0xff, 0xff, 0x38, 0x44, 0x00, 0x00, 0x60, 0x70, 0x00,
                          0x12, 0x80, 0xaf, 0x44, 0x48, 0x38, 0x44, 0x48, 0x38, 0x44, 0x48, 0x38, 0x44, 0x7f};
  CHECK(replay(fuzzqp::run_derivatives, overflow) == "");
}

TEST_CASE("fuzz regression (harness): a QPS model without columns") {
  // fuzz_qps_reader, crash-78edead61233c5d9e2b8177afe3f154213e2ad09: an empty COLUMNS section.
  // The reader accepts it (n = 0); the harness's symmetry check called norm() on a 0 x 0 sparse
  // matrix, which Eigen asserts against. Fixed in the harness.
  const std::string text = "NAME\r\nROWS\r\n N\tCOST   \r\n L  R1\r\n G  R2\r\nCOLUMNS\r\n   \r\nENDATA";
  CHECK(replay(fuzzqp::run_qps_reader, Bytes(text.begin(), text.end())) == "");
  std::istringstream in(text);
  const QpsModel model = parse_qps(in, "t.qps");
  CHECK(model.num_variables() == 0);
  CHECK(model.num_rows() == 2);
  const SparseQp qp = to_standard_form(model);
  CHECK(qp.G.rows() == 2);  // R1 <= 0 and R2 >= 0: both rows are 0 <= 0
  CHECK(qp.G.cols() == 0);
}

TEST_CASE("fuzz seeds: every seed input keeps the invariants") {
  // The seeds of fuzz/corpus/solver and derivatives (fuzz/make_seeds.py) in miniature: a
  // box-and-equality QP through the dense and the sparse overload, an infeasible and an
  // unbounded problem, NaN data, an indefinite P.
  const std::vector<Bytes> inputs = {
      {2, 2, 1, 1, 40, 10, 0, 72, 64, 64, 72, 56, 56, 72, 64, 64, 72, 68, 68, 72, 72, 68},
      {2, 2, 1, 1, 40, 10, 130, 72, 64, 64, 72, 56, 56, 72, 64, 64, 72, 68, 68, 72, 72, 68},
      {1, 2, 0, 0, 40, 10, 0, 72, 64, 72, 56, 56, 56},
      {2, 3, 0, 0, 40, 10, 1, 64, 64, 64, 64, 56, 56, 72, 56, 56, 64, 64, 56, 72, 64, 64},
      {2, 1, 0, 0, 40, 10, 0, 72, 161, 161, 72, 64, 64, 72, 72, 162},
      {2, 0, 0, 2, 40, 10, 0, 72, 64, 64, 56, 64, 64},
  };
  for (const Bytes& input : inputs) {
    CHECK(replay(fuzzqp::run_solver, input) == "");
    CHECK(replay(fuzzqp::run_derivatives, input) == "");
  }
}

namespace {

// check_model's verdict as a std::runtime_error (doctest matches messages of std::exception).
void throw_what(const QpsModel& model) {
  try {
    fuzzqp::check_model(model);
  } catch (const fuzzqp::InvariantViolation& v) {
    throw std::runtime_error(v.what);
  }
}

}  // namespace

TEST_CASE("the replay reports a broken invariant (the regression tests can fail)") {
  // A QPS model whose P is not symmetric cannot come out of the reader, so check_model must object.
  QpsModel model;
  model.column_names = {"x", "y"};
  model.P.resize(2, 2);
  model.P.insert(0, 1) = 1.0;
  model.q = VectorXd::Zero(2);
  model.var_lower = VectorXd::Zero(2);
  model.var_upper = VectorXd::Ones(2);
  model.C.resize(0, 2);
  fuzzqp::throw_on_violation() = true;
  CHECK_THROWS_WITH_AS(throw_what(model), doctest::Contains("parsed P is not symmetric"), std::runtime_error);
  fuzzqp::throw_on_violation() = false;
}

TEST_CASE("fuzz regression: infeasibility certificates must hold in original units, not only equilibrated") {
  // fuzz_derivatives, crash-2ef1ff63ad5cb137f39575129db0d783f1f21af3: n = 3, m = 2, p = 4, two zero
  // rows of G with h = -16 (infeasible) and rows of A with 1e-300 entries. With the Farkas test made
  // only on the equilibrated problem, the certificate mixed in an equality row whose Ruiz factor is
  // near 1e300; in original units G'lambda + A'nu was 1 for a certificate of norm 1.
  const Bytes derivatives_input = {
      0x03, 0xfe, 0xfe, 0xfe, 0x8f, 0x5b, 0xff, 0xff, 0xb8, 0x46, 0x36, 0x3e, 0x76, 0xe7, 0x42, 0x62,
      0x71, 0x37, 0x38, 0x1a, 0x3d, 0x26, 0x2a, 0xbe, 0x35, 0x0c, 0xef, 0x66, 0xbd, 0x29, 0x78, 0x02,
      0x83, 0x65, 0x07, 0xe0, 0x81, 0x0b, 0x34, 0xd5, 0x1d, 0x80, 0xf3, 0xa1, 0x70, 0x1e, 0x8c, 0xa6,
      0x40, 0x48, 0x40, 0xa6, 0x38, 0xbc, 0xb7, 0x5b, 0xc7, 0x5b, 0xb2, 0x48, 0x5f, 0x38};
  CHECK(replay(fuzzqp::run_derivatives, derivatives_input) == "");
  // fuzz_solver, crash-a2a44b891f0b5bd78ca348d425b11d5653c3bda2: n = 3, m = 4, P with entries
  // 1e80 and 1e40, two zero rows of G with h = -0.5: the same failure (||G'lambda|| = 4.6e-3).
  const Bytes solver_input = {0x03, 0x04, 0x4b, 0xfd, 0x28, 0x0a, 0x44, 0x40, 0x30, 0x48, 0xff,
                              0xff, 0xff, 0xff, 0x48, 0x48, 0x38, 0x40, 0x48, 0x48, 0x48, 0x48,
                              0x48, 0x50, 0x58, 0x58, 0x40, 0x40, 0x48, 0x48, 0x48, 0x40, 0x48,
                              0x48, 0x40, 0x48, 0x48, 0x48, 0x44, 0x3c, 0x42};
  CHECK(replay(fuzzqp::run_solver, solver_input) == "");
}

TEST_CASE("fuzz regression: a derivative that overflows is refused, not returned as NaN") {
  // fuzz_derivatives, crash-a67fc35e48eb892c7b79bc187ab5e969d2b65441: n = 2, m = 2, p = 1,
  // h = (1e300, -1e-8), A = (-1e-300, -1e-300), b = 0.5: solved at z = (1e300, -4e-8) (by the
  // relative tolerance: the scale of G z is 1e300). forward() along dG = [1 -1; 0.5 1] returned true
  // with z and lambda tangents of NaN: the scaled tangent solve overflowed and inf - inf left NaN.
  const Bytes input = {
      0x02, 0x02, 0x01, 0x01, 0x28, 0x0a, 0x00, 0x40, 0x48, 0x40, 0x48, 0x38, 0x38, 0x48, 0x40, 0x40,
      0x48, 0xb4, 0xbb, 0xb7, 0xb7, 0x44, 0x48, 0x38, 0x44, 0x40, 0x38, 0x44, 0x48, 0x38, 0x44, 0x48,
      0x38, 0x44, 0x48, 0x38, 0x44, 0x48, 0x38, 0x44, 0x48, 0x38, 0x44, 0x48, 0x38, 0x44, 0x48, 0x38,
      0x44, 0x48, 0x38, 0x44, 0x7f};
  CHECK(replay(fuzzqp::run_derivatives, input) == "");

  MatrixXd P(2, 2), G = MatrixXd::Identity(2, 2), A(1, 2), dG(2, 2);
  P << 0, 0, 0, 2;
  A << -1e-300, -1e-300;
  dG << 1, -1, 0.5, 1;
  Settings settings;
  settings.max_iter = 40;
  QpSolver solver(2, 2, 1, settings);
  REQUIRE(solver.solve(P, -VectorXd::Ones(2), G, Eigen::Vector2d(1e300, -1e-8), A, VectorXd::Constant(1, 0.5)) ==
          Status::solved);
  QpPerturbation perturbation;
  perturbation.G = dG;
  QpTangent tangent;
  CHECK_FALSE(solver.forward(perturbation, tangent));
  // Moderate directions on the same solution still have a representable derivative.
  QpGradient gradient;
  CHECK(solver.backward(Eigen::Vector2d(1.0, -1.0), gradient));
}
