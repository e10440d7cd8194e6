#pragma once
// Memory for the population's per-user records, on transparent huge pages.
//
// At full scale the records are gigabytes read at random, one user at a time:
// with 4 KiB pages nearly every access also misses the TLB, and the page walk
// itself misses the cache (the page tables of 2.4 GiB are 4.8 MiB). A block's
// records are a few hundred KiB, too small for a 2 MiB page on their own, so
// they are cut from shared 2 MiB-aligned chunks that are madvise()d for huge
// pages (the kernel's `madvise` mode; where it refuses, they stay small pages
// and only speed is lost). A chunk is returned to the system when the last
// buffer cut from it is gone.
#include <cstddef>
#include <cstdint>

namespace stampede::sim {

class huge_page_buffer {
 public:
  huge_page_buffer() = default;
  /// `bytes` zeroed bytes, 64-byte aligned.
  explicit huge_page_buffer(std::size_t bytes);
  huge_page_buffer(huge_page_buffer&& other) noexcept;
  huge_page_buffer& operator=(huge_page_buffer&& other) noexcept;
  huge_page_buffer(const huge_page_buffer&) = delete;
  huge_page_buffer& operator=(const huge_page_buffer&) = delete;
  ~huge_page_buffer();

  std::uint8_t* data() { return data_; }
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }

  struct chunk;

 private:
  void release();

  std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  chunk* chunk_ = nullptr;
};

}  // namespace stampede::sim
