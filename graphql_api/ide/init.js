// Starts GraphiQL with the explorer plugin against this page's own /graphql (HTTP and, for
// subscriptions, WebSocket). A file rather than an inline script, so the page's
// Content-Security-Policy can allow scripts from this origin only.
(function () {
  "use strict";

  const EXAMPLE_QUERY = `# Clipforge's GraphQL API. Sign in with the signUp or logIn mutation, then
# put {"Authorization": "Bearer <accessToken>"} in the Headers tab below.
#
# Run: Ctrl-Enter. Complete: Ctrl-Space. The explorer (left) builds queries by clicking.

{
  me {
    id
    email
    credits {
      minutesRemaining
    }
  }
}
`;

  const params = new URLSearchParams(window.location.search);
  const fetchURL = window.location.origin + window.location.pathname;
  const wsURL = fetchURL.replace(/^http/, "ws");

  function remember(name, value) {
    if (value) {
      params.set(name, value);
    } else {
      params.delete(name);
    }
    history.replaceState(null, "", "?" + params.toString());
  }

  const fetcher = GraphiQL.createFetcher({ url: fetchURL, subscriptionUrl: wsURL });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  // Uncontrolled editors (initial values only): GraphiQL then keeps the operation name in
  // step with what is typed.
  const props = {
    fetcher: fetcher,
    plugins: [explorer],
    defaultQuery: EXAMPLE_QUERY,
    query: params.get("q") || undefined,
    variables: params.get("variables") || undefined,
    onEditQuery: (value) => remember("q", value),
    onEditVariables: (value) => remember("variables", value),
    defaultEditorToolsVisibility: true,
    inputValueDeprecation: true,
    isHeadersEditorEnabled: true,
    shouldPersistHeaders: false,
  };

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(GraphiQL, props));
})();
