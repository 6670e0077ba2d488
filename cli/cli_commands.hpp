#pragma once
// The optlayer subcommands and what they share.

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <string>

#include "optlayer/settings.hpp"

namespace optlayer::cli {

/// A QPS file in the G/h, A/b form the solver takes (sparse: large files never become dense).
struct LoadedQp {
  Eigen::SparseMatrix<double> P, G, A;
  Eigen::VectorXd q, h, b;
  double c0 = 0.0;
  bool maximize = false;
  Eigen::Index n() const { return P.rows(); }
  Eigen::Index m() const { return G.rows(); }
  Eigen::Index p() const { return A.rows(); }
  /// The file's own objective value for a solver objective 1/2 z'Pz + q'z.
  double reported_objective(double solver_objective) const {
    const double minimized = solver_objective + c0;
    return maximize ? -minimized : minimized;
  }
};

/// Reads and converts a QPS file; throws QpsError when it is unreadable.
LoadedQp load_qp(const std::string& path);

/// Parses "dense" / "sparse" (the --kkt option); throws UsageError otherwise.
Backend parse_backend(const std::string& text);

int run_solve(int argc, char** argv);
int run_check_grad(int argc, char** argv);

}  // namespace optlayer::cli
