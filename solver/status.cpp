#include "optlayer/status.hpp"

namespace optlayer {

const char* to_string(Status status) {
  switch (status) {
    case Status::solved: return "solved";
    case Status::primal_infeasible: return "primal_infeasible";
    case Status::dual_infeasible: return "dual_infeasible";
    case Status::max_iterations: return "max_iterations";
    case Status::time_limit: return "time_limit";
    case Status::numerical_error: return "numerical_error";
    case Status::invalid_input: return "invalid_input";
    case Status::non_convex: return "non_convex";
    case Status::unsolved: return "unsolved";
  }
  return "unknown";
}

}  // namespace optlayer
