# sql: the pending-column rewriter on arbitrary SQL (raw, and spliced into real
# Prisma/ORM statement shapes): no crash, no hang, every rewritten output parses
# and is a fixed point of the rewrite.
pgshim_add_fuzzer(NAME sql_rewrite_fuzz SOURCE ${CMAKE_CURRENT_LIST_DIR}/sql_rewrite_fuzz.cpp
  LIBS pgshim_sql pg_query::pg_query SECONDS 30)
# White-box: the fuzzer also checks the internal tokenizer against libpg_query's.
target_include_directories(sql_rewrite_fuzz PRIVATE ${PROJECT_SOURCE_DIR}/src/sql)
