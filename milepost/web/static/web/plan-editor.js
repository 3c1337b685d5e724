// Live allocation in the plan editor: as budgets are typed, show what is left to allocate.
// Amounts are added in minor units (integers), never as floating-point money.
(function () {
  "use strict";
  const box = document.getElementById("allocation");
  if (!box) return;
  const currency = box.dataset.currency;
  const locale = box.dataset.locale || "en";
  const money = window.MilepostMoney(currency, locale);
  const toMinor = money.toMinor;
  const show = money.show;
  const totalInput = box.querySelector("input[name=total_budget]");

  function update() {
    // The total as typed in the box (until saved), else the saved one.
    const typed = totalInput ? toMinor(totalInput.value) : null;
    const total = typed !== null ? typed : toMinor(box.dataset.total);
    let sum = 0n;
    document.querySelectorAll("input[data-budget]").forEach(function (input) {
      const value = toMinor(input.value);
      input.setCustomValidity(value === null && input.value.trim() !== "" ? "invalid" : "");
      if (value !== null) sum += value;
    });
    const gap = total - sum;
    box.querySelector("[data-allocated]").textContent = show(sum);
    let message = box.dataset.msgExact;
    if (gap > 0n) message = box.dataset.msgUnder.replace("%(amount)s", show(gap));
    if (gap < 0n) message = box.dataset.msgOver.replace("%(amount)s", show(-gap));
    box.querySelector("[data-gap]").textContent = message;
    box.classList.toggle("off", gap !== 0n);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches("input[data-budget], input[name=total_budget]")) update();
  });
  update();

  // One form per milestone: warn before a save would drop what was typed in another card.
  const forms = Array.from(document.querySelectorAll("article.milestone-editor form, #allocation form"));
  const dirty = new Set();
  forms.forEach(function (form) {
    form.addEventListener("input", function () { dirty.add(form); });
    form.addEventListener("submit", function (event) {
      const others = Array.from(dirty).filter(function (f) { return f !== form; });
      if (others.length && !window.confirm(box.dataset.msgUnsaved)) {
        event.preventDefault();
        return;
      }
      dirty.clear();
    });
  });
  window.addEventListener("beforeunload", function (event) {
    if (dirty.size) { event.preventDefault(); event.returnValue = ""; }
  });
})();
