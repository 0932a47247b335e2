# wire: libFuzzer targets for the protocol codec, one per parser family.
#   wire_framing_fuzz   decode_header / decode_message over a stream, decode_startup
#   wire_messages_fuzz  every message-body parser, and build(parse(x)) == x
#   copy_rows_fuzz      CopyRowFilter: split invariance, and its output re-splits to the kept fields
pgshim_add_fuzzer(NAME wire_framing_fuzz SOURCE ${CMAKE_CURRENT_LIST_DIR}/wire_framing_fuzz.cpp
  LIBS pgshim_wire SECONDS 20)
pgshim_add_fuzzer(NAME wire_messages_fuzz SOURCE ${CMAKE_CURRENT_LIST_DIR}/wire_messages_fuzz.cpp
  LIBS pgshim_wire SECONDS 20)
pgshim_add_fuzzer(NAME copy_rows_fuzz SOURCE ${CMAKE_CURRENT_LIST_DIR}/copy_rows_fuzz.cpp
  LIBS pgshim_wire SECONDS 20)
