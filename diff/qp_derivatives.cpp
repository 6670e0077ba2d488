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

#include "solver/qp/qp_solver_impl.hpp"

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

// The pattern the sparse gradient lives on: the data itself, or every entry of a dense matrix.
SparseMatrix sparse_view(const Eigen::MatrixXd& M) { return M.sparseView(0.0, 0.0); }
const SparseMatrix& sparse_view(const SparseMatrix& M) { return M; }

// u = K^-1 rhs (unscaled), from engine.rhs into engine.sol. Never refactors. False when the
// solution is not representable: with data near the ends of the double range (a solution of
// 1e300 against coefficients of 1e-300) the scaled solve overflows and inf - inf leaves NaN.
template <class Engine>
bool solve_unscaled(Engine& e) {
  apply_scaling_map(e.scaling, e.n, e.m, e.p, e.rhs);
  e.kkt.solve(e.rhs, e.sol, std::max(e.settings.max_refinement_steps, 10), /*allow_refactor=*/false);
  apply_scaling_map(e.scaling, e.n, e.m, e.p, e.sol);
  return !e.sol.hasNaN();
}

// The adjoint solve of a backward: sol = -d with d = -K^-1 (dL/dz, dL/dlambda, dL/dnu).
template <class Engine>
bool adjoint_solve(Engine& e, const QpSolver::VectorRef& dl_dz, const QpSolver::VectorRef& dl_dlambda,
                   const QpSolver::VectorRef& dl_dnu) {
  if (e.result.status != Status::solved || !e.factorization_at_solution) return false;
  if (dl_dz.size() != e.n || !optional_size_ok(dl_dlambda, e.m) || !optional_size_ok(dl_dnu, e.p)) return false;
  const Eigen::Index n = e.n, m = e.m, p = e.p;
  e.rhs.head(n) = dl_dz;
  if (dl_dlambda.size() > 0) e.rhs.segment(n, m) = dl_dlambda; else e.rhs.segment(n, m).setZero();
  if (dl_dnu.size() > 0) e.rhs.tail(p) = dl_dnu; else e.rhs.tail(p).setZero();
  return solve_unscaled(e);
}

// OptNet's formulas in the lambda-scaled form of K, with d = -sol:
// grad_q = d_z, grad_P = sym(d_z z'), grad_G = lambda d_z' + d_lambda z', grad_h = -d_lambda,
// grad_A = nu d_z' + d_nu z', grad_b = -d_nu.
template <class Engine>
void dense_gradient(const Engine& e, QpGradient& out) {
  const Eigen::Index n = e.n, m = e.m, p = e.p;
  const auto dz = -e.sol.head(n);
  const auto dlam = -e.sol.segment(n, m);
  const auto dnu = -e.sol.tail(p);
  const QpResult& r = e.result;
  out.q = dz;
  out.P.noalias() = 0.5 * dz * r.z.transpose();
  // P + P' in place: the .eval() of a transpose would allocate on every backward.
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = j; i < n; ++i) out.P(i, j) = out.P(j, i) = out.P(i, j) + out.P(j, i);
  out.G.noalias() = r.lambda * dz.transpose();
  out.G.noalias() += dlam * r.z.transpose();
  out.h = -dlam;
  out.A.noalias() = r.nu * dz.transpose();
  out.A.noalias() += dnu * r.z.transpose();
  out.b = -dnu;
}

// The same entries as dense_gradient, only on the pattern of `pattern`: entry (i, j) of
// factor (u a' + v b') is factor (u_i a_j + v_i b_j). The vectors are views (segments of the
// adjoint solution), so that a backward into a sized gradient allocates nothing.
using VectorView = Eigen::Ref<const Eigen::VectorXd>;
void outer_on_pattern(const SparseMatrix& pattern, const VectorView& u, const VectorView& a, const VectorView& v,
                      const VectorView& bvec, double factor, Eigen::SparseMatrix<double>& out) {
  out = pattern;
  for (Eigen::Index j = 0; j < out.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(out, j); it; ++it)
      it.valueRef() = factor * (u(it.row()) * a(j) + v(it.row()) * bvec(j));
}

// With d = -sol as in dense_gradient: grad_P = -(sol z' + z sol') / 2, grad_G = -(lambda sol_z' +
// sol_lambda z'), grad_A = -(nu sol_z' + sol_nu z').
template <class Engine>
void sparse_gradient(const Engine& e, const SparseMatrix& P, const SparseMatrix& G, const SparseMatrix& A,
                     QpSparseGradient& out) {
  const Eigen::Index n = e.n, m = e.m, p = e.p;
  const VectorView sol_z = e.sol.head(n), sol_lambda = e.sol.segment(n, m), sol_nu = e.sol.tail(p);
  const QpResult& r = e.result;
  out.q = -sol_z;
  outer_on_pattern(P, sol_z, r.z, r.z, sol_z, -0.5, out.P);
  outer_on_pattern(G, r.lambda, sol_z, sol_lambda, r.z, -1.0, out.G);
  out.h = sol_lambda;
  outer_on_pattern(A, r.nu, sol_z, sol_nu, r.z, -1.0, out.A);
  out.b = sol_nu;
}

template <class Engine>
bool forward_mode(Engine& e, const QpPerturbation& d, QpTangent& out) {
  if (e.result.status != Status::solved || !e.factorization_at_solution) return false;
  const Eigen::Index n = e.n, m = e.m, p = e.p;
  auto size_ok = [](const auto& x, Eigen::Index rows, Eigen::Index cols) {
    return x.size() == 0 || (x.rows() == rows && x.cols() == cols);
  };
  if (!size_ok(d.P, n, n) || !size_ok(d.q, n, 1) || !size_ok(d.G, m, n) || !size_ok(d.h, m, 1) ||
      !size_ok(d.A, p, n) || !size_ok(d.b, p, 1))
    return false;
  const QpResult& r = e.result;
  // r = [dP z + dq + dG'lambda + dA'nu; dG z - dh; dA z - db]; dy = -K^-1 r.
  auto r1 = e.rhs.head(n);
  auto r2 = e.rhs.segment(n, m);
  auto r3 = e.rhs.tail(p);
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
  if (!solve_unscaled(e)) return false;
  out.z = -e.sol.head(n);
  out.lambda = -e.sol.segment(n, m);
  out.nu = -e.sol.tail(p);
  return true;
}

}  // namespace

bool QpSolver::backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                        QpGradient& out) {
  return impl_->with_active([&](auto& e) {
    if (!adjoint_solve(e, dl_dz, dl_dlambda, dl_dnu)) return false;
    dense_gradient(e, out);
    // An infinite adjoint times a zero of the solution (or the reverse) is NaN.
    return !(out.P.hasNaN() || out.G.hasNaN() || out.A.hasNaN());
  });
}

bool QpSolver::backward(const VectorRef& dl_dz, const VectorRef& dl_dlambda, const VectorRef& dl_dnu,
                        QpSparseGradient& out) {
  return impl_->with_active([&](auto& e) {
    if (!adjoint_solve(e, dl_dz, dl_dlambda, dl_dnu)) return false;
    sparse_gradient(e, sparse_view(e.user_P), sparse_view(e.user_G), sparse_view(e.user_A), out);
    auto has_nan = [](const Eigen::SparseMatrix<double>& M) {
      return Eigen::Map<const Eigen::VectorXd>(M.valuePtr(), M.nonZeros()).hasNaN();
    };
    return !(has_nan(out.P) || has_nan(out.G) || has_nan(out.A));
  });
}

bool QpSolver::backward(const VectorRef& dl_dz, QpGradient& out) {
  return backward(dl_dz, Eigen::VectorXd(), Eigen::VectorXd(), out);
}

bool QpSolver::forward(const QpPerturbation& d, QpTangent& out) {
  return impl_->with_active([&](auto& e) { return forward_mode(e, d, out); });
}

}  // namespace optlayer
