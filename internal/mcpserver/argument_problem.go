package mcpserver

import "errors"

// ArgumentProblem splits an error of the exported import functions
// (ImportCardFile, ImportLorebookFile) into the argument it is about
// ("content", "name") and the problem, for callers that are not MCP
// clients and name their inputs otherwise: charsimctl names the file or
// its --name flag, the console its form field. ok is false for an error
// that is not about an argument (a failing store).
func ArgumentProblem(err error) (arg, problem string, ok bool) {
	var ae *argumentError
	if !errors.As(err, &ae) {
		return "", "", false
	}
	return ae.arg, ae.problem, true
}
