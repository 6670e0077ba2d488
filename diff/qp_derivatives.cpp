// Backward (VJP) and forward (JVP) derivatives of a QP solution through the
// factorization the interior-point method kept at its final iterate.
//
// At the final iterate the solver's KKT matrix (unscaled) is
//     K = [P G' A'; G -W 0; A 0 0],   W = diag(s ./ lambda),
// the Jacobian of the perturbed KKT conditions (stationarity, s o lambda = mu,
// primal feasibility) with the complementarity rows divided by lambda. Its
// derivative is therefore the exact derivative of the central-path point at the
// final mu; for strictly complementary problems that converges to the
// derivative of the solution as mu -> 0.
//
// With the Ruiz scaling, the scaled matrix is K~ = T K T for
// T = diag(sqrt(c) D, E / sqrt(c), F / sqrt(c)), hence K^-1 = T K~^-1 T.

#include <cmath>

#include "solver/qp_workspace.hpp"

namespace optlayer {
namespace {

// x <- T x for the stacked vector (z, lambda, nu) blocks.
void apply_scaling_map(const RuizScaling& scaling, Eigen::Index n, Eigen::Index m, Eigen::Index p,
                       Eigen::VectorXd& x) {
  const double root_c = std::sqrt(scaling.c);
  x.head(n).array() *= root_c * scaling.D.array();
  x.segment(n, m).array() *= scaling.E.array() / root_c;
  x.tail(p).array() *= scaling.F.array() / root_c;
}

bool optional_size_ok(const Eigen::Ref<const Eigen::VectorXd>& v, Eigen::Index size) {
  return v.size() == 0 || v.size() == size;
}

}  // namespace

// u = K^-1 rhs (unscaled), in place on impl.rhs -> impl.sol.
static void solve_unscaled(QpSolver::Impl& w) {
  apply_scaling_map(w.scaling, w.n, w.m, w.p, w.rhs);
  w.kkt.solve(w.rhs, w.sol, std::max(w.settings.max_refinement_steps, 10), /*allow_refactor=*/false);
  apply_scaling_map(w.scaling, w.n, w.m, w.p, w.sol);
}

bool QpSolver::backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                        QpGradient& out) {
  Impl& w = *impl_;
  if (w.result.status != Status::solved || !w.factorization_at_solution) return false;
  if (dl_dz.size() != w.n || !optional_size_ok(dl_dlambda, w.m) || !optional_size_ok(dl_dnu, w.p)) return false;
  const Eigen::Index n = w.n, m = w.m, p = w.p;
  w.rhs.head(n) = dl_dz;
  if (dl_dlambda.size() > 0) w.rhs.segment(n, m) = dl_dlambda; else w.rhs.segment(n, m).setZero();
  if (dl_dnu.size() > 0) w.rhs.tail(p) = dl_dnu; else w.rhs.tail(p).setZero();
  solve_unscaled(w);
  // d = -K^-1 (dL/dy); OptNet's formulas in the lambda-scaled form of K.
  const auto dz = -w.sol.head(n);
  const auto dlam = -w.sol.segment(n, m);
  const auto dnu = -w.sol.tail(p);
  const QpResult& r = w.result;
  out.q = dz;
  out.P.noalias() = 0.5 * dz * r.z.transpose();
  out.P += out.P.transpose().eval();
  out.G.noalias() = r.lambda * dz.transpose();
  out.G.noalias() += dlam * r.z.transpose();
  out.h = -dlam;
  out.A.noalias() = r.nu * dz.transpose();
  out.A.noalias() += dnu * r.z.transpose();
  out.b = -dnu;
  return true;
}

bool QpSolver::backward(const VectorRef& dl_dz, QpGradient& out) {
  return backward(dl_dz, Eigen::VectorXd(), Eigen::VectorXd(), out);
}

bool QpSolver::forward(const QpPerturbation& d, QpTangent& out) {
  Impl& w = *impl_;
  if (w.result.status != Status::solved || !w.factorization_at_solution) return false;
  const Eigen::Index n = w.n, m = w.m, p = w.p;
  auto size_ok = [](const auto& x, Eigen::Index rows, Eigen::Index cols) {
    return x.size() == 0 || (x.rows() == rows && x.cols() == cols);
  };
  if (!size_ok(d.P, n, n) || !size_ok(d.q, n, 1) || !size_ok(d.G, m, n) || !size_ok(d.h, m, 1) ||
      !size_ok(d.A, p, n) || !size_ok(d.b, p, 1))
    return false;
  const QpResult& r = w.result;
  // r = [dP z + dq + dG'lambda + dA'nu; dG z - dh; dA z - db]; dy = -K^-1 r.
  auto r1 = w.rhs.head(n);
  auto r2 = w.rhs.segment(n, m);
  auto r3 = w.rhs.tail(p);
  r1.setZero();
  r2.setZero();
  r3.setZero();
  if (d.P.size() > 0) r1.noalias() += d.P * r.z;
  if (d.q.size() > 0) r1 += d.q;
  if (d.G.size() > 0) {
    r1.noalias() += d.G.transpose() * r.lambda;
    r2.noalias() += d.G * r.z;
  }
  if (d.A.size() > 0) {
    r1.noalias() += d.A.transpose() * r.nu;
    r3.noalias() += d.A * r.z;
  }
  if (d.h.size() > 0) r2 -= d.h;
  if (d.b.size() > 0) r3 -= d.b;
  solve_unscaled(w);
  out.z = -w.sol.head(n);
  out.lambda = -w.sol.segment(n, m);
  out.nu = -w.sol.tail(p);
  return true;
}

}  // namespace optlayer
