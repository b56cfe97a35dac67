// Package bot is the charsim Discord bot: it lets the people of a Discord
// server talk to charsim characters.
//
// The bot holds no story data of its own. Characters, memories, timelines,
// relationships and the conversation log live behind the charsim MCP server,
// which the bot calls as an MCP client over streamable HTTP. A reply is
// written by any OpenAI-compatible chat endpoint from the context the server
// assembles (get_context); without one, a clearly labelled offline responder
// answers from the character's persona and memories. That turn pipeline is
// internal/turn, shared with the web console's Play page; this package is
// what is Discord's.
//
// Slash commands (/character, /talk, /remember, /recall, /timeline,
// /relationship, /forget-me, /status) and mentions of the bot drive it. Per
// user and per channel rate limits, the active character of each channel and
// the gateway connection state are kept in Redis when REDIS_URL is set and in
// memory otherwise. /healthz, /readyz and /metrics are served on :8080.
package bot
