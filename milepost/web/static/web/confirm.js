// Ask before a binding action: a form with data-confirm="<dialog id>" opens that <dialog>
// (focus moves in, Esc cancels, focus returns to the button). "Yes" sends the form with
// confirm=yes. A dialog with data-preview fetches its text for what the form holds now
// (the amount of a payment); when the server refuses the values, the form is sent as it is and
// the page shows the errors beside the fields. Without JavaScript the server asks on a page.
(function () {
  "use strict";

  function send(form) {
    var field = form.querySelector('input[name="confirm"]');
    if (field) field.value = "yes";
    form.submit();
  }

  function ask(form, dialog, opener) {
    dialog._milepostForm = form;
    dialog._milepostOpener = opener;
    dialog.showModal();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var id = form.getAttribute && form.getAttribute("data-confirm");
    if (!id) return;
    var dialog = document.getElementById(id);
    if (!dialog || typeof dialog.showModal !== "function") return; // the server asks instead
    event.preventDefault();
    var opener = event.submitter || form.querySelector("[type=submit]");
    var preview = dialog.getAttribute("data-preview");
    if (!preview) {
      ask(form, dialog, opener);
      return;
    }
    var query = new URLSearchParams(new FormData(form));
    query.delete("csrfmiddlewaretoken");
    query.delete("confirm");
    fetch(preview + "?" + query.toString(), { credentials: "same-origin" })
      .then(function (response) {
        return response.text().then(function (text) {
          if (!response.ok) {
            send(form); // the fields are refused: the page says why, beside them
            return;
          }
          dialog.querySelector("[data-consequence]").innerHTML = text;
          ask(form, dialog, opener);
        });
      })
      .catch(function () {
        form.submit(); // still asking: the server shows its confirmation page
      });
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) return;
    var yes = target.closest("[data-confirm-yes]");
    var no = target.closest("[data-confirm-no]");
    var dialog = (yes || no) && (yes || no).closest("dialog");
    if (!dialog) return;
    if (yes && dialog._milepostForm) {
      yes.disabled = true;
      send(dialog._milepostForm);
    } else {
      dialog.close();
    }
  });

  document.addEventListener(
    "close",
    function (event) {
      var dialog = event.target;
      if (dialog._milepostOpener && dialog._milepostOpener.focus) dialog._milepostOpener.focus();
    },
    true
  );
})();
