// libpg_query JSON -> protobuf-c structs (see json_tree.hpp).
//
// The JSON mirrors pg_query.proto: a Node is an object with one key, the node's
// message name ({"ColumnRef": {...}}); message fields are keyed by their proto
// name, mostly in lowerCamelCase ("targetList" for target_list), sometimes as
// written ("sortby_dir"); enums are their value names; zero values are omitted.
// Fields are matched by name with '_' removed and case ignored.
#include "json_tree.hpp"

#include <pg_query.h>

#include <algorithm>
#include <cstring>

namespace pgshim::sql::detail {
namespace {

constexpr std::size_t kBlockSize = 32 * 1024;

// FNV-1a over the name with '_' dropped and ASCII case folded: "targetList",
// "target_list" and "TargetList" hash alike, without building a string.
[[nodiscard]] constexpr uint64_t name_hash(std::string_view name) noexcept {
  uint64_t h = 1469598103934665603ULL;
  for (char c : name) {
    if (c == '_') continue;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// Per message type: (name hash, field) pairs, scanned linearly (a message has a
// few dozen fields at most; Node's ~250 members get a sorted table).
struct FieldIndex {
  std::vector<std::pair<uint64_t, const ProtobufCFieldDescriptor*>> fields;
  bool sorted = false;

  [[nodiscard]] const ProtobufCFieldDescriptor* find(uint64_t h) const noexcept {
    if (sorted) {
      auto it = std::lower_bound(fields.begin(), fields.end(), h,
                                 [](const auto& f, uint64_t x) { return f.first < x; });
      return it != fields.end() && it->first == h ? it->second : nullptr;
    }
    for (const auto& f : fields) {
      if (f.first == h) return f.second;
    }
    return nullptr;
  }
};

// Every descriptor reachable from ParseResult, indexed once (thread-safe static),
// in a sorted vector keyed by descriptor address.
class Indexes {
 public:
  Indexes() {
    std::vector<const ProtobufCMessageDescriptor*> todo{&pg_query__parse_result__descriptor};
    while (!todo.empty()) {
      const ProtobufCMessageDescriptor* md = todo.back();
      todo.pop_back();
      if (std::any_of(all_.begin(), all_.end(), [&](const auto& e) { return e.first == md; })) continue;
      FieldIndex fi;
      const bool node = md == &pg_query__node__descriptor;
      for (unsigned i = 0; i < md->n_fields; ++i) {
        const ProtobufCFieldDescriptor& f = md->fields[i];
        // A Node's members are keyed by their message's name ("A_Const").
        const char* key = node ? static_cast<const ProtobufCMessageDescriptor*>(f.descriptor)->short_name : f.name;
        fi.fields.emplace_back(name_hash(key), &f);
        if (f.type == PROTOBUF_C_TYPE_MESSAGE) todo.push_back(static_cast<const ProtobufCMessageDescriptor*>(f.descriptor));
      }
      if (fi.fields.size() > 16) {
        std::sort(fi.fields.begin(), fi.fields.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        fi.sorted = true;
      }
      all_.emplace_back(md, std::move(fi));
    }
    std::sort(all_.begin(), all_.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& e : all_) {
      if (e.first == &pg_query__node__descriptor) node_ = &e.second;
    }
  }

  [[nodiscard]] const FieldIndex* find(const ProtobufCMessageDescriptor* d) const noexcept {
    if (d == &pg_query__node__descriptor) return node_;
    auto it = std::lower_bound(all_.begin(), all_.end(), d, [](const auto& e, const void* x) { return e.first < x; });
    return it != all_.end() && it->first == d ? &it->second : nullptr;
  }

 private:
  std::vector<std::pair<const ProtobufCMessageDescriptor*, FieldIndex>> all_;
  const FieldIndex* node_ = nullptr;
};

const FieldIndex* field_index(const ProtobufCMessageDescriptor* d) {
  static const Indexes indexes;
  return indexes.find(d);
}

class Reader {
 public:
  Reader(std::string_view json, JsonTree& arena) : p_(json.data()), end_(json.data() + json.size()), arena_(arena) {}

  bool message(const ProtobufCMessageDescriptor* d, ProtobufCMessage*& out) {
    void* mem = arena_.allocate(d->sizeof_message);
    protobuf_c_message_init(d, mem);
    out = static_cast<ProtobufCMessage*>(mem);
    if (!expect('{')) return false;
    skip_ws();
    if (peek() == '}') {
      ++p_;
      return true;
    }
    const FieldIndex* index = field_index(d);
    if (index == nullptr) return fail("unknown message type");
    while (true) {
      std::string_view key;
      if (!string(key)) return false;
      if (!expect(':')) return false;
      const ProtobufCFieldDescriptor* f = index->find(name_hash(key));
      if (f == nullptr) return fail("unknown field");
      if (!field(*f, reinterpret_cast<char*>(mem))) return false;
      skip_ws();
      if (peek() == ',') {
        ++p_;
        continue;
      }
      return expect('}');
    }
  }

  [[nodiscard]] bool at_end() {
    skip_ws();
    return p_ == end_;
  }

 private:
  bool field(const ProtobufCFieldDescriptor& f, char* base) {
    if ((f.flags & PROTOBUF_C_FIELD_FLAG_ONEOF) != 0) *reinterpret_cast<uint32_t*>(base + f.quantifier_offset) = f.id;
    if (f.label == PROTOBUF_C_LABEL_REPEATED) {
      if (!expect('[')) return false;
      std::vector<char> items;  // raw element bytes
      const std::size_t width = element_size(f);
      if (width == 0) return fail("unsupported repeated field type");
      std::size_t count = 0;
      skip_ws();
      if (peek() == ']') {
        ++p_;
      } else {
        while (true) {
          items.resize((count + 1) * width);
          if (!scalar_or_message(f, items.data() + count * width)) return false;
          ++count;
          skip_ws();
          if (peek() == ',') {
            ++p_;
            continue;
          }
          if (!expect(']')) return false;
          break;
        }
      }
      void* arr = nullptr;
      if (count > 0) {
        arr = arena_.allocate(count * width);
        std::memcpy(arr, items.data(), count * width);
      }
      *reinterpret_cast<std::size_t*>(base + f.quantifier_offset) = count;
      *reinterpret_cast<void**>(base + f.offset) = arr;
      return true;
    }
    return scalar_or_message(f, base + f.offset);
  }

  static std::size_t element_size(const ProtobufCFieldDescriptor& f) {
    switch (f.type) {
      case PROTOBUF_C_TYPE_INT32:
      case PROTOBUF_C_TYPE_SINT32:
      case PROTOBUF_C_TYPE_SFIXED32:
      case PROTOBUF_C_TYPE_UINT32:
      case PROTOBUF_C_TYPE_FIXED32:
      case PROTOBUF_C_TYPE_FLOAT:
      case PROTOBUF_C_TYPE_ENUM:
        return 4;
      case PROTOBUF_C_TYPE_INT64:
      case PROTOBUF_C_TYPE_SINT64:
      case PROTOBUF_C_TYPE_SFIXED64:
      case PROTOBUF_C_TYPE_UINT64:
      case PROTOBUF_C_TYPE_FIXED64:
      case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
      case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
      case PROTOBUF_C_TYPE_STRING:
      case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void*);
      case PROTOBUF_C_TYPE_BYTES:
        return 0;
    }
    return 0;
  }

  bool scalar_or_message(const ProtobufCFieldDescriptor& f, char* slot) {
    switch (f.type) {
      case PROTOBUF_C_TYPE_MESSAGE: {
        ProtobufCMessage* child = nullptr;
        if (!message(static_cast<const ProtobufCMessageDescriptor*>(f.descriptor), child)) return false;
        *reinterpret_cast<ProtobufCMessage**>(slot) = child;
        return true;
      }
      case PROTOBUF_C_TYPE_STRING: {
        // Fast path: no escapes, copy straight into the arena.
        skip_ws();
        if (p_ < end_ && *p_ == '"') {
          const char* q = p_ + 1;
          while (q < end_ && *q != '"' && *q != '\\') ++q;
          if (q < end_ && *q == '"') {
            const auto n = static_cast<std::size_t>(q - p_ - 1);
            char* s = static_cast<char*>(arena_.allocate(n + 1));
            std::memcpy(s, p_ + 1, n);
            s[n] = '\0';
            *reinterpret_cast<char**>(slot) = s;
            p_ = q + 1;
            return true;
          }
        }
        std::string decoded;
        if (!string_value(decoded)) return false;
        char* s = static_cast<char*>(arena_.allocate(decoded.size() + 1));
        std::memcpy(s, decoded.data(), decoded.size());
        s[decoded.size()] = '\0';
        *reinterpret_cast<char**>(slot) = s;
        return true;
      }
      case PROTOBUF_C_TYPE_BOOL: {
        skip_ws();
        if (end_ - p_ >= 4 && std::memcmp(p_, "true", 4) == 0) {
          p_ += 4;
          *reinterpret_cast<protobuf_c_boolean*>(slot) = 1;
          return true;
        }
        if (end_ - p_ >= 5 && std::memcmp(p_, "false", 5) == 0) {
          p_ += 5;
          *reinterpret_cast<protobuf_c_boolean*>(slot) = 0;
          return true;
        }
        return fail("bad boolean");
      }
      case PROTOBUF_C_TYPE_ENUM: {
        std::string_view name;
        if (!string(name)) return false;
        const auto* ed = static_cast<const ProtobufCEnumDescriptor*>(f.descriptor);
        const std::string n(name);
        const ProtobufCEnumValue* v = protobuf_c_enum_descriptor_get_value_by_name(ed, n.c_str());
        if (v == nullptr) return fail("unknown enum value");
        *reinterpret_cast<int*>(slot) = v->value;
        return true;
      }
      case PROTOBUF_C_TYPE_INT32:
      case PROTOBUF_C_TYPE_SINT32:
      case PROTOBUF_C_TYPE_SFIXED32: {
        long long v = 0;
        if (!integer(v)) return false;
        *reinterpret_cast<int32_t*>(slot) = static_cast<int32_t>(v);
        return true;
      }
      case PROTOBUF_C_TYPE_UINT32:
      case PROTOBUF_C_TYPE_FIXED32: {
        long long v = 0;
        if (!integer(v)) return false;
        *reinterpret_cast<uint32_t*>(slot) = static_cast<uint32_t>(v);
        return true;
      }
      case PROTOBUF_C_TYPE_INT64:
      case PROTOBUF_C_TYPE_SINT64:
      case PROTOBUF_C_TYPE_SFIXED64:
      case PROTOBUF_C_TYPE_UINT64:
      case PROTOBUF_C_TYPE_FIXED64: {
        long long v = 0;
        if (!integer(v)) return false;
        *reinterpret_cast<int64_t*>(slot) = static_cast<int64_t>(v);
        return true;
      }
      case PROTOBUF_C_TYPE_FLOAT:
      case PROTOBUF_C_TYPE_DOUBLE:
      case PROTOBUF_C_TYPE_BYTES:
        return fail("unsupported field type");
    }
    return fail("unsupported field type");
  }

  bool integer(long long& v) {
    skip_ws();
    bool neg = false;
    if (p_ < end_ && *p_ == '-') {
      neg = true;
      ++p_;
    }
    if (p_ >= end_ || *p_ < '0' || *p_ > '9') {
      // uint64 values may be quoted in JSON.
      return fail("bad number");
    }
    unsigned long long u = 0;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') u = u * 10 + static_cast<unsigned>(*p_++ - '0');
    v = neg ? -static_cast<long long>(u) : static_cast<long long>(u);
    return true;
  }

  // A JSON string without escapes, as a view into the input (keys, enum names).
  bool string(std::string_view& out) {
    skip_ws();
    if (p_ >= end_ || *p_ != '"') return fail("expected string");
    const char* start = ++p_;
    while (p_ < end_ && *p_ != '"') {
      if (*p_ == '\\') return fail("escape in a key");
      ++p_;
    }
    if (p_ >= end_) return fail("unterminated string");
    out = std::string_view(start, static_cast<std::size_t>(p_ - start));
    ++p_;
    return true;
  }

  bool string_value(std::string& out) {
    skip_ws();
    if (p_ >= end_ || *p_ != '"') return fail("expected string");
    ++p_;
    while (p_ < end_ && *p_ != '"') {
      const char c = *p_++;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (p_ >= end_) return fail("bad escape");
      const char e = *p_++;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          if (end_ - p_ < 4) return fail("bad escape");
          unsigned cp = 0;
          for (int k = 0; k < 4; ++k) {
            const char h = *p_++;
            cp <<= 4;
            if (h >= '0' && h <= '9') cp |= static_cast<unsigned>(h - '0');
            else if (h >= 'a' && h <= 'f') cp |= static_cast<unsigned>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F') cp |= static_cast<unsigned>(h - 'A' + 10);
            else return fail("bad escape");
          }
          // libpg_query escapes only control characters this way.
          if (cp < 0x80) {
            out += static_cast<char>(cp);
          } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          } else {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
          }
          break;
        }
        default:
          return fail("bad escape");
      }
    }
    if (p_ >= end_) return fail("unterminated string");
    ++p_;
    return true;
  }

  void skip_ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
  }
  [[nodiscard]] char peek() const { return p_ < end_ ? *p_ : '\0'; }
  bool expect(char c) {
    skip_ws();
    if (p_ >= end_ || *p_ != c) return fail("unexpected character");
    ++p_;
    return true;
  }
  bool fail(const char*) { return false; }

  const char* p_;
  const char* end_;
  JsonTree& arena_;
};

}  // namespace

JsonTree::JsonTree(const char* sql) {
  PgQueryParseResult r = pg_query_parse(sql);
  if (r.error != nullptr) {
    error_ = std::string(r.error->message != nullptr ? r.error->message : "parse error") + " at offset " +
             std::to_string(r.error->cursorpos);
  } else if (r.parse_tree == nullptr || !convert(r.parse_tree)) {
    error_ = "could not read libpg_query's parse tree";
  }
  pg_query_free_parse_result(r);
}

JsonTree::~JsonTree() = default;

bool JsonTree::convert(std::string_view json) {
  tree_ = nullptr;
  Reader reader(json, *this);
  ProtobufCMessage* root = nullptr;
  if (!reader.message(&pg_query__parse_result__descriptor, root) || !reader.at_end()) return false;
  tree_ = reinterpret_cast<PgQuery__ParseResult*>(root);
  return true;
}

void* JsonTree::allocate(std::size_t size) {
  size = (size + alignof(std::max_align_t) - 1) & ~(alignof(std::max_align_t) - 1);
  if (size > left_) {
    const std::size_t block = std::max(kBlockSize, size);
    blocks_.emplace_back(new std::byte[block]);  // uninitialized: no memset
    cursor_ = blocks_.back().get();
    left_ = block;
  }
  void* out = cursor_;
  cursor_ += size;
  left_ -= size;
  return out;
}

}  // namespace pgshim::sql::detail
