#include "store/pg_lib.h"

#include <dlfcn.h>

#include <cstdlib>
#include <memory>

namespace hexa::store {

namespace {

// Binds `fn` to `name` in `lib`; remembers the first name missing, for the message.
template <class F>
void bind(void* lib, F& fn, const char* name, std::string& missing) {
  fn = reinterpret_cast<F>(::dlsym(lib, name));
  if (fn == nullptr && missing.empty()) missing = name;
}

Status unavailable(const std::string& library, const std::string& why) {
  return Status::Unavailable("PostgreSQL: cannot load " + library + " (" + why +
                             "): install Debian's libpq5 package to use a postgresql:// journal");
}

}  // namespace

Result<const PgLib*> load_pg_lib(const std::string& library) {
  void* lib = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = ::dlerror();
    return unavailable(library, why != nullptr ? why : "unknown error");
  }
  auto pq = std::make_unique<PgLib>();
  std::string missing;
#define HEXA_BIND(f) bind(lib, pq->f, #f, missing)
  HEXA_BIND(PQconninfoParse); HEXA_BIND(PQconninfoFree); HEXA_BIND(PQfreemem);
  HEXA_BIND(PQconnectdbParams); HEXA_BIND(PQfinish); HEXA_BIND(PQstatus); HEXA_BIND(PQerrorMessage);
  HEXA_BIND(PQsetNoticeProcessor); HEXA_BIND(PQexec); HEXA_BIND(PQexecParams); HEXA_BIND(PQresultStatus);
  HEXA_BIND(PQresultErrorField); HEXA_BIND(PQresultErrorMessage); HEXA_BIND(PQclear); HEXA_BIND(PQntuples);
  HEXA_BIND(PQgetisnull); HEXA_BIND(PQgetvalue); HEXA_BIND(PQgetlength); HEXA_BIND(PQtransactionStatus);
  HEXA_BIND(PQsocket); HEXA_BIND(PQconsumeInput); HEXA_BIND(PQnotifies);
#undef HEXA_BIND
  if (!missing.empty()) {
    ::dlclose(lib);
    return unavailable(library, "it lacks " + missing + ": too old a libpq?");
  }
  return pq.release();  // kept for the whole process, as the library is
}

Result<const PgLib*> pg_lib() {
  // A function-local static: loaded once, by the first caller, whatever the thread.
  // HEXA_LIBPQ names another library: for the tests of a machine without libpq only.
  static const Result<const PgLib*> loaded = [] {
    const char* other = std::getenv("HEXA_LIBPQ");
    return load_pg_lib(other != nullptr && *other != '\0' ? other : kLibpqName);
  }();
  return loaded;
}

}  // namespace hexa::store
