// Linear MPC builder: both QP forms agree, respect the limits, follow the dynamics, and their
// gradients with respect to (A, B, Q, R, Qf, x0, x_ref) match central finite differences.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <functional>
#include <optlayer/optlayer.hpp>
#include <random>
#include <string>
#include <vector>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

MatrixXd random_matrix(std::mt19937& rng, Eigen::Index rows, Eigen::Index cols) {
  std::normal_distribution<double> normal;
  MatrixXd M(rows, cols);
  for (Eigen::Index i = 0; i < M.size(); ++i) M.data()[i] = normal(rng);
  return M;
}

// A small MPC whose limits are active at the solution (so G and h carry gradient too).
LinearMpc small_mpc(unsigned seed) {
  std::mt19937 rng(seed);
  const int nx = 3, nu = 2;
  LinearMpc mpc;
  mpc.A = MatrixXd::Identity(nx, nx) + 0.2 * random_matrix(rng, nx, nx);
  mpc.B = random_matrix(rng, nx, nu);
  const MatrixXd L = random_matrix(rng, nx, nx), M = random_matrix(rng, nu, nu);
  mpc.Q = L * L.transpose() + 0.5 * MatrixXd::Identity(nx, nx);
  mpc.R = 0.3 * M * M.transpose() + 0.2 * MatrixXd::Identity(nu, nu);
  mpc.Qf = 2.0 * mpc.Q;
  const double inf = std::numeric_limits<double>::infinity();
  mpc.u_max = VectorXd::Constant(nu, 0.4);
  mpc.u_min = -mpc.u_max;
  mpc.x_max = VectorXd::Constant(nx, inf);
  mpc.x_max(2) = 0.35;
  mpc.x_min = VectorXd::Constant(nx, -inf);
  mpc.x_min(1) = -0.6;
  mpc.horizon = 4;
  return mpc;
}

Settings tight_settings() {
  Settings settings;
  settings.eps_abs = 1e-11;
  settings.eps_rel = 0.0;
  return settings;
}

struct Parameters {
  LinearMpc mpc;
  VectorXd x0;
  MatrixXd x_ref;
};

// Loss L = <WU, U> + <WX, X> of the plan for the given parameters.
struct Loss {
  MatrixXd WU, WX;
  MpcForm form;
  double operator()(const Parameters& p) const {
    MpcLayer layer(p.mpc, form, tight_settings());
    REQUIRE(layer.solve(p.x0, p.x_ref) == Status::solved);
    return (WU.array() * layer.inputs().array()).sum() + (WX.array() * layer.states().array()).sum();
  }
};

// Central difference of the loss along `perturb` (which adds t times a direction to the parameters).
double directional_fd(const Loss& loss, const Parameters& base,
                      const std::function<void(Parameters&, double)>& perturb) {
  const double t = 1e-6;
  Parameters plus = base, minus = base;
  perturb(plus, t);
  perturb(minus, -t);
  return (loss(plus) - loss(minus)) / (2.0 * t);
}

// Checks every entry of a gradient matrix against finite differences of `entry(p, i, j) += t`.
// Symmetric matrices are perturbed symmetrically: the directional derivative is 2 g(i, j) off the diagonal.
void check_matrix_gradient(const char* name, const Loss& loss, const Parameters& base, const MatrixXd& grad,
                           const std::function<MatrixXd&(Parameters&)>& field, bool symmetric) {
  for (Eigen::Index j = 0; j < grad.cols(); ++j)
    for (Eigen::Index i = symmetric ? j : 0; i < grad.rows(); ++i) {
      const double fd = directional_fd(loss, base, [&](Parameters& p, double t) {
        field(p)(i, j) += t;
        if (symmetric && i != j) field(p)(j, i) += t;
      });
      const double analytic = symmetric && i != j ? 2.0 * grad(i, j) : grad(i, j);
      INFO(name << "(" << i << ", " << j << "): analytic " << analytic << ", finite difference " << fd);
      CHECK(std::abs(analytic - fd) <= 1e-5 * (1.0 + std::abs(fd)));
    }
}

void check_all_gradients(MpcForm form, unsigned seed) {
  std::mt19937 rng(seed + 100);
  Parameters base{small_mpc(seed), VectorXd(), MatrixXd()};
  base.x0 = 0.8 * random_matrix(rng, 3, 1);
  base.x_ref = 0.5 * random_matrix(rng, 3, base.mpc.horizon);
  const Loss loss{random_matrix(rng, 2, 4), random_matrix(rng, 3, 4), form};

  MpcLayer layer(base.mpc, form, tight_settings());
  REQUIRE(layer.solve(base.x0, base.x_ref) == Status::solved);
  // The limits must be active somewhere, or the G and h parts of the chain rule go untested.
  const VectorXd& lambda = layer.solver().result().lambda;
  REQUIRE(lambda.maxCoeff() > 1e-3);
  MpcGradient g;
  REQUIRE(layer.backward(loss.WU, loss.WX, g));

  check_matrix_gradient("A", loss, base, g.A, [](Parameters& p) -> MatrixXd& { return p.mpc.A; }, false);
  check_matrix_gradient("B", loss, base, g.B, [](Parameters& p) -> MatrixXd& { return p.mpc.B; }, false);
  check_matrix_gradient("Q", loss, base, g.Q, [](Parameters& p) -> MatrixXd& { return p.mpc.Q; }, true);
  check_matrix_gradient("R", loss, base, g.R, [](Parameters& p) -> MatrixXd& { return p.mpc.R; }, true);
  check_matrix_gradient("Qf", loss, base, g.Qf, [](Parameters& p) -> MatrixXd& { return p.mpc.Qf; }, true);
  check_matrix_gradient("x_ref", loss, base, g.x_ref, [](Parameters& p) -> MatrixXd& { return p.x_ref; }, false);
  for (Eigen::Index i = 0; i < 3; ++i) {
    const double fd = directional_fd(loss, base, [&](Parameters& p, double t) { p.x0(i) += t; });
    INFO("x0(" << i << "): analytic " << g.x0(i) << ", finite difference " << fd);
    CHECK(std::abs(g.x0(i) - fd) <= 1e-5 * (1.0 + std::abs(fd)));
  }
}

}  // namespace

TEST_CASE("validation names the bad field") {
  LinearMpc mpc = small_mpc(1);
  CHECK(mpc.validation_error().empty());
  mpc.R(0, 1) += 1.0;
  CHECK(mpc.validation_error() == "R is not symmetric");
  mpc = small_mpc(1);
  mpc.u_min(1) = 1.0;
  CHECK(mpc.validation_error() == "u_min(1) > u_max(1)");
  mpc = small_mpc(1);
  mpc.B.resize(2, 2);
  CHECK(mpc.validation_error().find("B is 2 x 2") == 0);
  CHECK_THROWS_AS(MpcQp(mpc, MpcForm::condensed), std::invalid_argument);
}

TEST_CASE("dimensions and constraint rows of both forms") {
  const LinearMpc mpc = small_mpc(2);
  const MpcQp condensed(mpc, MpcForm::condensed), stagewise(mpc, MpcForm::stagewise);
  // Per stage: 2 + 2 input rows and one upper, one lower state row.
  CHECK(condensed.rows_per_stage() == 6);
  CHECK(condensed.n() == 8);
  CHECK(condensed.m() == 24);
  CHECK(condensed.p() == 0);
  CHECK(stagewise.n() == 20);
  CHECK(stagewise.m() == 24);
  CHECK(stagewise.p() == 12);
  CHECK(stagewise.P_sparse().nonZeros() == 4 * 9 + 4 * 4);
}

TEST_CASE("condensed and stage-wise plans agree, follow the dynamics and respect the limits") {
  const LinearMpc mpc = small_mpc(3);
  const VectorXd x0 = (VectorXd(3) << 0.6, -0.5, 0.4).finished();
  const VectorXd ref = (VectorXd(3) << 0.2, 0.1, -0.3).finished();
  MpcLayer condensed(mpc, MpcForm::condensed, tight_settings());
  MpcLayer stagewise(mpc, MpcForm::stagewise, tight_settings());
  REQUIRE(condensed.solve(x0, ref) == Status::solved);
  REQUIRE(stagewise.solve(x0, ref) == Status::solved);
  CHECK((condensed.inputs() - stagewise.inputs()).cwiseAbs().maxCoeff() < 1e-7);
  CHECK((condensed.states() - stagewise.states()).cwiseAbs().maxCoeff() < 1e-7);
  VectorXd x = x0;
  for (int k = 0; k < mpc.horizon; ++k) {
    x = mpc.A * x + mpc.B * stagewise.inputs().col(k);
    CHECK((x - stagewise.states().col(k)).cwiseAbs().maxCoeff() < 1e-7);
    CHECK(stagewise.inputs().col(k).cwiseAbs().maxCoeff() <= 0.4 + 1e-8);
    CHECK(x(2) <= 0.35 + 1e-8);
    CHECK(x(1) >= -0.6 - 1e-8);
  }
  CHECK(condensed.solver().result().lambda.maxCoeff() > 1e-3);  // some limit is active
}

TEST_CASE("a constant reference equals the same reference given per stage") {
  const LinearMpc mpc = small_mpc(4);
  const VectorXd x0 = VectorXd::Constant(3, 0.5), ref = VectorXd::Constant(3, -0.2);
  MpcLayer a(mpc, MpcForm::condensed), b(mpc, MpcForm::condensed);
  REQUIRE(a.solve(x0, ref) == Status::solved);
  REQUIRE(b.solve(x0, MatrixXd(ref.replicate(1, mpc.horizon))) == Status::solved);
  CHECK((a.inputs() - b.inputs()).cwiseAbs().maxCoeff() < 1e-9);
  CHECK(a.solve(VectorXd::Zero(2), ref) == Status::invalid_input);
  CHECK(a.solve(x0, MatrixXd::Zero(3, 2)) == Status::invalid_input);
}

TEST_CASE("without limits (m = 0) the plan is the unconstrained minimizer and both forms agree") {
  LinearMpc mpc = small_mpc(9);
  mpc.x_min.resize(0);
  mpc.x_max.resize(0);
  mpc.u_min.resize(0);
  mpc.u_max.resize(0);
  const VectorXd x0 = (VectorXd(3) << 1.0, -2.0, 0.5).finished();
  MpcLayer condensed(mpc, MpcForm::condensed, tight_settings()), stagewise(mpc, MpcForm::stagewise, tight_settings());
  REQUIRE(condensed.qp().m() == 0);
  REQUIRE(condensed.solve(x0, VectorXd::Zero(3)) == Status::solved);
  REQUIRE(stagewise.solve(x0, VectorXd::Zero(3)) == Status::solved);
  const VectorXd U = -condensed.qp().P().ldlt().solve(condensed.qp().q());
  CHECK((Eigen::Map<const VectorXd>(condensed.inputs().data(), U.size()) - U).cwiseAbs().maxCoeff() < 1e-8);
  CHECK((condensed.states() - stagewise.states()).cwiseAbs().maxCoeff() < 1e-7);
  MpcGradient g;
  CHECK(stagewise.backward(MatrixXd::Ones(2, 4), MatrixXd(), g));
  CHECK(g.B.allFinite());
}

TEST_CASE("shift moves every block by one stage and repeats the last") {
  const LinearMpc mpc = small_mpc(5);
  const MpcQp qp(mpc, MpcForm::stagewise);
  VectorXd z(qp.n()), s(qp.m()), lambda(qp.m()), nu(qp.p());
  for (Eigen::Index i = 0; i < z.size(); ++i) z(i) = static_cast<double>(i);
  for (Eigen::Index i = 0; i < s.size(); ++i) s(i) = lambda(i) = static_cast<double>(i);
  for (Eigen::Index i = 0; i < nu.size(); ++i) nu(i) = static_cast<double>(i);
  VectorXd z2(z.size()), s2(s.size()), l2(lambda.size()), nu2(nu.size());
  qp.shift(z, s, lambda, nu, z2, s2, l2, nu2);
  CHECK(z2(0) == 3.0);    // x_1 takes x_2
  CHECK(z2(9) == 9.0);    // x_4 repeats
  CHECK(z2(12) == 14.0);  // u_0 takes u_1
  CHECK(z2(18) == 18.0);  // u_3 repeats
  CHECK(s2(0) == 6.0);
  CHECK(l2(23) == 23.0);
  CHECK(nu2(2) == 5.0);
}

TEST_CASE("condensed gradients match finite differences") { check_all_gradients(MpcForm::condensed, 11); }

TEST_CASE("stage-wise gradients match finite differences") { check_all_gradients(MpcForm::stagewise, 11); }

TEST_CASE("both forms give the same gradient") {
  const LinearMpc mpc = small_mpc(11);
  std::mt19937 rng(7);
  const VectorXd x0 = 0.6 * random_matrix(rng, 3, 1);
  const MatrixXd ref = 0.5 * random_matrix(rng, 3, 4), WU = random_matrix(rng, 2, 4), WX = random_matrix(rng, 3, 4);
  MpcGradient gc, gs;
  MpcLayer condensed(mpc, MpcForm::condensed, tight_settings()), stagewise(mpc, MpcForm::stagewise, tight_settings());
  REQUIRE(condensed.solve(x0, ref) == Status::solved);
  REQUIRE(stagewise.solve(x0, ref) == Status::solved);
  REQUIRE(condensed.backward(WU, WX, gc));
  REQUIRE(stagewise.backward(WU, WX, gs));
  CHECK((gc.A - gs.A).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((gc.B - gs.B).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((gc.Q - gs.Q).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((gc.R - gs.R).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((gc.Qf - gs.Qf).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((gc.x0 - gs.x0).cwiseAbs().maxCoeff() < 1e-6);
  CHECK((gc.x_ref - gs.x_ref).cwiseAbs().maxCoeff() < 1e-6);
  // Empty cotangents mean zero; wrong shapes are refused.
  REQUIRE(condensed.backward(MatrixXd(), MatrixXd(), gc));
  CHECK(gc.A.cwiseAbs().maxCoeff() == 0.0);
  CHECK_FALSE(condensed.backward(MatrixXd::Zero(2, 3), MatrixXd(), gc));
}

TEST_CASE("set_mpc refuses a changed bounds pattern and uses new weights") {
  LinearMpc mpc = small_mpc(8);
  MpcLayer layer(mpc, MpcForm::condensed);
  const VectorXd x0 = VectorXd::Constant(3, 0.3);
  REQUIRE(layer.solve(x0, VectorXd::Zero(3)) == Status::solved);
  const MatrixXd U = layer.inputs();
  mpc.R *= 100.0;
  layer.set_mpc(mpc);
  REQUIRE(layer.solve(x0, VectorXd::Zero(3)) == Status::solved);
  CHECK(layer.inputs().norm() < U.norm());  // inputs cost more: smaller inputs
  mpc.u_max(0) = std::numeric_limits<double>::infinity();
  CHECK_THROWS_AS(layer.set_mpc(mpc), std::invalid_argument);
}

TEST_CASE("quadrotor model: hover is an equilibrium and the Riccati weight is a fixed point") {
  const LinearMpc mpc = quadrotor_mpc(0.1, 10);
  CHECK(mpc.validation_error().empty());
  CHECK(mpc.num_states() == 12);
  CHECK(mpc.num_inputs() == 4);
  // Thrust acts on vertical velocity with dt / mass, on height with dt^2 / 2.
  CHECK(std::abs(mpc.B(8, 0) - 0.1) < 1e-12);
  CHECK(std::abs(mpc.B(2, 0) - 0.005) < 1e-12);
  const MatrixXd& X = mpc.Qf;
  const MatrixXd BtX = mpc.B.transpose() * X;
  const MatrixXd residual = mpc.Q + mpc.A.transpose() * X * mpc.A -
                            (BtX * mpc.A).transpose() * (mpc.R + BtX * mpc.B).ldlt().solve(BtX * mpc.A) - X;
  CHECK(residual.cwiseAbs().maxCoeff() < 1e-8 * X.cwiseAbs().maxCoeff());
}

namespace {

// Closed-loop flight of the quadrotor from hover to a set point; returns the total iterations.
int fly(MpcForm form, bool warm, int steps, MatrixXd& states, int& failures) {
  const LinearMpc mpc = quadrotor_mpc(0.1, 10);
  MpcLayer layer(mpc, form);
  layer.set_warm_start(warm);
  VectorXd ref = VectorXd::Zero(12);
  ref.head(3) << 1.5, -1.0, 1.0;
  states.setZero(12, steps + 1);
  int iterations = 0;
  failures = 0;
  for (int k = 0; k < steps; ++k) {
    if (layer.solve(states.col(k), ref) != Status::solved) ++failures;
    iterations += layer.solver().result().iterations;
    states.col(k + 1) = mpc.A * states.col(k) + mpc.B * layer.inputs().col(0);
  }
  return iterations;
}

}  // namespace

TEST_CASE("receding horizon: shifted warm starts cut iterations and lose no solve") {
  for (MpcForm form : {MpcForm::condensed, MpcForm::stagewise}) {
    MatrixXd cold_states, warm_states;
    int cold_failures = 0, warm_failures = 0;
    const int cold = fly(form, false, 60, cold_states, cold_failures);
    const int warm = fly(form, true, 60, warm_states, warm_failures);
    const std::string name = form == MpcForm::condensed ? "condensed" : "stage-wise";
    MESSAGE(name << ": iterations cold " << cold << ", warm " << warm);
    CHECK(cold_failures == 0);
    CHECK(warm_failures == 0);
    CHECK(warm < 0.8 * cold);
    CHECK((cold_states - warm_states).cwiseAbs().maxCoeff() < 1e-4);
    CHECK((warm_states.col(60).head(3) - Eigen::Vector3d(1.5, -1.0, 1.0)).norm() < 1e-2);  // reached the set point
  }
}

TEST_CASE("the quadrotor MPC solves cold from 100 random states around hover") {
  // Feasible, well-scaled problems: every one must solve with the default settings.
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  MpcLayer layer(quadrotor_mpc(0.1, 10), MpcForm::condensed);
  int failures = 0;
  for (int trial = 0; trial < 100; ++trial) {
    VectorXd x0(12);
    for (int i = 0; i < 3; ++i) x0(i) = 2.0 * unit(rng);
    for (int i = 3; i < 6; ++i) x0(i) = 0.15 * unit(rng);
    for (int i = 6; i < 9; ++i) x0(i) = 0.6 * unit(rng);
    for (int i = 9; i < 12; ++i) x0(i) = 0.2 * unit(rng);
    const Status status = layer.solve(x0, VectorXd::Zero(12));
    if (status != Status::solved) {
      ++failures;
      MESSAGE("trial " << trial << ": " << std::string(to_string(status)) << " after " << layer.solver().result().iterations
                       << " iterations: " << layer.solver().result().message);
    }
  }
  CHECK(failures == 0);
}

TEST_CASE("workspace path: max_iter and time_limit stop a solve within one iteration and say which") {
  const LinearMpc mpc = quadrotor_mpc(0.1, 10);
  const VectorXd ref = VectorXd::Zero(12);
  VectorXd x0 = VectorXd::Zero(12);
  x0.head(3) << 1.0, -0.5, 0.3;
  for (int limit : {0, 1, 3}) {
    Settings settings;
    settings.max_iter = limit;
    MpcLayer layer(mpc, MpcForm::condensed, settings);
    CHECK(layer.solve(x0, ref) == Status::max_iterations);  // first solve: the whole problem
    CHECK(layer.solver().result().iterations == limit);
    x0(0) += 0.1;
    CHECK(layer.solve(x0, ref) == Status::max_iterations);  // later solves: updates in place
    CHECK(layer.solver().result().iterations == limit);
    CHECK(layer.solver().result().message == "iteration limit reached");
  }
  Settings settings;
  settings.time_limit = 1e-9;  // already past when the first iteration checks the clock
  for (MpcForm form : {MpcForm::condensed, MpcForm::stagewise}) {
    MpcLayer layer(mpc, form, settings);
    CHECK(layer.solve(x0, ref) == Status::time_limit);
    CHECK(layer.solver().result().iterations <= 1);
    CHECK(layer.solve(x0, ref) == Status::time_limit);
    CHECK(layer.solver().result().iterations <= 1);
    MpcGradient unused;
    CHECK_FALSE(layer.backward(MatrixXd::Ones(4, 10), MatrixXd(), unused));
  }
  // Generous limits do not disturb a normal solve.
  settings.time_limit = 60.0;
  settings.max_iter = 100;
  MpcLayer layer(mpc, MpcForm::condensed, settings);
  CHECK(layer.solve(x0, ref) == Status::solved);
}

TEST_CASE("workspace path with warm starts: the warm attempt and its cold retry share max_iter and time_limit") {
  const LinearMpc mpc = quadrotor_mpc(0.1, 10);
  const VectorXd ref = VectorXd::Zero(12);
  VectorXd x0 = VectorXd::Zero(12);
  x0.head(3) << 1.0, -0.5, 0.3;
  MpcLayer layer(mpc, MpcForm::condensed);
  layer.set_warm_start(true);
  REQUIRE(layer.solve(x0, ref) == Status::solved);  // a plan to warm-start from
  Settings settings = layer.solver().settings();
  settings.max_iter = 2;
  layer.solver().set_settings(settings);
  x0(0) += 0.5;
  CHECK(layer.solve(x0, ref) == Status::max_iterations);
  CHECK(layer.solver().result().iterations == settings.max_iter);  // warm and cold together
  settings.max_iter = 200;
  layer.solver().set_settings(settings);
  REQUIRE(layer.solve(x0, ref) == Status::solved);
  settings.time_limit = 1e-9;
  layer.solver().set_settings(settings);
  x0(0) -= 0.5;
  CHECK(layer.solve(x0, ref) == Status::time_limit);  // not retried: the time is spent
  CHECK(layer.solver().result().iterations <= 1);
}

// The snippets of docs/control.md, verbatim between the markers (keep them in sync).
TEST_CASE("docs/control.md: the MPC control-loop snippet") {
  Eigen::VectorXd x;
  // --- snippet: mpc ---
  // Set up once: fixed dimensions, every buffer sized here.
  const optlayer::LinearMpc mpc = optlayer::quadrotor_mpc(0.1, 10);  // or fill A, B, Q, R, Qf, limits, horizon
  optlayer::MpcLayer controller(mpc, optlayer::MpcForm::condensed);
  controller.set_warm_start(true);  // start each solve from the last plan, shifted by one step

  Eigen::VectorXd set_point = Eigen::VectorXd::Zero(12);
  set_point.head(3) << 1.5, -1.0, 1.0;
  x = Eigen::VectorXd::Zero(12);    // measured state
  for (int step = 0; step < 100; ++step) {
    // Each sampling period: update x0, solve, read the plan; no heap allocation after the first.
    if (controller.solve(x, set_point) != optlayer::Status::solved) break;  // (use a fallback here)
    const auto u = controller.inputs().col(0);
    x = mpc.A * x + mpc.B * u;  // the plant (here simulated by the model)
  }
  // --- end snippet ---
  CHECK((x.head(3) - set_point.head(3)).norm() < 1e-3);
}

TEST_CASE("docs/control.md: the QpSolver workspace snippet") {
  const MpcQp data(quadrotor_mpc(0.1, 10), MpcForm::condensed);
  const Eigen::MatrixXd &P = data.P(), &G = data.G(), &A = data.A();
  const Eigen::VectorXd &q = data.q(), &h = data.h(), &b = data.b();
  const Eigen::Index n = data.n(), m = data.m(), p = data.p();
  std::vector<Eigen::VectorXd> new_q(5, q);
  const Eigen::VectorXd dl_dz = Eigen::VectorXd::Ones(n);
  // --- snippet: workspace ---
  optlayer::QpSolver solver(n, m, p);    // sizes the workspace once
  solver.solve(P, q, G, h, A, b);        // the first solve takes the whole problem
  optlayer::QpGradient gradient;         // sized by the first backward, reused after
  for (const Eigen::VectorXd& q_k : new_q) {
    solver.update_q(q_k);                // in place; also update_P/G/h/A/b
    solver.warm_start_from_result();     // optional: start from the last solution
    if (solver.solve() != optlayer::Status::solved) continue;
    solver.backward(dl_dz, gradient);    // reuses the final factorization
  }
  // --- end snippet ---
  CHECK(solver.result().status == optlayer::Status::solved);
  CHECK(gradient.q.size() == n);
}
