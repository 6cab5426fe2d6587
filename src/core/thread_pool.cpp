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
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
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

// Takes task indices until none is left; runs with mutex_ unlocked around each task.
void ThreadPool::run_tasks() {
  std::unique_lock lock(mutex_);
  while (next_ < n_) {
    const int64_t i = next_++;
    lock.unlock();
    try {
      t_inside_task = true;
      (*fn_)(i);
      t_inside_task = false;
    } catch (...) {
      t_inside_task = false;
      lock.lock();
      if (!error_) error_ = std::current_exception();
      outstanding_.fetch_sub(n_ - next_ + 1, std::memory_order_release);
      finished_ += n_ - next_ + 1;  // this task and those nobody has started
      next_ = n_;
      continue;
    }
    lock.lock();
    ++finished_;
    outstanding_.fetch_sub(1, std::memory_order_release);
  }
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (!stop_ && generation_ == seen) {
      lock.unlock();
      spin_until([&] { return published_.load(std::memory_order_acquire) != seen; });
      lock.lock();
    }
    wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
    if (stop_) return;
    seen = generation_;
    if (index >= participants_) continue;
    ++active_;
    lock.unlock();
    run_tasks();
    lock.lock();
    --active_;
    outstanding_.fetch_sub(1, std::memory_order_release);
    done_.notify_all();
  }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t)>& fn, int max_threads) {
  if (n <= 0) return;
  if (max_threads <= 0) max_threads = size();
  const int threads = static_cast<int>(std::min<int64_t>({n, max_threads, size()}));
  if (threads <= 1 || t_inside_task) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::lock_guard submit(submit_mutex_);
  {
    std::lock_guard lock(mutex_);
    fn_ = &fn;
    n_ = n;
    next_ = 0;
    finished_ = 0;
    participants_ = threads - 1;
    error_ = nullptr;
    // Every task, and every participating worker's exit from the job.
    outstanding_.store(n + participants_, std::memory_order_relaxed);
    ++generation_;
    published_.store(generation_, std::memory_order_release);
  }
  wake_.notify_all();
  run_tasks();
  std::exception_ptr error;
  {
    // All tasks finished and no worker still holds a reference to fn.
    spin_until([&] { return outstanding_.load(std::memory_order_acquire) == 0; });
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return finished_ == n_ && active_ == 0; });
    fn_ = nullptr;
    error = error_;
    error_ = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace loupe
