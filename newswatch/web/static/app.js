// Newswatch review UI: keyboard keys and the simple query form's preview. Nothing else runs.
"use strict";
(function () {
  const items = () => Array.from(document.querySelectorAll(".item"));
  let current = -1;

  function select(index) {
    const all = items();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach((el, i) => el.classList.toggle("selected", i === current));
    all[current].scrollIntoView({ block: "nearest" });
  }

  function toggleHelp() {
    const help = document.getElementById("help");
    const button = document.getElementById("help-button");
    help.hidden = !help.hidden;
    button.setAttribute("aria-expanded", String(!help.hidden));
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (target instanceof HTMLElement && target.closest("input, textarea, select")) return;
    const item = items()[current];
    switch (event.key) {
      case "j": select(current + 1); break;
      case "k": select(current - 1); break;
      case "o": if (item && item.dataset.open) window.location.assign(item.dataset.open); break;
      case "v": if (item && item.dataset.original) window.open(item.dataset.original, "_blank", "noopener"); break;
      case "m": {
        const button = item && item.querySelector('.triage button[value="relevant"]');
        if (button) button.click();
        break;
      }
      case "/": {
        const box = document.getElementById("q");
        if (box) { box.focus(); } else { window.location.assign("/search"); }
        break;
      }
      case "?": toggleHelp(); break;
      default: return;
    }
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    document.getElementById("help-button").addEventListener("click", toggleHelp);
    const form = document.getElementById("simple");
    if (!form) return;
    const terms = (text) => (text.match(/"[^"]*"|\S+/g) || []).filter((t) => t.replace(/"/g, ""));
    const either = (list) => (list.length === 1 ? list[0] : "(" + list.join(" OR ") + ")");
    const preview = () => {
      const anys = terms(form.elements.any.value);
      const parts = (anys.length ? [either(anys)] : []).concat(terms(form.elements.all.value));
      let query = parts.join(" AND ");
      const nones = terms(form.elements.none.value);
      if (nones.length) query = query ? query + " AND NOT " + either(nones) : "NOT " + either(nones);
      document.getElementById("built").textContent = query || "—";
    };
    form.addEventListener("input", preview);
  });
})();
