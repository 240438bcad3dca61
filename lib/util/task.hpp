#pragma once
// Task<T>: a lazy C++20 coroutine that produces one T. It does nothing until it is awaited
// (by another Task, which it resumes when it finishes) or started by whoever drives it (a
// bms::Dispatcher, which runs many at once on one thread). A sequence of protocol steps is
// written once as a Task and runs alone (a blocking call) or beside a hundred others.
//
//   util::Task<util::Result<int>> twice(Peer& p) {
//     auto a = co_await p.read();         // suspends until the dispatcher has the answer
//     if (!a) co_return tl::unexpected(a.error());
//     co_return *a * 2;
//   }
//
// An exception thrown inside is kept and rethrown where the result is taken.

#include <coroutine>
#include <cstddef>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

namespace util {

template <class T>
class [[nodiscard]] Task {
public:
  struct promise_type {
    std::optional<T> value;
    std::exception_ptr error;
    std::coroutine_handle<> continuation;  // the awaiting coroutine, resumed at the end

    Task get_return_object() { return Task(Handle::from_promise(*this)); }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct Final {
      bool await_ready() noexcept { return false; }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> h) noexcept {
        auto next = h.promise().continuation;
        return next ? next : std::noop_coroutine();
      }
      void await_resume() noexcept {}
    };
    Final final_suspend() noexcept { return {}; }
    template <class U>
    void return_value(U&& v) {
      value.emplace(std::forward<U>(v));
    }
    void unhandled_exception() { error = std::current_exception(); }
  };
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  Task(Task&& other) noexcept : m_handle(std::exchange(other.m_handle, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      destroy();
      m_handle = std::exchange(other.m_handle, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() { destroy(); }

  // Awaited by another coroutine: runs this one, which resumes the caller when it finishes.
  bool await_ready() const noexcept { return false; }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    m_handle.promise().continuation = caller;
    return m_handle;
  }
  T await_resume() { return take(); }

  // Driven from outside: runs it until its first suspension (or its end).
  void start() { m_handle.resume(); }
  bool valid() const { return static_cast<bool>(m_handle); }
  bool done() const { return m_handle && m_handle.done(); }
  // The result of a finished task (rethrows what it threw). Only once.
  T take() {
    promise_type& p = m_handle.promise();
    if (p.error) std::rethrow_exception(p.error);
    return std::move(*p.value);
  }

private:
  explicit Task(Handle h) : m_handle(h) {}
  void destroy() {
    if (m_handle) m_handle.destroy();
    m_handle = {};
  }

  Handle m_handle;
};

namespace detail {

// A coroutine that starts at once and frees itself at its end: when_all's child runner.
struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }  // run_child catches everything
  };
};

template <class T>
struct WhenAll {
  std::vector<Task<T>>& tasks;
  std::vector<std::optional<T>>& results;
  std::exception_ptr& error;
  std::size_t remaining = 0;
  std::coroutine_handle<> parent;

  static Detached run_child(WhenAll* self, std::size_t i) {
    try {
      self->results[i].emplace(co_await std::move(self->tasks[i]));
    } catch (...) {
      if (!self->error) self->error = std::current_exception();
    }
    if (--self->remaining == 0) self->parent.resume();
  }
  bool await_ready() const noexcept { return tasks.empty(); }
  bool await_suspend(std::coroutine_handle<> h) {
    parent = h;
    remaining = tasks.size() + 1;  // +1: held until every child has started
    for (std::size_t i = 0; i < tasks.size(); ++i) run_child(this, i);
    return --remaining != 0;  // all done already: go on without suspending
  }
  void await_resume() const noexcept {}
};

}  // namespace detail

// Runs every task at once (they interleave wherever they suspend) and gives their results in
// order once the last has ended. The first exception thrown is rethrown after all have ended.
template <class T>
Task<std::vector<T>> when_all(std::vector<Task<T>> tasks) {
  std::vector<std::optional<T>> results(tasks.size());
  std::exception_ptr error;
  co_await detail::WhenAll<T>{tasks, results, error, 0, {}};
  if (error) std::rethrow_exception(error);
  std::vector<T> out;
  out.reserve(results.size());
  for (auto& r : results) out.push_back(std::move(*r));
  co_return out;
}

}  // namespace util
