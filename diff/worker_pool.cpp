// The persistent thread pool behind the batched solvers and layers.

#include "diff/worker_pool.hpp"

#include <algorithm>

namespace optlayer {
namespace detail {

WorkerPool::WorkerPool(unsigned workers) {
  threads_.reserve(workers);
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this] { worker_loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void WorkerPool::run(std::size_t count, const std::function<void(std::size_t)>& task) {
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

void WorkerPool::worker_loop() {
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

void WorkerPool::drain() {
  for (std::size_t k = next_.fetch_add(1); k < count_; k = next_.fetch_add(1)) {
    try {
      (*task_)(k);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!error_) error_ = std::current_exception();
    }
  }
}

unsigned resolve_threads(unsigned requested, std::size_t batch_size) {
  unsigned threads = requested > 0 ? requested : std::max(1u, std::thread::hardware_concurrency());
  if (batch_size < threads) threads = static_cast<unsigned>(std::max<std::size_t>(batch_size, 1));
  return threads;
}

}  // namespace detail
}  // namespace optlayer
