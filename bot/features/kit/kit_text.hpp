#pragma once
// The sales kit's pure parts (no store, no engine): the `kit:` settings, checks of a link
// and of a file, words for search (ICU word breaks, both languages), ranking, and whether
// a tag covers a reported need.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace twintrack::bot::kit {

/// The `kit:` section.
struct KitSettings {
    /// The largest file kept, in MB (1 MB = 1,048,576 bytes).
    long long max_file_mb = 10;
    /// The file types kept, by extension (lower case, `jpeg` counts as `jpg`).
    std::vector<std::string> types = {"pdf", "pptx", "docx", "xlsx", "png", "jpg"};
};

/// Every file type `kit.types` may name.
const std::vector<std::string>& known_types();
/// The MIME type of a known file type; empty for an unknown one.
std::string mime_of(const std::string& type);
/// The type of a file name by its extension, lower case (`jpeg` → `jpg`); empty when none.
std::string type_of(const std::string& file_name);

/// What is wrong with a link: "bad_url" (not http/https, no host, spaces, too long),
/// "bad_type" (the path names a file of a type not allowed; pages and paths without an
/// extension are fine); nothing when it is good.
std::optional<std::string> link_problem(const std::string& url, const KitSettings& settings);

/// What is wrong with a file: "bad_type" (its type is not allowed, or its bytes are not
/// of the type its name says), "too_big"; nothing when it is good.
std::optional<std::string> file_problem(const std::string& name, const std::string& bytes,
                                        const KitSettings& settings);

/// Lower case (ASCII), trimmed, runs of spaces as one: how tags and needs are compared.
std::string normalise(const std::string& text);

/// The words of `text` for search, lower case: ICU word boundaries (letters, numbers and
/// ideographs; dictionary words for Chinese); `ignore` words left out.
std::vector<std::string> search_words(const std::string& text,
                                      const std::vector<std::string>& ignore = {});

/// True when an item tagged `tag` covers a reported need (both normalised): the same,
/// every word of the tag among the need's words, or (Chinese) one contains the other.
bool tag_covers(const std::string& tag, const std::string& need);

/// What search looks at in one item.
struct Searchable {
    std::string title;
    std::vector<std::string> tags;  ///< normalised
    std::int64_t useful = 0;
    std::int64_t id = 0;
};

/// Indexes of `items` matching any of `words`, best first: a word matching a tag counts
/// more than one in the title; ties by useful marks, then the newer item. Items matching
/// nothing are left out.
std::vector<std::size_t> rank(const std::vector<Searchable>& items,
                              const std::vector<std::string>& words);

}  // namespace twintrack::bot::kit
