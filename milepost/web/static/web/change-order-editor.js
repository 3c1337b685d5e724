// The change-order editor: as budgets and prices are typed, show the total after the change
// order and the difference from the total now (amounts in minor units, never floating-point
// money); grey a milestone marked for removal; warn before leaving with edits not saved.
(function () {
  "use strict";
  const box = document.getElementById("allocation");
  const form = document.getElementById("co-form");
  if (!box || !form) return;
  const currency = box.dataset.currency;
  const format = new Intl.NumberFormat(box.dataset.locale || "en", { style: "currency", currency: currency });
  const digits = format.resolvedOptions().maximumFractionDigits;

  function toMinor(text) {
    const clean = String(text || "").trim().replace(/[\s,]/g, "");
    if (!/^\d+(\.\d+)?$/.test(clean)) return null;
    const [whole, frac = ""] = clean.split(".");
    if (frac.length > digits) return null;
    return BigInt(whole + frac.padEnd(digits, "0"));
  }
  function show(minor) {
    const abs = minor < 0n ? -minor : minor;
    const scale = 10n ** BigInt(digits);
    return format.format(Number(abs / scale) + Number(abs % scale) / Number(scale));
  }
  const before = toMinor(box.dataset.before) || 0n;

  function update() {
    let after = 0n;
    form.querySelectorAll("[data-card]").forEach(function (card) {
      const removed = card.querySelector("input[data-remove]");
      card.classList.toggle("removing", Boolean(removed && removed.checked));
      if (removed && removed.checked) return;
      if (card.dataset.base !== undefined) {
        const price = card.querySelector("input[data-price]");
        after += toMinor(card.dataset.base) || 0n;
        const extra = price ? toMinor(price.value) : null;
        if (extra !== null) after += extra;
        return;
      }
      const budget = card.querySelector("input[data-budget]");
      if (!budget) return;
      const value = toMinor(budget.value);
      budget.setCustomValidity(value === null && budget.value.trim() !== "" ? "invalid" : "");
      if (value !== null) after += value;
    });
    const change = after - before;
    box.querySelector("[data-after]").textContent = show(after);
    box.querySelector("[data-change]").textContent =
      change === 0n ? box.dataset.msgSame : (change > 0n ? "+" : "−") + show(change);
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  let dirty = false;
  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { dirty = false; });
  // Leaving by a link or another form of the page (rebase) asks first.
  document.addEventListener("click", function (event) {
    const link = event.target.closest && event.target.closest("a[href]");
    if (dirty && link && !link.hash && !window.confirm(box.dataset.msgUnsaved)) {
      event.preventDefault();
    } else if (link) {
      dirty = dirty && Boolean(link.hash);
    }
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ""; }
  });
})();
