#include "protocol/wire.h"

#include <cstring>
#include <limits>

namespace kb::protocol {

// ---- Records ----

size_t Records::size() const {
  if (const auto* v = std::get_if<View>(&value)) return v->size;
  if (const auto* o = std::get_if<Owned>(&value)) return o->size();
  if (const auto* s = std::get_if<Slices>(&value)) {
    size_t n = 0;
    for (const auto& slice : *s) n += slice.size;
    return n;
  }
  return 0;
}

std::span<const uint8_t> Records::bytes() const {
  if (const auto* v = std::get_if<View>(&value)) return {v->data, v->size};
  if (const auto* o = std::get_if<Owned>(&value)) return {o->data(), o->size()};
  return {};
}

bool Records::operator==(const Records& other) const {
  if (is_null() || other.is_null()) return is_null() == other.is_null();
  if (is_slices() || other.is_slices()) {
    if (!is_slices() || !other.is_slices()) return false;
    const auto& a = std::get<Slices>(value);
    const auto& b = std::get<Slices>(other.value);
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].file != b[i].file || a[i].position != b[i].position || a[i].size != b[i].size) {
        return false;
      }
    }
    return true;
  }
  auto x = bytes();
  auto y = other.bytes();
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size()) == 0);
}

// ---- Reader ----

void Reader::need(size_t n) const {
  if (n > size_ - pos_) {
    throw DecodeError("buffer underflow: need " + std::to_string(n) + " bytes, have " +
                      std::to_string(size_ - pos_));
  }
}

int8_t Reader::read_int8() {
  need(1);
  return static_cast<int8_t>(data_[pos_++]);
}

int16_t Reader::read_int16() {
  need(2);
  uint16_t v = uint16_t((data_[pos_] << 8) | data_[pos_ + 1]);
  pos_ += 2;
  return static_cast<int16_t>(v);
}

uint32_t Reader::read_uint32() {
  need(4);
  const uint8_t* p = data_ + pos_;
  uint32_t v = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
  pos_ += 4;
  return v;
}

int32_t Reader::read_int32() {
  return static_cast<int32_t>(read_uint32());
}

int64_t Reader::read_int64() {
  uint64_t hi = read_uint32();
  uint64_t lo = read_uint32();
  return static_cast<int64_t>((hi << 32) | lo);
}

bool Reader::read_bool() {
  return read_int8() != 0;
}

uint32_t Reader::read_uvarint() {
  uint32_t v = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    need(1);
    uint8_t b = data_[pos_++];
    // The fifth byte may only carry the top 4 bits of a 32-bit value.
    if (shift == 28 && (b & 0xf0) != 0) throw DecodeError("unsigned varint overflows 32 bits");
    v |= uint32_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  throw DecodeError("unsigned varint longer than 5 bytes");
}

uint64_t Reader::read_uvarlong() {
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    need(1);
    uint8_t b = data_[pos_++];
    if (shift == 63 && (b & 0xfe) != 0) throw DecodeError("unsigned varlong overflows 64 bits");
    v |= uint64_t(b & 0x7f) << shift;
    if ((b & 0x80) == 0) return v;
  }
  throw DecodeError("unsigned varlong longer than 10 bytes");
}

int32_t Reader::read_varint() {
  uint32_t u = read_uvarint();
  return static_cast<int32_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t Reader::read_varlong() {
  uint64_t u = read_uvarlong();
  return static_cast<int64_t>((u >> 1) ^ (~(u & 1) + 1));
}

int64_t Reader::read_length(bool compact, bool wide) {
  int64_t len;
  if (compact) {
    len = int64_t(read_uvarint()) - 1;
  } else {
    len = wide ? read_int32() : read_int16();
  }
  if (len < -1) throw DecodeError("negative length " + std::to_string(len));
  if (len > 0) need(size_t(len));
  return len;
}

std::optional<std::string> Reader::read_nullable_string(bool compact) {
  int64_t len = read_length(compact, false);
  if (len < 0) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(data_ + pos_), size_t(len));
  pos_ += size_t(len);
  return s;
}

std::string Reader::read_string(bool compact) {
  auto s = read_nullable_string(compact);
  if (!s) throw DecodeError("null value for a non-nullable string");
  return std::move(*s);
}

std::optional<std::vector<uint8_t>> Reader::read_nullable_bytes(bool compact) {
  int64_t len = read_length(compact, true);
  if (len < 0) return std::nullopt;
  std::vector<uint8_t> b(data_ + pos_, data_ + pos_ + len);
  pos_ += size_t(len);
  return b;
}

std::vector<uint8_t> Reader::read_bytes(bool compact) {
  auto b = read_nullable_bytes(compact);
  if (!b) throw DecodeError("null value for non-nullable bytes");
  return std::move(*b);
}

Records Reader::read_records(bool compact) {
  int64_t len = read_length(compact, true);
  if (len < 0) return Records::null();
  Records r = Records::view(data_ + pos_, size_t(len));
  pos_ += size_t(len);
  return r;
}

int32_t Reader::read_array_length(bool compact, bool nullable) {
  int64_t n = compact ? int64_t(read_uvarint()) - 1 : read_int32();
  if (n < 0) {
    if (n == -1 && nullable) return -1;
    throw DecodeError("invalid array length " + std::to_string(n));
  }
  if (uint64_t(n) > remaining()) {
    throw DecodeError("array length " + std::to_string(n) + " exceeds remaining bytes");
  }
  return static_cast<int32_t>(n);
}

void Reader::skip(size_t n) {
  need(n);
  pos_ += n;
}

void Reader::skip_tag_buffer() {
  uint32_t count = read_uvarint();
  for (uint32_t i = 0; i < count; ++i) {
    read_uvarint();  // tag
    skip(read_uvarint());
  }
}

Reader Reader::sub_reader(size_t n) {
  need(n);
  Reader sub(data_ + pos_, n);
  pos_ += n;
  return sub;
}

std::span<const uint8_t> Reader::read_raw(size_t n) {
  need(n);
  std::span<const uint8_t> s(data_ + pos_, n);
  pos_ += n;
  return s;
}

// ---- OutBuffer / Writer ----

size_t OutBuffer::size() const {
  size_t n = 0;
  for (const auto& c : chunks) {
    if (const auto* b = std::get_if<std::vector<uint8_t>>(&c)) {
      n += b->size();
    } else {
      n += std::get<kb::FileSlice>(c).size;
    }
  }
  return n;
}

std::vector<uint8_t> OutBuffer::flatten() const {
  std::vector<uint8_t> out;
  for (const auto& c : chunks) {
    if (const auto* b = std::get_if<std::vector<uint8_t>>(&c))
      out.insert(out.end(), b->begin(), b->end());
  }
  return out;
}

std::vector<uint8_t>& Writer::tail() {
  if (out_.chunks.empty() || !std::holds_alternative<std::vector<uint8_t>>(out_.chunks.back())) {
    out_.chunks.emplace_back(std::vector<uint8_t>{});
  }
  return std::get<std::vector<uint8_t>>(out_.chunks.back());
}

void Writer::write_raw(const void* data, size_t n) {
  if (n == 0) return;
  auto& t = tail();
  const auto* p = static_cast<const uint8_t*>(data);
  t.insert(t.end(), p, p + n);
}

void Writer::write_int8(int8_t v) {
  tail().push_back(static_cast<uint8_t>(v));
}

void Writer::write_int16(int16_t v) {
  uint8_t b[2] = {uint8_t(uint16_t(v) >> 8), uint8_t(v)};
  write_raw(b, 2);
}

void Writer::write_uint32(uint32_t v) {
  uint8_t b[4] = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  write_raw(b, 4);
}

void Writer::write_int32(int32_t v) {
  write_uint32(static_cast<uint32_t>(v));
}

void Writer::write_int64(int64_t v) {
  write_uint32(uint32_t(uint64_t(v) >> 32));
  write_uint32(uint32_t(uint64_t(v)));
}

void Writer::write_uvarlong(uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  while (v >= 0x80) {
    b[n++] = uint8_t(v | 0x80);
    v >>= 7;
  }
  b[n++] = uint8_t(v);
  write_raw(b, n);
}

void Writer::write_uvarint(uint32_t v) {
  write_uvarlong(v);
}

void Writer::write_varint(int32_t v) {
  write_uvarint((uint32_t(v) << 1) ^ uint32_t(v >> 31));
}

void Writer::write_varlong(int64_t v) {
  write_uvarlong((uint64_t(v) << 1) ^ uint64_t(v >> 63));
}

void Writer::write_string(std::string_view s, bool compact) {
  if (compact) {
    write_uvarint(uint32_t(s.size() + 1));
  } else {
    write_int16(static_cast<int16_t>(s.size()));
  }
  write_raw(s.data(), s.size());
}

void Writer::write_nullable_string(const std::optional<std::string>& s, bool compact) {
  if (s) return write_string(*s, compact);
  if (compact) {
    write_uvarint(0);
  } else {
    write_int16(-1);
  }
}

void Writer::write_bytes(std::span<const uint8_t> b, bool compact) {
  if (compact) {
    write_uvarint(uint32_t(b.size() + 1));
  } else {
    write_int32(static_cast<int32_t>(b.size()));
  }
  write_raw(b.data(), b.size());
}

void Writer::write_nullable_bytes(const std::optional<std::vector<uint8_t>>& b, bool compact) {
  if (b) return write_bytes(*b, compact);
  if (compact) {
    write_uvarint(0);
  } else {
    write_int32(-1);
  }
}

void Writer::write_array_length(int32_t n, bool compact) {
  if (compact) {
    write_uvarint(uint32_t(n + 1));
  } else {
    write_int32(n);
  }
}

void Writer::write_records(const Records& r, bool compact) {
  if (r.is_null()) {
    if (compact) {
      write_uvarint(0);
    } else {
      write_int32(-1);
    }
    return;
  }
  size_t n = r.size();
  if (compact) {
    write_uvarint(uint32_t(n + 1));
  } else {
    write_int32(static_cast<int32_t>(n));
  }
  if (const auto* slices = std::get_if<Records::Slices>(&r.value)) {
    // File ranges go out with sendfile; later writes start a fresh owned chunk after them.
    for (const auto& s : *slices) {
      if (s.size > 0) out_.chunks.emplace_back(s);
    }
    return;
  }
  auto b = r.bytes();
  write_raw(b.data(), b.size());
}

size_t Writer::reserve_int32() {
  size_t pos = position();
  write_int32(0);
  return pos;
}

void Writer::patch_int32(size_t position, int32_t v) {
  size_t base = 0;
  for (auto& c : out_.chunks) {
    size_t len = std::holds_alternative<std::vector<uint8_t>>(c)
                     ? std::get<std::vector<uint8_t>>(c).size()
                     : std::get<kb::FileSlice>(c).size;
    if (position < base + len) {
      auto* bytes = std::get_if<std::vector<uint8_t>>(&c);
      if (bytes == nullptr || position + 4 > base + len) {
        throw std::logic_error("patch_int32 position not within one owned chunk");
      }
      uint8_t* p = bytes->data() + (position - base);
      uint32_t u = static_cast<uint32_t>(v);
      p[0] = uint8_t(u >> 24);
      p[1] = uint8_t(u >> 16);
      p[2] = uint8_t(u >> 8);
      p[3] = uint8_t(u);
      return;
    }
    base += len;
  }
  throw std::logic_error("patch_int32 position past the end of the buffer");
}

size_t uvarint_size(uint32_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

}  // namespace kb::protocol
