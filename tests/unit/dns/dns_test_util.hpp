#pragma once
// Builds DNS responses for tests, uncompressed unless raw bytes are added.
#include <cstdint>
#include <string>
#include <vector>

#include "stack/dns/message.hpp"

namespace tapstack::dns::testing {

class ResponseBuilder {
 public:
  ResponseBuilder(std::uint16_t id, std::string question, std::uint16_t flags = 0x8180)
      : id_(id), flags_(flags), question_(std::move(question)) {}

  ResponseBuilder& a(const std::string& name, wire::Ipv4Address address, std::uint32_t ttl) {
    std::vector<std::uint8_t> rdata(4);
    store_be32(rdata, 0, address.value());
    answers_.push_back(record(name, kTypeA, ttl, rdata));
    return *this;
  }
  ResponseBuilder& cname(const std::string& name, const std::string& target, std::uint32_t ttl) {
    std::vector<std::uint8_t> rdata;
    encode_name(target, rdata);
    answers_.push_back(record(name, kTypeCname, ttl, rdata));
    return *this;
  }
  ResponseBuilder& soa(const std::string& zone, std::uint32_t ttl, std::uint32_t minimum) {
    std::vector<std::uint8_t> rdata;
    encode_name("ns." + zone, rdata);
    encode_name("admin." + zone, rdata);
    const std::size_t at = rdata.size();
    rdata.resize(at + 20, 0);
    store_be32(rdata, at, 2024010101);
    store_be32(rdata, at + 16, minimum);
    authority_.push_back(record(zone, kTypeSoa, ttl, rdata));
    return *this;
  }
  ResponseBuilder& question_type(std::uint16_t type) {
    qtype_ = type;
    return *this;
  }

  std::vector<std::uint8_t> build() const {
    std::vector<std::uint8_t> out(kHeaderLen, 0);
    store_be16(out, 0, id_);
    store_be16(out, 2, flags_);
    store_be16(out, 4, 1);
    store_be16(out, 6, static_cast<std::uint16_t>(answers_.size()));
    store_be16(out, 8, static_cast<std::uint16_t>(authority_.size()));
    encode_name(question_, out);
    const std::size_t at = out.size();
    out.resize(at + 4);
    store_be16(out, at, qtype_);
    store_be16(out, at + 2, kClassIn);
    for (const auto& r : answers_) out.insert(out.end(), r.begin(), r.end());
    for (const auto& r : authority_) out.insert(out.end(), r.begin(), r.end());
    return out;
  }

 private:
  static std::vector<std::uint8_t> record(const std::string& name, std::uint16_t type,
                                          std::uint32_t ttl,
                                          const std::vector<std::uint8_t>& rdata) {
    std::vector<std::uint8_t> out;
    encode_name(name, out);
    const std::size_t at = out.size();
    out.resize(at + 10);
    store_be16(out, at, type);
    store_be16(out, at + 2, kClassIn);
    store_be32(out, at + 4, ttl);
    store_be16(out, at + 8, static_cast<std::uint16_t>(rdata.size()));
    out.insert(out.end(), rdata.begin(), rdata.end());
    return out;
  }

  std::uint16_t id_;
  std::uint16_t flags_;
  std::string question_;
  std::uint16_t qtype_ = kTypeA;
  std::vector<std::vector<std::uint8_t>> answers_;
  std::vector<std::vector<std::uint8_t>> authority_;
};

}  // namespace tapstack::dns::testing
