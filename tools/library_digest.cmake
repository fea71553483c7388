# Records the size and SHA-256 of the native library beside it, as
# LIBRARY.sha256 ("<sha256> <size in bytes>"), for python/mxnet_ho/_native.py to
# check before it loads the library (a truncated or damaged file is refused
# with a warning instead of crashing dlopen). Run after the build
# (cmake -DLIBRARY=... -P tools/library_digest.cmake) and on the installed,
# stripped file (install(CODE), CMakeLists.txt).
if(NOT DEFINED LIBRARY)
  message(FATAL_ERROR "library_digest.cmake: set LIBRARY to the library's path")
endif()
file(SHA256 "${LIBRARY}" digest)
file(SIZE "${LIBRARY}" size)
file(WRITE "${LIBRARY}.sha256" "${digest} ${size}\n")
