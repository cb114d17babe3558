// pushdeck's small client helpers. Everything else is htmx.
"use strict";

// pushdeckConfirm asks before a destructive form submit; used from onclick.
function pushdeckConfirm(message) {
  if (!window.confirm(message)) {
    window.event && window.event.preventDefault();
    return false;
  }
  return true;
}
