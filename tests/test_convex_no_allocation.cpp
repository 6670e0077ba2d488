// Once sized (by a first solve and backward), a smooth convex solve, backward and forward
// allocate nothing: counted with a replaced global operator new.

#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <atomic>
#include <cstdlib>
#include <new>
#include <optlayer/optlayer.hpp>

namespace {
std::atomic<long> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace optlayer;
using Eigen::VectorXd;

namespace {

// Allocations made by solve + backward + forward at x, after the solver has been used once.
long allocations_of_a_solve(ConvexSolver& solver, const VectorXd& x, const VectorXd& dl_dz, VectorXd& dl_dx,
                            ConvexTangent& tangent) {
  const long before = allocations.load();
  const Status status = solver.solve(x);
  const bool backward = solver.backward(dl_dz, dl_dx);
  const bool forward = solver.forward(x, tangent);
  const long count = allocations.load() - before;
  REQUIRE(status == Status::solved);
  REQUIRE(backward);
  REQUIRE(forward);
  return count;
}

}  // namespace

TEST_CASE("softmax and ball projection: solve, backward and forward allocate nothing after the first use") {
  for (int which = 0; which < 2; ++which) {
    const Eigen::Index n = 10;
    ConvexSolver solver(which == 0 ? make_softmax_problem(n) : make_ball_projection_problem(n), layer_settings());
    VectorXd dl_dx(n), dl_dz = VectorXd::LinSpaced(n, -1.0, 1.0);
    ConvexTangent tangent;
    tangent.z.resize(n);
    tangent.lambda.resize(solver.problem().num_inequalities());
    tangent.nu.resize(solver.problem().num_equalities());
    const VectorXd x1 = VectorXd::LinSpaced(n, -2.0, 3.0), x2 = VectorXd::LinSpaced(n, 4.0, -1.0);
    CAPTURE(which);
    // Warm-up: sizes the tapes of automatic differentiation (the ball projection's); softmax has
    // hand-written derivatives and allocates nothing even here.
    const long warm_up = allocations_of_a_solve(solver, x1, dl_dz, dl_dx, tangent);
    CHECK(warm_up >= 0);
    CHECK(allocations_of_a_solve(solver, x2, dl_dz, dl_dx, tangent) == 0);
    CHECK(allocations_of_a_solve(solver, x1, dl_dz, dl_dx, tangent) == 0);
  }
}
