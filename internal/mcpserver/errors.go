package mcpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/mojin/charsim/internal/store"
)

// argumentError is a bad tool, prompt or resource argument. Its text names the
// argument so that a model can fix its call.
type argumentError struct {
	arg     string
	problem string
}

func (e *argumentError) Error() string {
	return fmt.Sprintf("invalid argument %q: %s", e.arg, e.problem)
}

func badArgument(arg, format string, args ...any) error {
	return &argumentError{arg: arg, problem: fmt.Sprintf(format, args...)}
}

// unknown turns store.ErrNotFound about the row that argument arg addresses
// into an error naming arg.
func unknown(err error, arg, value string) error {
	if errors.Is(err, store.ErrNotFound) {
		return badArgument(arg, "%q does not exist", value)
	}
	return err
}

// nothingToChange is the error of an update call that passes no field.
func nothingToChange(args ...string) error {
	return badArgument(args[0], "nothing to change: pass at least one of %s", strings.Join(args, ", "))
}

// explain turns an error from the work of op (a tool, prompt or resource)
// into the error the client sees, and tells whether the caller was at fault.
// Argument and store validation errors pass through; for anything else the
// dependencies are checked, so that an outage reads as one ("the postgres
// dependency is unavailable") rather than as a driver message.
func (s *Server) explain(ctx context.Context, op string, err error) (_ error, callerFault bool) {
	var argErr *argumentError
	switch {
	case errors.As(err, &argErr):
		return err, true
	case errors.Is(err, store.ErrInvalid):
		return fmt.Errorf("invalid input: %w", err), true
	case errors.Is(err, store.ErrNotFound):
		return fmt.Errorf("not found: %w", err), true
	case errors.Is(err, store.ErrConflict):
		return fmt.Errorf("conflict: %w", err), true
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s was cancelled", op), false
	}
	for _, d := range s.checkDependencies(ctx, false) {
		if !d.OK {
			s.logger.Warn("request failed: dependency unavailable", "op", op, "dependency", d.Name, "error", err)
			return fmt.Errorf("%s failed: the %s dependency is unavailable (%s); retry later", op, d.Name, d.Error), false
		}
	}
	s.logger.Error("request failed", "op", op, "error", err)
	return fmt.Errorf("%s failed: %w", op, err), false
}

// toolError is the error text of a failed tool call (an IsError result).
func (s *Server) toolError(ctx context.Context, tool string, err error) error {
	explained, _ := s.explain(ctx, tool, err)
	return explained
}

// rpcError is the JSON-RPC error of a failed prompt or resource request.
func (s *Server) rpcError(ctx context.Context, op string, err error) error {
	explained, callerFault := s.explain(ctx, op, err)
	code := int64(jsonrpc.CodeInternalError)
	if callerFault {
		code = jsonrpc.CodeInvalidParams
	}
	return &jsonrpc.Error{Code: code, Message: explained.Error()}
}

// recoverPanics is receiving middleware that turns a panic in any handler
// into a JSON-RPC internal error instead of crashing the process. A panic is
// a bug: it is logged with its stack.
func recoverPanics(logger *slog.Logger) mcp.Middleware {
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (result mcp.Result, err error) {
			defer func() {
				if p := recover(); p != nil {
					logger.Error("panic in MCP handler", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					result, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: fmt.Sprintf("internal error in %s", method)}
				}
			}()
			return next(ctx, method, req)
		}
	}
}

// nullArgumentsAsEmpty is receiving middleware that reads `"arguments": null`
// in a tool call as no arguments, which is what it means. The SDK would
// otherwise apply schema defaults to a nil map and panic (go-sdk v1.8.0,
// jsonschema-go v0.4.3).
func nullArgumentsAsEmpty(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if call, ok := req.(*mcp.CallToolRequest); ok && call.Params != nil &&
			bytes.Equal(bytes.TrimSpace(call.Params.Arguments), []byte("null")) {
			call.Params.Arguments = json.RawMessage("{}")
		}
		return next(ctx, method, req)
	}
}
