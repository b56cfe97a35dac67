// Package turn is the roleplay turn pipeline: the one way a user's message
// to a character becomes the character's reply, shared by the Discord bot
// (internal/bot) and the web console's Play page (internal/console).
//
// A turn asks the charsim MCP server for the roleplay context (get_context),
// has a Responder write the reply (an OpenAI-compatible chat endpoint, or
// the labelled offline responder when none is configured), and records it:
// both messages in the conversation log, the salient facts as memories, the
// relationship shift and the story events on the channel's timeline. Every
// step goes through the MCP server's tools, over whatever MCP session the
// caller gives the Client: streamable HTTP for the bot, an in-memory
// transport for the console inside the server's own process.
//
// The heuristics that decide what a turn records (salience.go,
// sentiment.go, story.go) are plain functions of the message, so the bot
// and the console record the same things for the same words.
package turn
