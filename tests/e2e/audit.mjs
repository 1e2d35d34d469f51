// The graphql-http package's conformance audit (GraphQL over HTTP spec) against a live server.
// Prints one JSON line: [{id, name, status, reason}] for every MUST, SHOULD and MAY item.
// Env: CLIPFORGE_HTTP_URL.
import { auditServer } from "graphql-http";

const results = await auditServer({ url: process.env.CLIPFORGE_HTTP_URL });
const rows = results.map((r) => ({
  id: r.id,
  name: r.name,
  status: r.status,
  reason: r.status === "ok" ? "" : r.reason,
}));
process.stdout.write(JSON.stringify(rows) + "\n");
