#pragma once
// A batch of independent QPs of equal dimensions, solved and differentiated on a thread pool.
//
// Problem k always runs on its own QpSolver k (own workspace, own kept factorization), with
// the same code whichever thread picks it up, so every result is bit-identical to a serial
// loop over the solvers and independent of the number of threads. The worker threads are
// started once by the constructor and reused by every call; the calling thread works too.

#include <Eigen/Core>
#include <cstddef>
#include <memory>
#include <vector>

#include "optlayer/qp_result.hpp"
#include "optlayer/qp_solver.hpp"
#include "optlayer/settings.hpp"

namespace optlayer {

namespace detail {
class WorkerPool;  // diff/worker_pool.hpp
}  // namespace detail

/// The data of one QP: minimize 1/2 z'Pz + q'z  s.t.  Gz <= h, Az = b.
struct QpData {
  Eigen::MatrixXd P;  ///< n x n, symmetric positive semidefinite
  Eigen::VectorXd q;  ///< n
  Eigen::MatrixXd G;  ///< m x n
  Eigen::VectorXd h;  ///< m
  Eigen::MatrixXd A;  ///< p x n
  Eigen::VectorXd b;  ///< p
};

/// Independent QPs of the same dimensions solved and differentiated on a thread pool, one
/// solver (workspace and kept factorization) per problem: problem k always runs on solver k, so
/// results are bit-identical to a serial loop for any thread count.
class QpBatch {
 public:
  /// batch_size solvers for n variables, m inequalities, p equalities. threads = 0 uses
  /// std::thread::hardware_concurrency(); never more threads than problems.
  /// Throws std::invalid_argument for negative sizes or invalid settings.
  QpBatch(std::size_t batch_size, Eigen::Index n, Eigen::Index m, Eigen::Index p,
          const Settings& settings = Settings(), unsigned threads = 0);
  ~QpBatch();
  /// Movable (solvers and worker pool move along); not copyable.
  QpBatch(QpBatch&&) noexcept;
  /// Move assignment; see the move constructor.
  QpBatch& operator=(QpBatch&&) noexcept;
  QpBatch(const QpBatch&) = delete;
  QpBatch& operator=(const QpBatch&) = delete;

  /// Number of problems.
  std::size_t size() const;
  /// Threads working on a call (the caller included).
  unsigned threads() const;

  /// Solves problems[k] on solver k. Returns how many ended solved; per-problem status in
  /// result(k). Throws std::invalid_argument when problems.size() != size().
  std::size_t solve(const std::vector<QpData>& problems);

  /// Backward of every problem with cotangent dl_dz[k] (dL/dlambda = dL/dnu = 0). Resizes `out`
  /// to size(); returns true when every backward succeeded (see succeeded(k); a failed
  /// problem's gradient is left empty).
  /// Throws std::invalid_argument when dl_dz.size() != size().
  bool backward(const std::vector<Eigen::VectorXd>& dl_dz, std::vector<QpGradient>& out);
  /// Backward with dual cotangents too; an empty outer vector means zero for every problem.
  bool backward(const std::vector<Eigen::VectorXd>& dl_dz, const std::vector<Eigen::VectorXd>& dl_dlambda,
                const std::vector<Eigen::VectorXd>& dl_dnu, std::vector<QpGradient>& out);
  /// Forward mode of every problem along perturbations[k]; same conventions as backward().
  bool forward(const std::vector<QpPerturbation>& perturbations, std::vector<QpTangent>& out);

  /// Whether the last backward()/forward() of problem k succeeded.
  bool succeeded(std::size_t k) const;
  /// Solver k, e.g. for its settings or total_factorizations().
  ///@{
  QpSolver& solver(std::size_t k);
  const QpSolver& solver(std::size_t k) const;
  ///@}
  /// Result of the last solve of problem k.
  const QpResult& result(std::size_t k) const;

 private:
  std::vector<QpSolver> solvers_;
  std::vector<unsigned char> succeeded_;
  std::unique_ptr<detail::WorkerPool> pool_;
};

}  // namespace optlayer
