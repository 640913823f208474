// libpq, loaded at run time (dlopen) the first time a PostgreSQL journal is named, as NVML is
// for GPUs: `hexa` is not linked against it, so that every other command (simulate, agent,
// --version) does not pay the dynamic loader for libpq and the 17 libraries it pulls in
// (Kerberos, LDAP, SASL, GnuTLS, ...), about 5 ms a start. libpq-fe.h gives the types only.
// Included by store/pg_*.cc alone.
#pragma once

#include <libpq-fe.h>

#include <string>

#include "model/status.h"

namespace hexa::store {

// The entry points of libpq that store/pg_conn.cc calls, named as libpq names them.
struct PgLib {
  decltype(&::PQconninfoParse) PQconninfoParse = nullptr;
  decltype(&::PQconninfoFree) PQconninfoFree = nullptr;
  decltype(&::PQfreemem) PQfreemem = nullptr;
  decltype(&::PQconnectdbParams) PQconnectdbParams = nullptr;
  decltype(&::PQfinish) PQfinish = nullptr;
  decltype(&::PQstatus) PQstatus = nullptr;
  decltype(&::PQerrorMessage) PQerrorMessage = nullptr;
  decltype(&::PQsetNoticeProcessor) PQsetNoticeProcessor = nullptr;
  decltype(&::PQexec) PQexec = nullptr;
  decltype(&::PQexecParams) PQexecParams = nullptr;
  decltype(&::PQresultStatus) PQresultStatus = nullptr;
  decltype(&::PQresultErrorField) PQresultErrorField = nullptr;
  decltype(&::PQresultErrorMessage) PQresultErrorMessage = nullptr;
  decltype(&::PQclear) PQclear = nullptr;
  decltype(&::PQntuples) PQntuples = nullptr;
  decltype(&::PQgetisnull) PQgetisnull = nullptr;
  decltype(&::PQgetvalue) PQgetvalue = nullptr;
  decltype(&::PQgetlength) PQgetlength = nullptr;
  decltype(&::PQtransactionStatus) PQtransactionStatus = nullptr;
  decltype(&::PQsocket) PQsocket = nullptr;
  decltype(&::PQconsumeInput) PQconsumeInput = nullptr;
  decltype(&::PQnotifies) PQnotifies = nullptr;
};

// The name dlopen is given: the run-time library of Debian's libpq5 package.
inline constexpr const char* kLibpqName = "libpq.so.5";

// libpq (kLibpqName, or $HEXA_LIBPQ, which only tests set), loaded and bound once for the
// whole process (thread-safe); later calls answer the same. Unavailable, naming the library and the package to install, when it cannot
// be loaded or lacks an entry point.
Result<const PgLib*> pg_lib();
// Loads and binds `library` (a name searched as dlopen does, or a path), anew: the seam that
// lets a test name a library that is not there. The library stays loaded.
Result<const PgLib*> load_pg_lib(const std::string& library);

}  // namespace hexa::store
