#include "connectors/wecom/wecom_xml.hpp"

#include <expat.h>

#include <memory>

namespace twintrack::connectors::wecom {
namespace {

struct Reader {
    XML_Parser parser = nullptr;
    XmlFields fields;
    int depth = 0;
    std::string current;  ///< the child being read (depth 2)
    std::string text;
    bool refused = false;

    void stop() {
        refused = true;
        XML_StopParser(parser, XML_FALSE);
    }
};

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** /*attrs*/) {
    auto* r = static_cast<Reader*>(data);
    ++r->depth;
    if (r->depth == 2) {
        r->current = name;
        r->text.clear();
    }
}

void XMLCALL on_end(void* data, const XML_Char* /*name*/) {
    auto* r = static_cast<Reader*>(data);
    if (r->depth == 2) r->fields.emplace(r->current, r->text);
    --r->depth;
}

void XMLCALL on_text(void* data, const XML_Char* s, int len) {
    auto* r = static_cast<Reader*>(data);
    if (r->depth == 2) r->text.append(s, static_cast<std::size_t>(len));
}

void XMLCALL on_doctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
    static_cast<Reader*>(data)->stop();  // no entities, no external anything
}

}  // namespace

std::optional<XmlFields> read_xml_fields(const std::string& xml) {
    std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                        XML_ParserFree);
    if (!parser) return std::nullopt;
    Reader reader;
    reader.parser = parser.get();
    XML_SetUserData(parser.get(), &reader);
    XML_SetElementHandler(parser.get(), on_start, on_end);
    XML_SetCharacterDataHandler(parser.get(), on_text);
    XML_SetStartDoctypeDeclHandler(parser.get(), on_doctype);
    const auto status = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
    if (status != XML_STATUS_OK || reader.refused) return std::nullopt;
    return reader.fields;
}

std::string field(const XmlFields& fields, const std::string& name) {
    auto it = fields.find(name);
    return it == fields.end() ? std::string() : it->second;
}

}  // namespace twintrack::connectors::wecom
