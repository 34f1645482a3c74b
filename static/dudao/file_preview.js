// Before a report or re-check is sent: show what was chosen (a thumbnail per photo, the name of a PDF)
// and let each file be taken out again, so nobody submits the wrong photo from a tablet's gallery.
(function () {
  function render(input, box) {
    box.textContent = "";
    Array.from(input.files).forEach(function (file, index) {
      var item = document.createElement("span");
      item.className = "dd-preview__item";
      if (file.type.indexOf("image/") === 0 && file.type !== "image/heic") {
        var img = document.createElement("img");
        img.alt = file.name;
        img.src = URL.createObjectURL(file);
        item.appendChild(img);
      } else {
        item.appendChild(document.createTextNode(file.name));
      }
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "dd-preview__remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", (input.dataset.removeLabel || "remove") + " " + file.name);
      remove.addEventListener("click", function () { drop(input, box, index); });
      item.appendChild(remove);
      box.appendChild(item);
    });
  }
  function drop(input, box, index) {
    var kept = new DataTransfer();
    Array.from(input.files).forEach(function (file, i) { if (i !== index) kept.items.add(file); });
    input.files = kept.files;
    render(input, box);
  }
  // The browser's own file button speaks the browser's language ("Choose Files"); ours speaks the page's.
  function picker(input) {
    if (!input.id || !input.dataset.pickLabel) return;
    var label = document.createElement("label");
    label.htmlFor = input.id;
    label.className = "dd-btn dd-btn--secondary dd-file-pick";
    label.textContent = input.dataset.pickLabel;
    input.classList.add("dd-file-native");
    input.insertAdjacentElement("beforebegin", label);
  }
  function enhance() {
    document.querySelectorAll("input[type=file][data-preview]:not([data-enhanced])").forEach(function (input) {
      input.setAttribute("data-enhanced", "");
      picker(input);
      var box = document.createElement("div");
      box.className = "dd-preview";
      box.setAttribute("data-preview-list", "");
      input.insertAdjacentElement("afterend", box);
      input.addEventListener("change", function () { render(input, box); });
    });
  }
  // Pages arrive by Turbo (after signing, the report form is a new body): enhance on every load, once per input.
  enhance();
  document.addEventListener("turbo:load", enhance);
})();
