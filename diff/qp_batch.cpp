// Batched solve / backward / forward on a small persistent thread pool.

#include "optlayer/qp_batch.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

namespace optlayer {

// Runs task(0..count-1) on its worker threads and the calling thread. Indices are handed
// out by an atomic counter: which thread runs which problem varies, but each problem's
// computation does not depend on it.
class QpBatch::WorkerPool {
 public:
  explicit WorkerPool(unsigned workers) {
    threads_.reserve(workers);
    for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
  }

  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : threads_) t.join();
  }

  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }

  /// Runs task(k) for every k < count and returns when all are done; rethrows the first exception.
  void run(std::size_t count, const std::function<void(std::size_t)>& task) {
    if (threads_.empty() || count <= 1) {
      for (std::size_t k = 0; k < count; ++k) task(k);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      task_ = &task;
      count_ = count;
      next_.store(0);
      error_ = nullptr;
      active_ = threads_.size();
      ++generation_;
    }
    wake_.notify_all();
    drain();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
    task_ = nullptr;
    if (error_) std::rethrow_exception(error_);
  }

 private:
  void worker_loop() {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
      lock.unlock();
      drain();
      lock.lock();
      if (--active_ == 0) done_.notify_one();
    }
  }

  void drain() {
    for (std::size_t k = next_.fetch_add(1); k < count_; k = next_.fetch_add(1)) {
      try {
        (*task_)(k);
      } catch (...) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (!error_) error_ = std::current_exception();
      }
    }
  }

  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  const std::function<void(std::size_t)>* task_ = nullptr;
  std::size_t count_ = 0;  // written under mutex_ before the generation changes; read-only during a run
  std::atomic<std::size_t> next_{0};
  std::size_t active_ = 0;
  std::uint64_t generation_ = 0;
  bool stop_ = false;
  std::exception_ptr error_;
};

namespace {

unsigned resolve_threads(unsigned requested, std::size_t batch_size) {
  unsigned threads = requested > 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
  if (batch_size < threads) threads = static_cast<unsigned>(std::max<std::size_t>(batch_size, 1));
  return threads;
}

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
  pool_ = std::make_unique<WorkerPool>(resolve_threads(threads, batch_size) - 1);
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
