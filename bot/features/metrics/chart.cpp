#include "bot/features/metrics/chart.hpp"

#include <cairo.h>
#include <fontconfig/fontconfig.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

namespace twintrack::bot::metrics {
namespace {

const int width = 800;
const int height = 560;

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

/// The code points of UTF-8 text (an invalid byte becomes U+FFFD).
std::vector<FcChar32> code_points(const std::string& s) {
    std::vector<FcChar32> out;
    const auto* p = reinterpret_cast<const FcChar8*>(s.data());
    int left = static_cast<int>(s.size());
    while (left > 0) {
        FcChar32 c = 0;
        const int n = FcUtf8ToUcs4(p, &c, left);
        if (n <= 0) {
            out.push_back(0xFFFD);
            ++p, --left;
            continue;
        }
        out.push_back(c);
        p += n;
        left -= n;
    }
    return out;
}

/// The family of the first sans-serif face fontconfig offers that has every character of
/// `s`; empty when none has, or when the face "sans-serif" stands for has them all.
std::string covering_family(const std::string& s) {
    if (!FcInit()) return {};
    FcCharSet* needed = FcCharSetCreate();
    for (const FcChar32 c : code_points(s)) {
        if (c > 0x20) FcCharSetAddChar(needed, c);
    }
    FcPattern* pattern = FcNameParse(reinterpret_cast<const FcChar8*>("sans-serif"));
    FcConfigSubstitute(nullptr, pattern, FcMatchPattern);
    FcDefaultSubstitute(pattern);
    FcResult result = FcResultNoMatch;
    FcFontSet* fonts = FcFontSort(nullptr, pattern, FcFalse, nullptr, &result);
    std::string family;
    for (int i = 0; fonts != nullptr && i < fonts->nfont && family.empty(); ++i) {
        FcCharSet* has = nullptr;
        FcChar8* name = nullptr;
        if (FcPatternGetCharSet(fonts->fonts[i], FC_CHARSET, 0, &has) == FcResultMatch &&
            FcCharSetIsSubset(needed, has) &&
            FcPatternGetString(fonts->fonts[i], FC_FAMILY, 0, &name) == FcResultMatch) {
            if (i == 0) break;  // the usual face will do
            family = reinterpret_cast<const char*>(name);
        }
    }
    if (fonts != nullptr) FcFontSetDestroy(fonts);
    FcPatternDestroy(pattern);
    FcCharSetDestroy(needed);
    return family;
}

void text_at(cairo_t* cr, double x, double y, const std::string& s, double size, bool bold) {
    cairo_select_font_face(cr, chart_font_family(s).c_str(), CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
    cairo_move_to(cr, x, y);
    cairo_show_text(cr, s.c_str());
}

std::string short_number(double v) {
    char buf[32];
    if (v >= 1e6) {
        std::snprintf(buf, sizeof buf, "%.1fM", v / 1e6);
    } else if (v >= 1e3) {
        std::snprintf(buf, sizeof buf, "%.0fk", v / 1e3);
    } else {
        std::snprintf(buf, sizeof buf, "%.0f", v);
    }
    return buf;
}

}  // namespace

std::string chart_font_family(const std::string& text) {
    const bool ascii =
        std::all_of(text.begin(), text.end(), [](char c) { return (c & 0x80) == 0; });
    if (ascii) return default_chart_font;
    const std::string family = covering_family(text);
    return family.empty() ? std::string(default_chart_font) : family;
}

std::string metrics_chart_png(const std::vector<ChartBar>& attainment,
                              const std::vector<ChartBar>& weekly, const ChartText& text) {
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    cairo_t* cr = cairo_create(surface);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);

    // Attainment by rep: horizontal bars, 0..max(120%, best) with a 100% line.
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, 20, 30, text.attainment_title, 18, true);
    const double left = 170, right = width - 60, top = 45;
    const std::size_t shown = std::min<std::size_t>(attainment.size(), 8);
    double max_pct = 120;
    for (std::size_t i = 0; i < shown; ++i) max_pct = std::max(max_pct, attainment[i].value);
    const double row = 26;
    if (shown == 0) {
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        text_at(cr, left, top + 25, text.no_data, 14, false);
    }
    for (std::size_t i = 0; i < shown; ++i) {
        const double y = top + static_cast<double>(i) * row;
        const double w = (right - left) * std::max(0.0, attainment[i].value) / max_pct;
        if (attainment[i].value >= 100) {
            cairo_set_source_rgb(cr, 0.20, 0.60, 0.35);
        } else {
            cairo_set_source_rgb(cr, 0.25, 0.45, 0.80);
        }
        cairo_rectangle(cr, left, y + 4, w, row - 8);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text_at(cr, 20, y + row - 9, attainment[i].label, 13, false);
        char pct[16];
        std::snprintf(pct, sizeof pct, "%.0f%%", attainment[i].value);
        text_at(cr, left + w + 6, y + row - 9, pct, 12, false);
    }
    if (shown > 0) {
        const double x100 = left + (right - left) * 100 / max_pct;
        cairo_set_source_rgb(cr, 0.8, 0.2, 0.2);
        cairo_set_line_width(cr, 1.5);
        cairo_move_to(cr, x100, top);
        cairo_line_to(cr, x100, top + static_cast<double>(shown) * row);
        cairo_stroke(cr);
    }

    // Incremental sales by week: columns.
    const double base = height - 40, ctop = 300;
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    text_at(cr, 20, ctop - 20, text.incremental_title, 18, true);
    double max_v = 0;
    for (const auto& b : weekly) max_v = std::max(max_v, b.value);
    const double slot = weekly.empty() ? 0 : (width - 80.0) / static_cast<double>(weekly.size());
    for (std::size_t i = 0; i < weekly.size(); ++i) {
        const double x = 40 + slot * static_cast<double>(i);
        const double h = max_v > 0 ? (base - ctop - 20) * weekly[i].value / max_v : 0;
        cairo_set_source_rgb(cr, 0.95, 0.55, 0.15);
        cairo_rectangle(cr, x + slot * 0.15, base - h, slot * 0.7, h);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        text_at(cr, x + slot * 0.15, base + 18, weekly[i].label, 12, false);
        if (weekly[i].value > 0) {
            text_at(cr, x + slot * 0.15, base - h - 5, short_number(weekly[i].value), 11, false);
        }
    }
    if (max_v <= 0) {
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        text_at(cr, 40, ctop + 40, text.no_data, 14, false);
    }
    cairo_set_source_rgb(cr, 0.5, 0.5, 0.5);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, 35, base);
    cairo_line_to(cr, width - 35, base);
    cairo_stroke(cr);

    std::string png;
    cairo_surface_flush(surface);
    cairo_surface_write_to_png_stream(surface, append, &png);
    cairo_destroy(cr);
    cairo_surface_destroy(surface);
    return png;
}

}  // namespace twintrack::bot::metrics
