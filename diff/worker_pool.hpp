#pragma once
// A small persistent thread pool shared by the batched solvers and layers (QpBatch, the
// structured sparsemax layer, ConvexLayer). Internal: not installed.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace optlayer {
namespace detail {

// Runs task(0..count-1) on its worker threads and the calling thread. Indices are handed
// out by an atomic counter: which thread runs which index varies, so callers keep each
// index's computation independent of the thread (one workspace per index).
class WorkerPool {
 public:
  /// Starts `workers` threads (0: every run() is a serial loop on the caller).
  explicit WorkerPool(unsigned workers);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned workers() const { return static_cast<unsigned>(threads_.size()); }

  /// Runs task(k) for every k < count and returns when all are done; rethrows the first exception.
  void run(std::size_t count, const std::function<void(std::size_t)>& task);

 private:
  void worker_loop();
  void drain();

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

/// Runs task(k) for k < count: inline when there is one index, no pool or too little work
/// (`parallel` false), else on the pool. Inline avoids the std::function and the wake-up of the
/// workers, which cost more than an O(n) row.
template <typename Task>
void for_each_index(WorkerPool* pool, std::size_t count, bool parallel, const Task& task) {
  if (pool == nullptr || pool->workers() == 0 || count <= 1 || !parallel) {
    for (std::size_t k = 0; k < count; ++k) task(k);
    return;
  }
  pool->run(count, [&](std::size_t k) { task(k); });
}

/// Threads to use for a batch: `requested` (0: one per hardware thread), never more than the batch.
unsigned resolve_threads(unsigned requested, std::size_t batch_size);

}  // namespace detail
}  // namespace optlayer
