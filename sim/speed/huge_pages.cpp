#include "sim/speed/huge_pages.hpp"

#include <sys/mman.h>

#include <mutex>
#include <new>
#include <utility>

namespace stampede::sim {

namespace {

constexpr std::size_t huge_page = std::size_t{2} << 20;
constexpr std::size_t chunk_bytes = std::size_t{64} << 20;
constexpr std::size_t alignment = 64;

std::size_t round_up(std::size_t n, std::size_t to) {
  return (n + to - 1) / to * to;
}

}  // namespace

struct huge_page_buffer::chunk {
  void* mapping = nullptr;
  std::size_t mapping_bytes = 0;
  std::uint8_t* base = nullptr;
  std::size_t size = 0;
  std::size_t used = 0;
  /// Buffers cut from this chunk and not yet released.
  std::size_t live = 0;
};

namespace {

std::mutex chunks_mutex;
/// The chunk new buffers are cut from (null when none is open).
huge_page_buffer::chunk* current = nullptr;

huge_page_buffer::chunk* map_chunk(std::size_t bytes) {
  const std::size_t size = round_up(bytes > chunk_bytes ? bytes : chunk_bytes, huge_page);
  // Map a huge page more than needed, so that the chunk can start on a huge page.
  const std::size_t mapping_bytes = size + huge_page;
  void* m =
      mmap(nullptr, mapping_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  auto* base =
      reinterpret_cast<std::uint8_t*>(round_up(reinterpret_cast<std::uintptr_t>(m), huge_page));
  // A hint: where the kernel refuses (THP off), the pages stay small.
  (void)madvise(base, size, MADV_HUGEPAGE);
  return new huge_page_buffer::chunk{m, mapping_bytes, base, size, 0, 0};
}

void unmap_chunk(huge_page_buffer::chunk* c) {
  munmap(c->mapping, c->mapping_bytes);
  delete c;
}

}  // namespace

huge_page_buffer::huge_page_buffer(std::size_t bytes) : size_(bytes) {
  if (bytes == 0) return;
  const std::size_t take = round_up(bytes, alignment);
  const std::lock_guard lock(chunks_mutex);
  if (current == nullptr || current->size - current->used < take) {
    // The open chunk is full: it lives on until its last buffer goes.
    current = map_chunk(take);
  }
  // Fresh anonymous memory is zero, and a chunk never hands out a byte twice.
  data_ = current->base + current->used;
  current->used += take;
  ++current->live;
  chunk_ = current;
}

huge_page_buffer::huge_page_buffer(huge_page_buffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      chunk_(std::exchange(other.chunk_, nullptr)) {}

huge_page_buffer& huge_page_buffer::operator=(huge_page_buffer&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    chunk_ = std::exchange(other.chunk_, nullptr);
  }
  return *this;
}

huge_page_buffer::~huge_page_buffer() {
  release();
}

void huge_page_buffer::release() {
  if (chunk_ == nullptr) return;
  const std::lock_guard lock(chunks_mutex);
  if (--chunk_->live == 0) {
    if (chunk_ == current) current = nullptr;
    unmap_chunk(chunk_);
  }
  chunk_ = nullptr;
  data_ = nullptr;
  size_ = 0;
}

}  // namespace stampede::sim
