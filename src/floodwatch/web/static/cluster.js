// The cluster explorer: draws the finding's co-action graph with cytoscape.js and loads an account's posts (via htmx)
// into the side panel when its node is clicked. No inline script: the page's Content-Security-Policy forbids it.
(function () {
  "use strict";

  function draw(container, data) {
    const cy = cytoscape({
      container: container,
      elements: { nodes: data.nodes, edges: data.edges },
      minZoom: 0.2,
      maxZoom: 1.6,  // a small cluster must not be blown up to giant labels
      style: [
        { selector: "node", style: {
          "background-color": "data(colour)", "label": "data(label)", "font-size": 11, "color": "#1a1a1a",
          "text-background-color": "#ffffff", "text-background-opacity": 0.85, "text-background-padding": 2,
          "text-valign": "bottom", "text-margin-y": 4, "width": 22, "height": 22,
          "border-width": 1, "border-color": "#1a1a1a" } },
        { selector: "node:selected", style: { "border-width": 4, "border-color": "#b34700" } },
        { selector: "edge", style: {
          "width": "mapData(weight, 0, 30, 1, 6)", "line-color": "#8c8c8c", "curve-style": "haystack", "opacity": 0.8 } }
      ],
      layout: { name: "circle", padding: 40 }
    });
    // a force-directed layout from the circle: deterministic (no random start), and close co-actors end up close
    cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 400000, idealEdgeLength: 100,
                nodeOverlap: 40, padding: 40, fit: true }).run();
    cy.on("tap", "node", function (event) {
      const node = event.target.data();
      const url = container.dataset.postsUrl + encodeURIComponent(node.platform) + "/" + encodeURIComponent(node.account_id);
      htmx.ajax("GET", url, { target: "#posts", swap: "innerHTML" });
    });
    window.floodwatchGraph = cy;  // for the browser tests and the curious
    container.dataset.nodes = String(cy.nodes().length);
    container.dataset.edges = String(cy.edges().length);
    container.dataset.ready = "true";
  }

  document.addEventListener("DOMContentLoaded", function () {
    const container = document.getElementById("cy");
    if (!container) return;
    fetch(container.dataset.graphUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("the graph could not be loaded (" + response.status + ")");
        return response.json();
      })
      .then(function (data) { draw(container, data); })
      .catch(function (error) { container.textContent = error.message; container.dataset.ready = "error"; });
  });
})();
