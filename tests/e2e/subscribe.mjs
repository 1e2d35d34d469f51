// A real Apollo Client: signs up over HTTP, subscribes to pipelineEvents through
// GraphQLWsLink (graphql-transport-ws), and prints what it sees as JSON lines:
//   {"kind":"signedIn","userId":...}   {"kind":"connected"}
//   {"kind":"event","event":{...}}     {"kind":"error",...}   {"kind":"done","count":N}
// After signing in it reads one line from stdin: the upload id to watch (empty: all uploads).
// Env: CLIPFORGE_HTTP_URL, CLIPFORGE_WS_URL, CLIPFORGE_EMAIL, CLIPFORGE_PASSWORD,
// CLIPFORGE_EXPECT (stop after N events; 0: until SIGTERM).
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { createClient } from "graphql-ws";
import WebSocket from "ws";
import { createInterface } from "node:readline";

const env = process.env;
const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

const SIGN_UP = gql`
  mutation SignUp($input: SignUpInput!) {
    signUp(input: $input) {
      session { accessToken user { id email } }
      errors { code field message }
    }
  }
`;

const PIPELINE_EVENTS = gql`
  subscription PipelineEvents($uploadId: ID) {
    pipelineEvents(uploadId: $uploadId) {
      uploadId stage status progress message clipId exportId at seq uploadSeq replay
    }
  }
`;

const http = new ApolloClient({
  link: new HttpLink({ uri: env.CLIPFORGE_HTTP_URL }),
  cache: new InMemoryCache(),
});
const signedUp = await http.mutate({
  mutation: SIGN_UP,
  variables: { input: { email: env.CLIPFORGE_EMAIL, password: env.CLIPFORGE_PASSWORD } },
});
const payload = signedUp.data.signUp;
if (payload.errors.length) {
  print({ kind: "error", where: "signUp", errors: payload.errors });
  process.exit(2);
}
const { accessToken, user } = payload.session;
print({ kind: "signedIn", userId: user.id });

const stdin = createInterface({ input: process.stdin });
const uploadId = (await new Promise((resolve) => stdin.once("line", resolve))).trim();

const wsClient = createClient({
  url: env.CLIPFORGE_WS_URL,
  webSocketImpl: WebSocket,
  connectionParams: () => ({ authorization: `Bearer ${accessToken}` }),
  on: { connected: () => print({ kind: "connected" }) },
  retryAttempts: 0,
});
const client = new ApolloClient({ link: new GraphQLWsLink(wsClient), cache: new InMemoryCache() });

const expect = Number(env.CLIPFORGE_EXPECT || 0);
let count = 0;
const finish = async (code) => {
  print({ kind: "done", count });
  await wsClient.dispose();
  process.exit(code);
};

client
  .subscribe({
    query: PIPELINE_EVENTS,
    variables: uploadId ? { uploadId } : {},
  })
  .subscribe({
    next: (result) => {
      if (result.error) {
        print({ kind: "error", where: "subscription", message: String(result.error.message) });
        return;
      }
      const { __typename, ...event } = result.data.pipelineEvents;
      count += 1;
      print({ kind: "event", event });
      if (expect && count >= expect) finish(0);
    },
    error: (err) => {
      print({ kind: "error", where: "subscription", message: String(err?.message ?? err) });
      finish(1);
    },
  });

process.on("SIGTERM", () => finish(0));
