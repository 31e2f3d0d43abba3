/* « Émargement »: an optional drawn signature on a touch screen. Progressive enhancement:
   without this script the page signs without a drawing. The drawing, as a PNG data URL, goes
   in the form's hidden field « drawing » when the form is sent; « Effacer le dessin » clears
   it. No inline script (Content-Security-Policy). */
(function () {
  "use strict";
  document.querySelectorAll(".signing-form").forEach(function (form) {
    var pad = form.querySelector(".signature-pad");
    var canvas = form.querySelector(".signature-canvas");
    var field = form.querySelector("input[name='drawing']");
    if (!pad || !canvas || !field || !canvas.getContext) {
      return;
    }
    pad.hidden = false;
    var context = canvas.getContext("2d");
    var drawing = false;
    var drawn = false;
    context.lineWidth = 3;
    context.lineCap = "round";
    context.lineJoin = "round";
    context.strokeStyle = "#1a1a1a";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var at = point(event);
      context.beginPath();
      context.moveTo(at.x, at.y);
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) {
        return;
      }
      var at = point(event);
      context.lineTo(at.x, at.y);
      context.stroke();
      drawn = true;
      event.preventDefault();
    });
    function stop() {
      drawing = false;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    form.querySelector(".signature-clear").addEventListener("click", function () {
      context.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
    });
    form.addEventListener("submit", function () {
      field.value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
