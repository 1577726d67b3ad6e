// Swagger UI at /docs for the document this concertd serves at /openapi.json. Loaded after
// /docs/vendor/swagger-ui-bundle.js and swagger-ui-standalone-preset.js (all `defer`, in order).
'use strict';

(() => {
  const root = document.getElementById('swagger-ui');
  if (typeof window.SwaggerUIBundle !== 'function' || window.SwaggerUIStandalonePreset === undefined) {
    // concertd serves /docs/vendor/ from the npm package swagger-ui-dist (scripts/setup).
    const p = document.createElement('p');
    p.className = 'docs-fallback';
    p.append("Swagger UI's files are not installed on this server (npm package swagger-ui-dist). The API description is ");
    const a = document.createElement('a');
    a.href = '/openapi.json';
    a.textContent = '/openapi.json';
    p.append(a, '.');
    root.replaceChildren(p);
    return;
  }
  window.ui = window.SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
    plugins: [window.SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'StandaloneLayout',
    deepLinking: true,
    // No ?url= or ?configUrl=: this page shows this server's document, never one a link names.
    queryConfigEnabled: false,
    // Nothing leaves this origin (the CSP would refuse it anyway): no online validator badge.
    validatorUrl: null,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    filter: true,
    showExtensions: true,
    // Tokens typed into "Authorize" live only as long as the tab: not in localStorage.
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
})();
