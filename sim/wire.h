#pragma once
// A plain binary encoding for handing values to another process of the same binary (the
// SimGrid replay's isolated child, the ranks of an MPI sweep): fixed-width scalars, strings
// and vectors with their lengths first. One function per record type lists its fields,
//
//   template <class Wire, class R> void WireFields(Wire& w, R& r) { w.Field(r.a); ... }
//
// (WireRecord below) found by argument-dependent lookup, so it must live in the record's
// namespace; it serves both directions: WireWriter's Field appends a value to the bytes,
// WireReader's reads the bytes back into it.

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace ringsim {

/// The return type of a WireFields for record type `T`, taking `E` = T or const T:
///   template <class Wire, class E> auto WireFields(Wire& w, E& r) -> WireRecord<E, Point>
template <class E, class T>
using WireRecord = std::enable_if_t<std::is_same_v<std::remove_const_t<E>, T>>;

/// Thrown by WireReader when the bytes end before the fields do.
class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class WireWriter {
 public:
  void Field(double v) { Raw(&v, sizeof v); }
  void Field(int64_t v) { Raw(&v, sizeof v); }
  void Field(bool v) { Field(static_cast<int64_t>(v)); }
  void Field(const std::string& v) {
    Field(static_cast<int64_t>(v.size()));
    data_.append(v);
  }
  template <class T>
  void Field(const std::vector<T>& v) {
    Field(static_cast<int64_t>(v.size()));
    for (const T& x : v) Field(x);
  }
  /// A record with a WireFields function.
  template <class T>
  auto Field(const T& record) -> decltype(WireFields(*this, record), void()) {
    WireFields(*this, record);
  }
  const std::string& data() const { return data_; }
  std::string& data() { return data_; }

 private:
  void Raw(const void* p, size_t n) { data_.append(static_cast<const char*>(p), n); }
  std::string data_;
};

/// Reads from `data`, which must outlive the reader.
class WireReader {
 public:
  explicit WireReader(const std::string& data) : data_(data) {}
  WireReader(std::string&&) = delete;  // a temporary would be gone before the first Field
  void Field(double& v) { Raw(&v, sizeof v); }
  void Field(int64_t& v) { Raw(&v, sizeof v); }
  void Field(bool& v) {
    int64_t x = 0;
    Field(x);
    v = x != 0;
  }
  void Field(std::string& v) {
    const size_t n = Length();
    Check(n);
    v.assign(data_, pos_, n);
    pos_ += n;
  }
  template <class T>
  void Field(std::vector<T>& v) {
    const size_t n = Length();
    v.clear();
    for (size_t i = 0; i < n; ++i) {
      v.emplace_back();
      Field(v.back());
    }
  }
  /// A record with a WireFields function.
  template <class T>
  auto Field(T& record) -> decltype(WireFields(*this, record), void()) {
    WireFields(*this, record);
  }
  bool AtEnd() const { return pos_ == data_.size(); }

 private:
  // A length no larger than the bytes left (each element takes at least one byte), so that a
  // corrupt length cannot ask for a huge allocation.
  size_t Length() {
    int64_t n = 0;
    Field(n);
    if (n < 0 || static_cast<size_t>(n) > data_.size() - pos_) {
      throw WireError("the other process sent a short or corrupt message");
    }
    return static_cast<size_t>(n);
  }
  void Check(size_t n) const {
    if (n > data_.size() - pos_) throw WireError("the other process sent a short message");
  }
  void Raw(void* p, size_t n) {
    Check(n);
    std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
  }
  const std::string& data_;
  size_t pos_ = 0;
};

/// An enumeration field, as its integer.
template <class E>
void WireEnum(WireWriter& w, const E& e) {
  w.Field(static_cast<int64_t>(e));
}
template <class E>
void WireEnum(WireReader& r, E& e) {
  int64_t v = 0;
  r.Field(v);
  e = static_cast<E>(v);
}

}  // namespace ringsim
