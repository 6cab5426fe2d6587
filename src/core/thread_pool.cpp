#include "loupe/thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <exception>

namespace loupe {

namespace {
constexpr int64_t kSpinMicros = 300;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Set while a thread runs a task, so that nested parallel_for calls do not wait on a pool whose
// threads are busy with the outer job (which would deadlock).
thread_local bool t_inside_task = false;
}  // namespace

ThreadPool::ThreadPool(int threads) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers_.reserve(static_cast<size_t>(threads - 1));
  for (int i = 0; i + 1 < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true);
  { std::lock_guard lock(mutex_); }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(0);
  return pool;
}

template <typename Pred>
void ThreadPool::spin_until(const Pred& pred) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  while (std::chrono::steady_clock::now() <= deadline) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return;
      cpu_relax();
    }
  }
}

void ThreadPool::finish(int64_t count) {
  if (outstanding_.fetch_sub(count) == count && caller_sleeps_.load()) {
    std::lock_guard lock(mutex_);
    done_.notify_all();
  }
}

// Takes task indices until none is left.
void ThreadPool::run_tasks() {
  for (;;) {
    const int64_t i = next_.fetch_add(1);
    if (i >= n_) return;
    try {
      t_inside_task = true;
      (*fn_)(i);
      t_inside_task = false;
    } catch (...) {
      t_inside_task = false;
      {
        std::lock_guard lock(error_mutex_);
        if (!error_) error_ = std::current_exception();
      }
      // The tasks nobody has started are dropped: counted done with this one.
      const int64_t taken = next_.exchange(n_);
      finish(1 + std::max<int64_t>(0, n_ - taken));
      return;
    }
    finish(1);
  }
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    spin_until([&] { return stop_.load() || published_.load() != seen; });
    if (!stop_.load() && published_.load() == seen) {
      std::unique_lock lock(mutex_);
      sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return stop_.load() || published_.load() != seen; });
      sleeping_.fetch_sub(1);
    }
    if (stop_.load()) return;
    // A participant of a job always sees it: the caller waits for its exit before the next one.
    seen = published_.load(std::memory_order_acquire);
    if (index >= static_cast<int>(seen & 0xFFFF)) continue;
    run_tasks();
    finish(1);
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t)>& fn, int max_threads) {
  if (n <= 0) return;
  if (max_threads <= 0) max_threads = size();
  const int threads = static_cast<int>(std::min<int64_t>({n, max_threads, size(), 0x10000}));
  if (threads <= 1 || t_inside_task) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::lock_guard submit(submit_mutex_);
  const int participants = threads - 1;
  fn_ = &fn;
  n_ = n;
  next_.store(0, std::memory_order_relaxed);
  outstanding_.store(n + participants, std::memory_order_relaxed);
  ++generation_;
  published_.store(generation_ << 16 | static_cast<uint64_t>(participants));
  if (sleeping_.load() > 0) {
    std::lock_guard lock(mutex_);
    wake_.notify_all();
  }
  run_tasks();
  // All tasks finished and no worker still holds a reference to fn.
  spin_until([&] { return outstanding_.load(std::memory_order_acquire) == 0; });
  if (outstanding_.load() != 0) {
    std::unique_lock lock(mutex_);
    caller_sleeps_.store(true);
    done_.wait(lock, [&] { return outstanding_.load() == 0; });
    caller_sleeps_.store(false);
  }
  fn_ = nullptr;
  std::exception_ptr error;
  {
    std::lock_guard lock(error_mutex_);
    error = error_;
    error_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace loupe
