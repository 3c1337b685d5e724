// The change-order editor: as budgets and prices are typed, show the total after the change
// order and the difference from the total now (amounts in minor units, never floating-point
// money); while a budget or price cannot be read, say which instead of a total that leaves it
// out; grey a milestone marked for removal; warn before leaving with edits not saved.
(function () {
  "use strict";
  const box = document.getElementById("allocation");
  const form = document.getElementById("co-form");
  if (!box || !form) return;
  const currency = box.dataset.currency;
  const money = window.MilepostMoney(currency, box.dataset.locale);
  const toMinor = money.toMinor;
  const show = money.show;
  const fix = box.querySelector("[data-fix]");
  const before = toMinor(box.dataset.before) || 0n;

  function say(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_all, key) { return values[key]; });
  }
  function nameOf(card) {
    if (card.dataset.name) return card.dataset.name;
    const title = card.querySelector("input[name$='-title']:not([name*='-d-'])");
    const typed = title ? title.value.trim() : "";
    return typed ? "“" + typed + "”" : box.dataset.msgNew;
  }
  // The "Add a milestone" card left empty is not part of the plan (as the server reads it).
  function leftBlank(card) {
    if (card.dataset.blank === undefined) return false;
    return !Array.from(card.querySelectorAll("input[type=text], textarea")).some(function (input) {
      return /-(title|budget|scope|acceptance_criteria)$/.test(input.name) && input.value.trim() !== "";
    });
  }

  function update() {
    let after = 0n;
    const unread = [];
    form.querySelectorAll("[data-card]").forEach(function (card) {
      const removed = card.querySelector("input[data-remove]");
      card.classList.toggle("removing", Boolean(removed && removed.checked));
      if (removed && removed.checked) return;
      if (card.dataset.base !== undefined) {
        const price = card.querySelector("input[data-price]");
        after += toMinor(card.dataset.base) || 0n;
        const typed = price ? price.value.trim() : "";
        const extra = toMinor(typed);
        if (price) price.setCustomValidity(typed !== "" && extra === null ? "invalid" : "");
        if (typed !== "" && extra === null) unread.push(say(box.dataset.msgPrice, { name: nameOf(card) }));
        else if (extra !== null) after += extra;
        return;
      }
      const budget = card.querySelector("input[data-budget]");
      if (!budget || leftBlank(card)) return;
      const value = toMinor(budget.value);
      budget.setCustomValidity(value === null ? "invalid" : "");
      if (value === null) unread.push(say(box.dataset.msgBudget, { name: nameOf(card) }));
      else after += value;
    });
    const afterOut = box.querySelector("[data-after]");
    const changeOut = box.querySelector("[data-change]");
    box.classList.toggle("off", unread.length > 0);
    if (fix) {
      fix.hidden = unread.length === 0;
      fix.textContent = unread.length ? say(box.dataset.msgFix, { what: unread.join(", ") }) : "";
    }
    if (unread.length) {
      afterOut.textContent = "—";
      changeOut.textContent = "—";
      return;
    }
    const change = after - before;
    afterOut.textContent = show(after);
    changeOut.textContent =
      change === 0n ? box.dataset.msgSame : (change > 0n ? "+" : "−") + show(change < 0n ? -change : change);
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
