#pragma once
// The actions of a typical post, for the tests of each platform's buttons and menus: an
// approval (primary), a send-back (danger, with a confirmation) and a date vote (menu).

#include <vector>

#include "core/types.hpp"

namespace twintrack::test_support {

inline std::vector<core::Action> sample_actions() {
    core::Action approve;
    approve.label = "Approve";
    approve.style = "primary";
    approve.token = "tok-approve";
    approve.typed = "approve 7";
    core::Action changes;
    changes.label = "Ask for changes";
    changes.style = "danger";
    changes.confirm = "Send it back to 王芳?";
    changes.token = "tok-changes";
    changes.typed = "changes 7";
    core::Action vote;
    vote.kind = "menu";
    vote.label = "Pick a date";
    vote.options = {{"Fri 12 Dec", "tok-d1", "vote 1"}, {"Sat 13 Dec", "tok-d2", "vote 2"}};
    return {approve, changes, vote};
}

}  // namespace twintrack::test_support
