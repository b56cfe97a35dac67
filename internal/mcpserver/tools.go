package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
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

// addTool registers a tool. Its arguments are checked against the refined
// input schema (defaults filled in, a violation is a tool error naming the
// argument) and decoded into In; run's errors go through toolError; Out is
// returned as structured content and, for older clients, as JSON text.
//
// This is what the SDK's typed mcp.AddTool does, through its raw
// Server.AddTool: the typed path decodes the arguments three times with a
// decoder that allocates 32 KiB each time, and validates every result
// against the output schema. That was a tenth of a recall's CPU time (go-sdk
// v1.8.0); every successful tool call in the tests checks its result
// against the advertised output schema instead (see call in helpers_test.go).
func addTool[In, Out any](s *Server, info toolInfo, run func(context.Context, In) (Out, error)) {
	input := inputSchema[In](info.rules)
	resolved, err := input.Resolve(&jsonschema.ResolveOptions{ValidateDefaults: true})
	if err != nil {
		panic(fmt.Sprintf("input schema of %s: %v", info.name, err))
	}
	output, err := jsonschema.For[Out](schemaOptions)
	if err != nil {
		panic(fmt.Sprintf("output schema of %s: %v", info.name, err))
	}
	tool := &mcp.Tool{
		Name:        info.name,
		Description: info.description,
		// Handed over as JSON, not as *jsonschema.Schema: for every call over
		// HTTP the SDK marshals the input schema again to look for
		// x-mcp-header annotations, and marshalling a *jsonschema.Schema
		// costs more than the rest of a cheap call (go-sdk v1.8.0).
		InputSchema:  marshalSchema(info.name, input),
		OutputSchema: marshalSchema(info.name, output),
		Annotations: &mcp.ToolAnnotations{
			ReadOnlyHint:    info.readOnly,
			DestructiveHint: &info.destructive,
			OpenWorldHint:   new(bool),
		},
	}
	s.mcp.AddTool(tool, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		in, err := decodeArguments[In](req.Params.Arguments, resolved)
		if err != nil {
			return errorResult(fmt.Errorf("validating \"arguments\": %w", err)), nil
		}
		out, err := run(ctx, in)
		if err != nil {
			return errorResult(s.toolError(ctx, info.name, err)), nil
		}
		structured, err := json.Marshal(out)
		if err != nil {
			return nil, fmt.Errorf("marshal the result of %s: %w", info.name, err)
		}
		return &mcp.CallToolResult{
			StructuredContent: json.RawMessage(structured),
			Content:           []mcp.Content{&mcp.TextContent{Text: string(structured)}},
		}, nil
	})
}

// decodeArguments validates a tool call's arguments against the resolved
// input schema, with the schema's defaults filled in, and decodes them.
func decodeArguments[In any](raw json.RawMessage, schema *jsonschema.Resolved) (In, error) {
	var in In
	args := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &args); err != nil {
			return in, fmt.Errorf("unmarshaling arguments: %w", err)
		}
	}
	if err := schema.ApplyDefaults(&args); err != nil {
		return in, fmt.Errorf("applying schema defaults: %w", err)
	}
	if err := schema.Validate(&args); err != nil {
		return in, err
	}
	// The schema forbids properties In does not have, so the decoder's
	// case-insensitive field matching never comes into play.
	withDefaults, err := json.Marshal(args)
	if err != nil {
		return in, fmt.Errorf("marshalling with defaults: %w", err)
	}
	if err := json.Unmarshal(withDefaults, &in); err != nil {
		return in, err
	}
	return in, nil
}

// errorResult is a tool result reporting err to the model.
func errorResult(err error) *mcp.CallToolResult {
	var res mcp.CallToolResult
	res.SetError(err)
	return &res
}

// schemaOptions make a json.RawMessage (a card's kept extensions, say) any
// JSON value, which is what it holds, rather than the array of bytes its
// Go type would say.
var schemaOptions = &jsonschema.ForOptions{TypeSchemas: map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[json.RawMessage](): {},
}}

// schemaRule refines the properties of an inferred input schema.
type schemaRule func(props map[string]*jsonschema.Schema)

// inputSchema infers the schema of In, makes required strings non-blank and
// applies the rules. A rule naming an unknown property is a programming
// error, caught when the tools are registered.
func inputSchema[In any](rules []schemaRule) *jsonschema.Schema {
	schema, err := jsonschema.For[In](schemaOptions)
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
	s.registerCardTools()
	s.registerLoreTools()
	s.registerPersonaTools()
	s.registerLorebookImport()
}
