#pragma once
// The common answer of a load target, read without Beast's parser: a whole
// response (status line, headers, a body of Content-Length bytes) already in
// the receive buffer. Beast's parser was one of the load generator's largest
// costs on such responses, most of it on fields nobody reads (bench/README.md,
// "Issue 16 part 5, round 3"). Anything else is left to Beast's parser, which
// then reads the same bytes from the start: a response not yet whole, chunked,
// without a length, 1xx/204/304, a head over Beast's 8 KiB limit, or anything
// Beast would refuse or read otherwise (a differential fuzz test holds it to
// that).
#include <boost/beast/http/basic_parser.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace stampede::actors {

/// A whole response at the front of a receive buffer.
struct whole_response {
  int status = 0;
  /// As Beast's keep_alive(): HTTP/1.1 unless Connection lists "close",
  /// HTTP/1.0 only when it lists "keep-alive".
  bool keep_alive = true;
  /// Bytes of the response: head and body. Bytes after them answer nothing.
  std::size_t size = 0;
  /// Bytes of its head: status line and fields, with the blank line.
  std::size_t head = 0;
};

/// The response at the front of `bytes` when it is whole and framed by a
/// Content-Length; nothing when Beast's parser must read it.
std::optional<whole_response> read_whole_response(std::string_view bytes);

/// read_whole_response with a memory of the last head it read whole. A load
/// target answers most requests with the same head (nginx's changes with its
/// Date, once a second), and a head equal byte for byte to the last one needs
/// no reading: what read_whole_response finds depends on the head's bytes
/// alone, and on whether the body has all come. Reading each head was the
/// worker's largest cost of its own per response (bench/README.md, "Issue 16
/// part 5, round 4").
class response_reader {
 public:
  std::optional<whole_response> read(std::string_view bytes);

 private:
  std::string head_;  // the last head read whole; empty before the first
  whole_response last_;
};

/// Beast's parser for every other response, keeping the status and the
/// framing (Connection, Content-Length, chunks) and nothing else: a parser that
/// stores no header and no body allocates nothing per response.
class status_parser : public boost::beast::http::basic_parser<false> {
 public:
  int status = 0;

 private:
  void on_request_impl(boost::beast::http::verb, boost::beast::string_view,
                       boost::beast::string_view, int, boost::beast::error_code&) override {}
  void on_response_impl(int code, boost::beast::string_view, int,
                        boost::beast::error_code&) override {
    status = code;
  }
  void on_field_impl(boost::beast::http::field, boost::beast::string_view,
                     boost::beast::string_view, boost::beast::error_code&) override {}
  void on_header_impl(boost::beast::error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&,
                         boost::beast::error_code&) override {}
  std::size_t on_body_impl(boost::beast::string_view body, boost::beast::error_code&) override {
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, boost::beast::string_view,
                            boost::beast::error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, boost::beast::string_view body,
                                 boost::beast::error_code&) override {
    return body.size();
  }
  void on_finish_impl(boost::beast::error_code&) override {}
};

}  // namespace stampede::actors
