// Batched solve / backward / forward on a small persistent thread pool.

#include "optlayer/qp_batch.hpp"

#include "diff/worker_pool.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace optlayer {

namespace {

void check_count(const char* what, std::size_t given, std::size_t expected) {
  if (given != expected)
    throw std::invalid_argument(std::string("optlayer::QpBatch: ") + what + " has " + std::to_string(given) +
                                " entries for a batch of " + std::to_string(expected));
}

const Eigen::VectorXd& entry_or_empty(const std::vector<Eigen::VectorXd>& v, std::size_t k) {
  static const Eigen::VectorXd empty;
  return v.empty() ? empty : v[k];
}

}  // namespace

QpBatch::QpBatch(std::size_t batch_size, Eigen::Index n, Eigen::Index m, Eigen::Index p, const Settings& settings,
                 unsigned threads)
    : succeeded_(batch_size, 0) {
  solvers_.reserve(batch_size);
  for (std::size_t k = 0; k < batch_size; ++k) solvers_.emplace_back(n, m, p, settings);
  pool_ = std::make_unique<detail::WorkerPool>(detail::resolve_threads(threads, batch_size) - 1);
}

QpBatch::~QpBatch() = default;
QpBatch::QpBatch(QpBatch&&) noexcept = default;
QpBatch& QpBatch::operator=(QpBatch&&) noexcept = default;

std::size_t QpBatch::size() const { return solvers_.size(); }
unsigned QpBatch::threads() const { return pool_->workers() + 1; }
bool QpBatch::succeeded(std::size_t k) const { return succeeded_.at(k) != 0; }
QpSolver& QpBatch::solver(std::size_t k) { return solvers_.at(k); }
const QpSolver& QpBatch::solver(std::size_t k) const { return solvers_.at(k); }
const QpResult& QpBatch::result(std::size_t k) const { return solvers_.at(k).result(); }

std::size_t QpBatch::solve(const std::vector<QpData>& problems) {
  check_count("problems", problems.size(), size());
  pool_->run(size(), [&](std::size_t k) {
    const QpData& d = problems[k];
    solvers_[k].solve(d.P, d.q, d.G, d.h, d.A, d.b);
  });
  return static_cast<std::size_t>(std::count_if(solvers_.begin(), solvers_.end(), [](const QpSolver& s) {
    return s.result().status == Status::solved;
  }));
}

bool QpBatch::backward(const std::vector<Eigen::VectorXd>& dl_dz, std::vector<QpGradient>& out) {
  return backward(dl_dz, {}, {}, out);
}

bool QpBatch::backward(const std::vector<Eigen::VectorXd>& dl_dz, const std::vector<Eigen::VectorXd>& dl_dlambda,
                       const std::vector<Eigen::VectorXd>& dl_dnu, std::vector<QpGradient>& out) {
  check_count("dl_dz", dl_dz.size(), size());
  if (!dl_dlambda.empty()) check_count("dl_dlambda", dl_dlambda.size(), size());
  if (!dl_dnu.empty()) check_count("dl_dnu", dl_dnu.size(), size());
  out.resize(size());
  pool_->run(size(), [&](std::size_t k) {
    succeeded_[k] = solvers_[k].backward(dl_dz[k], entry_or_empty(dl_dlambda, k), entry_or_empty(dl_dnu, k), out[k]);
    if (!succeeded_[k]) out[k] = QpGradient();  // no stale gradient from an earlier call
  });
  return std::all_of(succeeded_.begin(), succeeded_.end(), [](unsigned char ok) { return ok != 0; });
}

bool QpBatch::forward(const std::vector<QpPerturbation>& perturbations, std::vector<QpTangent>& out) {
  check_count("perturbations", perturbations.size(), size());
  out.resize(size());
  pool_->run(size(), [&](std::size_t k) {
    succeeded_[k] = solvers_[k].forward(perturbations[k], out[k]);
    if (!succeeded_[k]) out[k] = QpTangent();
  });
  return std::all_of(succeeded_.begin(), succeeded_.end(), [](unsigned char ok) { return ok != 0; });
}

}  // namespace optlayer
