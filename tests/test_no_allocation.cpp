// The control-loop promise: after the first cycle, update -> solve -> backward allocates nothing.
//
// Two counters, both active only while `counting` is set:
//  - a replaced global operator new / delete (the C++ allocations: strings, std::vector, ...);
//  - on glibc without sanitizers, malloc / calloc / realloc / memalign interposed onto glibc's
//    __libc_* entry points, because Eigen allocates its matrices with std::malloc, not operator new.
// Eigen's GEMM kernels take their packing buffers from the stack up to EIGEN_STACK_ALLOCATION_LIMIT
// (128 KB by default) and from the heap above it; the problems here stay below that limit (see
// docs/control.md for the sizes at which the heap is used).

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <optlayer/optlayer.h>
#include <optlayer/optlayer.hpp>
#include <random>
#include <vector>

#include "mock_kkt_backend.hpp"
#include "solver/linalg/kkt_refinement.hpp"

namespace {

std::atomic<bool> counting{false};
std::atomic<long> new_calls{0};
std::atomic<long> malloc_calls{0};

void* counted_new(std::size_t size) {
  if (counting.load(std::memory_order_relaxed)) new_calls.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

void* counted_aligned_new(std::size_t size, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed)) new_calls.fetch_add(1, std::memory_order_relaxed);
  void* p = nullptr;
  if (posix_memalign(&p, std::max(alignment, sizeof(void*)), size == 0 ? 1 : size) != 0) throw std::bad_alloc();
  return p;
}

}  // namespace

// ---- replaced global allocation functions (all forms, so that no path escapes the count) ----
void* operator new(std::size_t size) { return counted_new(size); }
void* operator new[](std::size_t size) { return counted_new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  try {
    return counted_new(size);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void* operator new(std::size_t size, std::align_val_t al) { return counted_aligned_new(size, static_cast<std::size_t>(al)); }
void* operator new[](std::size_t size, std::align_val_t al) { return counted_aligned_new(size, static_cast<std::size_t>(al)); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define OPTLAYER_COUNT_MALLOC 1
// glibc exports its allocator under these names; defining malloc & co. here interposes them
// for the whole program (libstdc++ and the optlayer library included).
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);

static void count_malloc() {
  if (counting.load(std::memory_order_relaxed)) malloc_calls.fetch_add(1, std::memory_order_relaxed);
}
void* malloc(std::size_t size) {
  count_malloc();
  return __libc_malloc(size);
}
void* calloc(std::size_t count, std::size_t size) {
  count_malloc();
  return __libc_calloc(count, size);
}
void* realloc(void* p, std::size_t size) {
  count_malloc();
  return __libc_realloc(p, size);
}
void* memalign(std::size_t alignment, std::size_t size) {
  count_malloc();
  return __libc_memalign(alignment, size);
}
void* aligned_alloc(std::size_t alignment, std::size_t size) {
  count_malloc();
  return __libc_memalign(alignment, size);
}
int posix_memalign(void** out, std::size_t alignment, std::size_t size) {
  count_malloc();
  void* p = __libc_memalign(alignment, size);
  if (p == nullptr) return 12;  // ENOMEM
  *out = p;
  return 0;
}
}
#else
#define OPTLAYER_COUNT_MALLOC 0
#endif

using namespace optlayer;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// The full cycle counts in optimized builds; a tenth in debug (sanitizer) builds, which are ~50x slower.
#ifdef NDEBUG
constexpr int kScale = 1;
#else
constexpr int kScale = 10;
#endif

// Counts the allocations made while it is alive.
struct AllocationScope {
  AllocationScope() {
    new_calls = 0;
    malloc_calls = 0;
    counting = true;
  }
  ~AllocationScope() { counting = false; }
  long total() const { return new_calls.load() + malloc_calls.load(); }
};

// A hover-neighbourhood state: the quadrotor MPC stays feasible from here.
void random_state(std::mt19937& rng, VectorXd& x0) {
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  for (int i = 0; i < 3; ++i) x0(i) = 2.0 * unit(rng);
  for (int i = 3; i < 6; ++i) x0(i) = 0.15 * unit(rng);
  for (int i = 6; i < 9; ++i) x0(i) = 0.6 * unit(rng);
  for (int i = 9; i < 12; ++i) x0(i) = 0.2 * unit(rng);
}

struct CycleCounts {
  long first = 0;      // allocations of the first cycle (sizing buffers is allowed there)
  long later = 0;      // allocations of all later cycles: must be zero
  int solved = 0;      // cycles that ran the backward pass too (robustness is test_mpc's job:
                       // here nearly all must, so that backward is exercised)
};

// Cycles of: new random x0 -> MPC update + solve -> backward to the MPC data.
CycleCounts run_mpc_cycles(MpcForm form, int horizon, bool warm, int cycles, const Settings& settings) {
  MpcLayer layer(quadrotor_mpc(0.1, horizon), form, settings);
  layer.set_warm_start(warm);
  std::mt19937 rng(42);
  VectorXd x0(12), ref = VectorXd::Zero(12);
  const MatrixXd dl_dU = MatrixXd::Ones(4, horizon), dl_dX = MatrixXd::Constant(12, horizon, 0.1);
  MpcGradient gradient;
  CycleCounts counts;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    random_state(rng, x0);
    AllocationScope scope;
    const Status status = layer.solve(x0, ref);
    const bool ok = status == Status::solved && layer.backward(dl_dU, dl_dX, gradient);
    counting = false;
    counts.solved += ok ? 1 : 0;
    // The first backward sizes the MPC gradient: when the first cycles end unsolved, the first
    // solved one is also allowed to allocate.
    const bool first_backward = ok && counts.solved == 1;
    (cycle == 0 || first_backward ? counts.first : counts.later) += scope.total();
  }
  return counts;
}

CycleCounts run_mpc_cycles(MpcForm form, int horizon, bool warm, int cycles) {
  return run_mpc_cycles(form, horizon, warm, cycles, mpc_settings(form));
}

// The MPC layer (N = 10, mpc_settings(form)) over random states: 1000 warm-started cycles with at
// most 1% unsolved, or 200 cold ones with at most 2 unsolved; none may allocate after the first.
CycleCounts check_mpc_loop(MpcForm form, bool warm) {
  const int cycles = (warm ? 1000 : 200) / kScale;
  const CycleCounts counts = run_mpc_cycles(form, 10, warm, cycles);
  CHECK(counts.solved >= (warm ? 990 / kScale : cycles - 2));
  CHECK(counts.later == 0);
  return counts;
}

}  // namespace

TEST_CASE("the counters see allocations (the test can fail)") {
  AllocationScope scope;
  std::vector<int>* v = new std::vector<int>(100);
  delete v;
  counting = false;
  CHECK(new_calls.load() >= 2);
#if OPTLAYER_COUNT_MALLOC
  {
    AllocationScope eigen_scope;
    VectorXd x = VectorXd::Ones(1000);  // Eigen allocates through malloc
    counting = false;
    CHECK(x.sum() == 1000.0);
    CHECK(malloc_calls.load() >= 1);
  }
#endif
}

TEST_CASE("the GMRES stage of KKT refinement allocates nothing once sized") {
  // A preconditioner off by a rank-2 term: refinement stalls and the Krylov stage runs.
  std::mt19937 rng(3);
  const optlayer::testing::MockKktBackend backend(optlayer::testing::random_quasi_definite(rng, 30, 20),
                                                  optlayer::testing::random_low_rank(rng, 50, 2, 3.0));
  KktRefinement refinement;
  refinement.resize(30, 15, 5, /*with_krylov=*/true);
  const VectorXd rhs = VectorXd::LinSpaced(50, -1.0, 1.0);
  VectorXd x = VectorXd::Zero(50);
  double error = 1.0;
  {
    AllocationScope scope;
    error = refinement.refine(backend, rhs, x, 8, 1e-14);
    counting = false;
    CHECK(scope.total() == 0);
  }
  CHECK(error <= 1e-13);  // the Krylov stage did run and finish the solve
}

TEST_CASE("QpSolver: 200 cycles of update_q/update_h -> solve -> backward allocate nothing") {
  MpcQp data(quadrotor_mpc(0.1, 10), MpcForm::condensed);
  const MpcQp& qp = data;
  QpSolver solver(qp.n(), qp.m(), qp.p());
  QpGradient gradient;  // preallocated: backward then writes in place
  gradient.resize(qp.n(), qp.m(), qp.p());
  const VectorXd dl_dz = VectorXd::LinSpaced(qp.n(), -1.0, 1.0);
  REQUIRE(solver.solve(data.P(), data.q(), data.G(), data.h(), data.A(), data.b()) == Status::solved);
  std::mt19937 rng(7);
  VectorXd x0(12);
  long allocations = 0;
  int solved = 0;
  for (int cycle = 0; cycle < 200 / kScale; ++cycle) {
    random_state(rng, x0);
    AllocationScope scope;
    data.set_initial_state(x0);
    solver.update_q(data.q());
    solver.update_h(data.h());
    const bool ok = solver.solve() == Status::solved && solver.backward(dl_dz, gradient);
    counting = false;
    solved += ok ? 1 : 0;
    allocations += scope.total();
  }
  CHECK(solved >= 200 / kScale - 2);
  CHECK(allocations == 0);
}

TEST_CASE("MPC layer, condensed, warm-started: 1000 cycles allocate nothing after the first") {
  MESSAGE("first cycle allocations: " << check_mpc_loop(MpcForm::condensed, true).first);
}

TEST_CASE("MPC layer, condensed, cold: 200 cycles allocate nothing after the first") {
  check_mpc_loop(MpcForm::condensed, false);
}

// The stage-wise form on the dense backend. At N = 10 (n = 160, m = 180, p = 120) Eigen's GEMM
// packing buffers (150-230 KB) exceed EIGEN_STACK_ALLOCATION_LIMIT and come from the heap, so the
// horizon is 5 here (see docs/control.md).
TEST_CASE("MPC layer, stage-wise on the dense backend (N = 5): 200 cycles allocate nothing after the first") {
  Settings settings;
  settings.backend = Backend::dense;
  const CycleCounts counts = run_mpc_cycles(MpcForm::stagewise, 5, true, 200 / kScale, settings);
  CHECK(counts.solved >= 200 / kScale - 2);
  CHECK(counts.later == 0);
}

// The stage-wise form on the sparse backend (MpcLayer's choice for it): the symbolic analysis
// and the permuted KKT pattern are made once, then every factorization and solve reuses them.
TEST_CASE("MPC layer, stage-wise on the sparse backend, warm-started: 1000 cycles allocate nothing after the first") {
  MESSAGE("first cycle allocations: " << check_mpc_loop(MpcForm::stagewise, true).first);
}

TEST_CASE("MPC layer, stage-wise on the sparse backend, cold: 200 cycles allocate nothing after the first") {
  check_mpc_loop(MpcForm::stagewise, false);
}

// Every input replaced in place each cycle (P, G, A too: the Ruiz scaling and the convexity
// check are then redone), on the dense backend.
TEST_CASE("QpSolver, dense: 200 cycles of update_P/q/G/h/A/b -> solve -> backward allocate nothing") {
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  const Eigen::Index n = 12, m = 10, p = 3;
  MatrixXd B = MatrixXd::NullaryExpr(n, n, [&] { return unit(rng); });
  const MatrixXd P0 = B.transpose() * B + MatrixXd::Identity(n, n);
  const MatrixXd G0 = MatrixXd::NullaryExpr(m, n, [&] { return unit(rng); });
  const MatrixXd A0 = MatrixXd::NullaryExpr(p, n, [&] { return unit(rng); });
  const VectorXd q0 = VectorXd::NullaryExpr(n, [&] { return unit(rng); });
  const VectorXd h0 = VectorXd::Constant(m, 1.0), b0 = VectorXd::Zero(p);
  Settings settings;
  settings.backend = Backend::dense;
  QpSolver solver(n, m, p, settings);
  REQUIRE(solver.solve(P0, q0, G0, h0, A0, b0) == Status::solved);
  QpGradient gradient;
  gradient.resize(n, m, p);
  const VectorXd dl_dz = VectorXd::LinSpaced(n, -1.0, 1.0);
  MatrixXd P = P0, G = G0, A = A0;
  VectorXd q = q0, h = h0, b = b0;
  long allocations = 0;
  int solved = 0;
  for (int cycle = 0; cycle < 200 / kScale; ++cycle) {
    const double t = 1.0 + 0.1 * unit(rng);
    P = t * P0;
    G = G0 * t;
    A = A0 / t;
    q = q0 * t;
    h = h0 / t;
    AllocationScope scope;
    const bool updated = solver.update_P(P) && solver.update_q(q) && solver.update_G(G) && solver.update_h(h) &&
                         solver.update_A(A) && solver.update_b(b);
    const bool ok = updated && solver.solve() == Status::solved && solver.backward(dl_dz, gradient);
    counting = false;
    solved += ok ? 1 : 0;
    allocations += scope.total();
  }
  CHECK(solved == 200 / kScale);
  CHECK(allocations == 0);
}

// The same on the sparse backend with a fixed sparsity pattern: the new values are copied into
// the held matrices, and symmetry check, symmetric part, Ruiz scaling, convexity check and KKT
// factorization all reuse their storage and their analysis of the pattern.
TEST_CASE("QpSolver, sparse: 200 cycles of update_P/q/G/h/A/b -> solve -> backward allocate nothing") {
  MpcQp data(quadrotor_mpc(0.1, 10), MpcForm::stagewise);
  const Eigen::SparseMatrix<double> P0 = data.P().sparseView(), G0 = data.G().sparseView(), A0 = data.A().sparseView();
  Settings settings;
  settings.backend = Backend::sparse;
  QpSolver solver(data.n(), data.m(), data.p(), settings);
  REQUIRE(solver.solve(P0, data.q(), G0, data.h(), A0, data.b()) == Status::solved);
  QpSparseGradient gradient;
  const VectorXd dl_dz = VectorXd::LinSpaced(data.n(), -1.0, 1.0);
  REQUIRE(solver.backward(dl_dz, VectorXd(), VectorXd(), gradient));  // sizes the gradient
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  Eigen::SparseMatrix<double> P = P0, G = G0, A = A0;
  long allocations = 0;
  int solved = 0;
  for (int cycle = 0; cycle < 200 / kScale; ++cycle) {
    const double t = 1.0 + 0.1 * unit(rng);
    std::transform(P0.valuePtr(), P0.valuePtr() + P0.nonZeros(), P.valuePtr(), [t](double v) { return t * v; });
    std::transform(G0.valuePtr(), G0.valuePtr() + G0.nonZeros(), G.valuePtr(), [t](double v) { return v / t; });
    std::transform(A0.valuePtr(), A0.valuePtr() + A0.nonZeros(), A.valuePtr(), [t](double v) { return v * t; });
    AllocationScope scope;
    const bool updated = solver.update_P(P) && solver.update_G(G) && solver.update_A(A) &&
                         solver.update_q(data.q()) && solver.update_h(data.h()) && solver.update_b(data.b());
    const bool ok = updated && solver.solve() == Status::solved &&
                    solver.backward(dl_dz, VectorXd(), VectorXd(), gradient);
    counting = false;
    solved += ok ? 1 : 0;
    allocations += scope.total();
  }
  CHECK(solved == 200 / kScale);
  CHECK(allocations == 0);
}

TEST_CASE("active-set polishing allocates nothing: MPC cycles cut at 3 iterations, both forms") {
  // Every cycle stops at max_iter and is polished (mpc_settings turns polishing off; it is
  // turned back on here), on the dense (condensed) and the sparse (stage-wise) backend.
  for (MpcForm form : {MpcForm::condensed, MpcForm::stagewise}) {
    CAPTURE(static_cast<int>(form));
    Settings settings = mpc_settings(form);
    settings.max_iter = 3;
    settings.max_polish_rounds = 10;
    const CycleCounts counts = run_mpc_cycles(form, 10, /*warm=*/false, 200 / kScale, settings);
    CHECK(counts.later == 0);
    MESSAGE("cycles solved by polishing after 3 iterations: ", counts.solved, " of ", 200 / kScale);
    CHECK(counts.solved >= 1);  // polishing ran and finished some (so the path was exercised)
  }
}

// The C API's sparse workspace in a control loop: new values on the held CSC patterns, q, h, b,
// solve, backward on the patterns.
TEST_CASE("C API, sparse workspace: 200 cycles of update_*_values/q/h/b -> solve -> backward_csc allocate nothing") {
  MpcQp data(quadrotor_mpc(0.1, 10), MpcForm::stagewise);
  const Eigen::SparseMatrix<double> P0 = data.P().sparseView(), G0 = data.G().sparseView(), A0 = data.A().sparseView();
  const int n = static_cast<int>(data.n()), m = static_cast<int>(data.m()), p = static_cast<int>(data.p());
  optlayer_workspace* w = optlayer_setup_sparse(n, m, p, nullptr);
  REQUIRE(w != nullptr);
  REQUIRE(optlayer_set_P_csc(w, P0.outerIndexPtr(), P0.innerIndexPtr(), P0.valuePtr()) == 0);
  REQUIRE(optlayer_set_G_csc(w, G0.outerIndexPtr(), G0.innerIndexPtr(), G0.valuePtr()) == 0);
  REQUIRE(optlayer_set_A_csc(w, A0.outerIndexPtr(), A0.innerIndexPtr(), A0.valuePtr()) == 0);
  REQUIRE(optlayer_update_q(w, data.q().data()) == 0);
  REQUIRE(optlayer_update_h(w, data.h().data()) == 0);
  REQUIRE(optlayer_update_b(w, data.b().data()) == 0);
  const VectorXd dl_dz = VectorXd::LinSpaced(n, -1.0, 1.0);
  VectorXd grad_P(P0.nonZeros()), grad_G(G0.nonZeros()), grad_A(A0.nonZeros()), grad_q(n), grad_h(m), grad_b(p);
  auto backward = [&] {
    return optlayer_backward_csc(w, dl_dz.data(), nullptr, nullptr, grad_P.data(), grad_q.data(), grad_G.data(),
                                 grad_h.data(), grad_A.data(), grad_b.data()) == 0;
  };
  REQUIRE(optlayer_solve(w) == OPTLAYER_SOLVED);
  REQUIRE(backward());  // sizes the gradient
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  VectorXd P_values(P0.nonZeros()), x0(12);
  long allocations = 0;
  int solved = 0;
  for (int cycle = 0; cycle < 200 / kScale; ++cycle) {
    const double t = 1.0 + 0.1 * unit(rng);
    P_values = t * Eigen::Map<const VectorXd>(P0.valuePtr(), P0.nonZeros());
    random_state(rng, x0);
    data.set_initial_state(x0);
    AllocationScope scope;
    const bool updated = optlayer_update_P_values(w, P_values.data()) == 0 &&
                         optlayer_update_q(w, data.q().data()) == 0 && optlayer_update_h(w, data.h().data()) == 0 &&
                         optlayer_update_b(w, data.b().data()) == 0;
    const bool ok = updated && optlayer_solve(w) == OPTLAYER_SOLVED && backward();
    counting = false;
    solved += ok ? 1 : 0;
    allocations += scope.total();
  }
  optlayer_free(w);
  CHECK(solved >= 200 / kScale - 2);
  CHECK(allocations == 0);
}
