// Whether this build runs under a sanitizer (the asan preset: ASan+UBSan, with clang or g++).
// Code that trades memory hygiene for speed (leaving a run's data to the process's exit, a
// malloc tuned for huge pages) turns that off here, so the leak checker keeps checking, and
// slow tests run fewer seeds.
#pragma once

namespace hexa {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool kUnderSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kUnderSanitizer = true;
#else
inline constexpr bool kUnderSanitizer = false;
#endif
#else
inline constexpr bool kUnderSanitizer = false;
#endif

}  // namespace hexa
