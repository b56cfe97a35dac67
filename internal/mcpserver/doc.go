// Package mcpserver serves a character simulation over the Model Context
// Protocol: tools, resources and a prompt over the SQL store
// (internal/store) and the vector memory (internal/memory), with an optional
// Redis cache of recent conversation, on streamable HTTP (/mcp, with /healthz
// and /readyz beside it) or stdio.
//
// Tools report bad arguments as tool errors (IsError results) whose text names
// the argument, so that a model can correct its call; no input panics the
// server.
package mcpserver
