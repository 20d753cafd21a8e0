#pragma once
// Names and types of the files connectors fetch and send, the same for every platform: a
// name's extension, a Content-Type header's media type, the type the bytes themselves show,
// and the name of a picture its platform names none for (its base word comes from the
// connector's prompts, in the reader's language).

#include <string>
#include <string_view>

namespace twintrack::connectors::runtime {

/// The extension of a file name in lower case ("pdf" for "Quote.PDF"); "" when it has none.
std::string extension_of(std::string_view name);

/// The media type of a Content-Type header, without its parameters, trimmed and in lower
/// case: "image/png" for "Image/PNG; charset=binary"; "" for "".
std::string media_type_of(std::string_view content_type);

/// The type the first bytes show: image/png, image/jpeg, image/gif, image/webp,
/// application/pdf; the Office formats and zip (zip bytes) and text/plain, text/csv,
/// text/markdown (valid UTF-8) by `name`'s extension. "" when they show none of these.
std::string sniff_type(std::string_view name, std::string_view data);

/// The file name of a picture its platform names none for: `base` (e.g. "image", from the
/// prompts) with its type's extension ("image.png"; "image.jpg" for image/jpeg); `base`
/// alone for an unknown or unusual type.
std::string picture_name(const std::string& base, const std::string& mime);

}  // namespace twintrack::connectors::runtime
