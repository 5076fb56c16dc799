// An outside CloudEvents producer, as a service would write one with the CloudEvents JavaScript
// SDK: it asks TaskFlow for a task (com.taskflow.task.create) once in binary mode and once in
// structured mode, over HTTP to POST /api/events, with a personal access token.
//
//   node e2e/producer.mjs <base URL> <token> <project id> <title>
//
// Prints one JSON line per mode: {mode, status, type, task_id, problem}. The SDK's httpTransport
// does not return the status, so the transport here is fetch; the SDK encodes the event.
import { CloudEvent, HTTP, Mode, emitterFor } from "cloudevents";

const [baseUrl, token, projectId, title] = process.argv.slice(2);
if (!baseUrl || !token || !projectId || !title) {
  console.error("usage: node e2e/producer.mjs <base URL> <token> <project id> <title>");
  process.exit(2);
}
const sink = `${baseUrl.replace(/\/$/, "")}/api/events`;

/** Sends a Message the SDK encoded, with the token; answers the reply with its status. */
async function transport(message) {
  const response = await fetch(sink, {
    method: "POST",
    headers: { ...message.headers, Authorization: `Bearer ${token}` },
    body: message.body,
  });
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.text() };
}

for (const mode of [Mode.BINARY, Mode.STRUCTURED]) {
  const emit = emitterFor(transport, { binding: HTTP, mode });
  const event = new CloudEvent({
    type: "com.taskflow.task.create",
    source: "/producers/js-sdk",
    datacontenttype: "application/json",
    data: { project_id: projectId, title: `${title} (${mode})`, priority: "high" },
  });
  const reply = await emit(event);
  const line = { mode, status: reply.status, type: null, task_id: null, problem: null };
  if (reply.status === 200) {
    // TaskFlow answers the task.created event, in the mode it was sent in.
    const created = HTTP.toEvent({ headers: reply.headers, body: reply.body });
    line.type = created.type;
    line.task_id = created.data.task.id;
  } else {
    line.problem = JSON.parse(reply.body);
  }
  console.log(JSON.stringify(line));
}
