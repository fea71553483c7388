// What libstdc++ and glibc of manylinux2014 (CentOS 7: GLIBCXX 3.4.19,
// CXXABI 1.3.7, GLIBC 2.17) lack but GCC 12's headers call.
//
// The stock mxnet wheels use the system libstdc++, so we must run against the
// same old one (docs/BINARY-FACTS.md, "1. Toolchain and C++ runtime") and
// cannot bundle a newer copy. As Red Hat's
// devtoolset does with libstdc++_nonshared.a, the few newer entry points that
// inline header code references are defined here, so any source file (rules,
// dmlc headers) may use them. Each is a hidden alias of a function below (the
// compiler's own declarations of these names would refuse the attribute): it
// binds inside libmxnet_ho.so only and is never exported. Everything else,
// including the exceptions thrown, comes from the process's libstdc++.
// `ci/build-wheels` fails when the library needs anything newer than the policy.
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#define MXNET_HO_PRIVATE extern "C" __attribute__((visibility("hidden")))
// Defines the symbol `name` (mangled), hidden, as the function `definition`.
#define MXNET_HO_PROVIDE(name, definition) \
  __asm__(".globl " #name "\n.hidden " #name "\n.set " #name ", " #definition)

// glibc 2.32's flag: "no second thread was ever started, reference counts may
// skip atomics". Glibc never updates this private copy, so it must say "maybe
// multi-threaded" (0): shared_ptr and string reference counts then always use
// atomic operations, as the GCC 4.8 code in libmxnet.so does on the same
// objects (1 would be wrong as soon as MXNet's engine starts its threads).
MXNET_HO_PRIVATE char mxnet_ho_single_threaded = 0;
MXNET_HO_PROVIDE(__libc_single_threaded, mxnet_ho_single_threaded);

// log@GLIBC_2.29 is log@GLIBC_2.2.5 without the SVID error wrapper: same values.
__asm__(".symver mxnet_ho_log_glibc_2_2_5, log@GLIBC_2.2.5");
extern "C" double mxnet_ho_log_glibc_2_2_5(double x);  // libm's, so not hidden
MXNET_HO_PRIVATE double mxnet_ho_log(double x) { return mxnet_ho_log_glibc_2_2_5(x); }
MXNET_HO_PROVIDE(log, mxnet_ho_log);

// pow@GLIBC_2.29 likewise is pow@GLIBC_2.2.5 without the wrapper.
__asm__(".symver mxnet_ho_pow_glibc_2_2_5, pow@GLIBC_2.2.5");
extern "C" double mxnet_ho_pow_glibc_2_2_5(double x, double y);
MXNET_HO_PRIVATE double mxnet_ho_pow(double x, double y) { return mxnet_ho_pow_glibc_2_2_5(x, y); }
MXNET_HO_PROVIDE(pow, mxnet_ho_pow);

// std::__throw_bad_array_new_length() (GLIBCXX_3.4.29), called by every
// std::allocator<T>::allocate: throws its base class, which GLIBCXX 3.4.19 has.
MXNET_HO_PRIVATE [[noreturn]] void mxnet_ho_throw_bad_array_new_length() { throw std::bad_alloc(); }
MXNET_HO_PROVIDE(_ZSt28__throw_bad_array_new_lengthv, mxnet_ho_throw_bad_array_new_length);

// std::__throw_out_of_range_fmt(const char*, ...) (GLIBCXX_3.4.20), called by
// vector::at and friends with a printf-style format (%s, %zu, %lu only).
MXNET_HO_PRIVATE [[noreturn]] void mxnet_ho_throw_out_of_range_fmt(const char* format, ...) {
  std::vector<char> text(std::strlen(format) + 512);
  va_list args;
  va_start(args, format);
  std::vsnprintf(text.data(), text.size(), format, args);
  va_end(args);
  throw std::out_of_range(std::string(text.data()));
}
MXNET_HO_PROVIDE(_ZSt24__throw_out_of_range_fmtPKcz, mxnet_ho_throw_out_of_range_fmt);

// std::X::X(const char*) of the standard exceptions (GLIBCXX_3.4.21): the
// std::string constructor (GLIBCXX_3.4) builds the same object.
#define MXNET_HO_EXCEPTION_FROM_C_STRING(Class, Mangled)                 \
  MXNET_HO_PRIVATE void mxnet_ho_##Class(void* self, const char* what) { \
    new (self) std::Class(std::string(what));                            \
  }                                                                      \
  MXNET_HO_PROVIDE(_ZNSt##Mangled##C1EPKc, mxnet_ho_##Class);            \
  MXNET_HO_PROVIDE(_ZNSt##Mangled##C2EPKc, mxnet_ho_##Class);
MXNET_HO_EXCEPTION_FROM_C_STRING(logic_error, 11logic_error)
MXNET_HO_EXCEPTION_FROM_C_STRING(domain_error, 12domain_error)
MXNET_HO_EXCEPTION_FROM_C_STRING(invalid_argument, 16invalid_argument)
MXNET_HO_EXCEPTION_FROM_C_STRING(length_error, 12length_error)
MXNET_HO_EXCEPTION_FROM_C_STRING(out_of_range, 12out_of_range)
MXNET_HO_EXCEPTION_FROM_C_STRING(runtime_error, 13runtime_error)
MXNET_HO_EXCEPTION_FROM_C_STRING(range_error, 11range_error)
MXNET_HO_EXCEPTION_FROM_C_STRING(overflow_error, 14overflow_error)
MXNET_HO_EXCEPTION_FROM_C_STRING(underflow_error, 15underflow_error)

// std::string(const std::string&, size_type pos, const allocator&)
// (GLIBCXX_3.4.23, used by dmlc/logging.h): the four-argument form with npos.
MXNET_HO_PRIVATE void mxnet_ho_string_from_pos(void* self, const std::string& from,
                                               std::string::size_type pos,
                                               const std::allocator<char>& allocator) {
  new (self) std::string(from, pos, std::string::npos, allocator);
}
MXNET_HO_PROVIDE(_ZNSsC1ERKSsmRKSaIcE, mxnet_ho_string_from_pos);
MXNET_HO_PROVIDE(_ZNSsC2ERKSsmRKSaIcE, mxnet_ho_string_from_pos);
