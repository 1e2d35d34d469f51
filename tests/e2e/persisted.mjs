// Apollo Client with its persisted-queries link (hashes first, GET for queries), as a web
// app would configure it. Runs the plan's operations in order on one client (fetchPolicy
// network-only: every run goes to the server) and prints JSON lines: {"kind":"http",method,hasQuery,hash,status} for every request the
// persisted link makes, and {"kind":"result",name,data,errors} per operation.
// Env: CLIPFORGE_HTTP_URL, CLIPFORGE_TOKEN (an access token),
//      CLIPFORGE_PLAN = JSON [{"name", "document", "variables"}].
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { PersistedQueryLink } from "@apollo/client/link/persisted-queries";
import { createHash } from "node:crypto";

const env = process.env;
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");
const sha256 = (text) => createHash("sha256").update(text).digest("hex");

const token = env.CLIPFORGE_TOKEN;

async function loggingFetch(input, init = {}) {
  const url = new URL(typeof input === "string" ? input : input.url);
  const method = (init.method || "GET").toUpperCase();
  const sent = method === "GET" ? Object.fromEntries(url.searchParams) : JSON.parse(init.body);
  const extensions =
    typeof sent.extensions === "string" ? JSON.parse(sent.extensions) : sent.extensions;
  const response = await fetch(input, init);
  print({
    kind: "http",
    method,
    hasQuery: Boolean(sent.query),
    hash: extensions?.persistedQuery?.sha256Hash ?? null,
    status: response.status,
  });
  return response;
}

const link = ApolloLink.from([
  new PersistedQueryLink({ sha256, useGETForHashedQueries: true }),
  new HttpLink({
    uri: env.CLIPFORGE_HTTP_URL,
    headers: { authorization: `Bearer ${token}` },
    fetch: loggingFetch,
  }),
]);
const client = new ApolloClient({ link, cache: new InMemoryCache() });

for (const op of JSON.parse(env.CLIPFORGE_PLAN)) {
  const query = gql(op.document);
  const isMutation = query.definitions.some(
    (d) => d.kind === "OperationDefinition" && d.operation === "mutation",
  );
  const options = { variables: op.variables || {}, errorPolicy: "all" };
  const result = isMutation
    ? await client.mutate({ mutation: query, ...options })
    : await client.query({ query, fetchPolicy: "network-only", ...options });
  const errors = result.error?.errors ?? (result.error ? [{ message: result.error.message }] : []);
  print({ kind: "result", name: op.name, data: result.data ?? null, errors });
}
