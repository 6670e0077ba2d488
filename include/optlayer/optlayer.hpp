#pragma once
/// @file
/// Umbrella header of optlayer: differentiable convex optimization on Eigen. Includes every
/// public header below.

/// @mainpage optlayer API reference
///
/// optlayer solves convex quadratic programs (optlayer::QpSolver) and smooth convex programs
/// (optlayer::ConvexSolver) with a primal-dual interior-point method, and differentiates the
/// solution with respect to every input on the factorization the solver kept.
///
/// Where to start:
/// - optlayer::QpSolver: a QP workspace (solve, update, warm start, backward, forward);
///   optlayer::Settings and optlayer::Status say how a solve runs and how it ended.
/// - optlayer::QpBatch, optlayer::gradcheck(): batches on a thread pool, finite-difference checks.
/// - optlayer::make_convex_problem() and optlayer::ConvexSolver: smooth convex layers written as
///   generic C++ functions, differentiated by the library's automatic differentiation (optlayer::ad).
/// - The ready layers in optlayer/problems/ (optlayer::SparsemaxLayer, optlayer::SoftmaxLayer,
///   optlayer::OptNetLayer, optlayer::MpcLayer, ...).
/// - optlayer.h: the C API for control loops.
/// - optlayer::parse_qps(): the QPS reader behind `optlayer solve`.
///
/// The user guide, the algorithm and the measurements are in the repository's README.md and docs/.

/// The optlayer library: solvers, derivatives, layers and the QPS reader.
namespace optlayer {
/// Reverse-mode automatic differentiation (a tape of first and second partial derivatives) with
/// which the smooth convex solver differentiates user functions.
namespace ad {}
}  // namespace optlayer

#include "optlayer/gradcheck.hpp"
#include "optlayer/qp_batch.hpp"
#include "optlayer/qp_jacobians.hpp"
#include "optlayer/ad_tape.hpp"
#include "optlayer/ad_var.hpp"
#include "optlayer/autodiff_functions.hpp"
#include "optlayer/convex_problem.hpp"
#include "optlayer/convex_result.hpp"
#include "optlayer/convex_solver.hpp"
#include "optlayer/qp_result.hpp"
#include "optlayer/qp_solver.hpp"
#include "optlayer/problems/ball_projection.hpp"
#include "optlayer/problems/convex_layer.hpp"
#include "optlayer/problems/mpc.hpp"
#include "optlayer/problems/adam.hpp"
#include "optlayer/problems/nnls_l1.hpp"
#include "optlayer/problems/optnet_layer.hpp"
#include "optlayer/problems/polytope_projection.hpp"
#include "optlayer/problems/projection_layer.hpp"
#include "optlayer/problems/qp_layer.hpp"
#include "optlayer/problems/relu.hpp"
#include "optlayer/problems/simplex_qp.hpp"
#include "optlayer/problems/simplex_sparsemax.hpp"
#include "optlayer/problems/sparsemax.hpp"
#include "optlayer/problems/softmax.hpp"
#include "optlayer/problems/sigmoid.hpp"
#include "optlayer/qps_reader.hpp"
#include "optlayer/settings.hpp"
#include "optlayer/smooth_functions.hpp"
#include "optlayer/status.hpp"
