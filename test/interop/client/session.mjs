// A roleplay session against the charsim MCP server with the official
// TypeScript MCP SDK: a client nobody on this project wrote. It calls every
// tool, reads the resources and gets the prompt, and prints what happened as
// one JSON document for test/interop to check. The SDK itself checks each
// tool's structured result against the output schema the tool advertises
// and throws when it does not match.
//
// MCP_URL is the endpoint; MCP_AUTH_TOKEN the bearer token (from the
// environment, never the command line).
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

const url = new URL(process.env.MCP_URL);
const token = process.env.MCP_AUTH_TOKEN;

async function connect(headers) {
  const client = new Client({ name: "charsim-interop", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

const report = { calls: [] };

// Without the token the server must refuse the session.
try {
  const stranger = await connect({});
  await stranger.close();
  report.unauthorized = { message: "connected" };
} catch (err) {
  report.unauthorized = { status: err.code, message: String(err) };
}

const client = await connect({ Authorization: `Bearer ${token}` });
report.server = client.getServerVersion();
report.tools = (await client.listTools()).tools.map((t) => t.name);

async function call(name, args) {
  const entry = { tool: name, arguments: args };
  report.calls.push(entry);
  try {
    const result = await client.callTool({ name, arguments: args });
    entry.isError = result.isError === true;
    entry.text = result.content?.map((c) => c.text ?? "").join("\n");
    entry.structured = result.structuredContent;
  } catch (err) {
    entry.thrown = String(err);
  }
  return entry.structured;
}

const aria = await call("create_character", {
  name: "Aria", personality: "curious and kind", background: "a lighthouse keeper's daughter",
  speech_patterns: "speaks in short sentences", goals: ["find her brother"],
});
await call("create_character", { name: "Bram" });
await call("get_character", { character: "Aria" });
await call("update_character", { character: "Aria", style: "warm" });
await call("list_characters", {});

const pilot = await call("remember", {
  character: "Aria", text: "Sam's sister Mia flies cargo planes as a pilot", kind: "semantic", importance: 6, user: "sam",
});
await call("remember", { character: "Aria", text: "Aria promised to bake bread for the village festival", importance: 7 });
const lamp = await call("remember", { character: aria?.id, text: "The old lighthouse lamp needs a new wick", tags: ["chores"] });
await call("recall", { character: "Aria", query: "what does Mia do, is she a pilot?" });
await call("recall", { character: "Aria" }); // no query: must be a tool error naming it
await call("update_memory", { memory_id: lamp?.id, importance: 4 });
await call("list_memories", { character: "Aria" });
await call("forget", { memory_id: lamp?.id });

const storm = await call("add_event", { channel: "harbour", description: "A storm reaches the harbour", type: "plot_point", impact: 6 });
await call("add_event", { channel: "harbour", description: "Aria lights the lamp", character: "Aria", participants: ["Aria"] });
await call("branch_timeline", { from_event_id: storm?.id, name: "calm" });
await call("add_event", { channel: "harbour", description: "The storm passes by", branch: "calm" });
await call("get_timeline", { channel: "harbour", branch: "calm" });

await call("update_character_state", { character: "Aria", emotion: "hopeful", energy: 70, location: "lighthouse" });
await call("get_character_state", { character: "Aria" });
await call("update_relationship", { character: "Aria", target: "sam", affinity_delta: 0.5, trust_delta: 0.2, reason: "helped with the lamp" });
await call("get_relationships", { character: "Aria" });

await call("log_message", { character: "Aria", channel: "harbour", role: "user", user: "sam", content: "Hi Aria!" });
await call("get_context", { character: "Aria", channel: "harbour", user: "sam", message: "Is my sister still a pilot?" });

// A card with a lorebook, in and out, and the lore tools.
const card = {
  spec: "chara_card_v2", spec_version: "2.0",
  data: {
    name: "Seraphina", description: "A guardian of the glade.", personality: "gentle", first_mes: "You're awake.",
    alternate_greetings: ["Rest now."], extensions: { fav: true },
    character_book: { name: "Glade", entries: [{ keys: ["glade"], content: "The glade is hidden.", enabled: true, insertion_order: 1, extensions: {} }] },
  },
};
await call("import_character_card", { content: card });
await call("set_persona", { user: "u-interop", name: "Sam", description: "a sailor back from the north" });
await call("get_persona", { user: "u-interop" });
await call("import_lorebook", {
  content: { entries: { "0": { uid: 0, key: ["harbour"], content: "The harbour freezes every winter." } } },
  scope: "world",
});
await call("export_character_card", { character: "Seraphina", format: "png" });
const entry = await call("add_lore_entry", { scope: "world", content: "The harbour has a lighthouse.", keys: ["harbour"] });
await call("update_lore_entry", { entry: entry?.id, priority: 3 });
await call("list_lore", { scope: "character", owner: "Seraphina" });
await call("delete_lore_entry", { entry: entry?.id });

await call("forget_user", { user: "sam" });
await call("delete_character", { character: "Bram" });

report.templates = (await client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
report.resource = (await client.readResource({ uri: "character://Aria" })).contents[0];
const prompt = await client.getPrompt({
  name: "roleplay", arguments: { character: "Aria", channel: "harbour", user: "sam", message: "tell me about the storm" },
});
report.prompt = prompt.messages.map((m) => m.content.text).join("\n");
report.pilotMemoryID = pilot?.id;

await client.close();
console.log(JSON.stringify(report));
