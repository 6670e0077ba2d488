#pragma once
// Umbrella header of optlayer: differentiable convex optimization on Eigen.

#include "optlayer/gradcheck.hpp"
#include "optlayer/qp_batch.hpp"
#include "optlayer/qp_jacobians.hpp"
#include "optlayer/qp_result.hpp"
#include "optlayer/qp_solver.hpp"
#include "optlayer/qps_reader.hpp"
#include "optlayer/settings.hpp"
#include "optlayer/status.hpp"
