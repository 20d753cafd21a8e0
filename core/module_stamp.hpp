#pragma once
// The build stamp a module carries, as an ELF note (`.note.twintrack.stamp`, owner
// "TwinTrack", type 1, the stamp as its text): the program's loader reads it from the
// module's file before it `dlopen`s it (core/module_loader.cpp), so that a module of
// another build is refused before any of its code, its static constructors included, runs.
// A note, not a symbol, because a symbol can only be read after the module is loaded; a
// note, not a file beside the module, because the stamp must travel with the module's
// code when the file is copied.
//
// Every module gets it through core/module_stamp.cpp (twintrack_module_stamp() in
// CMakeLists.txt); a test module may stamp itself with another build's stamp.

#include <cstdint>

namespace twintrack::core {

/// The note's owner name and type.
inline constexpr char module_stamp_note_name[] = "TwinTrack";
inline constexpr std::uint32_t module_stamp_note_type = 1;

}  // namespace twintrack::core

/// Defines the note carrying STAMP (a string literal) in the module being compiled.
#define TWINTRACK_DEFINE_MODULE_STAMP(STAMP)                                        \
    namespace {                                                                     \
    struct TwinTrackStampNote {                                                     \
        std::uint32_t name_size, text_size, type;                                   \
        char name[(sizeof(::twintrack::core::module_stamp_note_name) + 3) / 4 * 4]; \
        char text[(sizeof(STAMP) + 3) / 4 * 4];                                     \
    };                                                                              \
    __attribute__((section(".note.twintrack.stamp"), used, aligned(4)))             \
    const TwinTrackStampNote twintrack_stamp_note = {                               \
        sizeof(::twintrack::core::module_stamp_note_name), sizeof(STAMP),           \
        ::twintrack::core::module_stamp_note_type, "TwinTrack", STAMP};             \
    }
