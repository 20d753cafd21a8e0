#pragma once
// The flat XML of WeCom callbacks (`<xml><ToUserName>…</ToUserName>…</xml>`), read with
// expat: the text (CDATA included) of each child of the root element, by name. A
// document type declaration, a second root or a malformed document is refused.

#include <map>
#include <optional>
#include <string>

namespace twintrack::connectors::wecom {

using XmlFields = std::map<std::string, std::string>;

/// The root's direct children by element name (the first of a repeated name wins;
/// nested elements are left out). Nothing when `xml` is not well-formed or declares a
/// document type.
std::optional<XmlFields> read_xml_fields(const std::string& xml);

/// A field's value, or "" when absent.
std::string field(const XmlFields& fields, const std::string& name);

}  // namespace twintrack::connectors::wecom
