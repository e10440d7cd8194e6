#pragma once
// Private to gpu/: what every Thrust source here shares — the backend checks,
// the CUDA error checks, running a body on the device with Thrust's failures
// turned into stats_error, the NaN check and the nearest rank. Included only
// by the .cpp files that CMake compiles as CUDA when STAMPEDE_CUDA is on.
#include <thrust/device_vector.h>
#include <thrust/logical.h>
#include <thrust/system_error.h>
#include <thrust/version.h>

#include <atomic>
#include <cmath>
#include <cstddef>
#include <limits>
#include <new>
#include <string>

#include "gpu/stats.hpp"

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
#include <cuda_runtime.h>
#endif

// CCCL 3 no longer defines __host__/__device__ for a host compiler, and g++
// never knew them: functors carry this macro instead.
#if defined(__CUDACC__)
#define STAMPEDE_HD __host__ __device__
#else
#define STAMPEDE_HD
#endif

// Prove which Thrust was compiled in: -I/usr/local/cuda/include alone silently
// picks Debian's 1.17 from /usr/include. The build passes the THRUST_VERSION it
// pinned (read from the header it chose), and the CUDA build must be CCCL (2+).
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
static_assert(THRUST_VERSION >= 200000,
              "the CUDA build of gpu/ must use the toolkit's CCCL Thrust, not Debian's 1.x");
#elif THRUST_DEVICE_SYSTEM != THRUST_DEVICE_SYSTEM_OMP
#error "gpu/ is built with THRUST_DEVICE_SYSTEM set to CUDA or OMP"
#endif
#ifdef STAMPEDE_THRUST_VERSION
static_assert(THRUST_VERSION == STAMPEDE_THRUST_VERSION,
              "the Thrust headers found are not the ones the build pinned");
#endif

#define STAMPEDE_STR2(x) #x
#define STAMPEDE_STR(x) STAMPEDE_STR2(x)
/// "gpu/stats.cpp:123": where a failure was detected, for error messages.
#define STAMPEDE_HERE (__FILE__ ":" STAMPEDE_STR(__LINE__))

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
/// Every CUDA runtime call goes through this: a failure becomes a stats_error
/// naming the call, its file and line, and CUDA's own message.
#define STAMPEDE_CUDA_CHECK(call) ::stampede::gpu::detail::cuda_check((call), #call, STAMPEDE_HERE)
#endif

namespace stampede::gpu {
namespace detail {

// A constexpr scalar may be read in device code; numeric_limits' functions may
// not without --expt-relaxed-constexpr.
constexpr double k_inf = std::numeric_limits<double>::infinity();

#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
inline void cuda_check(cudaError_t status, const char* call, const char* where) {
  if (status != cudaSuccess) {
    throw stats_error(std::string(where) + ": " + call + " failed: " + cudaGetErrorName(status) +
                      " (" + cudaGetErrorString(status) + ")");
  }
}

// Done on first use, never from a static initialiser: Catch2's test discovery
// runs the test binary at build time on machines without a GPU.
inline void require_device() {
  // Not std::call_once: libstdc++'s once_flag does not survive a throwing
  // callable (GCC bug 66146, an abort with a static libstdc++). Racing first
  // calls only ask the runtime twice.
  static std::atomic<bool> found{false};
  if (found.load(std::memory_order_acquire)) {
    return;
  }
  int devices = 0;
  STAMPEDE_CUDA_CHECK(cudaGetDeviceCount(&devices));
  if (devices == 0) {
    throw stats_error(std::string(STAMPEDE_HERE) + ": no CUDA device visible");
  }
  found.store(true, std::memory_order_release);
}

// Thrust launches kernels asynchronously; a fault surfaces on the next call.
// Ask now, so the error names the statistic that caused it.
inline void sync_device() {
  STAMPEDE_CUDA_CHECK(cudaGetLastError());
  STAMPEDE_CUDA_CHECK(cudaDeviceSynchronize());
}
#else
inline void require_device() {}
inline void sync_device() {}
#endif

/// Runs `body` on the device, turning Thrust's own failures (a kernel fault, an
/// allocation the device cannot satisfy) into stats_error with the caller's place.
template <class Body>
auto on_device(const char* where, Body&& body) -> decltype(body()) {
  try {
    require_device();
    auto result = body();
    sync_device();
    return result;
  } catch (const stats_error&) {
    throw;
  } catch (const thrust::system_error& e) {
    throw stats_error(std::string(where) + ": Thrust failed: " + e.what());
#if THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA
  } catch (const std::bad_alloc& e) {
    throw stats_error(std::string(where) + ": device allocation failed: " + e.what());
#endif
  }
}

struct is_nan {
  template <class T>
  STAMPEDE_HD bool operator()(T x) const {
    return x != x;
  }
};

/// Rejects a sample holding a NaN. A Thrust reduction, so on the CUDA build the
/// check runs on the device over the copy already there.
template <class T>
void reject_nan(const thrust::device_vector<T>& values, const char* where) {
  if (thrust::any_of(values.begin(), values.end(), is_nan{})) {
    throw stats_error(std::string(where) + ": the sample holds a NaN");
  }
}

/// Nearest rank, 1-based: ceil(q·n), at least 1. q·n is rounded to the nearest
/// double; where that lies within a few ulps of an integer, it is that integer.
/// A decimal q such as 0.1, 0.3 or 0.7 has no exact double, and the exact
/// product of its double with n lands just above or just below the integer the
/// caller meant (0.3·10 -> 3.0000000000000004, 0.7·10 -> 7.000000000000001);
/// a plain ceil would then return the next rank.
inline std::size_t nearest_rank(double q, std::size_t n) {
  const double product = q * static_cast<double>(n);
  const double nearest = std::nearbyint(product);
  const double slack = 4 * std::numeric_limits<double>::epsilon() * product;
  const double rank = std::fabs(product - nearest) <= slack ? nearest : std::ceil(product);
  if (rank < 1) {
    return 1;
  }
  return rank >= static_cast<double>(n) ? n : static_cast<std::size_t>(rank);
}

}  // namespace detail
}  // namespace stampede::gpu
