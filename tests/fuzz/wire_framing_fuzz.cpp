// Fuzzes framing and the startup decoder: arbitrary bytes as a stream of typed
// messages and as a startup packet. Checks the decode contract, not just the
// absence of crashes: Complete never claims more than the buffer, NeedMore
// always asks for more than is there.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "pgshim/wire/framing.hpp"
#include "pgshim/wire/startup.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace pgshim::wire;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // A small limit too, so LengthTooLarge is reachable with short inputs.
  for (const std::uint32_t max_length : {kDefaultMaxMessageLength, std::uint32_t{64}}) {
    std::string_view rest = input;
    while (true) {
      const auto d = decode_message(rest, max_length);
      if (const auto* c = std::get_if<Complete<MessageView>>(&d)) {
        check(c->consumed >= kHeaderSize && c->consumed <= rest.size());
        check(c->value.frame.size() == c->consumed && c->value.body.size() + kHeaderSize == c->consumed);
        check(c->value.frame.data() == rest.data() && c->value.type == rest[0]);
        rest.remove_prefix(c->consumed);
        continue;
      }
      if (const auto* m = std::get_if<NeedMore>(&d)) check(m->at_least > rest.size());
      break;
    }
  }

  const auto s = decode_startup(input);
  if (const auto* c = std::get_if<Complete<StartupPacket>>(&s)) {
    check(c->consumed >= 8 && c->consumed <= input.size() && c->consumed <= kMaxStartupPacketLength);
    if (c->value.kind == StartupKind::Startup) {
      // Re-encoding the parameters reproduces the packet when the version is 3.0.
      std::vector<std::pair<std::string, std::string>> params;
      for (const auto& [name, value] : c->value.parameters) params.emplace_back(name, value);
      if (c->value.code == kProtocolVersion3) check(build_startup(params) == input.substr(0, c->consumed));
    }
  } else if (const auto* m = std::get_if<NeedMore>(&s)) {
    check(m->at_least > input.size() && m->at_least <= kMaxStartupPacketLength);
  }
  return 0;
}
