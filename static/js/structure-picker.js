/*
 * Progressive enhancement of the structure fields (signup and profile pages).
 * Without JavaScript the « nom ou SIRET » field is resolved by the server.
 * With it: suggestions from /compte/structures/?q=… fill the <datalist>, and the
 * structure section is hidden for job seekers. No inline script (CSP-friendly).
 */
(function () {
  "use strict";

  var section = document.querySelector(".js-structure-section");
  if (!section) {
    return;
  }
  var input = section.querySelector(".js-structure-search");
  var list = document.getElementById("structure-suggestions");
  var status = section.querySelector(".js-structure-status");
  var url = section.getAttribute("data-search-url");
  var timer = null;
  var lastQuery = "";

  function showSuggestions(results) {
    list.textContent = "";
    results.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.label;
      list.appendChild(option);
    });
    if (status) {
      status.textContent = results.length
        ? results.length + (results.length > 1 ? " structures proposées" : " structure proposée")
        : "Aucune structure trouvée : vous pouvez la proposer.";
    }
  }

  function search() {
    var query = input.value.trim();
    if (query.length < 2 || query === lastQuery) {
      return;
    }
    lastQuery = query;
    fetch(url + "?q=" + encodeURIComponent(query), {
      headers: { Accept: "application/json" },
      credentials: "same-origin"
    })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (query === input.value.trim()) {
          showSuggestions(data.results || []);
        }
      })
      .catch(function () {
        /* Suggestions are a convenience: the server still resolves the field. */
      });
  }

  if (input && list && url && window.fetch) {
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 250);
    });
  }

  var radios = document.querySelectorAll("input[name=employment_status]");
  function toggleSection() {
    var checked = document.querySelector("input[name=employment_status]:checked");
    section.hidden = Boolean(checked && checked.value === "job_seeker");
  }
  Array.prototype.forEach.call(radios, function (radio) {
    radio.addEventListener("change", toggleSection);
  });
  toggleSection();
})();
