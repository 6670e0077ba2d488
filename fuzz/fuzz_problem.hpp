#pragma once
// Turns fuzzer bytes into a small dense QP (n <= 8, m <= 8, p <= 4) plus solver settings,
// and checks the invariants every solve must keep. Shared by the solver and derivative targets.
//
// Layout of the input (missing bytes read as 0):
//   byte 0..2  n = b % 9, m = b % 9, p = b % 5
//   byte 3     structure flags (see Flags)
//   byte 4     max_iter = b % 41, KKT method = (b / 41) % 3
//   byte 5     scaling_iterations = b % 11, check_convexity unless bit 7
//   byte 6     backend = b % 3 (automatic, dense, sparse); bit 7: call the sparse solve() overload
//   then       the values of P (n x n, row-major), q, G, h, A, b, each from decode_value()
// Values are mostly small multiples of 1/8, with NaN, +-Inf, +-1e300, +-1e-300, denormals,
// DBL_MAX and raw 8-byte doubles mixed in, so that both the input checks and the numerics
// of valid but extreme data are exercised.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "optlayer/qp_solver.hpp"

namespace fuzzqp {

constexpr int kMaxN = 8, kMaxM = 8, kMaxP = 4;
constexpr double kTimeLimit = 0.25;  // seconds per solve (Settings::time_limit)

/// Reads bytes front to back; past the end every read gives 0.
class ByteReader {
 public:
  ByteReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return pos_ < size_ ? data_[pos_++] : 0; }
  double raw_double() {
    std::uint8_t bytes[8] = {};
    for (std::uint8_t& b : bytes) b = byte();
    double v;
    std::memcpy(&v, bytes, sizeof v);
    return v;
  }
  /// One data value: mostly k/8 for k in [-64, 63], sometimes an extreme or special value.
  double value() {
    const std::uint8_t c = byte();
    if (c < 128) return (static_cast<int>(c) - 64) / 8.0;
    if (c < 160) return static_cast<double>(c - 144);  // small integers -16..15
    switch (c % 16) {
      case 0: return 0.0;
      case 1: return std::numeric_limits<double>::quiet_NaN();
      case 2: return std::numeric_limits<double>::infinity();
      case 3: return -std::numeric_limits<double>::infinity();
      case 4: return 1e300;
      case 5: return -1e300;
      case 6: return 1e-300;
      case 7: return -1e-300;
      case 8: return std::numeric_limits<double>::denorm_min();
      case 9: return std::numeric_limits<double>::max();
      case 10: return 1e8;
      case 11: return -1e-8;
      case 12: return 1e150;
      case 13: return -0.0;
      default: return raw_double();
    }
  }
  bool exhausted() const { return pos_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

/// What a broken invariant throws when throw_on_violation() is set (the regression tests replay
/// fuzzer inputs through these checks); deliberately not a std::exception, so that the targets'
/// catch (const std::exception&) around library calls cannot swallow it.
struct InvariantViolation {
  std::string what;
};
inline bool& throw_on_violation() {
  static bool value = false;
  return value;
}

/// Invariant violations already reported and awaiting a fix can be let through with
/// FUZZ_KNOWN_ISSUES=tag1,tag2 so that a run can look for other bugs (docs/reliability.md lists
/// the tags). Never set by `make fuzz`.
inline bool known_issue(const char* tag) {
  const char* list = std::getenv("FUZZ_KNOWN_ISSUES");
  return list != nullptr && std::strstr(list, tag) != nullptr;
}

/// The problem under test, printed with a violation (set by decode()).
inline std::string& current_problem_text() {
  static std::string text;
  return text;
}

/// Reports a broken invariant: aborts (libFuzzer records a crash) or throws InvariantViolation.
[[noreturn]] inline void fail(const std::string& what) {
  if (throw_on_violation()) throw InvariantViolation{what + "\n" + current_problem_text()};
  std::fprintf(stderr, "INVARIANT VIOLATED: %s\n%s", what.c_str(), current_problem_text().c_str());
  std::abort();
}

[[noreturn]] inline void violation(const char* what, const optlayer::QpResult& r) {
  fail(std::string(what) + " (status " + optlayer::to_string(r.status) + ", iterations " +
       std::to_string(r.iterations) + ", message '" + r.message + "')");
}

/// Structure flags (byte 3).
enum Flags : unsigned {
  kPsdP = 1u << 0,         ///< P = B'B from the decoded B (convex, often rank deficient)
  kSymmetrize = 1u << 1,   ///< P = (B + B') / 2 (may be indefinite); neither bit: P as decoded
  kDuplicateG = 1u << 2,   ///< last row of G (and h) repeats the first
  kZeroRowG = 1u << 3,     ///< first row of G is zero
  kDuplicateA = 1u << 4,   ///< last row of A (and b) repeats the first
  kZeroRowA = 1u << 5,     ///< first row of A is zero
  kWarmStart = 1u << 6,    ///< solve again warm-started from the first result
  kUpdateQ = 1u << 7,      ///< then change q through update_q() and solve() on held data
};

struct Problem {
  Eigen::Index n = 0, m = 0, p = 0;
  unsigned flags = 0;
  Eigen::MatrixXd P, G, A;
  Eigen::VectorXd q, h, b;
  optlayer::Settings settings;
  bool sparse_call = false;  ///< solve through the Eigen::SparseMatrix overload

  bool all_finite() const {
    return P.allFinite() && q.allFinite() && G.allFinite() && h.allFinite() && A.allFinite() && b.allFinite();
  }
  double max_abs() const {
    double v = 0.0;
    for (const double x : {P.size() ? P.cwiseAbs().maxCoeff() : 0.0, q.size() ? q.cwiseAbs().maxCoeff() : 0.0,
                           G.size() ? G.cwiseAbs().maxCoeff() : 0.0, h.size() ? h.cwiseAbs().maxCoeff() : 0.0,
                           A.size() ? A.cwiseAbs().maxCoeff() : 0.0, b.size() ? b.cwiseAbs().maxCoeff() : 0.0})
      v = std::max(v, x);
    return v;
  }
};

inline void fill(ByteReader& in, Eigen::MatrixXd& M) {
  for (Eigen::Index i = 0; i < M.rows(); ++i)
    for (Eigen::Index j = 0; j < M.cols(); ++j) M(i, j) = in.value();
}
inline void fill(ByteReader& in, Eigen::VectorXd& v) {
  for (Eigen::Index i = 0; i < v.size(); ++i) v(i) = in.value();
}

/// The problem and its settings as text (full precision), for violation reports.
inline std::string describe(const Problem& pr) {
  std::ostringstream out;
  out.precision(17);
  const Eigen::IOFormat fmt(Eigen::FullPrecision, 0, ", ", ";\n", "  [", "]");
  out << "n = " << pr.n << ", m = " << pr.m << ", p = " << pr.p << ", flags = " << pr.flags
      << ", max_iter = " << pr.settings.max_iter << ", kkt_method = " << static_cast<int>(pr.settings.kkt_method)
      << ", scaling_iterations = " << pr.settings.scaling_iterations
      << ", check_convexity = " << pr.settings.check_convexity
      << ", backend = " << static_cast<int>(pr.settings.backend) << ", sparse_call = " << pr.sparse_call << "\n";
  out << "P =\n" << pr.P.format(fmt) << "\nq = " << pr.q.transpose().format(fmt) << "\nG =\n"
      << pr.G.format(fmt) << "\nh = " << pr.h.transpose().format(fmt) << "\nA =\n" << pr.A.format(fmt)
      << "\nb = " << pr.b.transpose().format(fmt) << "\n";
  return out.str();
}

inline Problem decode(ByteReader& in) {
  Problem pr;
  pr.n = in.byte() % (kMaxN + 1);
  pr.m = in.byte() % (kMaxM + 1);
  pr.p = in.byte() % (kMaxP + 1);
  pr.flags = in.byte();
  const std::uint8_t iter_byte = in.byte();
  pr.settings.max_iter = iter_byte % 41;
  pr.settings.kkt_method = static_cast<optlayer::KktMethod>((iter_byte / 41) % 3);
  const std::uint8_t scaling_byte = in.byte();
  pr.settings.scaling_iterations = scaling_byte % 11;
  pr.settings.check_convexity = (scaling_byte & 0x80u) == 0;
  pr.settings.time_limit = kTimeLimit;
  const std::uint8_t backend_byte = in.byte();
  pr.settings.backend = static_cast<optlayer::Backend>(backend_byte % 3);
  pr.sparse_call = (backend_byte & 0x80u) != 0;

  const Eigen::Index n = pr.n, m = pr.m, p = pr.p;
  Eigen::MatrixXd B(n, n);
  fill(in, B);
  if (pr.flags & kPsdP) pr.P = B.transpose() * B;
  else if (pr.flags & kSymmetrize) pr.P = 0.5 * (B + B.transpose());
  else pr.P = B;
  pr.q.resize(n);
  fill(in, pr.q);
  pr.G.resize(m, n);
  fill(in, pr.G);
  pr.h.resize(m);
  fill(in, pr.h);
  pr.A.resize(p, n);
  fill(in, pr.A);
  pr.b.resize(p);
  fill(in, pr.b);
  // (n > 0: Eigen forms a row of a matrix without columns from a null pointer plus an offset.)
  if (n > 0 && m > 0 && (pr.flags & kZeroRowG)) pr.G.row(0).setZero();
  if (n > 0 && m > 1 && (pr.flags & kDuplicateG)) {
    pr.G.row(m - 1) = pr.G.row(0);
    pr.h(m - 1) = pr.h(0);
  }
  if (n > 0 && p > 0 && (pr.flags & kZeroRowA)) pr.A.row(0).setZero();
  if (n > 0 && p > 1 && (pr.flags & kDuplicateA)) {
    pr.A.row(p - 1) = pr.A.row(0);
    pr.b(p - 1) = pr.b(0);
  }
  current_problem_text() = describe(pr);
  return pr;
}

inline bool finite_or_empty(const Eigen::VectorXd& v) { return v.size() == 0 || v.allFinite(); }

// The invariants are recomputed in long double (x87: 64-bit mantissa, exponent to 4932), so that
// neither overflow (z'Pz of a solution near 1e154) nor the recomputation's own round-off can
// make a correct answer look wrong. The allowance for the double-precision data and results is
// a few double ulps of the sum of |terms|.
using LMatrix = Eigen::Matrix<long double, Eigen::Dynamic, Eigen::Dynamic>;
using LVector = Eigen::Matrix<long double, Eigen::Dynamic, 1>;

inline long double inf_norm(const LVector& v) { return v.size() ? v.cwiseAbs().maxCoeff() : 0.0L; }
inline LMatrix wide(const Eigen::MatrixXd& M) { return M.cast<long double>(); }
inline LVector wide(const Eigen::VectorXd& v) { return v.cast<long double>(); }

// Round-off allowance of a product M x computed in double: 64 ulps of || |M| |x| ||.
inline long double roundoff(const LMatrix& M, const LVector& x) {
  if (M.size() == 0) return 0.0L;
  return 64.0L * std::numeric_limits<double>::epsilon() * inf_norm(LVector(M.cwiseAbs() * x.cwiseAbs()));
}

// "<what>: <measure> (scale <scale>), the result reports <reported>".
inline std::string numbers(const char* what, long double measure, long double scale, double reported) {
  std::ostringstream out;
  out.precision(6);
  out << what << ": " << measure << " (scale " << scale << "), the result reports " << reported;
  return out.str();
}

/// Checks a solved result against the data: finite, s and lambda >= 0, and the primal residual,
/// dual residual and duality gap (recomputed here, not read from the result) within
/// eps_abs + eps_rel * scale, the definitions QpResult documents. P enters as (P + P')/2: the
/// solver accepts P symmetric to 1e-9 of its largest entry and solves with its symmetric part.
inline void check_solved(const Problem& pr, const optlayer::QpResult& r) {
  if (!(r.z.allFinite() && finite_or_empty(r.s) && finite_or_empty(r.lambda) && finite_or_empty(r.nu)))
    violation("solved with non-finite z/s/lambda/nu", r);
  if (r.z.size() != pr.n || r.s.size() != pr.m || r.lambda.size() != pr.m || r.nu.size() != pr.p)
    violation("solved with wrongly sized outputs", r);
  if (pr.m > 0 && (r.lambda.minCoeff() < 0.0 || r.s.minCoeff() < 0.0)) violation("solved with negative s or lambda", r);
  const long double ea = pr.settings.eps_abs, er = pr.settings.eps_rel;
  const LMatrix P = (wide(pr.P) + wide(pr.P).transpose()) / 2.0L, G = wide(pr.G), A = wide(pr.A);
  const LMatrix Gt = G.transpose(), At = A.transpose();
  const LVector q = wide(pr.q), h = wide(pr.h), b = wide(pr.b);
  const LVector z = wide(r.z), lambda = wide(r.lambda), nu = wide(r.nu);
  const LVector Pz = P * z, Gz = G * z, Az = A * z, Gtl = Gt * lambda, Atn = At * nu;

  long double primal = 0.0L;
  if (pr.m > 0) primal = std::max(primal, (Gz - h).maxCoeff());
  if (pr.p > 0) primal = std::max(primal, inf_norm(LVector(Az - b)));
  const long double primal_scale = std::max({inf_norm(Gz), inf_norm(h), inf_norm(Az), inf_norm(b)});
  const long double primal_slack = roundoff(G, z) + roundoff(A, z);
  if (!(primal <= ea + er * primal_scale + primal_slack))
    violation(numbers("solved but primal residual above tolerance", primal, primal_scale, r.primal_residual).c_str(), r);

  const long double dual = inf_norm(LVector(Pz + q + Gtl + Atn));
  const long double dual_scale = std::max({inf_norm(Pz), inf_norm(q), inf_norm(Gtl), inf_norm(Atn)});
  const long double dual_slack = roundoff(P, z) + roundoff(Gt, lambda) + roundoff(At, nu) +
                                 16.0L * std::numeric_limits<double>::epsilon() * dual_scale;
  if (!(dual <= ea + er * dual_scale + dual_slack))
    violation(numbers("solved but dual residual above tolerance", dual, dual_scale, r.dual_residual).c_str(), r);

  const long double zPz = z.dot(Pz), qz = q.dot(z), hl = h.dot(lambda), bn = b.dot(nu);
  const long double gap = std::abs(zPz + qz + hl + bn);
  const long double gap_scale = std::max({std::abs(zPz), std::abs(qz), std::abs(hl), std::abs(bn)});
  const long double gap_slack =
      64.0L * std::numeric_limits<double>::epsilon() *
      (z.cwiseAbs().dot(P.cwiseAbs() * z.cwiseAbs()) + q.cwiseAbs().dot(z.cwiseAbs()) +
       h.cwiseAbs().dot(lambda.cwiseAbs()) + b.cwiseAbs().dot(nu.cwiseAbs()));
  if (!(gap <= ea + er * gap_scale + gap_slack))
    violation(numbers("solved but duality gap above tolerance", gap, gap_scale, r.duality_gap).c_str(), r);
}

/// A primal infeasibility certificate must be one, on the original data: lambda >= 0,
/// ||G'lambda + A'nu|| <= eps and h'lambda + b'nu < 0, with (lambda, nu) of inf-norm 1.
inline void check_primal_certificate(const Problem& pr, const optlayer::QpResult& r) {
  if (r.certificate_lambda.size() != pr.m || r.certificate_nu.size() != pr.p ||
      !finite_or_empty(r.certificate_lambda) || !finite_or_empty(r.certificate_nu))
    violation("primal_infeasible with a missing or non-finite certificate", r);
  if (pr.m > 0 && r.certificate_lambda.minCoeff() < 0.0) violation("primal_infeasible certificate has lambda < 0", r);
  const LVector l = wide(r.certificate_lambda), v = wide(r.certificate_nu);
  const LMatrix Gt = wide(pr.G).transpose(), At = wide(pr.A).transpose();
  const long double eps = pr.settings.eps_primal_infeasible;
  const long double combo = inf_norm(LVector(Gt * l + At * v));
  if (!(combo <= 10.0L * eps + roundoff(Gt, l) + roundoff(At, v)))
    violation(numbers("primal_infeasible certificate: G'lambda + A'nu is not ~0", combo, 1.0L, 0.0).c_str(), r);
  if (!(wide(pr.h).dot(l) + wide(pr.b).dot(v) < 0.0L))
    violation("primal_infeasible certificate: h'lambda + b'nu >= 0", r);
}

/// A dual infeasibility certificate must be a descent ray: Pz ~ 0, Az ~ 0, Gz <= ~0, q'z < 0.
inline void check_dual_certificate(const Problem& pr, const optlayer::QpResult& r) {
  if (r.certificate_z.size() != pr.n || !r.certificate_z.allFinite())
    violation("dual_infeasible with a missing or non-finite certificate", r);
  const LVector z = wide(r.certificate_z);
  const LMatrix P = (wide(pr.P) + wide(pr.P).transpose()) / 2.0L, G = wide(pr.G), A = wide(pr.A);
  const long double eps = 10.0L * pr.settings.eps_dual_infeasible;
  if (!(inf_norm(LVector(P * z)) <= eps + roundoff(P, z)))
    violation(numbers("dual_infeasible certificate: Pz is not ~0", inf_norm(LVector(P * z)), 1.0L, 0.0).c_str(), r);
  if (pr.p > 0 && !(inf_norm(LVector(A * z)) <= eps + roundoff(A, z)))
    violation("dual_infeasible certificate: Az is not ~0", r);
  if (pr.m > 0 && !((G * z).maxCoeff() <= eps + roundoff(G, z)))
    violation("dual_infeasible certificate: Gz is not <= ~0", r);
  if (!(wide(pr.q).dot(z) < 0.0L)) violation("dual_infeasible certificate: q'z >= 0", r);
}

/// Invariants of any finished solve (a warm start's cold retry shares max_iter with it).
/// `held_rejected`: the solve ran on held data that an earlier solve(P, ...) refused, so the
/// workspace may hold none or other data than `pr`.
inline void check_result(const Problem& pr, const optlayer::QpResult& r, double seconds,
                         bool held_rejected = false) {
  using optlayer::Status;
  const int iteration_cap = pr.settings.max_iter;  // a cold retry of a warm start shares the budget
  if (r.iterations < 0 || r.iterations > iteration_cap) violation("iterations exceed max_iter", r);
  if (seconds > pr.settings.time_limit + 2.0) violation("solve ran far past time_limit", r);
  switch (r.status) {
    case Status::solved: check_solved(pr, r); return;
    case Status::invalid_input: {
      const bool bad = held_rejected || pr.n == 0 || !pr.all_finite() || pr.P != pr.P.transpose();
      if (!bad) violation("invalid_input on finite data with an exactly symmetric P", r);
      if (r.message.empty()) violation("invalid_input without a message", r);
      return;
    }
    case Status::non_convex:
      if (!pr.settings.check_convexity) violation("non_convex although check_convexity is off", r);
      return;
    case Status::unsolved: violation("status unsolved after a solve", r);
    default: break;
  }
  // primal_infeasible, dual_infeasible, max_iterations, time_limit, numerical_error:
  // the outputs are either a finite point or zeroed.
  // Tag unsolved-nonfinite: the engine tests the scaled iterate for finiteness, but undoing the
  // scaling can overflow (tests/test_fuzz_regressions.cpp).
  if (!(r.z.allFinite() && finite_or_empty(r.s) && finite_or_empty(r.lambda) && finite_or_empty(r.nu)) &&
      !known_issue("unsolved-nonfinite"))
    violation("unsolved status with non-finite z/s/lambda/nu", r);
  if (r.message.empty()) violation("unsolved status without a message", r);
  if (r.status == Status::primal_infeasible) check_primal_certificate(pr, r);
  if (r.status == Status::dual_infeasible) check_dual_certificate(pr, r);
}

/// Every entry that is not an exact zero, NaN included (sparseView() would drop NaN).
inline Eigen::SparseMatrix<double> to_sparse(const Eigen::MatrixXd& M) {
  std::vector<Eigen::Triplet<double>> entries;
  for (Eigen::Index j = 0; j < M.cols(); ++j)
    for (Eigen::Index i = 0; i < M.rows(); ++i)
      if (M(i, j) != 0.0) entries.emplace_back(i, j, M(i, j));
  Eigen::SparseMatrix<double> S(M.rows(), M.cols());
  S.setFromTriplets(entries.begin(), entries.end());
  return S;
}

/// Runs solver.solve(...) on the problem, timing it, and checks the invariants. Never lets an
/// exception escape silently: any exception is an invariant violation.
inline optlayer::Status solve_checked(optlayer::QpSolver& solver, const Problem& pr) {
  const auto start = std::chrono::steady_clock::now();
  optlayer::Status status;
  try {
    if (pr.sparse_call)
      status = solver.solve(to_sparse(pr.P), pr.q, to_sparse(pr.G), pr.h, to_sparse(pr.A), pr.b);
    else
      status = solver.solve(pr.P, pr.q, pr.G, pr.h, pr.A, pr.b);
  } catch (const std::exception& e) {
    fail(std::string("solve threw: ") + e.what());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (status != solver.result().status) violation("returned status differs from result().status", solver.result());
  check_result(pr, solver.result(), seconds);
  return status;
}

}  // namespace fuzzqp
