#pragma once
// PostgreSQL frontend/backend protocol v3.0: message type codes, startup codes
// and limits, named as the protocol documentation names them
// (https://www.postgresql.org/docs/15/protocol-message-formats.html).
#include <cstddef>
#include <cstdint>

namespace pgshim::wire {

// Messages a client (frontend) sends after the startup packet.
enum class FrontendType : char {
  Bind = 'B',
  Close = 'C',
  CopyData = 'd',
  CopyDone = 'c',
  CopyFail = 'f',
  Describe = 'D',
  Execute = 'E',
  Flush = 'H',
  FunctionCall = 'F',
  Parse = 'P',
  PasswordMessage = 'p',  // also SASLInitialResponse, SASLResponse, GSSResponse
  Query = 'Q',
  Sync = 'S',
  Terminate = 'X',
};

// Messages a server (backend) sends.
enum class BackendType : char {
  Authentication = 'R',
  BackendKeyData = 'K',
  BindComplete = '2',
  CloseComplete = '3',
  CommandComplete = 'C',
  CopyData = 'd',
  CopyDone = 'c',
  CopyInResponse = 'G',
  CopyOutResponse = 'H',
  CopyBothResponse = 'W',
  DataRow = 'D',
  EmptyQueryResponse = 'I',
  ErrorResponse = 'E',
  FunctionCallResponse = 'V',
  NegotiateProtocolVersion = 'v',
  NoData = 'n',
  NoticeResponse = 'N',
  NotificationResponse = 'A',
  ParameterDescription = 't',
  ParameterStatus = 'S',
  ParseComplete = '1',
  PortalSuspended = 's',
  ReadyForQuery = 'Z',
  RowDescription = 'T',
};

// Codes carried in the Authentication ('R') message.
enum class AuthCode : std::int32_t {
  Ok = 0,
  KerberosV5 = 2,
  CleartextPassword = 3,
  MD5Password = 5,
  GSS = 7,
  GSSContinue = 8,
  SSPI = 9,
  SASL = 10,
  SASLContinue = 11,
  SASLFinal = 12,
};

// The first int32 after the length of an untyped startup-phase packet.
inline constexpr std::int32_t kProtocolVersion3 = 196608;  // 3.0: (3 << 16) | 0
inline constexpr std::int32_t kCancelRequestCode = 80877102;
inline constexpr std::int32_t kSslRequestCode = 80877103;
inline constexpr std::int32_t kGssEncRequestCode = 80877104;

// A typed message starts with a type byte and an int32 length that counts
// itself but not the type byte.
inline constexpr std::size_t kHeaderSize = 5;
inline constexpr std::uint32_t kMinMessageLength = 4;
// PostgreSQL's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH).
inline constexpr std::uint32_t kMaxStartupPacketLength = 10000;
// PostgreSQL's default limit for any other message (PQ_LARGE_MESSAGE_LIMIT is 1 GiB - 1).
inline constexpr std::uint32_t kDefaultMaxMessageLength = 0x3fffffff;

// ReadyForQuery transaction status indicator.
enum class TransactionStatus : char {
  Idle = 'I',
  InBlock = 'T',
  Failed = 'E',
};

}  // namespace pgshim::wire
