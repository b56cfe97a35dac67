package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolInfo describes a tool beyond what its input type says.
type toolInfo struct {
	name        string
	description string
	// readOnly tools change nothing; destructive ones delete data.
	readOnly, destructive bool
	// rules refine the input schema inferred from the input type (enums,
	// ranges, defaults) so that the model sees them and the SDK enforces them.
	rules []schemaRule
}

// addTool registers a tool. The SDK decodes the arguments into In and
// validates them against the refined schema first (a violation is a tool
// error naming the argument); run's errors go through toolError.
func addTool[In, Out any](s *Server, info toolInfo, run func(context.Context, In) (Out, error)) {
	tool := &mcp.Tool{
		Name:        info.name,
		Description: info.description,
		// Handed over as JSON, not as *jsonschema.Schema: the SDK resolves it
		// once here either way, but for every call over HTTP it marshals the
		// input schema again to look for x-mcp-header annotations, and
		// marshalling a *jsonschema.Schema costs more than the rest of a
		// cheap call (go-sdk v1.8.0).
		InputSchema: marshalSchema(info.name, inputSchema[In](info.rules)),
		Annotations: &mcp.ToolAnnotations{
			ReadOnlyHint:    info.readOnly,
			DestructiveHint: &info.destructive,
			OpenWorldHint:   new(bool),
		},
	}
	mcp.AddTool(s.mcp, tool, func(ctx context.Context, _ *mcp.CallToolRequest, in In) (*mcp.CallToolResult, Out, error) {
		out, err := run(ctx, in)
		if err != nil {
			var zero Out
			return nil, zero, s.toolError(ctx, info.name, err)
		}
		return nil, out, nil
	})
}

// schemaRule refines the properties of an inferred input schema.
type schemaRule func(props map[string]*jsonschema.Schema)

// inputSchema infers the schema of In, makes required strings non-blank and
// applies the rules. A rule naming an unknown property is a programming
// error, caught when the tools are registered.
func inputSchema[In any](rules []schemaRule) *jsonschema.Schema {
	schema, err := jsonschema.For[In](nil)
	if err != nil {
		panic(fmt.Sprintf("input schema of %T: %v", *new(In), err))
	}
	for _, name := range schema.Required {
		if p := schema.Properties[name]; p.Type == "string" {
			p.MinLength, p.Pattern = jsonschema.Ptr(1), `\S`
		}
	}
	for _, rule := range rules {
		rule(schema.Properties)
	}
	return schema
}

// marshalSchema is schema as JSON; failing to marshal an inferred schema is
// a programming error, caught when the tools are registered.
func marshalSchema(tool string, schema *jsonschema.Schema) json.RawMessage {
	raw, err := json.Marshal(schema)
	if err != nil {
		panic(fmt.Sprintf("input schema of %s: %v", tool, err))
	}
	return raw
}

func property(props map[string]*jsonschema.Schema, name string) *jsonschema.Schema {
	p, ok := props[name]
	if !ok {
		panic(fmt.Sprintf("schema rule names unknown property %q", name))
	}
	return p
}

// oneOf limits a string property to values.
func oneOf[T ~string](name string, values []T) schemaRule {
	return func(props map[string]*jsonschema.Schema) {
		p := property(props, name)
		for _, v := range values {
			p.Enum = append(p.Enum, string(v))
		}
		if slices.Contains(p.Types, "null") {
			p.Enum = append(p.Enum, nil)
		}
	}
}

// between limits a number property to lo..hi.
func between(name string, lo, hi float64) schemaRule {
	return func(props map[string]*jsonschema.Schema) {
		p := property(props, name)
		p.Minimum, p.Maximum = &lo, &hi
	}
}

// byDefault gives a property the value the SDK fills in when it is absent.
func byDefault(name string, value any) schemaRule {
	raw, err := json.Marshal(value)
	if err != nil {
		panic(fmt.Sprintf("default of %q: %v", name, err))
	}
	return func(props map[string]*jsonschema.Schema) {
		property(props, name).Default = raw
	}
}

// registerTools adds every tool of the server.
func (s *Server) registerTools() {
	s.registerCharacterTools()
	s.registerMemoryTools()
	s.registerTimelineTools()
	s.registerStateTools()
	s.registerConversationTools()
}
