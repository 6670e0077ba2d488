#pragma once
// The bodies of the three fuzz targets, shared by fuzz/fuzz_*.cpp (libFuzzer entry points) and
// tests/test_fuzz_regressions.cpp, which replays the inputs the fuzzers found through exactly
// the same decoding and checks with throw_on_violation() set.
//
//  - run_qps_reader: parse_qps on arbitrary bytes may only throw QpsError (whose message starts
//    with the source name); a parsed model must be self-consistent (sizes, symmetric P, finite
//    P, C, q, c0, no NaN bounds); to_standard_form on it may only throw QpsError and must give
//    consistent, finite G/h, A/b.
//  - run_solver: the invariants of fuzz_problem.hpp after every solve.
//  - run_derivatives: not solved: backward (dense and sparse gradient), forward and jacobians
//    return false; solved: they return true, with outputs of the documented shapes and no NaN;
//    when data, solution and seeds are all moderate (<= 1e6 in magnitude) every output is
//    finite; wrong cotangent/perturbation sizes are refused; nothing throws.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_problem.hpp"
#include "optlayer/qp_jacobians.hpp"
#include "optlayer/qps_reader.hpp"

namespace fuzzqp {

// ---- QPS reader ----------------------------------------------------------------------------

inline bool no_nan(const Eigen::VectorXd& v) { return !v.array().isNaN().any(); }
inline bool finite(const Eigen::SparseMatrix<double>& M) {
  for (Eigen::Index k = 0; k < M.outerSize(); ++k)
    for (Eigen::SparseMatrix<double>::InnerIterator it(M, k); it; ++it)
      if (!std::isfinite(it.value())) return false;
  return true;
}

inline void check_model(const optlayer::QpsModel& model) {
  const Eigen::Index n = model.num_variables(), rows = model.num_rows();
  if (model.P.rows() != n || model.P.cols() != n || model.q.size() != n || model.C.rows() != rows ||
      model.C.cols() != n || model.row_lower.size() != rows || model.row_upper.size() != rows ||
      model.var_lower.size() != n || model.var_upper.size() != n)
    fail("parsed model has inconsistent sizes");
  if (!finite(model.P) || !finite(model.C) || !model.q.allFinite() || !std::isfinite(model.c0))
    fail("parsed model has non-finite P, C, q or c0");
  if (!no_nan(model.row_lower) || !no_nan(model.row_upper) || !no_nan(model.var_lower) || !no_nan(model.var_upper))
    fail("parsed model has NaN bounds");
  // (Eigen asserts on reductions of empty matrices: a model may have no columns.)
  const Eigen::SparseMatrix<double> Pt = model.P.transpose();
  if (n > 0 && (model.P - Pt).norm() != 0.0) fail("parsed P is not symmetric");
}

inline void check_standard_form(const optlayer::QpsModel& model, const optlayer::SparseQp& qp) {
  const Eigen::Index n = model.num_variables();
  if (qp.P.rows() != n || qp.P.cols() != n || qp.q.size() != n || qp.G.cols() != n || qp.A.cols() != n ||
      qp.G.rows() != qp.h.size() || qp.A.rows() != qp.b.size())
    fail("to_standard_form gave inconsistent sizes");
  if (!finite(qp.G) || !finite(qp.A) || !qp.h.allFinite() || !qp.b.allFinite())
    fail("to_standard_form gave non-finite G, h, A or b");
  // At most one A row per row/column, at most two G rows per row/column.
  if (qp.A.rows() > model.num_rows() + n || qp.G.rows() > 2 * (model.num_rows() + n))
    fail("to_standard_form gave too many rows");
}

/// The QPS reader target: parse_qps on the bytes, then to_standard_form when parsing succeeds.
inline void run_qps_reader(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  optlayer::QpsModel model;
  try {
    model = optlayer::parse_qps(in, "fuzz.qps");
  } catch (const optlayer::QpsError& e) {
    if (std::string(e.what()).rfind("fuzz.qps:", 0) != 0) fail("QpsError message does not start with the source");
    return;
  } catch (const std::exception& e) {
    fail(std::string("parse_qps threw a non-QpsError: ") + e.what());
  }
  check_model(model);
  try {
    check_standard_form(model, optlayer::to_standard_form(model));
  } catch (const optlayer::QpsError&) {
    return;
  } catch (const std::exception& e) {
    fail(std::string("to_standard_form threw a non-QpsError: ") + e.what());
  }
}

// ---- solver ------------------------------------------------------------------------------

/// The solver target: one problem, then optionally a warm-started re-solve and a re-solve on
/// held data after update_q().
inline void run_solver(const std::uint8_t* data, std::size_t size) {
  ByteReader in(data, size);
  Problem pr = decode(in);
  optlayer::QpSolver solver(pr.n, pr.m, pr.p, pr.settings);
  // A refused solve(P, ...) may leave the workspace without data (dense overload: values are
  // checked before they are stored) or holding the refused data (sparse overload).
  const bool rejected = solve_checked(solver, pr) == optlayer::Status::invalid_input;

  if (pr.flags & kWarmStart) {
    // A warm start is accepted exactly when the last result is a finite point of the right size.
    const bool accepted = solver.warm_start_from_result();
    const optlayer::QpResult& r = solver.result();
    const bool usable = r.status != optlayer::Status::invalid_input && r.status != optlayer::Status::unsolved;
    if (accepted != usable) violation("warm_start_from_result() accepted a bad point or refused a good one", r);
    const auto start = std::chrono::steady_clock::now();
    const optlayer::Status status = solver.solve();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (status != solver.result().status) violation("solve() status differs from result()", solver.result());
    check_result(pr, solver.result(), seconds, rejected);
  }
  if (pr.flags & kUpdateQ) {
    Eigen::VectorXd q(pr.n);
    fill(in, q);
    // (A workspace that never stored data may refuse: the sparse backend has no engine yet.)
    if (!solver.update_q(q) && !rejected) violation("update_q refused a vector of the right size", solver.result());
    // Wrong sizes are refused and change nothing.
    if (solver.update_q(Eigen::VectorXd(pr.n + 1))) violation("update_q accepted a wrong size", solver.result());
    pr.q = q;
    const auto start = std::chrono::steady_clock::now();
    solver.solve();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    check_result(pr, solver.result(), seconds, rejected);
  }
}

// ---- derivatives -------------------------------------------------------------------------

constexpr double kModerate = 1e6;

// A finite seed value: decoded values with non-finite ones replaced and magnitudes capped.
inline double seed_value(ByteReader& in) {
  const double v = in.value();
  if (!std::isfinite(v)) return 1.0;
  return std::max(-kModerate, std::min(kModerate, v));
}
inline void fill_seed(ByteReader& in, Eigen::MatrixXd& M) {
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j) M(i, j) = seed_value(in);
}
inline void fill_seed(ByteReader& in, Eigen::VectorXd& v) {
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = seed_value(in);
}

inline bool has_nan(const Eigen::MatrixXd& M) { return M.array().isNaN().any(); }
inline bool finite(const Eigen::MatrixXd& M) { return M.size() == 0 || M.allFinite(); }
inline double max_abs(const Eigen::VectorXd& v) { return v.size() ? v.cwiseAbs().maxCoeff() : 0.0; }

/// The derivatives target: backward (dense and sparse gradient), forward and jacobians() on
/// whatever the solver returns, with cotangents and a perturbation from the remaining bytes.
inline void run_derivatives(const std::uint8_t* data, std::size_t size) {
  using optlayer::Status;
  ByteReader in(data, size);
  const Problem pr = decode(in);
  optlayer::QpSolver solver(pr.n, pr.m, pr.p, pr.settings);
  const Status status = solve_checked(solver, pr);
  const optlayer::QpResult& r = solver.result();
  const Eigen::Index n = pr.n, m = pr.m, p = pr.p;

  Eigen::VectorXd dz(n), dl(m), dn(p);
  fill_seed(in, dz);
  fill_seed(in, dl);
  fill_seed(in, dn);
  optlayer::QpPerturbation dp;
  const std::uint8_t which = in.byte();  // which perturbation blocks are given (empty = zero)
  if (which & 1u) {
    dp.P.resize(n, n);
    fill_seed(in, dp.P);
    dp.P = (0.5 * (dp.P + dp.P.transpose())).eval();
  }
  if (which & 2u) { dp.q.resize(n); fill_seed(in, dp.q); }
  if (which & 4u) { dp.G.resize(m, n); fill_seed(in, dp.G); }
  if (which & 8u) { dp.h.resize(m); fill_seed(in, dp.h); }
  if (which & 16u) { dp.A.resize(p, n); fill_seed(in, dp.A); }
  if (which & 32u) { dp.b.resize(p); fill_seed(in, dp.b); }
  const bool with_duals = (which & 64u) != 0;

  optlayer::QpGradient grad;
  optlayer::QpTangent tangent;
  optlayer::QpJacobians jac;
  optlayer::QpSparseGradient sparse_grad;
  bool ok_backward = false, ok_forward = false, ok_jacobians = false, ok_sparse = false;
  try {
    ok_backward = with_duals ? solver.backward(dz, dl, dn, grad) : solver.backward(dz, grad);
    ok_forward = solver.forward(dp, tangent);
    ok_jacobians = solver.jacobians(jac);
    ok_sparse = solver.backward(dz, with_duals ? dl : Eigen::VectorXd(), with_duals ? dn : Eigen::VectorXd(),
                                sparse_grad);
    optlayer::QpGradient unused;
    if (solver.backward(Eigen::VectorXd(n + 1), unused)) violation("backward accepted a wrongly sized dL/dz", r);
    if (m > 0 && solver.backward(dz, Eigen::VectorXd(m + 1), Eigen::VectorXd(), unused))
      violation("backward accepted a wrongly sized dL/dlambda", r);
    optlayer::QpPerturbation bad;
    bad.q.resize(n + 1);
    optlayer::QpTangent unused_tangent;
    if (solver.forward(bad, unused_tangent)) violation("forward accepted a wrongly sized dq", r);
  } catch (const std::exception& e) {
    fail(std::string("a derivative call threw: ") + e.what());
  }

  if (status != Status::solved) {
    if (ok_backward || ok_forward || ok_jacobians || ok_sparse)
      violation("a derivative call succeeded on an unsolved problem", r);
    return;
  }
  const bool moderate = pr.max_abs() <= kModerate && max_abs(r.z) <= kModerate && max_abs(r.lambda) <= kModerate &&
                        max_abs(r.nu) <= kModerate;
  // On extreme data a derivative may be unrepresentable (NaN from overflow): the call must then
  // say so by returning false. On moderate data it must succeed.
  if (moderate && (!ok_backward || !ok_forward || !ok_jacobians || !ok_sparse))
    violation("a derivative call refused a solved problem", r);
  if (!ok_backward || !ok_forward || !ok_jacobians || !ok_sparse) return;
  if (grad.P.rows() != n || grad.P.cols() != n || grad.q.size() != n || grad.G.rows() != m || grad.G.cols() != n ||
      grad.h.size() != m || grad.A.rows() != p || grad.A.cols() != n || grad.b.size() != p)
    violation("backward: gradient shapes differ from the data", r);
  if (tangent.z.size() != n || tangent.lambda.size() != m || tangent.nu.size() != p)
    violation("forward: tangent shapes differ from the solution", r);
  if (jac.dz_dq.rows() != n || jac.dz_dq.cols() != n || jac.dz_dh.rows() != n || jac.dz_dh.cols() != m ||
      jac.dz_db.rows() != n || jac.dz_db.cols() != p)
    violation("jacobians: shapes differ from the data", r);

  if (sparse_grad.P.rows() != n || sparse_grad.P.cols() != n || sparse_grad.G.rows() != m ||
      sparse_grad.G.cols() != n || sparse_grad.A.rows() != p || sparse_grad.A.cols() != n ||
      sparse_grad.q.size() != n || sparse_grad.h.size() != m || sparse_grad.b.size() != p)
    violation("sparse backward: gradient shapes differ from the data", r);
  // The sparse gradient is the dense one restricted to the data's pattern (q, h, b equal).
  if (!(sparse_grad.q.array() == grad.q.array() || (sparse_grad.q.array().isNaN() && grad.q.array().isNaN())).all())
    violation("sparse backward: q gradient differs from the dense backward", r);
  const Eigen::MatrixXd sparse_P(sparse_grad.P), sparse_G(sparse_grad.G), sparse_A(sparse_grad.A);

  const Eigen::MatrixXd* outputs[] = {&grad.P,    &grad.G,    &grad.A,    &jac.dz_dq,
                                      &jac.dz_dh, &jac.dz_db, &sparse_P, &sparse_G, &sparse_A};
  for (const Eigen::MatrixXd* M : outputs) {
    if (has_nan(*M)) violation("NaN in a gradient or Jacobian of a solved problem", r);
    if (moderate && !finite(*M)) violation("non-finite gradient or Jacobian on moderate data", r);
  }
  const Eigen::VectorXd* vectors[] = {&grad.q, &grad.h, &grad.b, &tangent.z, &tangent.lambda, &tangent.nu};
  for (const Eigen::VectorXd* v : vectors) {
    if (v->array().isNaN().any()) violation("NaN in a gradient or tangent of a solved problem", r);
    if (moderate && !(v->size() == 0 || v->allFinite()))
      violation("non-finite gradient or tangent on moderate data", r);
  }
}

}  // namespace fuzzqp
