// The translation unit that owns the precompiled header every target reuses
// (TWINTRACK_PCH in the top CMakeLists.txt).
