#pragma once
// A small persistent thread pool: workers are started once and wait between jobs, so a kernel
// can split its outer loops (GEMM's jc/ic blocks) without paying thread creation per call.
// A waiting thread (a worker between jobs, the caller waiting for the workers) first spins for
// up to 300 us before it sleeps on a condition variable: a model runs one job per step back to
// back, and on a VM a sleeping vCPU takes 15-130 us to wake, per step and per direction. While
// they spin, publishing a job, taking its tasks and counting them done are atomic operations
// only: no thread blocks on a mutex the other holds.
// MobileNet v2 at 2 threads (~60 jobs per inference): median 10.5-16.4 ms sleeping, 6.0-9.2 ms
// spinning, in alternating runs on a 2-vCPU Zen 4 VM.
// The calling thread takes part in every job, so a pool of T threads has T-1 workers and
// threads=1 runs everything inline with no synchronisation at all.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace loupe {

class ThreadPool {
 public:
  // threads <= 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Threads that can run a job, the caller included.
  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs fn(i) for every i in [0, n) on at most max_threads threads (<= 0: all) and returns
  // when all are done. Task i goes to whichever participating thread takes it next. A call from
  // inside a task (nested parallelism) runs its tasks serially on that thread. The first
  // exception thrown by a task is rethrown here after the job has drained.
  void parallel_for(int64_t n, const std::function<void(int64_t)>& fn, int max_threads = 0);

  // The process-wide pool (hardware_concurrency threads), created on first use.
  static ThreadPool& global();

 private:
  void worker_loop(int index);
  void run_tasks();
  // Counts `count` of the job's outstanding tasks or worker exits as done, waking the caller if
  // it went to sleep and this was the last.
  void finish(int64_t count);
  // Spins until pred() holds or kSpinMicros pass (the caller then waits on its condition
  // variable, which rechecks).
  template <typename Pred>
  static void spin_until(const Pred& pred);

  std::vector<std::thread> workers_;
  std::mutex submit_mutex_;  // one job at a time
  // The hot path is lock-free: a job is published through published_, its tasks are taken from
  // next_ and counted down in outstanding_. mutex_ and the condition variables only serve a
  // thread that stopped spinning (sleeping_, caller_sleeps_ tell the other side to notify):
  // under a mutex taken by both sides on every job, 20-30% of 2-task jobs waited 17-40 us for
  // a futex wake-up on a 2-vCPU VM (median 1.4 us).
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  // The current job, written by the caller before it publishes the job's generation and read by
  // the workers after they see it.
  const std::function<void(int64_t)>* fn_ = nullptr;
  int64_t n_ = 0;
  uint64_t generation_ = 0;
  // generation << 16 | participating workers (workers with a lower index join the job). On its
  // own cache line: idle workers spin on it while a job's threads update the counters.
  alignas(64) std::atomic<uint64_t> published_{0};
  alignas(64) std::atomic<int64_t> next_{0};
  // Tasks not yet done plus participating workers not yet out of the job.
  std::atomic<int64_t> outstanding_{0};
  std::atomic<int> sleeping_{0};            // workers waiting on wake_
  std::atomic<bool> caller_sleeps_{false};  // the caller waits on done_
  std::atomic<bool> stop_{false};
  std::mutex error_mutex_;
  std::exception_ptr error_;  // the job's first exception, under error_mutex_
};

}  // namespace loupe
