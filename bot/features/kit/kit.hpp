#pragma once
// The sales kit (销售工具): what marketing equips sales with (case studies, competitor
// battlecards, price sheets, brochures, ads), tagged with industries, competitors, needs
// and funnel stages. `kit add`, `kit find`, `kit ITEM` with a "Useful" button, `kit gaps`,
// `kit stats`; field reports are answered with matching items, and needs no item covers
// are counted on marketing's gaps list (through ReportFollowUp, bot/report_follow_up.hpp).

#include "bot/feature.hpp"
#include "bot/features/kit/kit_text.hpp"

namespace twintrack::bot {
class Engine;
}

namespace twintrack::bot::kit {

/// `kit: {max_file_mb: 10, types: [pdf, pptx, docx, xlsx, png, jpg]}`.
void read_config(core::SectionReader& section, FeatureSettings& settings);

/// Registers the kit's commands and offers ReportFollowUp and KitStats to other features.
void register_kit(Engine& engine);

/// The kit feature: section `kit`, migration 22.
Feature feature();

}  // namespace twintrack::bot::kit
