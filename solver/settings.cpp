#include "optlayer/settings.hpp"

#include <cmath>
#include <stdexcept>

namespace optlayer {
namespace {

bool positive_finite(double x) { return std::isfinite(x) && x > 0.0; }

}  // namespace

std::string Settings::validation_error() const {
  if (!(std::isfinite(eps_abs) && eps_abs >= 0.0)) return "eps_abs must be finite and >= 0";
  if (!(std::isfinite(eps_rel) && eps_rel >= 0.0)) return "eps_rel must be finite and >= 0";
  if (eps_abs == 0.0 && eps_rel == 0.0) return "eps_abs and eps_rel cannot both be 0";
  if (!positive_finite(eps_primal_infeasible)) return "eps_primal_infeasible must be finite and > 0";
  if (!positive_finite(eps_dual_infeasible)) return "eps_dual_infeasible must be finite and > 0";
  if (max_iter < 0) return "max_iter must be >= 0";
  if (std::isnan(time_limit) || time_limit <= 0.0) return "time_limit must be > 0 (infinity for none)";
  if (scaling_iterations < 0) return "scaling_iterations must be >= 0";
  if (!positive_finite(reg_primal) || reg_primal > 1.0) return "reg_primal must be in (0, 1]";
  if (!positive_finite(reg_dual) || reg_dual > 1.0) return "reg_dual must be in (0, 1]";
  if (!positive_finite(reg_inequality) || reg_inequality > 1.0) return "reg_inequality must be in (0, 1]";
  if (max_refinement_steps < 0) return "max_refinement_steps must be >= 0";
  if (!(step_fraction > 0.0 && step_fraction < 1.0)) return "step_fraction must be in (0, 1)";
  if (max_centrality_correctors < 0) return "max_centrality_correctors must be >= 0";
  if (max_polish_rounds < 0) return "max_polish_rounds must be >= 0";
  if (!positive_finite(warm_start_margin)) return "warm_start_margin must be finite and > 0";
  return {};
}

void Settings::validate() const {
  const std::string error = validation_error();
  if (!error.empty()) throw std::invalid_argument("optlayer::Settings: " + error);
}

}  // namespace optlayer
