// Random problems whose status is known by construction (feasible with a bounded optimum,
// primal infeasible, unbounded), badly scaled and degenerate, through both backends: the
// solver must return the right status, with a solution or certificate that holds on the data.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <optlayer/optlayer.hpp>

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

using Problem = QpData;  // P, q, G, h, A, b (dense)

class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  double uniform(double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng_); }
  int integer(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  VectorXd vector(Eigen::Index size) {
    VectorXd v(size);
    for (Eigen::Index i = 0; i < size; ++i) v(i) = uniform(-1.0, 1.0);
    return v;
  }
  // About `density` of the entries nonzero, and no zero row.
  MatrixXd sparse_matrix(Eigen::Index rows, Eigen::Index cols, double density) {
    MatrixXd M = MatrixXd::Zero(rows, cols);
    for (Eigen::Index i = 0; i < rows; ++i) {
      for (Eigen::Index j = 0; j < cols; ++j)
        if (uniform(0.0, 1.0) < density) M(i, j) = uniform(-1.0, 1.0);
      M(i, integer(0, static_cast<int>(cols) - 1)) = uniform(0.5, 1.0);
    }
    return M;
  }
  // P = L L' of rank `rank` (0: an LP), its null space spanned by the columns of `null` if given.
  MatrixXd psd(Eigen::Index n, Eigen::Index rank, const VectorXd* null = nullptr) {
    MatrixXd L = sparse_matrix(n, std::max<Eigen::Index>(rank, 1), 0.5);
    if (rank == 0) return MatrixXd::Zero(n, n);
    if (null) L -= *null * (null->transpose() * L) / null->squaredNorm();
    return L * L.transpose();
  }
  // Orders of magnitude 10^[-k, k].
  double magnitude(double k) { return std::pow(10.0, uniform(-k, k)); }

 private:
  std::mt19937 rng_;
};

// Degenerate constraints: a copy of a random row of G and of A (rank-deficient A, dependent
// active rows), each scaled by a random factor with its right-hand side.
void duplicate_rows(Generator& g, Problem& pr) {
  auto append_copy = [&g](MatrixXd& M, VectorXd& rhs) {
    if (M.rows() == 0) return;
    const Eigen::Index source = g.integer(0, static_cast<int>(M.rows()) - 1), rows = M.rows();
    const double factor = g.uniform(0.5, 2.0);
    M.conservativeResize(rows + 1, Eigen::NoChange);
    rhs.conservativeResize(rows + 1);
    M.row(rows) = factor * M.row(source);
    rhs(rows) = factor * rhs(source);
  };
  append_copy(pr.G, pr.h);
  append_copy(pr.A, pr.b);
}

// Feasible with a bounded optimum: the point x0 satisfies Gx0 + s0 = h (a third of s0 zero:
// degenerate active rows), Ax0 = b, and a box |x| <= 10 bounds the feasible set.
Problem feasible_problem(Generator& g, Eigen::Index n, Eigen::Index m, Eigen::Index p, bool lp) {
  Problem pr;
  pr.P = g.psd(n, lp ? 0 : g.integer(1, static_cast<int>(n)));
  pr.q = g.vector(n);
  const MatrixXd general = g.sparse_matrix(m, n, 0.3);
  pr.G.resize(m + 2 * n, n);
  pr.G << general, MatrixXd::Identity(n, n), -MatrixXd::Identity(n, n);
  const VectorXd x0 = 5.0 * g.vector(n);
  VectorXd s0(m + 2 * n);
  for (Eigen::Index i = 0; i < s0.size(); ++i) s0(i) = g.integer(0, 2) == 0 ? 0.0 : g.uniform(0.0, 2.0);
  s0.tail(2 * n) = (VectorXd::Constant(2 * n, 10.0) - (VectorXd(2 * n) << x0, -x0).finished());
  pr.h = pr.G * x0 + s0;
  pr.A = g.sparse_matrix(p, n, 0.3);
  pr.b = pr.A * x0;
  duplicate_rows(g, pr);
  return pr;
}

// Two rows g'x <= t and g'x >= t + gap contradict each other.
Problem infeasible_problem(Generator& g, Eigen::Index n, Eigen::Index m, Eigen::Index p, bool lp) {
  Problem pr = feasible_problem(g, n, m, p, lp);
  const VectorXd row = g.vector(n);
  const double t = g.uniform(-1.0, 1.0), gap = g.magnitude(1.0);
  const Eigen::Index rows = pr.G.rows();
  pr.G.conservativeResize(rows + 2, n);
  pr.h.conservativeResize(rows + 2);
  pr.G.row(rows) = row.transpose();
  pr.h(rows) = t;
  pr.G.row(rows + 1) = -row.transpose();
  pr.h(rows + 1) = -t - gap;
  return pr;
}

// A direction d with Pd = 0, Ad = 0, Gd <= 0 and q'd < 0 from a feasible point: unbounded below.
Problem unbounded_problem(Generator& g, Eigen::Index n, Eigen::Index m, Eigen::Index p, bool lp) {
  Problem pr;
  const VectorXd d = g.vector(n).normalized();
  pr.P = g.psd(n, lp ? 0 : g.integer(1, static_cast<int>(n) - 1), &d);
  pr.q = g.vector(n);
  pr.q -= (pr.q.dot(d) + g.uniform(0.1, 1.0)) * d;  // q'd < 0
  pr.G = g.sparse_matrix(m, n, 0.3);
  for (Eigen::Index i = 0; i < m; ++i)
    if (pr.G.row(i).dot(d) > 0.0) pr.G.row(i) *= -1.0;
  pr.A = g.sparse_matrix(p, n, 0.3);
  for (Eigen::Index i = 0; i < p; ++i) pr.A.row(i) -= pr.A.row(i).dot(d) * d.transpose();
  const VectorXd x0 = g.vector(n);
  VectorXd s0(m);
  for (Eigen::Index i = 0; i < m; ++i) s0(i) = g.uniform(0.0, 1.0);
  pr.h = pr.G * x0 + s0;
  pr.b = pr.A * x0;
  return pr;
}

// The diagonal scaling applied to a problem: x = D y, rows of G by E, rows of A by F, objective by c.
struct Scaling {
  VectorXd D, E, F;
  double c = 1.0;
};

Scaling identity_scaling(const Problem& pr) {
  return {VectorXd::Ones(pr.P.rows()), VectorXd::Ones(pr.G.rows()), VectorXd::Ones(pr.A.rows()), 1.0};
}

// Bad scaling: variables by 10^[-k, k], rows by 10^[-k, k], the objective by 10^[-k, k].
Scaling scale_badly(Generator& g, Problem& pr, double k) {
  Scaling sc = identity_scaling(pr);
  for (Eigen::Index i = 0; i < sc.D.size(); ++i) sc.D(i) = g.magnitude(k);
  for (Eigen::Index i = 0; i < sc.E.size(); ++i) sc.E(i) = g.magnitude(k);
  for (Eigen::Index i = 0; i < sc.F.size(); ++i) sc.F(i) = g.magnitude(k);
  sc.c = g.magnitude(k);
  pr.P = sc.c * sc.D.asDiagonal() * pr.P * sc.D.asDiagonal();
  pr.q = sc.c * sc.D.cwiseProduct(pr.q);
  pr.G = sc.E.asDiagonal() * pr.G * sc.D.asDiagonal();
  pr.h = sc.E.cwiseProduct(pr.h);
  pr.A = sc.F.asDiagonal() * pr.A * sc.D.asDiagonal();
  pr.b = sc.F.cwiseProduct(pr.b);
  return sc;
}

double inf_norm(const VectorXd& v) { return v.size() > 0 ? v.cwiseAbs().maxCoeff() : 0.0; }

// The primal measure of `solved`'s definition (docs/user_guide.md, Tolerances), on the data as given:
// residual max(Gz - h, |Az - b|) and scale max(|Gz|, |h|, |Az|, |b|).
struct PrimalMeasure {
  double residual, scale;
};

PrimalMeasure primal_measure(const Problem& pr, const VectorXd& z) {
  const VectorXd Gz = pr.G * z, Az = pr.A * z;
  return {std::max(pr.G.rows() > 0 ? (Gz - pr.h).maxCoeff() : 0.0, inf_norm(Az - pr.b)),
          std::max({inf_norm(Gz), inf_norm(pr.h), inf_norm(Az), inf_norm(pr.b)})};
}

// The result's own evidence: a solution feasible on the data it was given, or a certificate
// that holds for the well-scaled problem the scaled one is equivalent to (certificates are
// judged on equilibrated data; in original units a badly scaled row makes any absolute
// tolerance meaningless). base = the problem before scaling by sc.
void check_evidence(const Problem& pr, const Problem& base, const Scaling& sc, const QpResult& r) {
  if (r.status == Status::solved) {
    const PrimalMeasure primal = primal_measure(pr, r.z);
    CHECK(primal.residual <= 1e-6 * std::max(1.0, primal.scale));
  } else if (r.status == Status::primal_infeasible) {
    // G = E G0 D: lambda certifies G iff E lambda certifies G0. The tolerance is eps (1e-6) times
    // the up to 100x that separates the solver's equilibrated frame from the base one.
    CHECK(r.certificate_lambda.minCoeff() >= 0.0);
    VectorXd l = sc.E.cwiseProduct(r.certificate_lambda), v = sc.F.cwiseProduct(r.certificate_nu);
    const double norm = std::max(inf_norm(l), inf_norm(v));
    l /= norm;
    v /= norm;
    CHECK(base.h.dot(l) + base.b.dot(v) < 0.0);
    CHECK(inf_norm(base.G.transpose() * l + base.A.transpose() * v) <= 1e-3);
  } else if (r.status == Status::dual_infeasible) {
    // x = D y: d is a ray of the scaled problem iff D d is one of the base problem.
    VectorXd d = sc.D.cwiseProduct(r.certificate_z);
    d /= inf_norm(d);
    CHECK(base.q.dot(d) < 0.0);
    CHECK(inf_norm(base.P * d) <= 1e-3);
    if (base.G.rows() > 0) CHECK((base.G * d).maxCoeff() <= 1e-3);
    CHECK(inf_norm(base.A * d) <= 1e-3);
  }
}

// The primal part of `solved`'s definition: residual <= eps_abs + eps_rel * scale.
bool meets_primal_tolerance(const Problem& pr, const VectorXd& z, const Settings& s) {
  const PrimalMeasure primal = primal_measure(pr, z);
  return primal.residual <= s.eps_abs + s.eps_rel * primal.scale;
}

enum class Kind { feasible, infeasible, unbounded };

Status expected_status(Kind kind) {
  return kind == Kind::feasible ? Status::solved
                                : (kind == Kind::infeasible ? Status::primal_infeasible : Status::dual_infeasible);
}

std::string kind_name(Kind kind) {
  return kind == Kind::feasible ? "feasible" : (kind == Kind::infeasible ? "infeasible" : "unbounded");
}

void sweep(Kind kind, double scaling_orders, unsigned seed, int max_failures = 2) {
  Generator g(seed);
  int wrong = 0, total = 0, solved_within_tolerance = 0;
  for (int instance = 0; instance < 40; ++instance) {
    const Eigen::Index n = g.integer(2, 30), m = g.integer(1, 40), p = g.integer(0, static_cast<int>(n) - 1);
    const bool lp = instance % 3 == 0;
    Problem pr = kind == Kind::feasible     ? feasible_problem(g, n, m, p, lp)
                 : kind == Kind::infeasible ? infeasible_problem(g, n, m, p, lp)
                                            : unbounded_problem(g, n, m, p, lp);
    const Problem base = pr;
    const Scaling sc = scaling_orders > 0.0 ? scale_badly(g, pr, scaling_orders) : identity_scaling(pr);
    for (Backend backend : {Backend::dense, Backend::sparse}) {
      Settings settings;
      settings.backend = backend;
      QpSolver solver(n, pr.G.rows(), pr.A.rows(), settings);
      const Status status = backend == Backend::dense
                                ? solver.solve(pr.P, pr.q, pr.G, pr.h, pr.A, pr.b)
                                : solver.solve(QpSolver::SparseMatrix(pr.P.sparseView()), pr.q, QpSolver::SparseMatrix(pr.G.sparseView()),
                                               pr.h, QpSolver::SparseMatrix(pr.A.sparseView()), pr.b);
      ++total;
      CAPTURE(instance);
      CAPTURE(n);
      CAPTURE(lp);
      const std::string backend_name = backend == Backend::dense ? "dense" : "sparse";
      CAPTURE(backend_name);
      CAPTURE(solver.result().message);
      // Never a wrong verdict; an honest failure status is counted but tolerated below. One
      // exception, by the definition of `solved`: a constructed infeasible problem whose
      // infeasibility, once scaled, is below the tolerances (eps_abs + eps_rel * scale, the scale
      // being the largest row term, which 10^+-6 scaling can make 1e3 times the violated rows).
      // The returned point must then meet them, measured here on the data.
      const bool failure = status == Status::numerical_error || status == Status::max_iterations;
      const bool within_tolerance = kind == Kind::infeasible && status == Status::solved &&
                                    meets_primal_tolerance(pr, solver.result().z, settings);
      if (within_tolerance) ++solved_within_tolerance;
      if (!failure && !within_tolerance) CHECK(status == expected_status(kind));
      if (status != expected_status(kind) && !within_tolerance) {
        ++wrong;
        MESSAGE("expected ", std::string(to_string(expected_status(kind))), ", got ", std::string(to_string(status)), " after ",
                solver.result().iterations, " iterations: ", solver.result().message);
      }
      // Beyond 10^+-3 Ruiz's frame can sit 10^4 from the base one and the certificates, right in
      // the solver's frame, are not checked in the base frame (the verdict still is, above).
      if (scaling_orders <= 3.0) check_evidence(pr, base, sc, solver.result());
    }
  }
  const std::string within = solved_within_tolerance > 0
                                 ? ", and " + std::to_string(solved_within_tolerance) + " solved within the tolerances"
                                 : std::string();
  MESSAGE(std::string(kind_name(kind)), " problems, scaling 10^+-", scaling_orders, ": ", total - wrong - solved_within_tolerance,
          " of ", total, " with the expected status", within);
  CHECK(wrong <= max_failures);  // honest failures (numerical_error, max_iterations)
}

// Large sparse problems (n = 3000, 5 nonzeros per row, bounds 0 <= x <= 10 on every variable,
// diagonal P with a third of it zero), through the automatic (sparse) backend.
struct SparseProblem {
  QpSolver::SparseMatrix P, G, A;
  VectorXd q, h, b;
};

// Entries of row i in a window of 40 columns around i cols / rows (banded, as in staged or
// spatial models: the KKT factor stays sparse).
QpSolver::SparseMatrix random_sparse(Generator& g, Eigen::Index rows, Eigen::Index cols, int per_row) {
  std::vector<Eigen::Triplet<double>> entries;
  for (Eigen::Index i = 0; i < rows; ++i) {
    const int centre = static_cast<int>(i * cols / rows);
    for (int k = 0; k < per_row; ++k) {
      const int col = std::clamp(centre + g.integer(-20, 20), 0, static_cast<int>(cols) - 1);
      entries.emplace_back(static_cast<int>(i), col, g.uniform(-1.0, 1.0));
    }
  }
  QpSolver::SparseMatrix M(rows, cols);
  M.setFromTriplets(entries.begin(), entries.end());
  return M;
}

SparseProblem large_problem(Generator& g, Kind kind) {
  const Eigen::Index n = 3000, m = 2000, p = 300;
  SparseProblem pr;
  VectorXd d = VectorXd::Zero(n);  // the unbounded direction: x_0 grows with P_00 = 0
  d(0) = 1.0;
  std::vector<Eigen::Triplet<double>> diagonal;
  for (Eigen::Index i = 0; i < n; ++i)
    if (i % 3 != 0) diagonal.emplace_back(static_cast<int>(i), static_cast<int>(i), g.uniform(0.1, 2.0));
  pr.P.resize(n, n);
  pr.P.setFromTriplets(diagonal.begin(), diagonal.end());
  pr.q = g.vector(n);
  QpSolver::SparseMatrix general = random_sparse(g, m, n, 5), A = random_sparse(g, p, n, 5);
  if (kind == Kind::unbounded) {
    // Column 0 out of every row (A d = 0, G d = 0), no bound on x_0's growth, q_0 < 0.
    general.prune([](Eigen::Index, Eigen::Index col, double) { return col != 0; });
    A.prune([](Eigen::Index, Eigen::Index col, double) { return col != 0; });
    pr.q(0) = -1.0;
  }
  // Stack general rows and the bounds -x <= 0, x <= 10 (x_0 <= 10 left out when unbounded).
  std::vector<Eigen::Triplet<double>> rows;
  for (Eigen::Index j = 0; j < general.outerSize(); ++j)
    for (QpSolver::SparseMatrix::InnerIterator it(general, j); it; ++it)
      rows.emplace_back(static_cast<int>(it.row()), static_cast<int>(j), it.value());
  Eigen::Index next = m;
  for (Eigen::Index i = 0; i < n; ++i) rows.emplace_back(static_cast<int>(next++), static_cast<int>(i), -1.0);
  for (Eigen::Index i = (kind == Kind::unbounded ? 1 : 0); i < n; ++i)
    rows.emplace_back(static_cast<int>(next++), static_cast<int>(i), 1.0);
  const Eigen::Index contradiction = next;  // infeasible: g'x <= 0 and -g'x <= -1
  if (kind == Kind::infeasible) {
    for (int k = 0; k < 5; ++k) {
      const int col = g.integer(0, static_cast<int>(n) - 1);
      const double value = g.uniform(-1.0, 1.0);
      rows.emplace_back(static_cast<int>(contradiction), col, value);
      rows.emplace_back(static_cast<int>(contradiction + 1), col, -value);
    }
    next += 2;
  }
  pr.G.resize(next, n);
  pr.G.setFromTriplets(rows.begin(), rows.end());
  const VectorXd x0 = 5.0 * (VectorXd::Ones(n) + 0.5 * g.vector(n));
  VectorXd s0(next);
  for (Eigen::Index i = 0; i < next; ++i) s0(i) = g.integer(0, 2) == 0 ? 0.0 : g.uniform(0.0, 1.0);
  pr.h = pr.G * x0 + s0;
  pr.h.segment(m, n).setZero();  // x >= 0 exactly
  pr.h.segment(m + n, kind == Kind::unbounded ? n - 1 : n).setConstant(10.0);
  pr.A = A;
  pr.b = pr.A * x0;
  if (kind == Kind::infeasible) {
    pr.h(contradiction) = 0.0;
    pr.h(contradiction + 1) = -1.0;
  }
  return pr;
}

}  // namespace

TEST_CASE("large sparse problems (n = 3000, m = 8000): 3 feasible, 3 infeasible, 3 unbounded") {
  Generator g(7);
  for (int instance = 0; instance < 9; ++instance) {
    const Kind kind = static_cast<Kind>(instance % 3);
    const SparseProblem pr = large_problem(g, kind);
    QpSolver solver(pr.P.rows(), pr.G.rows(), pr.A.rows());
    const Status status = solver.solve(pr.P, pr.q, pr.G, pr.h, pr.A, pr.b);
    CAPTURE(kind_name(kind));
    CAPTURE(solver.result().message);
    CHECK(solver.active_backend() == Backend::sparse);
    CHECK(status == expected_status(kind));
  }
}

TEST_CASE("feasible problems are solved (well scaled, and scaled over 10^+-3)") {
  sweep(Kind::feasible, 0.0, 1);
  sweep(Kind::feasible, 3.0, 2);
}

TEST_CASE("infeasible problems are detected (well scaled, and scaled over 10^+-3)") {
  sweep(Kind::infeasible, 0.0, 3);
  sweep(Kind::infeasible, 3.0, 4);
}

TEST_CASE("unbounded problems are detected (well scaled, and scaled over 10^+-3)") {
  sweep(Kind::unbounded, 0.0, 5);
  sweep(Kind::unbounded, 3.0, 6);
}

TEST_CASE("scaled over 10^+-6: never a wrong verdict (failures are reported as such)") {
  // Measured: 74 / 80 feasible solved, 72 / 80 infeasible and 50 / 80 unbounded recognised (71
  // and 48 of the last two before the certificate search of Settings::search_certificates; 71,
  // 69 and 46 before the retries from a large-multiplier start and with a stronger equality
  // regularization; 66, 69 and 44 before the GMRES stage of the KKT solves; 56, 68 and 43
  // before the sparse backend lowered its regularization when refinement stalled, a rule the
  // GMRES stage replaced); the
  // rest end numerical_error or max_iterations, none with a wrong status. The limits leave two
  // problems of margin for round-off differences between builds. (The unbounded ones that fail
  // stall with mu -> 0 and a dual residual near 1e-7: along a ray in a variable scaled by 1e-6
  // the objective falls too slowly for the iterates to show the ray before they stop improving.)
  sweep(Kind::feasible, 6.0, 8, 8);
  sweep(Kind::infeasible, 6.0, 9, 10);
  sweep(Kind::unbounded, 6.0, 10, 32);
}
