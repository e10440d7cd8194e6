#include "sim/speed/huge_pages.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

using namespace stampede::sim;

TEST_CASE("huge page buffers are zeroed, aligned and do not overlap", "[sim][huge_pages]") {
  std::vector<huge_page_buffer> buffers;
  // Sizes that fill several 64 MiB chunks, and one larger than a chunk.
  for (std::size_t i = 0; i < 300; ++i) buffers.emplace_back(327'680 + 7 * i);
  buffers.emplace_back(std::size_t{100} << 20);
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    huge_page_buffer& b = buffers[i];
    REQUIRE(b.data() != nullptr);
    CHECK(reinterpret_cast<std::uintptr_t>(b.data()) % 64 == 0);
    CHECK(std::all_of(b.data(), b.data() + b.size(), [](std::uint8_t v) { return v == 0; }));
    std::fill(b.data(), b.data() + b.size(), static_cast<std::uint8_t>(i % 251 + 1));
  }
  // Every buffer still holds what was written to it: none overlaps another.
  for (std::size_t i = 0; i < buffers.size(); ++i) {
    const huge_page_buffer& b = buffers[i];
    const auto v = static_cast<std::uint8_t>(i % 251 + 1);
    CHECK(std::all_of(b.data(), b.data() + b.size(), [v](std::uint8_t x) { return x == v; }));
  }
}

TEST_CASE("a huge page buffer moves its memory and frees it once", "[sim][huge_pages]") {
  huge_page_buffer a(1000);
  a.data()[999] = 7;
  const std::uint8_t* where = a.data();
  huge_page_buffer b(std::move(a));
  CHECK(a.data() == nullptr);
  CHECK(a.size() == 0);
  CHECK(b.data() == where);
  CHECK(b.data()[999] == 7);
  huge_page_buffer c;
  c = std::move(b);
  CHECK(c.data() == where);
  CHECK(c.size() == 1000);
  // Released chunks are unmapped; new buffers after that are fresh and zeroed.
  c = huge_page_buffer();
  for (int round = 0; round < 3; ++round) {
    huge_page_buffer d(1000);
    CHECK(d.data()[999] == 0);
    d.data()[999] = 9;
  }
  CHECK(huge_page_buffer(0).data() == nullptr);
}
